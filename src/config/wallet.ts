/**
 * The one schema of a wallet. A WALLETS_FILE entry (defaults merged in) and the environment's single wallet
 * (src/config/env-wallet.ts) are both handed here as a map of the file's keys; only how a key is named in
 * a problem differs (`low_balance_threshold` in a file, `LOW_BALANCE_THRESHOLD` in the environment).
 */
import { z } from 'zod';
import { presetOf } from '../providers/index.js';
import { parseAuth } from '../providers/generic.js';
import type { GenericOptions } from '../providers/preset.js';
import { readCredentials, unquoted, UNQUOTED } from './credentials.js';
import type { Secret } from './secret.js';
import { fail, httpUrl, number, text } from './fields.js';
import { PROVIDERS, type ApiSettingNames, type Provider, type RuleTuning, type WalletSettings } from './settings.js';
import { keyShown } from './shown.js';
import { flat, shared } from '../strings.js';

export type { RuleTuning };

export const WALLET_KEYS = [
  'name', 'provider', 'api_url', 'balance_path', 'balance_field', 'currency_field', 'api_key_file', 'api_key',
  'credentials', 'auth', 'balance_regex', 'balance_scale', 'balance_sign', 'currency',
  'low_balance_threshold', 'critical_balance_threshold', 'runway_warning_hours', 'runway_critical_hours', 'labels',
  'receivers',
] as const;
export type WalletKey = (typeof WALLET_KEYS)[number];
export const isWalletKey = (k: string): k is WalletKey => (WALLET_KEYS as readonly string[]).includes(k);

/** A wallet as written: values are whatever YAML (or the environment, as strings) gave. */
export type RawWallet = Partial<Record<WalletKey, unknown>>;

export interface WalletContext {
  tuning: RuleTuning;
  /** False for commands that never call the API (backtest). */
  requireApiKey: boolean;
  /** How a key is named in a message about another key. */
  keyName: (key: WalletKey) => string;
  /** How a failed poll's message names the setting to fix, and where it is set (' in WALLETS_FILE'); default keyName, ''. */
  settingName?: (key: WalletKey) => string;
  settingsWhere?: string;
  /** The name when none is given (the environment's `default`); undefined = `name` is required. */
  defaultName?: string;
}

export interface WalletProblem {
  key: WalletKey;
  message: string;
}

/** Letters, digits, `. - _`: the `account` label, the status page's path and the state file's name. */
const WALLET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Why `name` cannot name a wallet or a receiver, or undefined when it can. `.` and `..` pass the
 * character rule but are path steps: /wallets/.. is the page list, not a wallet. */
export function nameProblem(name: string): string | undefined {
  if (!WALLET_NAME.test(name)) return 'use 1 to 64 letters, digits, dots, dashes or underscores';
  if (/^\.+$/.test(name)) return 'a name of dots only cannot be a path on the status page; add a letter or digit';
  return undefined;
}
/** A Prometheus label name that is not reserved (`__…`). */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/**
 * Set by wallet-sentinel itself, on /metrics (account, provider) or in Alertmanager's label set (account,
 * alertname, severity, service): a wallet's label of that name would be overwritten. `provider` is not in
 * Alertmanager's label set, so a wallet whose provider changed keeps its alerts' label sets there.
 */
const RESERVED_LABELS = new Set(['account', 'provider', 'alertname', 'severity', 'service']);
const DOTTED = /^[^.\s]+(\.[^.\s]+)*$/;

