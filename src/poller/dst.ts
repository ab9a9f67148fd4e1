/**
 * The next tick of POLL_SCHEDULE across daylight-saving changes of POLL_TIMEZONE.
 *
 * node-cron walks local wall-clock times and turns each into an instant; around a change it loses ticks:
 * - falling back (Europe/Berlin 2026-10-25 03:00 CEST -> 02:00 CET), the hour 02:00-02:59 happens twice and
 *   node-cron keeps one of them only: `* * * * *` or `*\/5 * * * *` polled nothing for an hour (Berlin: from
 *   01:59 CEST to 02:00 CET; New York: from 01:59 EDT to 02:00 EST), and no "missed" line said so;
 * - springing forward (02:00 -> 03:00), a daily `30 2 * * *` has no 02:30 that day and was not run at all:
 *   47 hours between two polls.
 *
 * Here the ticks are every instant whose local reading matches the expression, with two rules of cron
 * (Vixie cron's): a local time that does not exist (the skipped hour) runs at the instant the clock would
 * have shown it without the change (02:30 -> 03:30 CEST, once); a schedule naming hours (`30 2 * * *`,
 * `0 9,17 * * 1-5`) runs only at the first of a repeated hour's two readings, while one running every hour of
 * the day (`* * * * *`, `0 * * * *`) runs at both, as real time goes on. Away from a change this is exactly
 * node-cron's next match.
 */

import { nodeCron } from '../config/cron.js';

/** What the scheduler needs of a node-cron matcher: the next matching instant strictly after `date` (whole seconds). */
export interface NextMatcher {
  getNextMatch(date: Date): Date;
}

const HOUR = 3_600_000;
/** Farther than any daylight-saving shift (at most 2 h anywhere) from a change: the offset on the other side. */
const AROUND = 6 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timezone: string | undefined): Intl.DateTimeFormat {
  const key = timezone ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(key, f);
  }
  return f;
}

/** The zone's offset from UTC at instant `t` (ms; local wall time = t + offset). Undefined zone: the process's. */
export function zoneOffsetMs(t: number, timezone: string | undefined): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timezone).formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour === 24 ? 0 : p.hour!, p.minute!, p.second!);
  return wall - Math.floor(t / 1000) * 1000;
}

export interface DstSchedule {
  /** node-cron's matcher of the expression in the zone (its next match is the answer away from a change). */
  local: NextMatcher;
  /** A matcher of the same expression in UTC: pure wall-clock arithmetic, no change ever. */
  wall: NextMatcher;
  timezone: string | undefined;
  /** The expression runs in every hour of the day: in a repeated hour it runs at both readings. */
  everyHour: boolean;
}

/** The next tick strictly after `from`, daylight-saving changes included (see the top of this file). */
export function nextTick(s: DstSchedule, from: Date): Date {
  const f = from.getTime();
  const n = s.local.getNextMatch(from);
  const off = (t: number) => zoneOffsetMs(t, s.timezone);
  const offsets = new Set([off(f - AROUND), off(f), off(n.getTime())]);
  if (offsets.size === 1 && off(n.getTime() - AROUND) === off(f)) return n; // no change anywhere near: node-cron is right
  let best = Infinity;
  for (const o of offsets) {
    // The wall clock as it would read under offset `o`: walk its matches, each back to an instant.
    let w = s.wall.getNextMatch(new Date(f + o)).getTime();
    for (let i = 0; i < 4 && w - o < best; i++, w = s.wall.getNextMatch(new Date(w)).getTime()) {
      const t = w - o;
      if (t <= f) continue;
      const readings = [off(t - AROUND), off(t + AROUND)].filter((x, k, a) => a.indexOf(x) === k && off(w - x) === x).map((x) => w - x);
      if (readings.length === 0) {
        // `w` does not exist (the skipped hour): it runs on the clock from before the change.
        if (o === off(t - AROUND)) best = t;
      } else if (readings.includes(t) && (s.everyHour || t === Math.min(...readings))) best = t;
    }
  }
  return Number.isFinite(best) ? new Date(best) : n;
}

/**
 * Makes a node-cron task tick by nextTick: its matcher's next match (which its runner, getNextRun and
 * getNextRuns all ask) is replaced on this task only. node-cron 4 keeps that matcher as `timeMatcher`, not
 * in its typings: false when it is not there (the task then keeps node-cron's own ticks; a unit test fails).
 */
export function tickAcrossDst(task: object, schedule: string, timezone: string | undefined): boolean {
  type Matcher = NextMatcher & { constructor: new (pattern: string, timezone?: string) => NextMatcher };
  const local = (task as { timeMatcher?: Matcher }).timeMatcher;
  if (!local || typeof local.getNextMatch !== 'function' || typeof local.constructor !== 'function') return false;
  const everyHour = nodeCron().parse(schedule).hour.length === 24;
  const s: DstSchedule = { local: { getNextMatch: local.getNextMatch.bind(local) }, wall: new local.constructor(schedule, 'UTC'), timezone, everyHour };
  // The answer depends on the second of `date` only; a reload polling 10,000 new wallets asks the same few seconds.
  const cache = new Map<number, Date>();
  local.getNextMatch = (date: Date) => {
    const second = Math.floor(date.getTime() / 1000);
    let next = cache.get(second);
    if (next === undefined) {
      if (cache.size >= 8) cache.clear();
      next = nextTick(s, date);
      cache.set(second, next);
    }
    return new Date(next.getTime());
  };
  return true;
}
