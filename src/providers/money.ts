/**
 * Money as the providers send it: decimal strings ("1785.50") or JSON numbers, read by the same rules as
 * the Telephony.io balance (src/telephony/parse.ts: a plain decimal, finite, never a 0 or NaN from a bad
 * value). Sums, differences and scales are done on the decimal digits (BigInt), so `100.5 − 25.75` is
 * 74.75 and `12345 × 0.01` is 123.45, not 123.45000000000002. PURE.
 */
import { numberProblem, usableNumber } from '../telephony/parse.js';

/** value = digits × 10^exp */
interface Decimal {
  digits: bigint;
  exp: number;
}

/** Why a value is not an amount (words that never repeat it), or null. */
export const amountProblem = (value: unknown): string | null => numberProblem(value);

/** A usable amount as a number, or undefined (see amountProblem for why). */
export function toAmount(value: unknown): number | undefined {
  return usableNumber(value);
}

/** A checked amount (string or number) as an exact decimal; `String(n)` of a double is its shortest exact form. */
function decimal(value: string | number): Decimal {
  const s = (typeof value === 'number' ? String(value) : value.trim()).replace(/^\+/, '');
  const [mant = '0', e = '0'] = s.toLowerCase().split('e');
  const neg = mant.startsWith('-');
  const [int = '', frac = ''] = mant.replace(/^-/, '').split('.');
  const digits = BigInt(`${int}${frac}` || '0');
  const exp = Number(e) - frac.length;
  // An exponent far outside a double's (0e999999999, 1e-999999999: usable amounts, 0) would be aligned by a
  // BigInt of 10^999999999 digits: 20 s of a blocked event loop, then a RangeError. Read it as the double it is.
  if (digits === 0n) return { digits: 0n, exp: 0 };
  if (Math.abs(exp) > MAX_EXP) return decimal(Number(s));
  return { digits: neg ? -digits : digits, exp };
}

/** Beyond this a decimal exponent is outside what a double holds (±308, ±324 for denormals). */
const MAX_EXP = 400;

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.digits * 10n ** BigInt(a.exp - exp), b.digits * 10n ** BigInt(b.exp - exp), exp];
}

function toNumber(d: Decimal): number {
  const neg = d.digits < 0n;
  const abs = (neg ? -d.digits : d.digits).toString();
  if (d.exp >= 0) return Number(`${neg ? '-' : ''}${abs}e${d.exp}`);
  const places = -d.exp;
  const padded = abs.padStart(places + 1, '0');
  return Number(`${neg ? '-' : ''}${padded.slice(0, padded.length - places)}.${padded.slice(padded.length - places)}`);
}

/** a − b, exact on the decimal digits; both must already be usable amounts. */
export function subtract(a: string | number, b: string | number): number {
  const [x, y, exp] = align(decimal(a), decimal(b));
  return toNumber({ digits: x - y, exp });
}

/** a + b, exact on the decimal digits. */
export function add(a: string | number, b: string | number): number {
  const [x, y, exp] = align(decimal(a), decimal(b));
  return toNumber({ digits: x + y, exp });
}

/** a × factor, exact on the decimal digits (a scale such as 0.01 for cents, -1 for a sign). */
export function multiply(a: string | number, factor: string | number): number {
  const x = decimal(a);
  const f = decimal(factor);
  return toNumber({ digits: x.digits * f.digits, exp: x.exp + f.exp });
}

/** `"KES 1785.50"` → { currency: 'KES', amount: '1785.50' }; undefined when the string is not of that form. */
export function splitCurrencyAmount(s: string): { currency: string; amount: string } | undefined {
  const m = /^\s*([A-Za-z]{3,8})\s+(\S+)\s*$/.exec(s);
  return m ? { currency: m[1]!.toUpperCase(), amount: m[2]! } : undefined;
}