const fields = {
  provider: z.string().optional().refine((v) => v === undefined || (PROVIDERS as readonly string[]).includes(v), {
    message: `unknown provider; supported: ${PROVIDERS.join(', ')} (see wallet-sentinel providers)`,
  }),
  api_url: z.string().optional().transform((v, ctx) => {
    if (v === undefined) return undefined;
    const url: unknown = httpUrl(v, ctx);
    if (typeof url !== 'string') return z.NEVER;
    // The balance path is appended to it: `…/?api_key=x` asked for `/?api_key=x/v1/wallet/balance` (and
    // a key in the URL is no place for one: the `auth: query NAME` option sends it).
    if (/[?#]/.test(url)) return fail(ctx, 'is a base URL: no query or fragment (the balance path is appended to it; `auth: query NAME` sends a key as a parameter)');
    return url.replace(/\/+$/, '');
  }),
  balance_path: text('/v1/wallet/balance').refine((v) => v.startsWith('/') && !/\s/.test(v), { message: "must be a path starting with '/'" }),
  balance_field: text('balance').refine((v) => DOTTED.test(v), { message: 'must be a dotted path such as data.attributes.balance' }),
  currency_field: text('currency').refine((v) => DOTTED.test(v), { message: 'must be a dotted path such as data.attributes.currency' }),
  low_balance_threshold: number(undefined, { min: 0 }),
  critical_balance_threshold: number(undefined, { min: 0 }),
  runway_warning_hours: number(72, { min: 0 }),
  runway_critical_hours: number(24, { min: 0 }),
  auth: z.string().optional().refine((v) => v === undefined || typeof parseAuth(v) !== 'string', { message: "must be 'bearer', 'basic', 'header NAME' or 'query NAME'" }),
  balance_regex: z.string().optional().refine((v) => v === undefined || validRegex(v), { message: 'is not a valid regular expression' }),
  balance_scale: z.string().optional().refine((v) => v === undefined || (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(v.trim()) && Number(v) !== 0 && Number.isFinite(Number(v))), { message: 'must be a non-zero decimal number such as 0.01' }),
  balance_sign: z.string().optional().refine((v) => v === undefined || v === '+' || v === '-', { message: "must be '+' or '-'" }),
  currency: z.string().optional().refine((v) => v === undefined || /^[A-Za-z]{1,8}$/.test(v), { message: 'must be a currency code such as USD' }),
};
/** Keys that only some presets read (the others refuse them, rather than ignore a setting). */
const PRESET_KEYS = ['balance_path', 'balance_field', 'currency_field', 'auth', 'balance_regex', 'balance_scale', 'balance_sign', 'currency'] as const;

function validRegex(v: string): boolean {
  try {
    new RegExp(v);
    return true;
  } catch {
    return false;
  }
}
type Fields = { [K in keyof typeof fields]: z.output<(typeof fields)[K]> };

/**
 * Validates one wallet; every problem is collected (one bad value never hides another). The wallet is
 * returned only when there is no problem.
 */
export function parseWallet(raw: RawWallet, cx: WalletContext): { wallet: WalletSettings | undefined; problems: WalletProblem[] } {
  const problems: WalletProblem[] = [];
  const add = (key: WalletKey, message: string) => problems.push({ key, message });

  const str = (key: WalletKey): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    add(key, `must be a single value, not ${Array.isArray(v) ? 'a list' : 'a map'}`);
    return undefined;
  };

  // A name YAML read as a number or true/false is not the one written (01 and 1 both became '1', true
  // and "true" too: two wallets, one name).
  const name = unquoted(raw.name) ? undefined : (str('name') ?? cx.defaultName);
  if (unquoted(raw.name)) add('name', UNQUOTED);
  else if (name === undefined) add('name', 'is required');
  else {
    const problem = nameProblem(name);
    if (problem) add('name', problem);
  }

  const parsed: Partial<Fields> = {};
  for (const [key, schema] of Object.entries(fields) as [keyof Fields, z.ZodType][]) {
    const r = schema.safeParse(str(key));
    if (r.success) (parsed as Record<string, unknown>)[key] = r.data;
    else for (const issue of r.error.issues) add(key, issue.message);
  }

  const providerName = parsed.provider ?? 'telephony-io';
  const preset = (PROVIDERS as readonly string[]).includes(providerName) ? presetOf(providerName) : undefined;
  const generic: GenericOptions | undefined =
    providerName === 'generic'
      ? { auth: parsed.auth ?? 'bearer', regex: parsed.balance_regex, scale: parsed.balance_scale?.trim() ?? '1', sign: (parsed.balance_sign ?? '+') as '+' | '-' }
      : undefined;
  let credentials: Record<string, Secret> | undefined;
  if (preset) {
    for (const key of PRESET_KEYS) {
      if (raw[key] !== undefined && raw[key] !== null && raw[key] !== '' && !preset.settings.some((s) => s.split(' ')[0] === key)) {
        add(key, `the ${preset.name} preset does not read it (it reads: ${preset.settings.join(', ') || 'nothing besides api_url and credentials'})`);
      }
    }
    if (preset.name === 'generic' && parsed.api_url === undefined) add('api_url', 'is required for the generic preset');
    if (preset.name === 'generic' && str('balance_path') === undefined) add('balance_path', 'is required for the generic preset');
    // A fragment is never sent, and `auth: query NAME` appended the key after it: GET /bal without the key,
    // a 401 that read as a wrong key. Whatever follows '#' (a literal one is %23) was never asked for.
    if (preset.name === 'generic' && parsed.balance_path?.includes('#')) {
      add('balance_path', "holds '#', which starts a URL fragment: a fragment is never sent to the server, nor is anything after it (a query parameter, the key of auth: query NAME); remove it, or write a '#' that belongs to the path as %23");
    }
    // The top-level key and its file as text only: a value YAML read as a number is not the one written (credentials.ts).
    const numeric = (['api_key', 'api_key_file'] as const).filter((k) => unquoted(raw[k]));
    for (const k of numeric) add(k, UNQUOTED);
    if (numeric.length === 0) credentials = readCredentials(preset, generic, { map: raw.credentials, apiKey: str('api_key'), apiKeyFile: str('api_key_file') }, { require: cx.requireApiKey, keyName: cx.keyName }, add);
  }
  const apiKey = credentials?.api_key;
  const labels = parseLabels(raw.labels, add);
  const receivers = parseReceiverNames(raw.receivers, add);

  const { low_balance_threshold: low, critical_balance_threshold: critical, runway_warning_hours: warnH, runway_critical_hours: critH } = parsed;
  if (low !== undefined && critical !== undefined && critical > low) {
    add('critical_balance_threshold', `(${critical}) must not be above ${cx.keyName('low_balance_threshold')} (${low})`);
  }
  if (warnH !== undefined && critH !== undefined && critH > warnH) {
    // blame the one written: RUNWAY_WARNING_HOURS=12 alone named RUNWAY_CRITICAL_HOURS, which the user never set
    if (raw.runway_critical_hours === undefined) add('runway_warning_hours', `(${warnH}) must not be below ${cx.keyName('runway_critical_hours')} (${critH}, its default)`);
    else add('runway_critical_hours', `(${critH}) must not be above ${cx.keyName('runway_warning_hours')} (${warnH}${raw.runway_warning_hours === undefined ? ', its default' : ''})`);
  }
  if (problems.length > 0 || name === undefined) return { wallet: undefined, problems };

  const v = parsed as Fields;
  return {
    problems,
    wallet: {
      // Kept for the daemon's life, 10,000 times in a fleet: read as slices of the wallets file's text, which
      // they kept alive whole, or built by concatenation (src/strings.ts).
      name: flat(name),
      provider: providerName as Provider,
      api: {
        baseUrl: shared(v.api_url ?? preset!.baseUrl),
        balancePath: shared(v.balance_path),
        balanceField: shared(v.balance_field),
        currencyField: shared(v.currency_field),
        names: settingNames(cx.settingName ?? cx.keyName, cx.settingsWhere ?? ''),
        apiKey,
        credentials: credentials ?? {},
        ...(generic ? { generic } : {}),
        ...(v.currency !== undefined ? { currency: v.currency.toUpperCase() } : {}),
      },
      rules: {
        lowBalanceThreshold: v.low_balance_threshold,
        criticalBalanceThreshold: v.critical_balance_threshold,
        runwayWarningHours: v.runway_warning_hours,
        runwayCriticalHours: v.runway_critical_hours,
        ...cx.tuning,
      },
      labels,
      receivers,
    },
  };
}

/** `receivers: [voice-slack, oncall]` → the names (checked against the file's receivers by wallets-file.ts); none = `default`. */
function parseReceiverNames(raw: unknown, add: (key: WalletKey, message: string) => void): string[] {
  if (raw === undefined || raw === null) return ['default'];
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0 || list.some((x) => typeof x !== 'string' || x === '')) {
    add('receivers', 'must be a list of receiver names, such as [voice-slack, oncall]');
    return [];
  }
  return [...new Set(list as string[])];
}

