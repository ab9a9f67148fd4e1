import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { cronProblem } from './cron.js';
import { webhookTargets } from '../notify/env-targets.js';
import { GROUP_INTERVAL_MAX, MAX_RETRY_DELAY_MS } from '../notify/delivery.js';
import type { ChannelEnv } from '../notify/channel.js';
import { alertmanagerTargets, duration, emailAddress, emailSender, fail, isLoopbackSmtp, isTimeZone, number, readPemCertificates, secret, smtpUrlProblem, text } from './fields.js';
import { MiB, READ_WAIT_MS, readBudgetLeft, readConfigFile, whyNot, withReadBudget } from './read-file.js';
import { RECENT_WRITE_MS, settledTextSync, writtenSince } from './settled.js';
import { readSecretFile, Secret } from './secret.js';
import { readWebConfig } from './web-config.js';
import { envWallet, WALLET_VARS } from './env-wallet.js';
import { LOG_LEVELS, type ReceiverSettings, type Settings, type WalletSettings } from './settings.js';
import { shardOf } from '../fleet/shard.js';
import { typoWarnings } from './typos.js';
import type { RuleTuning } from './wallet.js';
import { readWalletsFile, textDigest } from './wallets-file.js';

export interface LoadOptions {
  /** Folder whose `.env` is read; default process.cwd(). */
  cwd?: string;
  /** False for commands that never call the API (backtest). */
  requireApiKey?: boolean;
  /** False for commands that send nothing (backtest): WALLETS_FILE's receivers are not read, their secret files neither. */
  receivers?: boolean;
  /** False: ignore `.env` (the demo, which must never pick up a user's real channels). Default true. */
  dotenv?: boolean;
  /**
   * True (start): a WALLETS_FILE with problems that was modified in the RECENT_WRITE_MS before this load, or
   * during it, is read again once it has stopped changing (within the load's read budget), and only it.
   */
  settleFresh?: boolean;
}

export interface Loaded {
  settings: Settings;
  /** Things worth a warning that do not stop start-up (unknown variables). */
  warnings: string[];
}

/** Every variable we read; anything that looks like one of them but is not gets a warning (a typo?). */
export const KNOWN_VARIABLES: ReadonlySet<string> = new Set([
  'ACCOUNT_NAME', 'TELEPHONY_API_URL', 'TELEPHONY_BALANCE_PATH', 'TELEPHONY_BALANCE_FIELD', 'TELEPHONY_CURRENCY_FIELD',
  'TELEPHONY_API_KEY', 'TELEPHONY_API_KEY_FILE', 'POLL_SCHEDULE', 'POLL_TIMEZONE', 'POLL_CONCURRENCY', 'REQUEST_TIMEOUT_MS',
  'LOW_BALANCE_THRESHOLD', 'CRITICAL_BALANCE_THRESHOLD', 'RUNWAY_WARNING_HOURS', 'RUNWAY_CRITICAL_HOURS',
  'TOPUP_MIN_CREDITS', 'ALERT_REPEAT_INTERVAL', 'ALERT_REPEAT_RUNWAY_FRACTION', 'ALERT_HYSTERESIS_PERCENT',
  'ALERT_RETRY_BASE_DELAY', 'ALERT_GROUP_INTERVAL', 'SPEND_ANOMALY_FACTOR', 'SPEND_ANOMALY_MIN_CREDITS', 'SMTP_URL', 'SMTP_URL_FILE', 'SMTP_REQUIRE_TLS', 'SMTP_CA_FILE', 'ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO',
  'ALERT_WEBHOOK_URL', 'ALERT_WEBHOOK_SECRET', 'ALERT_WEBHOOK_SECRET_FILE', 'ALERT_PAGERDUTY_ROUTING_KEY',
  'ALERT_PAGERDUTY_ROUTING_KEY_FILE', 'ALERTMANAGER_URL', 'METRICS_HOST', 'METRICS_PORT', 'WEB_CONFIG_FILE',
  'STATE_DIR', 'LOG_LEVEL', 'WALLETS_FILE', 'SHARD_COUNT', 'SHARD_INDEX',
]);
/** Secrets of the process (channels); the wallet's key and key file go through the wallet schema. */
const SECRET_VARS = ['SMTP_URL', 'ALERT_WEBHOOK_SECRET', 'ALERT_PAGERDUTY_ROUTING_KEY'] as const;
/** The environment's alert channels (the receiver `default`). */
const CHANNEL_VARS = [
  'SMTP_URL', 'SMTP_URL_FILE', 'SMTP_REQUIRE_TLS', 'SMTP_CA_FILE', 'ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO', 'ALERT_WEBHOOK_URL',
  'ALERT_WEBHOOK_SECRET', 'ALERT_WEBHOOK_SECRET_FILE', 'ALERT_PAGERDUTY_ROUTING_KEY', 'ALERT_PAGERDUTY_ROUTING_KEY_FILE', 'ALERTMANAGER_URL',
] as const;
/** Every secret that has an `X_FILE` twin: X and X_FILE are two spellings of one setting. */
const FILE_PAIRED = [...SECRET_VARS, 'TELEPHONY_API_KEY'] as const;

