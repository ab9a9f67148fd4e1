import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseDuration } from './duration.js';
import { Secret } from './secret.js';
import { LOG_LEVELS, type Settings } from './settings.js';

export interface LoadOptions {
  /** Folder whose `.env` is read; default process.cwd(). */
  cwd?: string;
  /** False for commands that never call the API (backtest). */
  requireApiKey?: boolean;
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
  'TOPUP_MIN_CREDITS', 'ALERT_REPEAT_INTERVAL', 'SMTP_URL', 'SMTP_URL_FILE', 'ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO',
  'ALERT_WEBHOOK_URL', 'ALERT_WEBHOOK_SECRET', 'ALERT_WEBHOOK_SECRET_FILE', 'METRICS_HOST', 'METRICS_PORT',
  'STATE_DIR', 'LOG_LEVEL',
]);
const SECRET_VARS = ['TELEPHONY_API_KEY', 'SMTP_URL', 'ALERT_WEBHOOK_SECRET'] as const;

type Env = Record<string, string | undefined>;

/**
 * Reads settings from `env` merged over `.env` (values already in env win, empty ones included),
 * resolves `*_FILE` secrets, validates everything and collects every problem before failing.
 * Throws ConfigError with one line per problem, each naming its variable.
 */
export function loadSettings(env: Env, opts: LoadOptions = {}): Loaded {
  const problems: string[] = [];
  const merged: Env = { ...readDotenv(opts.cwd ?? process.cwd(), problems), ...env };
  // An empty value counts as unset (dotenv does not override it, so it would hide .env's value silently).
  const vars: Env = {};
  const emptyInEnv = new Set<string>();
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined || v === '') {
      if (env[k] === '') emptyInEnv.add(k);
    } else vars[k] = v;
  }
  for (const name of SECRET_VARS) resolveSecretFile(vars, name, problems);

  const result = schema(opts.requireApiKey ?? true).safeParse(vars);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? 'settings');
      const hint = emptyInEnv.has(name) ? ' (it is set to an empty string in the environment, which counts as unset and hides any value in .env)' : '';
      problems.push(`${name}: ${issue.message}${hint}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const warnings = Object.keys(vars)
    .filter((k) => /^(TELEPHONY|ALERT)_/.test(k) && !KNOWN.has(k))
    .map((k) => `${k}: unknown variable, ignored (a typo?)`);
  return { settings: deepFreeze(result.data!), warnings };
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

// ---- field parsers: each turns an optional string into a typed value or a message ----

type Ctx = z.RefinementCtx;
const fail = (ctx: Ctx, message: string): never => {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
};

const text = (fallback: string) => z.string().optional().transform((v) => v ?? fallback);

const number = <F extends number | undefined>(fallback: F, check: { min?: number; integer?: boolean; max?: number } = {}) =>
  z.string().optional().transform((v, ctx): number | F => {
    if (v === undefined) return fallback;
    const n = Number(v.trim());
    if (v.trim() === '' || !Number.isFinite(n)) return fail(ctx, `'${v}' is not a number`);
    if (check.integer && !Number.isInteger(n)) return fail(ctx, `'${v}' is not a whole number`);
    if (check.min !== undefined && n < check.min) return fail(ctx, `${n} is below the minimum ${check.min}`);
    if (check.max !== undefined && n > check.max) return fail(ctx, `${n} is above the maximum ${check.max}`);
    return n;
  });

const httpUrl = (v: string, ctx: Ctx): string => {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return fail(ctx, 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(ctx, `scheme ${url.protocol} is not http: or https:`);
  if (url.username || url.password) return fail(ctx, 'must not carry credentials in the URL');
  return v;
};

const secret = z.string().optional().transform((v) => (v === undefined ? undefined : new Secret(v)));
const emailAddress = /^[^\s@<>,]+@[^\s@<>,]+$/;

function schema(requireApiKey: boolean) {
  return z
    .object({
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
      POLL_SCHEDULE: text('* * * * *').refine((v) => validateCron(v), {
        message: 'is not a valid cron expression (5 fields, or 6 with seconds first)',
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
      ALERT_REPEAT_INTERVAL: text('4h').transform((v, ctx) => {
        const ms = parseDuration(v);
        if (ms === undefined) return fail(ctx, `'${v}' is not a duration such as 30m, 4h or 900 (seconds)`);
        if (ms < 1000) return fail(ctx, 'must be at least 1s');
        return ms;
      }),
      SMTP_URL: secret.refine((v) => v === undefined || /^smtps?:\/\/[^/]/.test(v.reveal()), {
        message: 'must be an smtp:// or smtps:// URL',
      }),
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
      ALERT_WEBHOOK_URL: z.string().optional().transform((v, ctx) => {
        if (v === undefined) return undefined;
        const urls = v.split(',').map((s) => s.trim()).filter(Boolean);
        if (urls.length === 0) return fail(ctx, 'no URL given');
        for (const [i, u] of urls.entries()) {
          try {
            const url = new URL(u);
            if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(ctx, `URL #${i + 1} is not http(s)`);
          } catch {
            return fail(ctx, `URL #${i + 1} is not a valid URL`); // the URL itself may hold a token: not echoed
          }
        }
        return urls;
      }),
      ALERT_WEBHOOK_SECRET: secret,
      METRICS_HOST: text('0.0.0.0'),
      METRICS_PORT: number(9721, { min: 0, max: 65_535, integer: true }),
      STATE_DIR: text('./data'),
      LOG_LEVEL: text('info').refine((v): v is (typeof LOG_LEVELS)[number] => (LOG_LEVELS as readonly string[]).includes(v), {
        message: `must be one of ${LOG_LEVELS.join(', ')}`,
      }),
    })
    .superRefine((v, ctx) => {
      const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
      if (v.LOW_BALANCE_THRESHOLD !== undefined && v.CRITICAL_BALANCE_THRESHOLD !== undefined && v.CRITICAL_BALANCE_THRESHOLD > v.LOW_BALANCE_THRESHOLD) {
        issue('CRITICAL_BALANCE_THRESHOLD', `(${v.CRITICAL_BALANCE_THRESHOLD}) must not be above LOW_BALANCE_THRESHOLD (${v.LOW_BALANCE_THRESHOLD})`);
      }
      if (v.RUNWAY_CRITICAL_HOURS > v.RUNWAY_WARNING_HOURS) {
        issue('RUNWAY_CRITICAL_HOURS', `(${v.RUNWAY_CRITICAL_HOURS}) must not be above RUNWAY_WARNING_HOURS (${v.RUNWAY_WARNING_HOURS})`);
      }
      if (v.SMTP_URL !== undefined) {
        if (v.ALERT_EMAIL_FROM === undefined) issue('ALERT_EMAIL_FROM', 'is required when SMTP_URL is set');
        if (v.ALERT_EMAIL_TO === undefined) issue('ALERT_EMAIL_TO', 'is required when SMTP_URL is set');
      } else if (v.ALERT_EMAIL_TO !== undefined || v.ALERT_EMAIL_FROM !== undefined) {
        issue('SMTP_URL', 'is required when ALERT_EMAIL_FROM or ALERT_EMAIL_TO is set');
      }
      if (v.ALERT_WEBHOOK_SECRET !== undefined && v.ALERT_WEBHOOK_URL === undefined) {
        issue('ALERT_WEBHOOK_URL', 'is required when ALERT_WEBHOOK_SECRET is set');
      }
    })
    .transform(
      (v): Settings => ({
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
        },
        alerts: { repeatIntervalMs: v.ALERT_REPEAT_INTERVAL },
        email:
          v.SMTP_URL && v.ALERT_EMAIL_FROM && v.ALERT_EMAIL_TO
            ? { smtpUrl: v.SMTP_URL, from: v.ALERT_EMAIL_FROM.trim(), to: v.ALERT_EMAIL_TO }
            : undefined,
        webhook: v.ALERT_WEBHOOK_URL ? { urls: v.ALERT_WEBHOOK_URL, secret: v.ALERT_WEBHOOK_SECRET } : undefined,
        http: { host: v.METRICS_HOST, port: v.METRICS_PORT },
        stateDir: v.STATE_DIR,
        logLevel: v.LOG_LEVEL,
      }),
    );
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Secret)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
