/**
 * WALLETS_FILE's top-level `receivers:` (issue 11): named receivers, each with one or more channels, an
 * optional severity limit and digest interval. Every channel entry is read by its own channel's spec
 * (src/notify/<channel>/config.ts); this file knows only the receiver's shape.
 *
 *   receivers:
 *     voice-slack:
 *       slack: [{url_file: /run/secrets/voice-slack}]
 *     oncall:
 *       severities: [critical]
 *       pagerduty: [{routing_key_file: /run/secrets/pd}]
 */
import { destinationKey, type ChannelEnv } from '../notify/channel.js';
import { CHANNELS, channelSpec, DEFAULT_RECEIVER } from '../notify/registry.js';
import { SEVERITIES, type Severity } from '../domain/rules.js';
import { GROUP_INTERVAL_MAX } from '../notify/delivery.js';
import { parseDuration } from './duration.js';
import type { ReceiverSettings } from './settings.js';
import { nameProblem } from './wallet.js';
import { keyShown, unknownKey, valueShown } from './shown.js';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const RECEIVER_KEYS = ['severities', 'group_interval'];

export function parseReceivers(raw: unknown, path: string, env: ChannelEnv, problems: string[], warnings: string[]): ReceiverSettings[] {
  if (raw === undefined || raw === null) return [];
  if (!isMap(raw)) {
    problems.push(`${path}: receivers: must be a map of receiver name to its channels`);
    return [];
  }
  const kinds = CHANNELS.map((c) => c.kind);
  const out: ReceiverSettings[] = [];
  for (const [name, body] of Object.entries(raw)) {
    const where = `${path}: receiver ${keyShown(name)}`;
    const before = problems.length;
    const nameIssue = name === DEFAULT_RECEIVER
      ? `'${DEFAULT_RECEIVER}' is the receiver of the environment's channels (SMTP_URL, ALERT_WEBHOOK_URL, ALERTMANAGER_URL); choose another name`
      : nameProblem(name);
    if (nameIssue) problems.push(`${where}: ${nameIssue}`);
    if (!isMap(body)) {
      problems.push(`${where}: must be a map with channels (${kinds.join(', ')})`);
      continue;
    }
    for (const k of Object.keys(body)) if (!RECEIVER_KEYS.includes(k) && !kinds.includes(k as never)) problems.push(`${where}: ${unknownKey(k)} (expected ${[...kinds, ...RECEIVER_KEYS].join(', ')})`);

    let severities: Severity[] | undefined;
    if (body.severities !== undefined) {
      const list = Array.isArray(body.severities) ? body.severities : [body.severities];
      if (list.length === 0 || list.some((s) => !(SEVERITIES as readonly unknown[]).includes(s))) problems.push(`${where}: severities: must be a list of ${SEVERITIES.join(', ')}`);
      else severities = [...new Set(list as Severity[])];
    }
    let groupIntervalMs: number | undefined;
    if (body.group_interval !== undefined) {
      groupIntervalMs = typeof body.group_interval === 'string' || typeof body.group_interval === 'number' ? parseDuration(String(body.group_interval)) : undefined;
      if (groupIntervalMs === undefined) problems.push(`${where}: group_interval: is not a duration such as 5m or 300 (seconds)`);
      else if (groupIntervalMs > GROUP_INTERVAL_MAX.ms) problems.push(`${where}: group_interval: must be at most ${GROUP_INTERVAL_MAX.why}, got ${valueShown(String(body.group_interval))}`);
    }

    const channels: ReceiverSettings['channels'][number][] = [];
    const seen = new Map<string, number>();
    for (const kind of kinds) {
      const entries = body[kind];
      if (entries === undefined || entries === null) continue;
      const spec = channelSpec(kind)!;
      const list = Array.isArray(entries) ? entries : [entries];
      list.forEach((entry: unknown, i) => {
        const at = `${where}: ${kind} #${i + 1}`;
        if (!isMap(entry)) {
          problems.push(`${at}: must be a map (${spec.keys.join(', ')})`);
          return;
        }
        const parsed = spec.parse(entry, (key, message) => problems.push(`${at}: ${key}: ${message}`), { where: `${at}: `, warnings, env });
        if (!parsed) return;
        const formerKey = `${name}/${kind}#${i + 1}`;
        const key = spec.destination ? destinationKey(`${name}/${kind}`, spec.destination(parsed.config), seen) : formerKey;
        channels.push({ kind, key, formerKey, label: `${name}/${kind}#${i + 1} (${parsed.host})`, config: parsed.config });
      });
    }
    if (problems.length === before && channels.length === 0) problems.push(`${where}: has no channel (give at least one of ${kinds.join(', ')})`);
    if (problems.length === before) out.push({ name, severities, groupIntervalMs, channels });
  }
  return out;
}