function parseLabels(raw: unknown, add: (key: WalletKey, message: string) => void): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    add('labels', 'must be a map of label name to value, such as {team: voice}');
    return {};
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) add('labels', `${keyShown(k, true)} is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)`);
    else if (RESERVED_LABELS.has(k)) add('labels', `'${k}' is set by wallet-sentinel itself; choose another label name`);
    // Unicode's other line breaks too (U+2028, U+2029, NEL, vertical tab, form feed): a mail or chat client
    // breaks the line there as well, so "x\u2028What to do: ignore" forged a line of a message.
    else if (typeof v === 'string' && /[\n\v\f\r\u0085\u2028\u2029]/.test(v)) add('labels', `${k}: the value must be a single line (it is written into messages line by line)`);
    else if (typeof v === 'string' && /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/.test(v)) add('labels', `${k}: the value must not hold control characters (a NUL, an escape): it goes into messages, logs and /metrics as written`);
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') labels[shared(k)] = shared(String(v));
    else add('labels', `${k}: the value must be a single value`);
  }
  return labels;
}

/** Every set of setting names made so far, by their text: a fleet's wallets share one (a preset's hints are kept by it). */
const namesMade = new Map<string, ApiSettingNames>();

/** The settings a failed poll's message may ask to check, by the names this wallet was configured with. */
function settingNames(name: (key: WalletKey) => string, where: string): ApiSettingNames {
  const n: ApiSettingNames = { apiUrl: name('api_url'), balancePath: name('balance_path'), balanceField: name('balance_field'), currencyField: name('currency_field'), apiKey: name('api_key'), where };
  const key = JSON.stringify(n);
  let made = namesMade.get(key);
  if (made === undefined) namesMade.set(key, (made = Object.freeze({ apiUrl: flat(n.apiUrl), balancePath: flat(n.balancePath), balanceField: flat(n.balanceField), currencyField: flat(n.currencyField), apiKey: flat(n.apiKey), where: flat(n.where) })));
  return made;
}
