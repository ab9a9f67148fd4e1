/**
 * What a channel is, for the registry: a kind, the keys of its entry in a receiver of WALLETS_FILE and how
 * to read them, and how to make its sender. Each channel's folder holds its own (config.ts, its sender, its
 * body); src/notify/registry.ts lists them.
 */
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
  /** Stable across restarts for the same file: owed deliveries are matched to their sender by it. */
  readonly key: string;
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
  /** Makes the sender; absent for channels that sync state instead (Alertmanager). */
  create?(config: C, key: string, label: string, now: () => number): Notifier;
}