type Env = Record<string, string | undefined>;

/**
 * Reads settings from `env` merged over `.env` (values already in env win, empty ones included),
 * resolves `*_FILE` secrets, validates everything and collects every problem before failing.
 * Throws ConfigError with one line per problem, each naming its variable.
 */
export function loadSettings(env: Env, opts: LoadOptions = {}): Loaded {
  return withReadBudget(READ_WAIT_MS, () => loadNow(env, opts));
}

/**
 * WALLETS_FILE read for a load. With `settleFresh`, a file with problems that was modified since `from` may
 * have been read mid-write, cut inside a wallet (a deploy tool writing it in place as the daemon started, a
 * path unit started at its first write): it is read again once it has stopped changing, if its text then
 * differs. Only the file and what it names are read again, never the environment's `*_FILE` secrets, and a
 * pipe it names gives what it gave (withReadBudget); within the load's read budget, so a file that stays bad
 * still exits 78 in time.
 */
function walletsFileOf(path: string, opts: Parameters<typeof readWalletsFile>[1], settleFresh: boolean, from: number): ReturnType<typeof readWalletsFile> {
  const file = readWalletsFile(path, opts);
  if (!settleFresh || file.problems.length === 0 || !writtenSince(path, from)) return file;
  const seen = settledTextSync(path, readBudgetLeft());
  if (!seen.settled) return { ...file, problems: [...file.problems, `${path}: still changing ${READ_WAIT_MS / 1000} s into start-up (a writer at work?): the problems above are of the file as it was read; start again once it is written`] };
  return seen.text === undefined || textDigest(seen.text) === file.digest ? file : readWalletsFile(path, { ...opts, text: seen.text });
}

