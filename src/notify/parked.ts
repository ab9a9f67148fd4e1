/**
 * A channel whose settings are refused (NotifyError.setting: a refused login or certificate, refused addresses,
 * a wrong webhook URL or a revoked token), PURE (time passed in). The refusal is the channel's state, not each
 * notification's: while `refusing`, one attempt is out at a time (a probe), no sooner than its `probeAt` — 5 min
 * after the refusal, then 15 min, then every hour (a wrong password tried per notification, or every 5 min,
 * locks mail accounts) — and at once after a reload or a start, which may bring the fixed setting. The
 * notifications it refused are kept (Delivery.parked, saved with the outbox); the others wait behind the probe.
 * An answer that shows the settings work (a notification taken, or refused for its own content) ends it: all
 * that was kept is due. A notification refused for its settings right after the channel took another is that
 * notification's problem (given up; the channel stays open), a second one is the channel's. Past its 24 h a
 * notification is given up without an attempt; a channel a reload removed gives up what it owes.
 */
import type { Logger } from '../log.js';
import { sameSettings } from './channel.js';
import { giveUpAt, logGivenUp, unpark, type Delivery } from './delivery.js';
import { begin, removeFrom, type Refusing, type Target } from './target.js';
import { staysAtItsDestination } from './told.js';

const PROBE_DELAYS_MS = [5 * 60_000, 15 * 60_000, 60 * 60_000];

/** Deliveries made due because a target took another notification (settingsWork): by the sender that took it. */
const freedBy = new WeakMap<Delivery, Target['notifier']>();

/**
 * What may start at refusing `t` now: one delivery — the first due (a notification not yet refused), else the
 * oldest kept — when nothing is in flight and its probe time has come; `expired`: taken out, past their 24 h
 * (the caller gives them up). `wake`: when to look again (Infinity: an attempt's landing will).
 */
export function probeOf(t: Target, r: Refusing, now: number): { start: Delivery[]; wake: number; expired: Delivery[] } {
  if (t.inFlight.size > 0 || now < t.pausedUntil) return { start: [], wake: t.inFlight.size > 0 ? Infinity : t.pausedUntil, expired: [] };
  if (now < r.probeAt) return { start: [], wake: r.probeAt, expired: [] };
  const expired = [...t.queue].filter((x) => !x.open && now >= giveUpAt(x));
  for (const x of expired) removeFrom(t, x);
  let taken = t.index.take(now, 1);
  if (taken.start.length === 0) {
    const oldest = [...t.queue].find((x) => x.parked);
    if (oldest && unpark(oldest)) {
      t.index.retimed();
      taken = t.index.take(now, 1);
    }
  }
  return { start: begin(t, taken.start, now), wake: taken.start.length > 0 ? Infinity : taken.wake, expired };
}

/**
 * Whether `t` may keep `x` it refused for its settings: not at a channel removed (or a destination replaced, for `x`
 * owed there alone: pinned, or a resolve told there that a hand-over leaves, told.ts), nor right after it took others.
 * Kept at a replaced URL that nothing fixes now, a told resolve was probed hourly for 24 h, owed all that time.
 */
export const mayPark = (t: Target, x: Delivery): boolean => (!t.retired || (t.heir !== undefined && !staysAtItsDestination(x))) && !poisoned(t, x);

/** `x`, made due because `t`'s sender (not one a reload replaced since) took another, is the first refused for its settings since: its own problem. */
const poisoned = (t: Target, x: Delivery): boolean => freedBy.get(x) === t.notifier && (t.refusedSinceTake ?? 0) === 0;

/**
 * What a final no to `x` at `t` says of the channel: a refusal of its settings makes `t` refusing (unless `x` alone
 * is refused right after a take); a refusal of `x`'s content shows they work. Call after noteFailure.
 */
export function judged(t: Target, x: Delivery, by: Target['notifier'], settings: boolean, error: string, now: number): void {
  if (!settings) return void settingsWork(t, by);
  const alone = poisoned(t, x);
  t.refusedSinceTake = (t.refusedSinceTake ?? 0) + 1;
  if (alone) return;
  if (t.refusing && now < t.refusing.probeAt) return; // one of the attempts out when the first refusal came: not a probe
  const refusals = (t.refusing?.refusals ?? 0) + 1;
  t.refusing = { error, refusals, probeAt: now + PROBE_DELAYS_MS[Math.min(refusals, PROBE_DELAYS_MS.length) - 1]! };
}

/**
 * A probe of refusing `t` failed for a time (a 454 "too many logins", a 5xx, the network): the schedule goes on as
 * for a refusal, so the others are not tried back to back while it waits for its retry.
 */
export function probeDeferred(t: Target, now: number): void {
  const r = t.refusing;
  if (r && now >= r.probeAt) r.probeAt = now + PROBE_DELAYS_MS[Math.min(Math.max(r.refusals, 1), PROBE_DELAYS_MS.length) - 1]!;
}

/** `t`'s sender `by` took a notification (or judged one on its content): its settings work; what it kept is due at once. How many. */
export function settingsWork(t: Target, by: Target['notifier']): number {
  if (sameSettings(t.notifier, by)) t.proven = true; // not by a sender a reload replaced with other settings while this attempt was out
  t.refusing = undefined;
  t.refusedSinceTake = 0;
  let n = 0;
  for (const x of t.queue) {
    if (!unpark(x)) continue;
    freedBy.set(x, by);
    n++;
  }
  if (n > 0) t.index.retimed();
  return n;
}

/** Refusing `t` (or one that keeps refused notifications: a start, a hand-over) is tried at once (a reload, a start). True if it was. */
export function probeNow(t: Target, now: number): boolean {
  if (!t.refusing) {
    const kept = [...t.queue].find((x) => x.parked);
    if (!kept) return false;
    t.refusing = { error: kept.lastError ?? 'refused for its settings', refusals: 0, probeAt: now };
    return true;
  }
  t.refusing.probeAt = Math.min(t.refusing.probeAt, now);
  return true;
}

/** Each configured target whose settings were refused is tried at once (a reload, a start: they may be fixed), said in the log; true if any. */
export function probeAll(targets: Iterable<Target>, now: number, log: Logger): boolean {
  let n = 0;
  for (const t of targets) if (!t.retired && probeNow(t, now)) n++;
  if (n > 0) log.info({ channels: n }, 'channels whose settings were refused are tried again with one notification each, as the settings may have been fixed (a channel that takes it gets the rest)');
  return n > 0;
}

/** Refusing `t`, a channel a reload removed, gives up what it owes and is not sending (nothing fixes its settings now), each said in the log; true if any. */
export function dropRefused(t: Target, log: Logger): boolean {
  if (!t.refusing) return false;
  const out = [...t.queue].filter((x) => !t.inFlight.has(x));
  for (const x of out) {
    removeFrom(t, x);
    logGivenUp(log, t.notifier.label, x, 'its channel refused its settings and a reload removed it');
  }
  return out.length > 0;
}
