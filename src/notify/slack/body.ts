/** The bodies a Slack-compatible incoming webhook receives: one alert, or a digest. PURE. */
import type { Notification } from '../../domain/alerts.js';
import { action, byUrgency, digestActions, digestLine, digestTitle, facts, summary, urgency } from '../../domain/messages.js';

/**
 * Slack's three control characters, escaped as Slack documents: `<` and `>` would otherwise turn text into
 * a mention (`<!channel>`) or a link with a foreign label (`<https://…|TOP UP>`).
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const icon = (n: Notification): string => (n.status === 'firing' ? (n.severity === 'critical' ? ':rotating_light:' : ':warning:') : ':white_check_mark:');

/**
 * Slack-compatible incoming webhook (also Mattermost, Rocket.Chat, Google Chat's `text`). Only the markup
 * added here (emoji, bold) is left as is: every sentence, which carries the account, the currency and the
 * numbers, is escaped.
 */
export function slackBody(n: Notification) {
  const head = `${icon(n)} *[${n.status.toUpperCase()}] ${slackEscape(summary(n))}*`;
  return { text: [head, ...facts(n).map((f) => slackEscape(cut(f))), `*What to do:* ${slackEscape(action(n))}`].join('\n') };
}

/**
 * Lines a Slack digest lists, and their characters in all: Slack truncates a text past 40,000 characters and
 * advises under 4,000. A line carries its wallet's labels, which have no length limit: 100 wallets with long
 * labels made 49,000 characters, and Slack cut the count of the rest and what to do.
 */
export const SLACK_DIGEST_LINES = 40;
export const SLACK_DIGEST_CHARS = 8_000;
/** A line past this (long labels) is cut, with an ellipsis. */
const LINE_CHARS = 600;

const cut = (line: string): string => (line.length <= LINE_CHARS ? line : `${line.slice(0, LINE_CHARS - 1)}…`);

/**
 * Many notifications in one message: one line per wallet alert (balance, runway), at most
 * SLACK_DIGEST_LINES of them and SLACK_DIGEST_CHARS in all, most urgent first (in the order decided among equals: a fleet's outage of
 * 500 wallets showed the first 40 decided, resolves among them, and cut the critical ones that came
 * later), then how many more and how many of those fire critical, then what to do.
 */
export function slackDigestBody(ns: readonly Notification[]) {
  const ordered = byUrgency(ns);
  const lines: string[] = [];
  let chars = 0;
  for (const n of ordered) {
    const line = `${icon(n)} ${slackEscape(cut(digestLine(n)))}`;
    if (lines.length === SLACK_DIGEST_LINES || (lines.length > 0 && chars + line.length > SLACK_DIGEST_CHARS)) break;
    lines.push(line);
    chars += line.length + 1;
  }
  const rest = ordered.slice(lines.length);
  const critical = rest.filter((n) => urgency(n) === 0).length;
  if (rest.length > 0) lines.push(`…and ${rest.length} more${critical > 0 ? `, ${critical} of them critical` : ''} (every wallet is on the status page, /api/status)`);
  const todo = digestActions(ns).map((a) => `• ${slackEscape(a)}`);
  return { text: [`*${slackEscape(digestTitle(ns))}*`, ...lines, '*What to do:*', ...todo].join('\n') };
}
