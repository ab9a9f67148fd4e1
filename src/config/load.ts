import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError } from '../errors.js';
import { MAX_RETRY_DELAY_MS } from '../notify/delivery.js';
import type { ChannelEnv } from '../notify/channel.js';
import { routingKeyWarning } from '../notify/pagerduty/config.js';
import { parseFields, shardProblems, type Env, type Fields } from './env-fields.js';
import { isLoopbackSmtp, tlsOptOut } from './fields.js';
import { MiB, READ_WAIT_MS, readBudgetLeft, readConfigFile, whyNot, withReadBudget } from './read-file.js';
import { RECENT_WRITE_MS, settledTextSync, writtenSince } from './settled.js';
import { readSecretFile, Secret } from './secret.js';
import { envWallet, WALLET_VARS } from './env-wallet.js';
import type { ReceiverSettings, Settings, WalletSettings } from './settings.js';
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
  /**
   * False for commands that serve no HTTP (check, test-alert, backtest): WEB_CONFIG_FILE is not read, nor the
   * TLS key and certificates it names (a check that runs as another user, with the daemon's settings, need
   * not read the daemon's private key).
   */
  serves?: boolean;
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
  'ALERT_WEBHOOK_URL', 'ALERT_WEBHOOK_URL_FILE', 'ALERT_WEBHOOK_SECRET', 'ALERT_WEBHOOK_SECRET_FILE', 'ALERT_PAGERDUTY_ROUTING_KEY',
  'ALERT_PAGERDUTY_ROUTING_KEY_FILE', 'ALERTMANAGER_URL', 'METRICS_HOST', 'METRICS_PORT', 'WEB_CONFIG_FILE',
  'STATE_DIR', 'LOG_LEVEL', 'WALLETS_FILE', 'SHARD_COUNT', 'SHARD_INDEX',
]);
/** Secrets of the process (channels; a webhook URL, Slack's above all, is the credential); the wallet's key and key file go through the wallet schema. */
const SECRET_VARS = ['SMTP_URL', 'ALERT_WEBHOOK_URL', 'ALERT_WEBHOOK_SECRET', 'ALERT_PAGERDUTY_ROUTING_KEY'] as const;
/** The environment's alert channels (the receiver `default`). */
const CHANNEL_VARS = [
  'SMTP_URL', 'SMTP_URL_FILE', 'SMTP_REQUIRE_TLS', 'SMTP_CA_FILE', 'ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO', 'ALERT_WEBHOOK_URL', 'ALERT_WEBHOOK_URL_FILE',
  'ALERT_WEBHOOK_SECRET', 'ALERT_WEBHOOK_SECRET_FILE', 'ALERT_PAGERDUTY_ROUTING_KEY', 'ALERT_PAGERDUTY_ROUTING_KEY_FILE', 'ALERTMANAGER_URL',
] as const;
/** Every secret that has an `X_FILE` twin: X and X_FILE are two spellings of one setting. */
const FILE_PAIRED = [...SECRET_VARS, 'TELEPHONY_API_KEY'] as const;

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
  if (opts.serves === false) delete vars.WEB_CONFIG_FILE;
  // A secret whose X_FILE cannot be read has that one problem: the rules that need it (SMTP_URL for
  // ALERT_EMAIL_TO, the routing key for pagerduty+) must not add 'X: is required' as if it were not set.
  const unreadable = new Set<string>();
  for (const name of SECRET_VARS) if (!resolveSecretFile(vars, name, problems)) unreadable.add(name);

  const parsed = parseFields(vars, emptyInEnv, problems, unreadable);
  const typos = typoWarnings(Object.keys(vars), KNOWN_VARIABLES);
  const warnings = [...typos];
  shardProblems(parsed, vars, emptyInEnv, problems, warnings);
  const tuning = ruleTuning(parsed);
  const retryBase = parsed.ALERT_RETRY_BASE_DELAY;
  if (retryBase !== undefined && retryBase > MAX_RETRY_DELAY_MS) warnings.push(`ALERT_RETRY_BASE_DELAY: above 5m, the longest wait between retries; 5m is used`);
  const optOut = parsed.SMTP_URL ? tlsOptOut(parsed.SMTP_URL.reveal()) : [];
  if (optOut.length > 0) warnings.push(`SMTP_URL: its query turns TLS protection off: ${optOut.join(', ')}`);
  const routingKey = parsed.ALERT_PAGERDUTY_ROUTING_KEY; // one key for every pagerduty+ URL
  const shape = routingKey && parsed.ALERT_WEBHOOK_URL?.map((w) => (w.format === 'pagerduty' ? routingKeyWarning(routingKey, w.url.reveal()) : undefined)).find(Boolean);
  if (shape) warnings.push(`ALERT_PAGERDUTY_ROUTING_KEY: ${shape}`);
  if (routingKey && !parsed.ALERT_WEBHOOK_URL?.some((w) => w.format === 'pagerduty')) warnings.push("ALERT_PAGERDUTY_ROUTING_KEY: set, but no pagerduty+ URL in ALERT_WEBHOOK_URL uses it: no event is sent with this key (add pagerduty+https://events.pagerduty.com/v2/enqueue; a wallets-file receiver's pagerduty channel takes a routing key of its own)");
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
    const { SHARD_COUNT: count = 1, SHARD_INDEX: index = 0 } = parsed;
    if (env.wallet && count > 1) {
      const home = shardOf(env.wallet.name, count);
      warnings.push(`SHARD_COUNT: ${count} shards split a WALLETS_FILE; without one, the environment's wallet '${env.wallet.name}' is in shard ${home}, so this process (shard ${index}) ${home === index ? 'watches it and every other shard nothing' : 'watches nothing'}`);
    }
  }
  // a misspelt variable is most often why start-up fails ('TELEPHONY_API_KEY: is required' for a
  // TELEPHONY_API_KEY_FIEL): its hint goes with the problems, the warnings are never printed then
  if (problems.length > 0) throw new ConfigError([...problems, ...typos]);
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

/** `X_FILE` → `X` (trailing newline trimmed); both set is an error. False when X_FILE names a file that cannot be read. */
function resolveSecretFile(vars: Env, name: string, problems: string[]): boolean {
  const fileVar = `${name}_FILE`;
  const path = vars[fileVar];
  if (path === undefined) return true;
  if (vars[name] !== undefined) {
    problems.push(`${name}: set both ${name} and ${fileVar}; set only one`);
    return true;
  }
  const read = readSecretFile(path);
  delete vars[fileVar];
  if ('problem' in read) {
    problems.push(`${fileVar}: ${read.problem}`);
    return false;
  }
  vars[name] = read.value;
  return true;
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