function loadNow(env: Env, opts: LoadOptions): Loaded {
  const from = Date.now() - RECENT_WRITE_MS;
  const problems: string[] = [];
  const dotenv = opts.dotenv === false ? {} : readDotenv(opts.cwd ?? process.cwd(), problems);
  dropDotenvTwins(dotenv, env);
  const merged: Env = { ...dotenv, ...env };
  // An empty value counts as unset (dotenv does not override it, so it would hide .env's value silently).
  const vars: Env = {};
  const emptyInEnv = new Set<string>();
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined || v === '') {
      if (env[k] === '') emptyInEnv.add(k);
    } else vars[k] = v;
  }
  for (const name of FILE_PAIRED) {
    // A Kubernetes secret made with --from-file keeps the file's newline in the variable too.
    if (vars[name] !== undefined) vars[name] = vars[name]!.replace(/[\r\n]+$/, '');
  }
  // A command that sends nothing (backtest) reads no channel setting: their secret and CA files are not
  // mounted where the daemon's unit or .env says on the laptop that replays a history.
  if (opts.receivers === false) for (const name of CHANNEL_VARS) delete vars[name];
  for (const name of SECRET_VARS) resolveSecretFile(vars, name, problems);

  // Each variable is parsed on its own, and the cross-field rules run on whatever parsed, so one bad
  // value never hides another problem.
  const fields = fieldSchemas();
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
  const warnings = typoWarnings(Object.keys(vars), KNOWN_VARIABLES);
  shardProblems(parsed as Partial<Fields>, vars, emptyInEnv, problems, warnings);
  const tuning = ruleTuning(parsed as Partial<Fields>);
  const retryBase = (parsed as Partial<Fields>).ALERT_RETRY_BASE_DELAY;
  if (retryBase !== undefined && retryBase > MAX_RETRY_DELAY_MS) warnings.push(`ALERT_RETRY_BASE_DELAY: above 5m, the longest wait between retries; 5m is used`);
  const requireApiKey = opts.requireApiKey ?? true;
  let wallets: WalletSettings[] = [];
  let receivers: ReceiverSettings[] = [];
  let digest: string | undefined;
  const walletsFile = vars.WALLETS_FILE;
  if (walletsFile !== undefined) {
    // Problems of the file need the process settings' tuning only as defaults: they are reported even if a variable is bad.
    const file = walletsFileOf(walletsFile, { tuning, requireApiKey, env: channelEnv(parsed), receivers: opts.receivers ?? true }, opts.settleFresh ?? false, from);
    for (const p of file.problems) problems.push(`WALLETS_FILE: ${p}`); // a loop: a spread of 130,000 overflows the stack
    for (const w of file.warnings) warnings.push(w);
    wallets = file.wallets;
    receivers = file.receivers;
    digest = file.digest;
    const ignored = Object.values(WALLET_VARS).filter((name) => vars[name] !== undefined);
    if (ignored.length > 0) warnings.push(`${ignored.join(', ')}: ignored, WALLETS_FILE lists the wallets`);
  } else {
    const env = envWallet(vars, { tuning, requireApiKey, emptyInEnv });
    for (const p of env.problems) problems.push(p);
    if (env.wallet) wallets = [env.wallet];
    const { SHARD_COUNT: count = 1, SHARD_INDEX: index = 0 } = parsed as Partial<Fields>;
    if (env.wallet && count > 1) {
      const home = shardOf(env.wallet.name, count);
      warnings.push(`SHARD_COUNT: ${count} shards split a WALLETS_FILE; without one, the environment's wallet '${env.wallet.name}' is in shard ${home}, so this process (shard ${index}) ${home === index ? 'watches it and every other shard nothing' : 'watches nothing'}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const settings = { ...toSettings(parsed as Fields, walletsFile, wallets, receivers), walletsFileDigest: digest };
  return { settings: deepFreeze(settings), warnings };
}

/** WALLETS_FILE read again (SIGHUP) with the settings of the running process, or its `text` as already read; throws ConfigError. */
export function reloadWallets(settings: Settings & { walletsFile: string }, text?: string): { wallets: readonly WalletSettings[]; receivers: readonly ReceiverSettings[]; warnings: string[] } {
  const file = withReadBudget(READ_WAIT_MS, () => readWalletsFile(settings.walletsFile, { tuning: settings.ruleTuning, requireApiKey: true, env: settings.channelEnv, ...(text === undefined ? {} : { text }) }));
  if (file.problems.length > 0) throw new ConfigError(file.problems.map((p) => `WALLETS_FILE: ${p}`));
  return { wallets: deepFreeze(file.wallets), receivers: deepFreeze(file.receivers), warnings: file.warnings };
}

/** What a receiver's email entry falls back on: the environment's SMTP_URL, ALERT_EMAIL_FROM, TLS and CA settings. */
function channelEnv(v: Partial<Fields>): ChannelEnv {
  const smtpUrl = v.SMTP_URL;
  return {
    email: {
      smtpUrl,
      from: v.ALERT_EMAIL_FROM?.trim(),
      requireTls: smtpUrl === undefined || v.SMTP_REQUIRE_TLS === undefined ? undefined : v.SMTP_REQUIRE_TLS === 'auto' ? !isLoopbackSmtp(smtpUrl.reveal()) : v.SMTP_REQUIRE_TLS === 'true',
      caPem: v.SMTP_CA_FILE,
    },
  };
}

/** Rule settings shared by every wallet (environment only); defaults stand in for values that failed to parse. */
function ruleTuning(v: Partial<Fields>): RuleTuning {
  return {
    topupMinCredits: v.TOPUP_MIN_CREDITS ?? 1,
    hysteresisPercent: v.ALERT_HYSTERESIS_PERCENT ?? 5,
    spendAnomalyFactor: v.SPEND_ANOMALY_FACTOR ?? 3,
    spendAnomalyMinCredits: v.SPEND_ANOMALY_MIN_CREDITS ?? 10,
  };
}

function readDotenv(cwd: string, problems: string[]): Env {
  const path = join(cwd, '.env');
  const r = readConfigFile(path, MiB);
  if ('text' in r) return parseDotenv(r.text);
  if (r.code !== 'ENOENT') problems.push(`.env: cannot read ${path}: ${whyNot(r)}`);
  return {};
}

/**
 * The environment wins over .env (contract section 2) for a secret's two spellings as well: TELEPHONY_API_KEY
 * exported in the shell replaces a TELEPHONY_API_KEY_FILE that only .env sets, instead of "set both".
 */
function dropDotenvTwins(dotenv: Env, env: Env): void {
  for (const name of FILE_PAIRED) {
    for (const [mine, twin] of [[name, `${name}_FILE`], [`${name}_FILE`, name]] as const) {
      if (env[mine] && env[twin] === undefined) delete dotenv[twin];
    }
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
  const read = readSecretFile(path);
  if ('problem' in read) problems.push(`${fileVar}: ${read.problem}`);
  else vars[name] = read.value;
  delete vars[fileVar];
}

function fieldSchemas() {
  return {
    POLL_SCHEDULE: text('* * * * *').superRefine((v, ctx) => {
      const problem = cronProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    POLL_TIMEZONE: z.string().optional().refine((v) => v === undefined || isTimeZone(v), {
      message: 'is not an IANA time zone such as UTC or Europe/Berlin',
    }),
    POLL_CONCURRENCY: number(32, { min: 1, max: 10_000, integer: true }),
    REQUEST_TIMEOUT_MS: number(10_000, { min: 100, max: 300_000, integer: true }),
    WALLETS_FILE: z.string().optional(),
    SHARD_COUNT: number(1, { min: 1, max: 10_000, integer: true }),
    SHARD_INDEX: number(0, { min: 0, integer: true }),
    TOPUP_MIN_CREDITS: number(1, { min: 0 }),
    ALERT_REPEAT_INTERVAL: duration('4h', 1000),
    ALERT_REPEAT_RUNWAY_FRACTION: number(0, { min: 0, max: 1 }),
    ALERT_HYSTERESIS_PERCENT: number(5, { min: 0, max: 100 }),
    ALERT_RETRY_BASE_DELAY: duration('5s', 100),
    ALERT_GROUP_INTERVAL: duration('5m', 0, GROUP_INTERVAL_MAX),
    SPEND_ANOMALY_FACTOR: number(3, { min: 1 }),
    SPEND_ANOMALY_MIN_CREDITS: number(10, { min: 0 }),
    SMTP_URL: secret.superRefine((v, ctx) => {
      const problem = v === undefined ? undefined : smtpUrlProblem(v.reveal());
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    SMTP_CA_FILE: z.string().optional().transform((path, ctx) => (path === undefined ? undefined : readPemCertificates(path, ctx))),
    SMTP_REQUIRE_TLS: text('auto').refine((v) => ['auto', 'true', 'false'].includes(v), { message: 'must be auto, true or false' }),
    ALERT_EMAIL_FROM: z.string().optional().refine((v) => v === undefined || emailSender(v.trim()), {
      message: 'is not an email address (or a name and <address>)',
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
    METRICS_HOST: text('0.0.0.0').transform((v, ctx) => {
      const problem = listenHostProblem(v.trim());
      return problem ? fail(ctx, problem) : unbracketed(v.trim());
    }),
    // Kubernetes sets METRICS_PORT=tcp://IP:PORT for a Service named `metrics` in the namespace (service
    // links): say so, or the pod restarts in a loop on "is not a number" with no clue why.
    METRICS_PORT: z.string().optional().superRefine((v, ctx) => {
      if (v !== undefined && /^(tcp|udp):\/\//.test(v.trim())) fail(ctx, `'${v}' looks like a Kubernetes service link (a Service named 'metrics'): set the port explicitly in the container's env, or enableServiceLinks: false in the pod`);
    }).pipe(number(9721, { min: 0, max: 65_535, integer: true })),
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
  if (v.SHARD_INDEX !== undefined && v.SHARD_COUNT !== undefined && v.SHARD_INDEX >= v.SHARD_COUNT) {
    issue('SHARD_INDEX', `(${v.SHARD_INDEX}) must be below SHARD_COUNT (${v.SHARD_COUNT}): shards are numbered from 0`);
  }
  if (given('SMTP_URL')) {
    if (!given('ALERT_EMAIL_FROM')) issue('ALERT_EMAIL_FROM', 'is required when SMTP_URL is set');
    // with WALLETS_FILE, SMTP_URL alone is what the receivers' email entries default to: no email for `default`
    if (!given('ALERT_EMAIL_TO') && !given('WALLETS_FILE')) issue('ALERT_EMAIL_TO', 'is required when SMTP_URL is set (without WALLETS_FILE, whose receivers may use it as their mail server)');
  } else if (given('ALERT_EMAIL_TO')) {
    issue('SMTP_URL', 'is required when ALERT_EMAIL_TO is set');
  } else if (given('ALERT_EMAIL_FROM') && !given('WALLETS_FILE')) {
    // with WALLETS_FILE, the sender and the CA file alone are what the receivers' email entries default to
    issue('SMTP_URL', 'is required when ALERT_EMAIL_FROM is set (without WALLETS_FILE, whose receivers may use it as their sender)');
  }
  if (given('SMTP_CA_FILE') && !given('SMTP_URL') && !given('WALLETS_FILE')) issue('SMTP_CA_FILE', 'is set but SMTP_URL is not (the CA file is only for the mail server)');
  if (given('ALERT_WEBHOOK_SECRET') && !given('ALERT_WEBHOOK_URL')) issue('ALERT_WEBHOOK_URL', 'is required when ALERT_WEBHOOK_SECRET is set');
  if (v.ALERT_WEBHOOK_URL?.some((w) => w.format === 'pagerduty') && !given('ALERT_PAGERDUTY_ROUTING_KEY')) {
    issue('ALERT_PAGERDUTY_ROUTING_KEY', 'is required for a pagerduty+ webhook URL');
  }
}

