/** The email for a notification: subject, text and HTML parts. PURE. */
import type { Notification } from '../../domain/alerts.js';
import { emailForecastPicture } from '../../web/forecast-picture.js';
import { escapeHtml as escape } from '../../web/format.js';
import { action, byUrgency, digestActions, digestLine, digestTitle, facts, formatBalance, summary } from '../../domain/messages.js';

export function subject(n: Notification): string {
  const sev = n.status === 'firing' ? ` (${n.severity})` : '';
  const test = n.alertname === 'test' ? ' [TEST]' : '';
  return `[${n.status.toUpperCase()}]${test} ${n.alertname}${sev}: ${n.preset?.title ?? 'Telephony.io'} wallet '${n.account}', balance ${formatBalance(n)}`;
}

export function textBody(n: Notification): string {
  return [summary(n), '', ...facts(n), '', `What to do: ${action(n)}`, '', `Alert id: ${n.id}`, '-- wallet-sentinel'].join('\n');
}

export function htmlBody(n: Notification): string {
  const color = n.status === 'resolved' ? '#2e7d32' : n.severity === 'critical' ? '#c62828' : '#ef6c00';
  const rows = facts(n)
    .map((line) => {
      const i = line.indexOf(': ');
      return `<tr><th align="left" style="padding:2px 12px 2px 0">${escape(line.slice(0, i))}</th><td>${escape(line.slice(i + 2))}</td></tr>`;
    })
    .join('');
  return `<!doctype html><html><body style="font-family:sans-serif">
<h2 style="color:${color}">[${n.status.toUpperCase()}] ${escape(summary(n))}</h2>
<table>${rows}</table>
${emailForecastPicture(n)}
<p><strong>What to do:</strong> ${escape(action(n))}</p>
<p style="color:#777;font-size:small">Alert id: ${escape(n.id)} · wallet-sentinel</p>
</body></html>`;
}

/** Wallets a digest's subject names with their balance; the others are counted. */
export const DIGEST_SUBJECT_WALLETS = 3;

/**
 * A digest's subject: `[FIRING]` when anything in it fires (else `[RESOLVED]`), how many, the alert names
 * verbatim, and the most urgent wallets (byUrgency) with their latest balance as a single alert's subject has
 * them (the contract's subject holds the alertname, the account and the balance), then how many more.
 */
export function digestSubject(ns: readonly Notification[]): string {
  const status = ns.some((n) => n.status === 'firing') ? 'FIRING' : 'RESOLVED';
  const names = [...new Set(ns.map((n) => n.alertname))].join(', ');
  const latest = new Map<string, Notification>();
  for (const n of ns) latest.set(n.account, n);
  const accounts = [...new Set(byUrgency(ns).map((n) => n.account))];
  const shown = accounts.slice(0, DIGEST_SUBJECT_WALLETS).map((a) => `'${a}' balance ${formatBalance(latest.get(a)!)}`);
  const more = accounts.length > DIGEST_SUBJECT_WALLETS ? `, ${accounts.length - DIGEST_SUBJECT_WALLETS} more` : '';
  return `[${status}] ${digestTitle(ns)}: ${names} — ${shown.join(', ')}${more}`;
}

/** A digest's text part: every line, most urgent first (byUrgency), then what to do. */
export function digestText(ns: readonly Notification[]): string {
  return [digestTitle(ns), '', ...byUrgency(ns).map(digestLine), '', 'What to do:', ...digestActions(ns).map((a) => `- ${a}`), '', '-- wallet-sentinel'].join('\n');
}

export function digestHtml(ns: readonly Notification[]): string {
  const items = byUrgency(ns).map((n) => `<li>${escape(digestLine(n))}</li>`).join('');
  const todo = digestActions(ns).map((a) => `<li>${escape(a)}</li>`).join('');
  return `<!doctype html><html><body style="font-family:sans-serif">
<h2>${escape(digestTitle(ns))}</h2>
<ul>${items}</ul>
<p><strong>What to do:</strong></p><ul>${todo}</ul>
<p style="color:#777;font-size:small">wallet-sentinel</p>
</body></html>`;
}
