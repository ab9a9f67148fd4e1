import type { Secret } from './secret.js';
import type { WebConfig } from './web-config.js';

export interface AlertmanagerTarget {
  readonly baseUrl: string;
  /** For logs: `alertmanager#1 (host)`. */
  readonly label: string;
}

/** Validated, frozen settings for one daemon instance (one account). Built only by loadSettings(). */
export interface Settings {
  readonly accountName: string;
  readonly api: {
    readonly baseUrl: string;
    readonly balancePath: string;
    readonly balanceField: string;
    readonly currencyField: string;
    /** Absent only for commands that never call the API (backtest). */
    readonly apiKey: Secret | undefined;
    readonly timeoutMs: number;
  };
  readonly poll: {
    readonly schedule: string;
    /** IANA zone for the cron schedule; undefined = the system's. */
    readonly timezone: string | undefined;
  };
  readonly rules: RuleSettings;
  readonly alerts: {
    readonly repeatIntervalMs: number;
    /** ALERT_REPEAT_RUNWAY_FRACTION: repeat at least this often relative to the runway; 0 = off. */
    readonly repeatRunwayFraction: number;
    /** First retry delay of a failed delivery (doubles up to 5 min). */
    readonly retryBaseDelayMs: number;
  };
  readonly email: EmailSettings | undefined;
  readonly webhook: WebhookSettings | undefined;
  /** Alertmanager base URLs that get the firing set after every poll (`POST /api/v2/alerts`). */
  readonly alertmanager: readonly AlertmanagerTarget[];
  /** `web`: WEB_CONFIG_FILE, already read (TLS, basic auth users, headers); undefined = plain HTTP, no password. */
  readonly http: { readonly host: string; readonly port: number; readonly web: WebConfig | undefined };
  readonly stateDir: string;
  readonly logLevel: LogLevel;
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

export interface EmailSettings {
  readonly smtpUrl: Secret;
  readonly from: string;
  readonly to: readonly string[];
  /** Refuse to send without TLS (STARTTLS or smtps). Default: on, except for loopback hosts. */
  readonly requireTls: boolean;
  /** SMTP_CA_FILE's PEM text, read at start-up: the CA certificates that sign the server's certificate. */
  readonly caPem: string | undefined;
}

export const WEBHOOK_FORMATS = ['json', 'slack', 'pagerduty'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface WebhookTarget {
  readonly url: Secret; // a webhook URL often is the credential (Slack): never printed
  readonly format: WebhookFormat;
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
