import { createHmac } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import type { WebhookSettings, WebhookTarget } from '../../config/settings.js';
import type { Notification } from '../../domain/alerts.js';
import { NotifyError, safeErrorCode } from '../../errors.js';
import { parseRetryAfter } from '../../telephony/retry-after.js';
import { deadline } from '../../deadline.js';
import { USER_AGENT } from '../../version.js';
import { SEND_TIMEOUT_MS, type Notifier } from '../notifier.js';
import { pagerdutyBody, slackBody, webhookBody } from './body.js';

export const SIGNATURE_HEADER = 'X-Wallet-Sentinel-Signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` over the exact bytes sent. */
export function signature(secret: string, unixSeconds: number, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** One webhook URL. 2xx is success; 429, 408 and 5xx retry; other statuses (redirects too) are final. */
export class WebhookNotifier implements Notifier {
  readonly channel = 'webhook' as const;
  readonly key: string;
  readonly label: string;
  readonly #http: AxiosInstance;

  constructor(
    private readonly target: WebhookTarget,
    private readonly settings: Pick<WebhookSettings, 'secret' | 'pagerdutyRoutingKey'>,
    private readonly now: () => number = Date.now,
  ) {
    this.label = target.label;
    this.key = `webhook:${target.label}`;
    // Only the status matters: the answer's body is streamed and dropped unread, whatever its size.
    this.#http = axios.create({ maxRedirects: 0, responseType: 'stream', validateStatus: () => true });
  }

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    const sentAt = this.now();
    const raw = JSON.stringify(this.#body(n, sentAt));
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT, 'X-Wallet-Sentinel-Id': n.id };
    if (this.settings.secret) headers[SIGNATURE_HEADER] = signature(this.settings.secret.reveal(), Math.floor(sentAt / 1000), raw);

    let status: number;
    let retryAfter: string | undefined;
    const limit = deadline(SEND_TIMEOUT_MS, signal);
    try {
      const res = await this.#http.post(this.target.url.reveal(), raw, { headers, signal: limit.signal });
      status = res.status;
      (res.data as { destroy?: () => void } | undefined)?.destroy?.();
      const h: unknown = res.headers['retry-after'];
      retryAfter = typeof h === 'string' ? h : undefined;
    } catch (err) {
      // Never the AxiosError itself: it carries the URL, which may be the credential (Slack).
      const code = (axios.isAxiosError(err) ? safeErrorCode(err) : undefined) ?? 'error';
      if (signal.aborted) throw new NotifyError('aborted', `${this.label}: aborted`, { retryable: true });
      if (code === 'ERR_CANCELED') throw new NotifyError('timeout', `${this.label}: no answer within ${SEND_TIMEOUT_MS} ms`, { retryable: true });
      throw new NotifyError('network', `${this.label}: network error (${code})`, { retryable: true });
    } finally {
      limit.clear();
    }
    if (status >= 200 && status < 300) return;
    const wait = retryAfter === undefined ? undefined : parseRetryAfter(retryAfter, this.now());
    if (status === 429) throw new NotifyError('rate_limited', `${this.label} answered 429`, { retryable: true, retryAfterMs: wait ?? 60_000 });
    if (status >= 500 || status === 408) throw new NotifyError('server', `${this.label} answered ${status}`, { retryable: true, retryAfterMs: wait });
    const hint = status >= 300 && status < 400 ? ' (redirects are not followed)' : status === 410 ? ' (the endpoint is gone)' : '';
    throw new NotifyError('rejected', `${this.label} answered ${status}${hint}; not retried`, { retryable: false });
  }

  #body(n: Notification, sentAt: number): unknown {
    switch (this.target.format) {
      case 'slack':
        return slackBody(n);
      case 'pagerduty':
        return pagerdutyBody(n, this.settings.pagerdutyRoutingKey?.reveal() ?? '', sentAt);
      case 'json':
        return webhookBody(n, sentAt);
    }
  }
}
