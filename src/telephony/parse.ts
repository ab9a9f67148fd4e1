/** Pure parsing of Telephony.io response bodies. Errors name the field and the setting, never the body. */
import { UpstreamError } from '../errors.js';

// A plain decimal, optionally signed, optionally with an exponent. Refuses hex, "Infinity", "1,5", "".
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// Currency ends up as a metric label: a longer string is not a currency code.
const MAX_CURRENCY_LENGTH = 32;

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
function numberProblem(value: unknown): string | null {
  if (value === undefined) return 'is missing';
  if (value === null) return 'is null';
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'is not a finite number';
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') return 'is an empty string';
    if (!NUMERIC.test(s)) return 'is a string that is not a number';
    return Number.isFinite(Number(s)) ? null : 'is not a finite number';
  }
  if (typeof value === 'boolean') return 'is a boolean, not a number';
  if (Array.isArray(value)) return 'is an array, not a number';
  return `is ${typeof value === 'object' ? 'an object' : `a ${typeof value}`}, not a number`;
}

/** A JSON number or numeric string as a finite number, else null. */
function toNumber(value: unknown): number | null {
  if (numberProblem(value) !== null) return null;
  return typeof value === 'number' ? value : Number((value as string).trim());
}

export function parseBalanceBody(
  body: unknown,
  balanceField: string,
  currencyField: string,
): { balance: number; currency: string | null } {
  const raw = readDottedField(body, balanceField);
  const problem = numberProblem(raw);
  if (problem !== null) {
    throw new UpstreamError(
      'bad_response',
      `upstream balance field "${balanceField}" ${problem}; check TELEPHONY_BALANCE_FIELD`,
      { status: 200 },
    );
  }
  return { balance: toNumber(raw) as number, currency: readCurrency(body, currencyField) };
}

/** A non-empty string (trimmed, at most 32 characters) at the dotted path, else null. */
export function readCurrency(body: unknown, currencyField: string): string | null {
  const value = readDottedField(body, currencyField);
  if (typeof value !== 'string') return null;
  const s = value.trim();
  return s !== '' && s.length <= MAX_CURRENCY_LENGTH ? s : null;
}

/** A 402 body (`required_credits`, `current_balance`); anything missing or invalid is null. Never throws. */
export function parseExhaustedBody(body: unknown): { balance: number | null; requiredCredits: number | null } {
  return {
    balance: toNumber(readDottedField(body, 'current_balance')),
    requiredCredits: toNumber(readDottedField(body, 'required_credits')),
  };
}
