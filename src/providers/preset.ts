/**
 * What a provider preset is: data (base URL, credentials, the words of the "what to do" line) and one
 * small function that builds the balance request and reads its answer. A preset never sees axios or the
 * network: the one transport (src/telephony/client.ts) sends what `endpoint()` describes, maps statuses,
 * retries, and hands a 200 body (parsed JSON object) to `read()`.
 */
import type { Secret } from '../config/secret.js';
import type { ApiSettingNames } from '../config/settings.js';
import { readCurrency, readDottedField } from '../telephony/parse.js';
import { UpstreamError } from '../errors.js';
import { amountProblem, toAmount } from './money.js';
import { flat } from '../strings.js';

export interface CredentialSpec {
  /** The provider's own word (`account_sid`, `auth_token`); `<name>_file` reads it from a file. */
  readonly name: string;
  readonly required: boolean;
  readonly help: string;
  /** Instead of "(optional)" in `wallet-sentinel providers`: one of two ways to sign in (`or api_key_sid + api_key_secret`). */
  readonly alternative?: string;
  /** It names the account whose balance is read (Twilio's account_sid): another value is another account, not a rotated secret. */
  readonly account?: true;
}

/** The generic preset's settings (wallet keys `auth`, `balance_regex`, `balance_scale`, `balance_sign`). */
export interface GenericOptions {
  /** `bearer` | `basic` | `header NAME` | `query NAME` */
  readonly auth: string;
  /** A regular expression applied to the field's string form; its first group (or the match) is the number. */
  readonly regex: string | undefined;
  /** A decimal factor (0.01: the API counts cents). */
  readonly scale: string;
  /** `+` or `-` (an API that reports the debt as a positive number). */
  readonly sign: '+' | '-';
}

/** What the wallet's configuration gives a preset. */
export interface WalletApi {
  readonly baseUrl: string;
  readonly balancePath: string;
  readonly balanceField: string;
  readonly currencyField: string;
  readonly credentials: Readonly<Record<string, Secret>>;
  readonly generic?: GenericOptions | undefined;
  /** The wallet's `currency` key: which of several per-currency balances to read (deepseek). */
  readonly currency?: string | undefined;
  /** How a failed poll's message names the settings to check (config/settings.ts); absent: the environment's. */
  readonly names?: ApiSettingNames | undefined;
}

/** One 200 body read. */
export interface PresetReading {
  balance: number;
  currency: string | null;
  /** Why the upstream's currency was not used (not a plain code); null when fine or absent. */
  currencyProblem: string | null;
  /**
   * How far below zero the wallet may go (a credit limit, as a positive number); the forecast runs to
   * −creditLimit instead of 0 and the wallet is exhausted only there. Undefined: 0.
   */
  creditLimit?: number;
  /** The provider's auto-recharge flag, when its body has one. */
  autoRecharge?: boolean;
  /** The body says the balance pays for no call (DeepSeek's `is_available: false`): exhausted, as at a 402. */
  refusesCalls?: true;
}

export interface Endpoint {
  /** Appended to the base URL; may carry a query string (never shown: see `shownPath`). */
  readonly path: string;
  /** The path for messages: account ids replaced by their credential's name (`/Accounts/{account_sid}/…`), no query. */
  readonly shownPath: string;
  /** Built per request (the one place a secret is revealed), besides Accept and User-Agent. */
  headers(): Record<string, string>;
  /** What the request sends that is secret (credentials, header values, query values: endpointFor), revealed only to be compared with what an answer echoes (never shown). */
  secrets?(): readonly string[];
  read(body: Record<string, unknown>): PresetReading;
  /** A 402 answer (Telephony.io only): the balance it reports. Presets without one treat 402 as unexpected. */
  exhausted?(body: Record<string, unknown> | undefined): { balance: number | null; requiredCredits: number | null; currency: string | null; currencyProblem: string | null };
  /**
   * What a message tells to check: after a 400, 404 or a redirect (`request`), after a 401/403 (`rejected`,
   * then `credentials`), and when a credential cannot go into a header (`credentials`).
   */
  readonly hints: { readonly request: string; readonly rejected: string; readonly credentials: string };
}

