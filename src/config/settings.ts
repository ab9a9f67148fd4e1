import type { ChannelEnv, ChannelSettings } from '../notify/channel.js';
import type { Severity } from '../domain/rules.js';
import type { Secret } from './secret.js';
import type { GenericOptions } from '../providers/preset.js';
import { PROVIDER_NAMES } from '../providers/index.js';
import type { WebConfig } from './web-config.js';

export interface AlertmanagerTarget {
  readonly baseUrl: string;
  /** For logs: `alertmanager#1 (host)`. */
  readonly label: string;
  /** A receiver limited to severities hands Alertmanager only those alerts; undefined = all. */
  readonly severities?: readonly Severity[] | undefined;
}

/** A named receiver of WALLETS_FILE (`receivers:`); the environment's channels form the receiver `default`. */
export interface ReceiverSettings {
  readonly name: string;
  /** `severities: [critical]`: only these reach it; undefined = all. */
  readonly severities: readonly Severity[] | undefined;
  /** `group_interval`; undefined = ALERT_GROUP_INTERVAL. */
  readonly groupIntervalMs: number | undefined;
  readonly channels: readonly ChannelSettings[];
}

/**
 * Validated, frozen settings for one daemon instance: the process-level part (schedule, HTTP, state,
 * channels) and the wallets it watches. Built only by loadSettings(). The environment's single wallet
 * and every entry of WALLETS_FILE come out of the same schema as a WalletSettings (src/config/wallet.ts).
 */
export interface Settings {
  readonly poll: {
    readonly schedule: string;
    /** IANA zone for the cron schedule; undefined = the system's. */
    readonly timezone: string | undefined;
    /** POLL_CONCURRENCY: at most this many requests to upstreams in flight at once. */
    readonly concurrency: number;
  };
  /** REQUEST_TIMEOUT_MS: per-request timeout, the same for every wallet. */
  readonly requestTimeoutMs: number;
  /** SHARD_COUNT / SHARD_INDEX: this process watches the wallets whose shardOf(name, count) is `index`. */
  readonly shard: { readonly count: number; readonly index: number };
  /** WALLETS_FILE when set (SIGHUP reads it again); undefined = the one wallet of the environment. */
  readonly walletsFile: string | undefined;
  /** The digest (textDigest) of the WALLETS_FILE text these settings were read from: a start-up that reads it again applies it only if it changed. */
  readonly walletsFileDigest?: string | undefined;
  /** Every wallet configured (all shards); the daemon watches `walletsOfShard(settings)`. */
  readonly wallets: readonly WalletSettings[];
  /** The rule settings every wallet shares (environment only): a reload of WALLETS_FILE applies them again. */
  readonly ruleTuning: RuleTuning;
  readonly alerts: {
    readonly repeatIntervalMs: number;
    /** ALERT_REPEAT_RUNWAY_FRACTION: repeat at least this often relative to the runway; 0 = off. */
    readonly repeatRunwayFraction: number;
    /** First retry delay of a failed delivery (doubles up to 5 min). */
    readonly retryBaseDelayMs: number;
    /** ALERT_GROUP_INTERVAL: email and chat group what follows a notification within this long into one digest. */
    readonly groupIntervalMs: number;
  };
  readonly email: EmailSettings | undefined;
  readonly webhook: WebhookSettings | undefined;
  /** Alertmanager base URLs that get the firing set after every poll (`POST /api/v2/alerts`). */
  readonly alertmanager: readonly AlertmanagerTarget[];
  /** WALLETS_FILE's named receivers (the environment's channels above are the receiver `default`). */
  readonly receivers: readonly ReceiverSettings[];
  /** What their entries fall back on (SMTP_URL, ALERT_EMAIL_FROM, SMTP_REQUIRE_TLS, SMTP_CA_FILE), at start and at each reload. */
  readonly channelEnv: ChannelEnv;
  /** `web`: WEB_CONFIG_FILE, already read (TLS, basic auth users, headers); undefined = plain HTTP, no password. */
  readonly http: { readonly host: string; readonly port: number; readonly web: WebConfig | undefined };
  readonly stateDir: string;
  readonly logLevel: LogLevel;
}

