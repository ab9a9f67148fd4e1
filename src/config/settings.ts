import type { Secret } from './secret.js';

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
  };
  readonly email: EmailSettings | undefined;
  readonly webhook: WebhookSettings | undefined;
  readonly http: { readonly host: string; readonly port: number };
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
}

export interface EmailSettings {
  readonly smtpUrl: Secret;
  readonly from: string;
  readonly to: readonly string[];
}

export interface WebhookSettings {
  readonly urls: readonly string[];
  readonly secret: Secret | undefined;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
