import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { cronProblem } from './cron.js';
import { alertmanagerTargets, duration, emailAddress, fail, httpUrl, isLoopbackSmtp, isTimeZone, number, readPemCertificates, secret, text, webhookTargets } from './fields.js';
import { Secret } from './secret.js';
import { readWebConfig } from './web-config.js';
import { LOG_LEVELS, type Settings } from './settings.js';

export interface LoadOptions {
  /** Folder whose `.env` is read; default process.cwd(). */
  cwd?: string;
  /** False for commands that never call the API (backtest). */
  requireApiKey?: boolean;
  /** False: ignore `.env` (the demo, which must never pick up a user's real channels). Default true. */
  dotenv?: boolean;
}

export interface Loaded {
  settings: Settings;
  /** Things worth a warning that do not stop start-up (unknown variables). */
  warnings: string[];
}

/** Every variable we read; an unknown TELEPHONY_* or ALERT_* variable is probably a typo and gets a warning. */
const KNOWN = new Set([
  'ACCOUNT_NAME', 'TELEPHONY_API_URL', 'TELEPHONY_BALANCE_PATH', 'TELEPHONY_BALANCE_FIELD', 'TELEPHONY_CURRENCY_FIELD',
  'TELEPHONY_API_KEY', 'TELEPHONY_API_KEY_FILE', 'POLL_SCHEDULE', 'POLL_TIMEZONE', 'REQUEST_TIMEOUT_MS',
  'LOW_BALANCE_THRESHOLD', 'CRITICAL_BALANCE_THRESHOLD', 'RUNWAY_WARNING_HOURS', 'RUNWAY_CRITICAL_HOURS',
  'TOPUP_MIN_CREDITS', 'ALERT_REPEAT_INTERVAL', 'ALERT_REPEAT_RUNWAY_FRACTION', 'ALERT_HYSTERESIS_PERCENT',
  'ALERT_RETRY_BASE_DELAY', 'SPEND_ANOMALY_FACTOR', 'SPEND_ANOMALY_MIN_CREDITS', 'SMTP_URL', 'SMTP_URL_FILE', 'SMTP_REQUIRE_TLS', 'SMTP_CA_FILE', 'ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO',
  'ALERT_WEBHOOK_URL', 'ALERT_WEBHOOK_SECRET', 'ALERT_WEBHOOK_SECRET_FILE', 'ALERT_PAGERDUTY_ROUTING_KEY',
  'ALERT_PAGERDUTY_ROUTING_KEY_FILE', 'ALERTMANAGER_URL', 'METRICS_HOST', 'METRICS_PORT', 'WEB_CONFIG_FILE',
  'STATE_DIR', 'LOG_LEVEL',
]);
const SECRET_VARS = ['TELEPHONY_API_KEY', 'SMTP_URL', 'ALERT_WEBHOOK_SECRET', 'ALERT_PAGERDUTY_ROUTING_KEY'] as const;

type Env = Record<string, string | undefined>;

/**
 * Reads settings from `env` merged over `.env` (values already in env win, empty ones included),
 * resolves `*_FILE` secrets, validates everything and collects every problem before failing.
 * Throws ConfigError with one line per problem, each naming its variable.
 */
export function loadSettings(env: Env, opts: LoadOptions = {}): Loaded {
  const problems: string[] = [];
  const merged: Env = { ...(opts.dotenv === false ? {} : readDotenv(opts.cwd ?? process.cwd(), problems)), ...env };
  // An empty value counts as unset (dotenv does not override it, so it would hide .env's value silently).
  const vars: Env = {};
  const emptyInEnv = new Set<string>();
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined || v === '') {
      if (env[k] === '') emptyInEnv.add(k);
    } else vars[k] = v;
  }
  for (const name of SECRET_VARS) resolveSecretFile(vars, name, problems);

  // Each variable is parsed on its own, and the cross-field rules run on whatever parsed, so one bad
  // value never hides another problem.
  const fields = fieldSchemas(opts.requireApiKey ?? true);
  const parsed: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    const r = field.safeParse(vars[name]);
    if (r.success) {
      parsed[name] = r.data;
      continue;
    }
    const hint = emptyInEnv.has(name) ? ' (it is set to an empty string in the environment, which counts as unset and hides any value in .env)' : '';
    for (const issue of r.error.issues) problems.push(`${name}: ${issue.message}${hint}`);
  }
  crossFieldProblems(parsed as Partial<Fields>, vars, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const settings = toSettings(parsed as Fields);

  const warnings = Object.keys(vars)
    .filter((k) => /^(TELEPHONY|ALERT)_/.test(k) && !KNOWN.has(k))
    .map((k) => `${k}: unknown variable, ignored (a typo?)`);
  return { settings: deepFreeze(settings), warnings };
}