export interface Preset {
  readonly name: string;
  /** `Twilio`: in messages and summaries. */
  readonly title: string;
  readonly baseUrl: string;
  /** Where the balance request is documented. */
  readonly docs: string;
  readonly credentials: readonly CredentialSpec[];
  /** Wallet keys besides the credentials that this preset reads (`balance_path`, `auth`…). */
  readonly settings: readonly string[];
  /** The action line of an alert: `Top up in the Twilio Console (Admin → Billing).` */
  readonly topUp: string;
  /** The balance request as a one-line summary, for `wallet-sentinel providers`. */
  readonly request: string;
  /** What "exhausted" means for this provider, in words (default: the balance at or below 0 in a 200 answer). */
  readonly exhausted?: string;
  /**
   * Where the provider refuses the credentials of a suspended account like wrong ones (Twilio's 401, error
   * 20003): why it suspends one, said wherever a refusal is (the poll's error, the auth_failed action), so
   * nobody rotates a good key while the account is in arrears.
   */
  readonly suspends?: string;
  endpoint(api: WalletApi): Endpoint;
  /** The credentials this wallet needs, when they depend on its settings (generic); default: the required ones. */
  needs?(generic: GenericOptions | undefined): readonly string[];
  /** A problem with which of the optional credentials are set together (two ways to sign in: one, whole). */
  credentialsProblem?(present: ReadonlySet<string>): string | undefined;
}

// ---- helpers for presets ------------------------------------------------------------------------------

/** `Basic base64(user:password)` */
export const basic = (user: Secret, password: Secret): string =>
  `Basic ${Buffer.from(`${user.reveal()}:${password.reveal()}`, 'utf8').toString('base64')}`;

export const bearer = (key: Secret): string => `Bearer ${key.reveal()}`;

/** A credential the configuration layer already required. */
export function cred(api: WalletApi, name: string): Secret {
  const s = api.credentials[name];
  if (!s) throw new Error(`credential ${name} missing`); // the configuration layer requires it
  return s;
}

/** A path segment from a credential (an account id), escaped. */
export const segment = (s: Secret): string => encodeURIComponent(s.reveal());

const hintsMade = new WeakMap<object, Endpoint['hints']>();

/** The standard hints: the base URL and the credential names (one object per preset, for all its wallets). */
export function hintsFor(preset: Pick<Preset, 'name' | 'credentials' | 'suspends'>): Endpoint['hints'] {
  let hints = hintsMade.get(preset);
  if (hints === undefined) hintsMade.set(preset, (hints = makeHints(preset)));
  return hints;
}

function makeHints(preset: Pick<Preset, 'name' | 'credentials' | 'suspends'>): Endpoint['hints'] {
  const names = preset.credentials.map((c) => c.name).join(', ');
  return Object.freeze({
    request: flat(`check api_url and the credentials of this ${preset.name} wallet`),
    rejected: flat(`the ${preset.name} credentials were rejected${preset.suspends ? `, or the account is suspended (${preset.suspends})` : ''}`),
    credentials: flat(`check ${names}`),
  });
}

const bad = (preset: string, message: string): UpstreamError =>
  new UpstreamError('bad_response', `${preset} answer: ${message}; the body is not what the ${preset} preset expects (check api_url)`, { status: 200 });

/** A body the preset reads, saying something that leaves no balance to watch: the message says what to do (not "check api_url"). */
export const unwatchable = (preset: string, message: string): UpstreamError => new UpstreamError('bad_response', `${preset} answer: ${message}`, { status: 200 });

/** `raw`, the value read at `path`, as a checked amount (a string or number), or a bad_response naming the field (never its value). */
function checkedAmount(preset: string, path: string, raw: unknown): string | number {
  const problem = amountProblem(raw);
  if (problem !== null) throw bad(preset, `field "${path}" ${problem}`);
  return typeof raw === 'string' ? raw.trim() : (raw as number);
}

/** The amount at a dotted path, or a bad_response naming the field (never its value). */
export function amountAt(preset: string, body: unknown, path: string): number {
  return toAmount(checkedAmount(preset, path, readDottedField(body, path)))!;
}

/** The raw checked value at a path (a string or number, for exact decimal arithmetic). */
export function decimalAt(preset: string, body: unknown, path: string): string | number {
  return checkedAmount(preset, path, readDottedField(body, path));
}

/** An optional amount: undefined when absent, null or empty; present and unreadable, a bad_response naming the field (never a guess). */
export function optionalAmountAt(preset: string, body: unknown, path: string): number | undefined {
  const raw = readDottedField(body, path);
  return raw === undefined || raw === null || raw === '' ? undefined : toAmount(checkedAmount(preset, path, raw)); // present and unreadable: not "absent"
}

/** A flag sent as true/false, 1/0 or "true"/"false"; undefined otherwise. */
export function flagAt(body: unknown, path: string): boolean | undefined {
  const v = readDottedField(body, path);
  if (v === true || v === 1 || v === '1' || v === 'true') return true;
  if (v === false || v === 0 || v === '0' || v === 'false') return false;
  return undefined;
}

/** The currency at a path (checked as a plain code), with a problem naming the preset. */
export function currencyAt(preset: string, body: unknown, path: string): { currency: string | null; currencyProblem: string | null } {
  return readCurrency(body, path, `the ${preset} preset's currency field`);
}

export const fixedCurrency = (currency: string) => ({ currency, currencyProblem: null });

export { bad as badResponse };
