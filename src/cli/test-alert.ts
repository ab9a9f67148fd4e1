import type { Settings } from '../config/settings.js';
import type { Notification } from '../domain/alerts.js';
import { snapshot } from '../domain/evaluate.js';
import { forecast } from '../domain/forecast.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { sendTestAlert } from '../notify/alertmanager/alertmanager.js';
import { createReceivers } from '../notify/registry.js';
import { sayUnheard } from '../start-notes.js';
import { savedStateOrFresh } from '../store/read-only.js';
import { StateStore } from '../store/state-store.js';

/**
 * `wallet-sentinel test-alert`: one clearly marked test notification through every configured channel,
 * one attempt each, with the first wallet's labels; prints which worked and why not. Exit 0 if every channel
 * accepted it, else 1.
 */
export async function runTestAlert(settings: Settings, log: Logger, out: (line: string) => void): Promise<number> {
  const receivers = createReceivers(settings);
  const notifiers = receivers.flatMap((r) => r.notifiers);
  // Alertmanager is no notifier (the daemon syncs its firing set) but a channel all the same; each once.
  const alertmanagers = [...new Map(receivers.flatMap((r) => r.alertmanagers).map((t) => [t.baseUrl, t])).values()];
  const channels = [...notifiers.map((x) => ({ label: x.label, send: (n: Notification) => x.send(n, AbortSignal.timeout(60_000)) })), ...alertmanagers.map((t) => ({ label: t.label, send: (n: Notification) => sendTestAlert(t, n) }))];
  if (channels.length === 0) {
    log.error('no alert channel configured: set SMTP_URL (with ALERT_EMAIL_FROM and ALERT_EMAIL_TO), ALERT_WEBHOOK_URL and/or ALERTMANAGER_URL'); // an error: stderr, not the channel report
    return 1;
  }
  sayUnheard(log, settings.wallets, receivers);
  const now = Date.now();
  const wallet = settings.wallets[0]!; // with WALLETS_FILE: the first wallet stands for all
  const account = wallet.name;
  // The last known balance makes the test message look like a real one; nothing is written. A database
  // that cannot be read (corrupt, a folder in its place) only leaves it out: the channels are what is tested.
  const { state, problem } = await savedStateOrFresh(new StateStore(settings.stateDir, log, { readOnly: true }), account, now);
  if (problem) log.warn(`${problem}: the test notification carries no balance`);
  const n: Notification = {
    id: `${account}/test/${now.toString(36)}`,
    account: account,
    alertname: 'test',
    severity: 'warning',
    status: 'firing',
    reason: 'test',
    startsAt: now,
    decidedAt: now,
    wallet: snapshot(state, forecast(state.history, state.balance, now)),
    labels: wallet.labels, // as a real alert of that wallet carries them (fleet/runner.ts): a route matching them applies
    provider: wallet.provider,
  };
  const results = await Promise.allSettled(channels.map((c) => c.send(n)));
  let ok = 0;
  results.forEach((r, i) => {
    const label = channels[i]!.label;
    if (r.status === 'fulfilled') {
      ok++;
      out(`ok      ${label}`);
    } else out(`FAILED  ${label}: ${withoutLabel(describeError(r.reason), label)}`);
  });
  for (const x of notifiers) x.close?.();
  out(`${ok} of ${channels.length} channel(s) accepted the test notification`);
  return ok === channels.length ? 0 : 1;
}

/** A channel's error starts with its label (for the daemon's logs); here the label already opens the line. */
function withoutLabel(message: string, label: string): string {
  if (!message.startsWith(label)) return message;
  return message.slice(label.length).replace(/^:?\s+/, '');
}
