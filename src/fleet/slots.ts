/**
 * Where a fleet's polls fall in a round of the schedule (schedule.ts): each wallet at a stable offset (a
 * hash of its name, shard.ts) inside the round, at most its first SPREAD_MAX_MS, and its retries' deadline
 * just before its slot in the round after. Pure arithmetic on the times the cron gives.
 */
import type { WalletRunner } from './runner.js';
import { slotFraction } from './shard.js';

export interface Slot {
  at: number;
  runner: WalletRunner;
  deadline: number | undefined;
}

/**
 * How long before its next slot a poll's retries stop (at most a quarter of the interval): the poll still
 * commits its state after its last attempt, and a wallet still committing at its slot is skipped as an
 * overlap. Retried up to the slot itself, a hanging upstream on a schedule under ~40 s lost every other poll
 * and logged "the polls fall behind".
 */
export const SETTLE_MS = 1_000;

/**
 * How far past its tick a round's polls spread, at most: the whole interval on a schedule of up to 10
 * minutes, its first 10 minutes on a longer one. Spread over a whole long round, one wallet on `0 9,17 * *
 * 1-5` was read at its hash's 19 % of the 64-hour weekend (Friday 17:00's poll on Saturday at 05:13). A
 * fixed bound, not one per wallet: a wallet's slot never moves when a reload adds or removes others (slots
 * computed from the count moved under polls still retrying, and skipped them as overlaps). 10,000 wallets
 * on an hourly schedule then ask ~17 a second, as they would every 10 minutes.
 */
export const SPREAD_MAX_MS = 10 * 60_000;

/** The offset of a wallet's slot in a round lasting `length`. */
export const offsetIn = (name: string, length: number, spreadMax: number): number => slotFraction(name) * Math.min(length, spreadMax);

/** The deadline of a poll's retries: SETTLE_MS (at most a quarter of the interval) before the wallet's next slot. */
export const retriesUntil = (nextSlot: number, interval: number): number => nextSlot - Math.min(SETTLE_MS, interval / 4);

/**
 * The slots of the round that starts at `t` and lasts `length` (until the next tick): each wallet at its
 * stable fraction of it (of its first `spreadMax`), with its slot in the round after (which lasts
 * `following`) as the deadline of its retries. A round lasts until the next tick, not the gap between the next two: with uneven ticks (`0 9,17
 * * *`, business hours, weekdays) that gap is another round's length, and a wallet's 09:00 slot fell at
 * night, after the 17:00 tick.
 */
export function roundSlots(runners: readonly WalletRunner[], t: number, length: number, following: number, spreadMax = SPREAD_MAX_MS): Slot[] {
  return runners.map((runner) => ({
    at: t + offsetIn(runner.name, length, spreadMax),
    runner,
    deadline: retriesUntil(t + length + offsetIn(runner.name, following, spreadMax), following),
  }));
}
