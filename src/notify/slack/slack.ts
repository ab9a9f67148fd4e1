import type { Secret } from '../../config/secret.js';
import type { Notification } from '../../domain/alerts.js';
import { postJson } from '../http-post.js';
import type { Notifier } from '../notifier.js';
import { slackBody, slackDigestBody } from './body.js';

/** A Slack-compatible incoming webhook: the URL is the credential. Groups what fires close together (digests). */
export class SlackNotifier implements Notifier {
  readonly channel = 'webhook' as const;
  readonly key: string;
  readonly label: string;

  constructor(
    private readonly target: { url: Secret; label: string },
    private readonly now: () => number = Date.now,
    key?: string,
  ) {
    this.label = target.label;
    this.key = key ?? `webhook:${target.label}`;
  }

  send(n: Notification, signal: AbortSignal): Promise<void> {
    return postJson(this.target, JSON.stringify(slackBody(n)), { 'X-Wallet-Sentinel-Id': n.id }, signal, this.now);
  }

  sendDigest(ns: readonly Notification[], signal: AbortSignal): Promise<void> {
    return postJson(this.target, JSON.stringify(slackDigestBody(ns)), {}, signal, this.now);
  }
}
