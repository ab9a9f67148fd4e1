import type { PollOutcome } from '../domain/account.js';
import { describeError, UpstreamError } from '../errors.js';
import type { BalanceClient, FetchOptions } from '../telephony/client.js';

/** One poll of the upstream as a PollOutcome: never throws, never carries anything but safe words. */
export async function pollBalance(client: Pick<BalanceClient, 'fetchBalance'>, opts: FetchOptions): Promise<PollOutcome> {
  try {
    const r = await client.fetchBalance(opts);
    return {
      ok: true,
      status: r.status,
      balance: r.balance,
      currency: r.currency,
      currencyProblem: r.currencyProblem,
      requiredCredits: r.requiredCredits,
      ...(r.creditLimit !== undefined ? { creditLimit: r.creditLimit } : {}),
      ...(r.autoRecharge !== undefined ? { autoRecharge: r.autoRecharge } : {}),
      ...(r.refusesCalls ? { refusesCalls: r.refusesCalls } : {}),
    };
  } catch (err) {
    if (err instanceof UpstreamError) return { ok: false, kind: err.kind, message: err.message, retryAfterMs: err.retryAfterMs };
    return { ok: false, kind: 'network', message: `unexpected error: ${describeError(err)}` };
  }
}