/**
 * SHARD_COUNT above 1 without this replica's SHARD_INDEX makes every replica shard 0: the other shards'
 * wallets unwatched, shard 0's polled and paged for N times. Set but empty — what a StatefulSet's
 * pod-index label gives on Kubernetes before 1.28 — it is an error; not set at all, the contract's
 * default 0 holds, with a warning.
 */
function shardProblems(v: Partial<Fields>, vars: Env, emptyInEnv: ReadonlySet<string>, problems: string[], warnings: string[]): void {
  const count = v.SHARD_COUNT ?? 1;
  if (count <= 1 || vars.SHARD_INDEX !== undefined) return;
  const why = `every replica without it is shard 0 of ${count}: the other shards' wallets go unwatched`;
  if (emptyInEnv.has('SHARD_INDEX')) problems.push(`SHARD_INDEX: is empty with SHARD_COUNT ${count}; set this replica's number (0 to ${count - 1}): ${why} (a StatefulSet's apps.kubernetes.io/pod-index label needs Kubernetes 1.28 or later)`);
  else warnings.push(`SHARD_INDEX: not set with SHARD_COUNT ${count}, so this process is shard 0; ${why}`);
}

function toSettings(v: Fields, walletsFile: string | undefined, wallets: WalletSettings[], receivers: ReceiverSettings[]): Settings {
  return {
    poll: { schedule: v.POLL_SCHEDULE, timezone: v.POLL_TIMEZONE, concurrency: v.POLL_CONCURRENCY },
    requestTimeoutMs: v.REQUEST_TIMEOUT_MS,
    shard: { count: v.SHARD_COUNT, index: v.SHARD_INDEX },
    walletsFile,
    wallets,
    ruleTuning: ruleTuning(v),
    alerts: {
      repeatIntervalMs: v.ALERT_REPEAT_INTERVAL,
      repeatRunwayFraction: v.ALERT_REPEAT_RUNWAY_FRACTION,
      retryBaseDelayMs: Math.min(v.ALERT_RETRY_BASE_DELAY, MAX_RETRY_DELAY_MS),
      groupIntervalMs: v.ALERT_GROUP_INTERVAL,
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
    receivers,
    channelEnv: channelEnv(v),
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

/**
 * What is wrong with METRICS_HOST, said before anything starts (at listen it was "cannot be resolved",
 * after a DNS lookup of a URL): a host name or an address, without a scheme, a path or a port.
 */
function listenHostProblem(host: string): string | undefined {
  const want = 'expected a host name or IP address such as 0.0.0.0, 127.0.0.1 or ::';
  if (host === '') return `${want}, got nothing`;
  if (/[\s/]/.test(host)) return `${want} (no scheme, path or spaces inside)`;
  if (/^[^:]*:\d+$/.test(host) || /^\[.*\]:\d+$/.test(host)) return `${want}, without a port: the port is METRICS_PORT`;
  // Digits and dots are an IPv4 address or nothing: 256.1.1.1 went to DNS and failed only at listen.
  if (/^[\d.]+$/.test(host) && !isIPv4(host)) return `${want}; '${host}' is not an IPv4 address`;
  if (host.startsWith('[') && !isIPv6(unbracketed(host))) return `${want}; '${host}' is not an IPv6 address in brackets`;
  return undefined;
}

/** `[::1]`, as URLs write an IPv6 address, is `::1`. */
const unbracketed = (host: string): string => (/^\[.*\]$/.test(host) ? host.slice(1, -1) : host);
