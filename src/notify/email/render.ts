/** The email for a notification: subject, text and HTML parts. PURE. */
import type { Notification } from '../../domain/alerts.js';
import { action, facts, formatBalance, summary } from '../../domain/messages.js';
import { emailForecastPicture } from '../../web/forecast-picture.js';

export function subject(n: Notification): string {
  const sev = n.status === 'firing' ? ` (${n.severity})` : '';
  const test = n.alertname === 'test' ? ' [TEST]' : '';
  return `[${n.status.toUpperCase()}]${test} ${n.alertname}${sev}: Telephony.io wallet '${n.account}', balance ${formatBalance(n)}`;
}

export function textBody(n: Notification): string {
  return [summary(n), '', ...facts(n), '', `What to do: ${action(n)}`, '', `Alert id: ${n.id}`, '-- wallet-sentinel'].join('\n');
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

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
