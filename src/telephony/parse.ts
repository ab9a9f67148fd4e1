/** Pure parsing of Telephony.io response bodies. Errors name the field and the setting, never the body. */
import { isCurrencyCode } from '../domain/account.js';
import { UpstreamError } from '../errors.js';

// A plain decimal, optionally signed, optionally with an exponent. Refuses hex, "Infinity", "1,5", "1_000", "".
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Smallest positive normal double (2^-1022): below it a value is subnormal, its precision gone. */
const MIN_NORMAL = 2 ** -1022;
/**
 * A balance's magnitude limit: past 2^53 − 1 a double no longer counts whole credits exactly, and no
 * prepaid wallet holds that much; a bigger value is a broken field, not money.
 */
export const MAX_BALANCE_MAGNITUDE = Number.MAX_SAFE_INTEGER;

/** Walks a dotted path (`data.attributes.balance`) through own properties only; undefined when any step is missing. */
export function readDottedField(body: unknown, path: string): unknown {
  let current: unknown = body;
  for (const key of path.split('.')) {
    if (key === '' || current === null || typeof current !== 'object') return undefined;
    // Own properties only: a path like `__proto__.x` or `constructor` must not reach the prototype.
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Why a value is not a usable number, in words that never repeat the value; null when it is usable. */
export function numberProblem(value: unknown): string | null {
  if (value === undefined) return 'is missing';
  if (value === null) return 'is null';
  if (typeof value === 'number') return magnitudeProblem(value);
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') return 'is an empty string';
    if (!NUMERIC.test(s)) return 'is not a plain decimal number';
    const n = Number(s);
    // "1e-400" reads as 0: a non-zero amount must not become an empty wallet.
    if (n === 0 && /[1-9]/.test(s.split(/[eE]/)[0]!)) return 'is too close to 0 to be represented (underflow)';
    return magnitudeProblem(n);
  }
  if (typeof value === 'boolean') return 'is a boolean, not a number';
  if (Array.isArray(value)) return 'is an array, not a number';
  return `is ${typeof value === 'object' ? 'an object' : `a ${typeof value}`}, not a number`;
}

/** Finite, not subnormal, not absurdly large: anything else is a broken field, never a balance. */
function magnitudeProblem(n: number): string | null {
  if (!Number.isFinite(n)) return 'is not a finite number';
  const abs = Math.abs(n);
  if (abs !== 0 && abs < MIN_NORMAL) return 'is too close to 0 to be represented (a subnormal number)';
  if (abs > MAX_BALANCE_MAGNITUDE) return `is beyond ±${MAX_BALANCE_MAGNITUDE}, not a plausible balance`;
  return null;
}

/** Whether `s` (trimmed) is written as a plain decimal, whatever its size: `1e400` is, `0x10` and `1,5` are not. */
export const isPlainDecimal = (s: string): boolean => NUMERIC.test(s.trim());

/**
 * A usable decimal from a string (surrounding whitespace and a leading `+` allowed), else undefined:
 * the same rules as the balance field, for `backtest` input and the numeric settings.
 */
export function parseDecimal(s: string): number | undefined {
  return usableNumber(s);
}

/**
 * A JSON number or numeric string that passes numberProblem, as a finite number (else undefined). `-0` and
 * `"-0.00"` read 0: a negative zero was shown as "balance is low: -0 USD".
 */
export function usableNumber(value: unknown): number | undefined {
  if (numberProblem(value) !== null) return undefined;
  const n = typeof value === 'number' ? value : Number((value as string).trim());
  return n === 0 ? 0 : n;
}

export function parseBalanceBody(
  body: unknown,
  balanceField: string,
  currencyField: string,
  names: { balanceField: string; currencyField: string } = { balanceField: 'TELEPHONY_BALANCE_FIELD', currencyField: 'TELEPHONY_CURRENCY_FIELD' },
): { balance: number; currency: string | null; currencyProblem: string | null } {
  const raw = readDottedField(body, balanceField);
  const problem = numberProblem(raw);
  if (problem !== null) {
    throw new UpstreamError(
      'bad_response',
      `upstream balance field "${balanceField}" ${problem}; check ${names.balanceField}`,
      { status: 200 },
    );
  }
  return { balance: usableNumber(raw) as number, ...readCurrency(body, currencyField, names.currencyField) };
}

/**
 * The currency code at the dotted path (trimmed), or null: absent (no problem) or not a plain code (then
 * `problem` says why, in words that never repeat the value — it may be an injection attempt).
 */
export function readCurrency(
  body: unknown,
  currencyField: string,
  fix = 'TELEPHONY_CURRENCY_FIELD',
): { currency: string | null; currencyProblem: string | null } {
  const value = readDottedField(body, currencyField);
  if (value === undefined || value === null) return { currency: null, currencyProblem: null };
  const s = typeof value === 'string' ? value.trim() : undefined;
  if (s === '') return { currency: null, currencyProblem: null };
  if (s !== undefined && isCurrencyCode(s)) return { currency: s, currencyProblem: null };
  return {
    currency: null,
    currencyProblem: `upstream currency field "${currencyField}" is not a plain currency code (1–8 letters); the currency label reads unknown (the balance is taken to be in the last known one); check ${fix}`,
  };
}


/** A 402 body (`required_credits`, `current_balance`); anything missing or invalid is null. Never throws. */
export function parseExhaustedBody(body: unknown): { balance: number | null; requiredCredits: number | null } {
  return {
    balance: usableNumber(readDottedField(body, 'current_balance')) ?? null,
    requiredCredits: usableNumber(readDottedField(body, 'required_credits')) ?? null,
  };
}