function readDotenv(cwd: string, problems: string[]): Env {
  const path = join(cwd, '.env');
  try {
    return parseDotenv(readFileSync(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    problems.push(`.env: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    return {};
  }
}

/** `X_FILE` → `X` (trailing newline trimmed); both set is an error. */
function resolveSecretFile(vars: Env, name: string, problems: string[]): void {
  const fileVar = `${name}_FILE`;
  const path = vars[fileVar];
  if (path === undefined) return;
  if (vars[name] !== undefined) {
    problems.push(`${name}: set both ${name} and ${fileVar}; set only one`);
    return;
  }
  try {
    const value = readFileSync(path, 'utf8').replace(/(\r?\n)+$/, '');
    if (value === '') problems.push(`${fileVar}: the file ${path} is empty`);
    else vars[name] = value;
  } catch (err) {
    problems.push(`${fileVar}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  delete vars[fileVar];
}

function fieldSchemas(requireApiKey: boolean) {
  return {
    ACCOUNT_NAME: text('default').refine((v) => /^[A-Za-z0-9_.-]{1,64}$/.test(v), {
      message: 'use 1 to 64 letters, digits, dots, dashes or underscores',
    }),
    TELEPHONY_API_URL: text('https://api.telephony.io').transform(httpUrl).transform((v) => v.replace(/\/+$/, '')),
    TELEPHONY_BALANCE_PATH: text('/v1/wallet/balance').refine((v) => v.startsWith('/') && !/\s/.test(v), {
      message: "must be a path starting with '/'",
    }),
    TELEPHONY_BALANCE_FIELD: text('balance').refine((v) => /^[^.\s]+(\.[^.\s]+)*$/.test(v), {
      message: 'must be a dotted path such as data.attributes.balance',
    }),
    TELEPHONY_CURRENCY_FIELD: text('currency').refine((v) => /^[^.\s]+(\.[^.\s]+)*$/.test(v), {
      message: 'must be a dotted path such as data.attributes.currency',
    }),
    TELEPHONY_API_KEY: secret.refine((v) => !requireApiKey || v !== undefined, {
      message: 'is required (or set TELEPHONY_API_KEY_FILE to a file holding it)',
    }).refine((v) => v === undefined || !/[\r\n]/.test(v.reveal()), { message: 'must be a single line' }),
    POLL_SCHEDULE: text('* * * * *').superRefine((v, ctx) => {
      const problem = cronProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    POLL_TIMEZONE: z.string().optional().refine((v) => v === undefined || isTimeZone(v), {
      message: 'is not an IANA time zone such as UTC or Europe/Berlin',
    }),
    REQUEST_TIMEOUT_MS: number(10_000, { min: 100, max: 300_000, integer: true }),
    LOW_BALANCE_THRESHOLD: number(undefined, { min: 0 }),
    CRITICAL_BALANCE_THRESHOLD: number(undefined, { min: 0 }),
    RUNWAY_WARNING_HOURS: number(72, { min: 0 }),
    RUNWAY_CRITICAL_HOURS: number(24, { min: 0 }),
    TOPUP_MIN_CREDITS: number(1, { min: 0 }),
    ALERT_REPEAT_INTERVAL: duration('4h', 1000),
    ALERT_REPEAT_RUNWAY_FRACTION: number(0, { min: 0, max: 1 }),
    ALERT_HYSTERESIS_PERCENT: number(5, { min: 0, max: 100 }),
    ALERT_RETRY_BASE_DELAY: duration('5s', 100),
    SPEND_ANOMALY_FACTOR: number(3, { min: 1 }),
    SPEND_ANOMALY_MIN_CREDITS: number(10, { min: 0 }),
    SMTP_URL: secret.refine((v) => v === undefined || /^smtps?:\/\/[^/]/.test(v.reveal()), {
      message: 'must be an smtp:// or smtps:// URL',
    }),
    SMTP_CA_FILE: z.string().optional().transform((path, ctx) => (path === undefined ? undefined : readPemCertificates(path, ctx))),
    SMTP_REQUIRE_TLS: text('auto').refine((v) => ['auto', 'true', 'false'].includes(v), { message: 'must be auto, true or false' }),
    ALERT_EMAIL_FROM: z.string().optional().refine((v) => v === undefined || emailAddress.test(v.trim()), {
      message: 'is not an email address',
    }),
    ALERT_EMAIL_TO: z.string().optional().transform((v, ctx) => {
      if (v === undefined) return undefined;
      const list = v.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = list.filter((a) => !emailAddress.test(a));
      if (list.length === 0 || bad.length > 0) return fail(ctx, `not a comma-separated list of email addresses: ${bad.join(', ') || v}`);
      return list;
    }),
    ALERT_WEBHOOK_URL: z.string().optional().transform((v, ctx) => (v === undefined ? undefined : webhookTargets(v, ctx))),
    ALERT_WEBHOOK_SECRET: secret,
    ALERT_PAGERDUTY_ROUTING_KEY: secret,
    ALERTMANAGER_URL: z.string().optional().transform((v, ctx) => (v === undefined ? [] : alertmanagerTargets(v, ctx))),
    METRICS_HOST: text('0.0.0.0'),
    METRICS_PORT: number(9721, { min: 0, max: 65_535, integer: true }),
    WEB_CONFIG_FILE: z.string().optional().transform((file, ctx) => {
      if (file === undefined) return undefined;
      const { config, problems } = readWebConfig(file);
      for (const message of problems) ctx.addIssue({ code: 'custom', message });
      return config;
    }),
    STATE_DIR: text('./data'),
    LOG_LEVEL: text('info').refine((v): v is (typeof LOG_LEVELS)[number] => (LOG_LEVELS as readonly string[]).includes(v), {
      message: `must be one of ${LOG_LEVELS.join(', ')}`,
    }),
  };
}

type Fields = { [K in keyof ReturnType<typeof fieldSchemas>]: z.output<ReturnType<typeof fieldSchemas>[K]> };

/** Rules between settings, on the values that parsed (`vars` tells what was given at all). */
function crossFieldProblems(v: Partial<Fields>, vars: Env, problems: string[]): void {
  const issue = (name: string, message: string) => problems.push(`${name}: ${message}`);
  const given = (name: string) => vars[name] !== undefined;
  if (v.LOW_BALANCE_THRESHOLD !== undefined && v.CRITICAL_BALANCE_THRESHOLD !== undefined && v.CRITICAL_BALANCE_THRESHOLD > v.LOW_BALANCE_THRESHOLD) {
    issue('CRITICAL_BALANCE_THRESHOLD', `(${v.CRITICAL_BALANCE_THRESHOLD}) must not be above LOW_BALANCE_THRESHOLD (${v.LOW_BALANCE_THRESHOLD})`);
  }
  if (v.RUNWAY_CRITICAL_HOURS !== undefined && v.RUNWAY_WARNING_HOURS !== undefined && v.RUNWAY_CRITICAL_HOURS > v.RUNWAY_WARNING_HOURS) {
    issue('RUNWAY_CRITICAL_HOURS', `(${v.RUNWAY_CRITICAL_HOURS}) must not be above RUNWAY_WARNING_HOURS (${v.RUNWAY_WARNING_HOURS})`);
  }
  if (given('SMTP_URL')) {
    if (!given('ALERT_EMAIL_FROM')) issue('ALERT_EMAIL_FROM', 'is required when SMTP_URL is set');
    if (!given('ALERT_EMAIL_TO')) issue('ALERT_EMAIL_TO', 'is required when SMTP_URL is set');
  } else if (given('ALERT_EMAIL_TO') || given('ALERT_EMAIL_FROM')) {
    issue('SMTP_URL', 'is required when ALERT_EMAIL_FROM or ALERT_EMAIL_TO is set');
  }
  if (given('SMTP_CA_FILE') && !given('SMTP_URL')) issue('SMTP_CA_FILE', 'is set but SMTP_URL is not (the CA file is only for the mail server)');
  if (given('ALERT_WEBHOOK_SECRET') && !given('ALERT_WEBHOOK_URL')) issue('ALERT_WEBHOOK_URL', 'is required when ALERT_WEBHOOK_SECRET is set');
  if (v.ALERT_WEBHOOK_URL?.some((w) => w.format === 'pagerduty') && !given('ALERT_PAGERDUTY_ROUTING_KEY')) {
    issue('ALERT_PAGERDUTY_ROUTING_KEY', 'is required for a pagerduty+ webhook URL');
  }
}

function toSettings(v: Fields): Settings {
  return {
    accountName: v.ACCOUNT_NAME,
    api: {
      baseUrl: v.TELEPHONY_API_URL,
      balancePath: v.TELEPHONY_BALANCE_PATH,
      balanceField: v.TELEPHONY_BALANCE_FIELD,
      currencyField: v.TELEPHONY_CURRENCY_FIELD,
      apiKey: v.TELEPHONY_API_KEY,
      timeoutMs: v.REQUEST_TIMEOUT_MS,
    },
    poll: { schedule: v.POLL_SCHEDULE, timezone: v.POLL_TIMEZONE },
    rules: {
      lowBalanceThreshold: v.LOW_BALANCE_THRESHOLD,
      criticalBalanceThreshold: v.CRITICAL_BALANCE_THRESHOLD,
      runwayWarningHours: v.RUNWAY_WARNING_HOURS,
      runwayCriticalHours: v.RUNWAY_CRITICAL_HOURS,
      topupMinCredits: v.TOPUP_MIN_CREDITS,
      hysteresisPercent: v.ALERT_HYSTERESIS_PERCENT,
      spendAnomalyFactor: v.SPEND_ANOMALY_FACTOR,
      spendAnomalyMinCredits: v.SPEND_ANOMALY_MIN_CREDITS,
    },
    alerts: {
      repeatIntervalMs: v.ALERT_REPEAT_INTERVAL,
      repeatRunwayFraction: v.ALERT_REPEAT_RUNWAY_FRACTION,
      retryBaseDelayMs: v.ALERT_RETRY_BASE_DELAY,
    },
    email:
      v.SMTP_URL && v.ALERT_EMAIL_FROM && v.ALERT_EMAIL_TO
        ? {
            smtpUrl: v.SMTP_URL,
            from: v.ALERT_EMAIL_FROM.trim(),
            to: v.ALERT_EMAIL_TO,
            requireTls: v.SMTP_REQUIRE_TLS === 'auto' ? !isLoopbackSmtp(v.SMTP_URL.reveal()) : v.SMTP_REQUIRE_TLS === 'true',
            caPem: v.SMTP_CA_FILE,
          }
        : undefined,
    webhook: v.ALERT_WEBHOOK_URL
      ? { targets: v.ALERT_WEBHOOK_URL, secret: v.ALERT_WEBHOOK_SECRET, pagerdutyRoutingKey: v.ALERT_PAGERDUTY_ROUTING_KEY }
      : undefined,
    alertmanager: v.ALERTMANAGER_URL,
    http: { host: v.METRICS_HOST, port: v.METRICS_PORT, web: v.WEB_CONFIG_FILE },
    stateDir: v.STATE_DIR,
    logLevel: v.LOG_LEVEL,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Secret)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