/** The presets' names (src/providers/index.ts). */
export const PROVIDERS: readonly string[] = PROVIDER_NAMES;
export type Provider = string;

/** How a failed poll's message names the settings to check, as the wallet was configured (environment or WALLETS_FILE). */
export interface ApiSettingNames {
  readonly apiUrl: string;
  readonly balancePath: string;
  readonly balanceField: string;
  readonly currencyField: string;
  readonly apiKey: string;
  /** Where they are set: '' for the environment, ' in WALLETS_FILE'. */
  readonly where: string;
}

/** One wallet: what to ask (provider, API), what to alert on (rules) and what to label it with. */
export interface WalletSettings {
  /** The `account` label, the state's key; unique. */
  readonly name: string;
  /** The preset that says how to ask for the balance (contract section 8; src/providers). */
  readonly provider: Provider;
  readonly api: {
    /** `api_url`, or the preset's public base URL. */
    readonly baseUrl: string;
    readonly balancePath: string;
    readonly balanceField: string;
    readonly currencyField: string;
    /** How a failed poll's message names these settings (TELEPHONY_BALANCE_FIELD; balance_field in WALLETS_FILE); absent: the environment's. */
    readonly names?: ApiSettingNames;
    /** Telephony.io's key (credentials.api_key); absent only for commands that never call the API (backtest). */
    readonly apiKey: Secret | undefined;
    /** The preset's credentials by the provider's own names (`account_sid`, `auth_token`…), all secrets. */
    readonly credentials: Readonly<Record<string, Secret>>;
    /** The generic preset's `auth`, `balance_regex`, `balance_scale`, `balance_sign`. */
    readonly generic?: GenericOptions | undefined;
    /** `currency`: which per-currency balance to read when the provider reports several (deepseek). */
    readonly currency?: string | undefined;
  };
  readonly rules: RuleSettings;
  /** Extra labels for telephony_wallet_info; keys are Prometheus label names other than account/provider. */
  readonly labels: Readonly<Record<string, string>>;
  /** The receivers its notifications go to (`default`: the environment's channels). */
  readonly receivers: readonly string[];
}

export interface RuleSettings {
  readonly lowBalanceThreshold: number | undefined;
  readonly criticalBalanceThreshold: number | undefined;
  readonly runwayWarningHours: number;
  readonly runwayCriticalHours: number;
  /** A balance rise smaller than this is a refund or noise that offsets later spend, not a top-up. */
  readonly topupMinCredits: number;
  /** A firing threshold alert calms down only once its value clears the threshold by this much (percent). */
  readonly hysteresisPercent: number;
  /** spend_anomaly: spend over the last 3 h at least this many times what the pattern expects… */
  readonly spendAnomalyFactor: number;
  /** …and at least this many credits above it. */
  readonly spendAnomalyMinCredits: number;
}

/** The rule settings that are process-wide (environment only), shared by every wallet. */
export type RuleTuning = Pick<RuleSettings, 'topupMinCredits' | 'hysteresisPercent' | 'spendAnomalyFactor' | 'spendAnomalyMinCredits'>;

export interface EmailSettings {
  readonly smtpUrl: Secret;
  readonly from: string;
  readonly to: readonly string[];
  /** Refuse to send without TLS (STARTTLS or smtps). Default: on, except for loopback hosts. */
  readonly requireTls: boolean;
  /** SMTP_CA_FILE's PEM text, read at start-up: the CA certificates that sign the server's certificate. */
  readonly caPem: string | undefined;
}

export interface WebhookTarget {
  readonly url: Secret; // a webhook URL often is the credential (Slack): never printed
  /** The channel's `envFormat`: `json` (no prefix), `slack`, `pagerduty` (src/notify/env-targets.ts). */
  readonly format: string;
  /** For messages and logs: `webhook#2 (hooks.slack.com)`. */
  readonly label: string;
}

export interface WebhookSettings {
  readonly targets: readonly WebhookTarget[];
  readonly secret: Secret | undefined;
  readonly pagerdutyRoutingKey: Secret | undefined;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
