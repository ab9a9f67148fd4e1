/**
 * bench:fleet's pure arithmetic: percentiles, poll lateness and missed slots from the simulator's request
 * log, /proc figures, the result table. Pinned by test/unit/bench-fleet-analysis.test.ts.
 */

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface PollStats {
  wallets: number;
  /** Wallets that got no poll at all in the window. */
  neverPolled: number;
  polls: number;
  /** Slots in the window with no poll (a gap of about k intervals misses k − 1 slots; a wallet never polled misses them all). */
  missed: number;
  /** Two polls of one wallet closer than half an interval. */
  doubled: number;
  /** Every poll's delay after its wallet's slot, in ms (see `pollStats`). */
  lateness: number[];
  maxGapMs: number;
}

/**
 * Polls per wallet (unix-ms times, any order) → lateness and missed slots for the slots in [from, to).
 *
 * The daemon gives each wallet a stable offset in the interval that the log does not show, so each wallet's
 * slot is estimated from its own polls: the phase (time modulo the interval) of each poll, unwrapped around
 * the first one's, and the earliest phase taken as the slot (from the polls between half an interval before
 * the window and its end only). A poll's lateness is its phase minus that. A
 * wallet polled late by the same amount every time looks punctual: that is indistinguishable from a later
 * offset, and harmless. A poll belongs to the slot it is late for; the window counts slots, not polls, so
 * a late poll just after `from` for a slot just before it is left out, not counted twice.
 */
export function pollStats(polls: ReadonlyMap<string, readonly number[]>, wallets: readonly string[], from: number, to: number, intervalMs: number): PollStats {
  const out: PollStats = { wallets: wallets.length, neverPolled: 0, polls: 0, missed: 0, doubled: 0, lateness: [], maxGapMs: 0 };
  const half = intervalMs / 2;
  const slotsFrom = (phase: number): number => {
    const first = from + ((((phase - from) % intervalMs) + intervalMs) % intervalMs);
    return first < to ? Math.floor((to - 1 - first) / intervalMs) + 1 : 0;
  };
  for (const name of wallets) {
    // Only polls from half an interval before the window to its end set the slot: one out of the schedule's
    // rhythm (the start-up poll, made at once for every wallet; a restart's) would read as another phase and
    // make every other poll "late".
    const all = (polls.get(name) ?? []).filter((t) => t >= from - half && t < to).sort((a, b) => a - b);
    if (all.length === 0) {
      out.neverPolled++;
      out.missed += Math.floor((to - from) / intervalMs);
      continue;
    }
    const p0 = all[0]! % intervalMs;
    const phases = all.map((t) => {
      let d = (t % intervalMs) - p0;
      if (d >= half) d -= intervalMs;
      if (d < -half) d += intervalMs;
      return d;
    });
    const slotPhase = Math.min(...phases);
    const hit = new Set<number>();
    let kept = 0;
    let prev: number | undefined;
    all.forEach((t, i) => {
      const late = phases[i]! - slotPhase;
      const slotAt = t - late;
      if (slotAt < from || slotAt >= to) return;
      kept++;
      out.lateness.push(late);
      hit.add(Math.round(slotAt / intervalMs));
      if (prev !== undefined) out.maxGapMs = Math.max(out.maxGapMs, t - prev);
      prev = t;
    });
    if (kept === 0) out.neverPolled++;
    out.polls += kept;
    out.doubled += kept - hit.size;
    out.missed += Math.max(0, slotsFrom((p0 + slotPhase + intervalMs) % intervalMs) - hit.size);
  }
  return out;
}

/** Parses the simulator's request log (`<unix ms>\t<wallet>\t<status>` lines) into poll times per wallet. */
export function parseRequestLog(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    const [at, wallet] = line.split('\t');
    if (!at || !wallet) continue;
    let list = out.get(wallet);
    if (!list) out.set(wallet, (list = []));
    list.push(Number(at));
  }
  return out;
}

/** /proc/<pid>/stat → user + system CPU in ms (fields 14 and 15, after the parenthesised command name). */
export function cpuMsFromStat(stat: string, clockTicks = 100): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}
export function rssKiBFromStatus(status: string, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? NaN);
}
export function writeBytesFromIo(io: string): number {
  return Number(/^write_bytes:\s+(\d+)/m.exec(io)?.[1] ?? NaN);
}

export interface Row {
  what: string;
  figure: string;
  target: string;
  /** null: not measured (the figure says why). */
  pass: boolean | null;
}

export function table(rows: readonly Row[]): string {
  const verdict = (r: Row) => (r.pass === null ? 'n/a' : r.pass ? 'PASS' : 'FAIL');
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => [r.what, r.figure, r.target][i]!.length), ['what', 'figure', 'target'][i]!.length));
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(w[0]!)}  ${b.padEnd(w[1]!)}  ${c.padEnd(w[2]!)}  ${d}`;
  return [line('what', 'figure', 'target', 'verdict'), line('-'.repeat(w[0]!), '-'.repeat(w[1]!), '-'.repeat(w[2]!), '-------'), ...rows.map((r) => line(r.what, r.figure, r.target, verdict(r)))].join('\n');
}
