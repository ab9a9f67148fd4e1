/**
 * Auto-refill, PURE: a wallet whose provider tops it up by itself (Twilio's, Telnyx's and Vonage's
 * "auto-recharge": add X when the balance falls below Y) is refilled at about the same balance with about
 * the same amount, before it runs dry. Its runway is under the horizon every cycle, so without this every
 * cycle would warn about a depletion the wallet's own refill prevents. While the balance stays above the
 * level it was refilled at, depletion_forecast waits for the next refill; below it with no refill, the
 * refill may have failed (a card declined), and the forecast alerts as usual.
 */
import type { History, Refill } from './history.js';

export const AUTO_REFILL = {
  /** The last this many top-ups must agree. */
  count: 2,
  /** …each within this long of now (a pattern from weeks ago may have been switched off). */
  withinMs: 14 * 24 * 3_600_000,
  /** Balances before the refills within this fraction of the larger one. */
  levelTolerance: 0.25,
  /** Amounts added within this fraction of the larger one (auto-recharge adds a fixed amount). */
  amountTolerance: 0.15,
  /** A refill is at least this share of the balance it leaves (a refund or a correction is not). */
  minShare: 0.25,
  /** The forecast waits while the balance stays above the lowest refill level less this fraction (spend between the crossing and the refill). */
  floorAllowance: 0.1,
} as const;

export interface AutoRefill {
  /** Top-ups that agree. */
  count: number;
  /** The lowest balance a refill came at, and the typical amount added. */
  level: number;
  amount: number;
  /** depletion_forecast waits while the balance is above this… */
  floor: number;
  /** …and one already firing resolves only above this (just refilled): a balance wobbling at the floor does not flap it. */
  refilled: number;
}

const near = (a: number, b: number, tolerance: number): boolean => Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));

/** The refill pattern of the last top-ups, or null when they do not look automatic. */
export function autoRefill(h: History, now: number): AutoRefill | null {
  const last: readonly Refill[] = h.refills.slice(-AUTO_REFILL.count);
  if (last.length < AUTO_REFILL.count) return null;
  if (last.some((r) => r.before <= 0 || now - r.t > AUTO_REFILL.withinMs)) return null; // ran dry first: not refilled in time
  const first = last[0]!;
  const amount = (r: Refill) => r.after - r.before;
  const agree = last.every(
    (r) => amount(r) >= AUTO_REFILL.minShare * r.after && near(r.before, first.before, AUTO_REFILL.levelTolerance) && near(amount(r), amount(first), AUTO_REFILL.amountTolerance),
  );
  if (!agree) return null;
  const level = Math.min(...last.map((r) => r.before));
  return {
    count: last.length,
    level,
    amount: last.reduce((sum, r) => sum + amount(r), 0) / last.length,
    floor: level * (1 - AUTO_REFILL.floorAllowance),
    refilled: Math.min(...last.map((r) => r.after)) * (1 - AUTO_REFILL.floorAllowance),
  };
}
