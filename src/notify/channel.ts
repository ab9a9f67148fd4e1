/**
 * What a channel is, for the registry: a kind, the keys of its entry in a receiver of WALLETS_FILE and how
 * to read them, and how to make its sender. Each channel's folder holds its own (config.ts, its sender, its
 * body); src/notify/registry.ts lists them.
 */
import { createHash } from 'node:crypto';
import { Secret } from '../config/secret.js';
import type { EmailSettings, WebhookSettings, WebhookTarget } from '../config/settings.js';
import type { AddProblem, Raw } from './config-fields.js';
import type { ChannelKind, Notifier } from './notifier.js';

/** What a channel entry may fall back on: the environment's settings (SMTP_URL, ALERT_EMAIL_FROM…). */
export interface ChannelEnv {
  readonly email: Partial<Pick<EmailSettings, 'smtpUrl' | 'from' | 'requireTls' | 'caPem'>>;
}

export interface ParseContext {
  /** `receiver 'voice-slack': slack #1: ` — for warnings. */
  readonly where: string;
  readonly warnings: string[];
  readonly env: ChannelEnv;
}

/** A channel of a receiver, validated: its sender is made from `config` by the channel's own create(). */
export interface ChannelSettings {
  readonly kind: ChannelKind;
  /**
   * Owed deliveries are matched to their sender by it, across restarts and reloads: it names the
   * destination (destinationKey), so adding, removing or reordering entries moves no delivery to another.
   */
  readonly key: string;
  /** The key by position (`voice/slack#1`) that earlier builds stored with owed deliveries: read once, at start. */
  readonly formerKey: string;
  /** Safe to print: never a URL's path, a password or a routing key. */
  readonly label: string;
  readonly config: unknown;
}

export interface ChannelSpec<C = unknown> {
  readonly kind: ChannelKind;
  /** The keys of one entry, `x_file` variants included. */
  readonly keys: readonly string[];
  /** Reads one entry; every problem through `add`. Returns the config and the host (for the label). */
  parse(raw: Raw, add: AddProblem, cx: ParseContext): { config: C; host: string } | undefined;
  /**
   * ALERT_WEBHOOK_URL (contract section 2): an entry `<prefix>+https://…` is this channel's (no prefix: the
   * generic webhook, `json`). `fromEnv` builds the config from that URL and the environment's settings.
   */
  readonly envFormat?: string;
  fromEnv?(target: WebhookTarget, env: WebhookSettings): C;
  /**
   * Where a sender's notifications go (its URL, routing key, recipients): what its key digests. Absent
   * for channels that send nothing themselves (Alertmanager).
   */
  destination?(config: C): string;
  /** Makes the sender; absent for channels that sync state instead (Alertmanager). */
  create?(config: C, key: string, label: string, now: () => number): Notifier;
}

/**
 * `prefix:` and a digest of the destination (never the destination: a Slack URL or a routing key is a
 * credential), `~2`, `~3` for the same destination again in one list (`seen`, per list). Two entries that
 * send to the same place stay two senders, as they were written.
 */
export function destinationKey(prefix: string, destination: string, seen: Map<string, number>): string {
  const id = `${prefix}:${createHash('sha256').update(destination).digest('hex').slice(0, 16)}`;
  const n = (seen.get(id) ?? 0) + 1;
  seen.set(id, n);
  return n > 1 ? `${id}~${n}` : id;
}

/** Each sender's settings, digested (secrets included, never kept in clear): see sameSettings. */
const settingsOf = new WeakMap<Notifier, string>();

/** `n` was made from `config` (the registry says so for each sender it makes). Returns `n`. */
export function madeFrom<N extends Notifier>(n: N, config: unknown): N {
  settingsOf.set(n, createHash('sha256').update(settingsText(config)).digest('hex'));
  return n;
}

/** Whether sender `b` (a reload made it) has the settings of `a`, its password and secrets included: the same channel as far as what it proved goes. */
export const sameSettings = (a: Notifier, b: Notifier): boolean => a === b || (settingsOf.has(a) && settingsOf.get(a) === settingsOf.get(b));

let unlike = 0;

/**
 * A config as text, its secrets revealed and its keys sorted (only ever digested). Anything but a Secret, an array,
 * a plain object or a primitive (a URL, a Map, a class) is unlike every other: the sender proves itself again.
 */
function settingsText(v: unknown): string {
  if (v instanceof Secret) return `secret:${JSON.stringify(v.reveal())}`;
  if (Array.isArray(v)) return `[${v.map(settingsText).join(',')}]`;
  if (typeof v === 'function' || (v !== null && typeof v === 'object' && ![Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null))) return `unlike:${++unlike}`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${settingsText(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}
