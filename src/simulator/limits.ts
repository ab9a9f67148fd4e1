/** The bounds of what a simulated wallet takes: amounts and the top-up interval (each checked where it enters). */

/**
 * The largest amount a wallet takes (balance, burn per hour, top-up, credit limit): 1e15, past any real
 * wallet, where 4 decimals still fit in a double. Unbounded, 1e308 was accepted and then served as
 * `{"balance": null}` (round4 overflowed to Infinity), and a top-up and a burn of 1e308 gave NaN for good.
 */
export const MAX_AMOUNT = 1e15;
/** Why an amount is refused (undefined: fine). */
export function amountProblem(n: number): string | undefined {
  return typeof n === 'number' && Number.isFinite(n) && Math.abs(n) <= MAX_AMOUNT ? undefined : `must be a number of at most ${MAX_AMOUNT} in size, got ${n}`;
}
/** An amount past MAX_AMOUNT: the control API answers it with a 400 (any other error stays a 500). */
export class AmountError extends RangeError {}
export const checkAmount = (what: string, n: number): number => {
  const problem = amountProblem(n);
  if (problem) throw new AmountError(`${what} ${problem}`);
  return n;
};
/**
 * The shortest automatic top-up interval (0 turns them off). Far below it the clock's precision swallowed the
 * step: at 1e-9 s, `nextTopupAt + step` was `nextTopupAt` and the catch-up never ended.
 */
export const MIN_TOPUP_EVERY_SECONDS = 1;
/** Why a top-up interval is refused (undefined: fine). */
export function topupEveryProblem(s: number): string | undefined {
  if (typeof s !== 'number' || !(s === 0 || (s >= MIN_TOPUP_EVERY_SECONDS && Number.isFinite(s)))) {
    return `must be 0 (no automatic top-ups) or at least ${MIN_TOPUP_EVERY_SECONDS} s, got ${s}`;
  }
  return undefined;
}
