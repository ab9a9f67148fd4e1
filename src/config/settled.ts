/**
 * Waits for a file to stop changing before it is read for a reload: an in-place writer caught mid-write
 * leaves a file cut at a wallet's boundary, which is valid YAML, and applying it removed every wallet after
 * the cut (their alerts closed as "no longer watched", then fired again under new ids once the file was whole).
 * At start, a file written just before or while it was read is read again the same way (`writtenSince`).
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { WALLETS_FILE_MAX_BYTES } from './wallets-file.js';

/** A file that keeps changing for this long is not read: the reload is refused and says why. */
export const SETTLE_LIMIT_MS = 5_000;
/** Two reads this far apart must be the same. */
export const SETTLE_QUIET_MS = 200;

/** What the wait saw: `settled` false when the file still changed after the limit; else `text`, the settled content, or undefined (not a regular file, or unreadable: the reload reads it itself and says why). */
export type Settled = { settled: false } | { settled: true; text: string | undefined };

/**
 * Settled once two reads `quietMs` apart are identical (both failing counts: the reload reports why it cannot
 * read); not when it still changed after `limitMs`. The reload parses the text returned, not a third read
 * that a writer starting just after could catch half written. `sleep` is the wait between reads (tests pass their own).
 */
export async function fileSettled(path: string, opts: { quietMs?: number; limitMs?: number; sleep?: (ms: number) => Promise<unknown> } = {}): Promise<Settled> {
  const { quietMs = SETTLE_QUIET_MS, limitMs = SETTLE_LIMIT_MS, sleep = delay } = opts;
  // A FIFO or a device is read once, by the reload: reading it here would take its text, or wait for good. A
  // file past the wallets file's bound neither (the reload refuses it): two whole reads of 400 MiB took 1.3 GB.
  if (!waitable(path)) return { settled: true, text: undefined };
  const read = () => readWhole(path);
  let last = read();
  for (let waited = 0; waited < limitMs; waited += quietMs) {
    await sleep(quietMs);
    const now = read();
    if (now === undefined || last === undefined ? now === last : now.equals(last)) return { settled: true, text: now?.toString('utf8') };
    last = now;
  }
  return { settled: false };
}

/** A regular file within the wallets file's bound: what the settle waits read themselves. */
function waitable(path: string): boolean {
  const st = statOf(path);
  return st?.isFile() === true && st.size <= WALLETS_FILE_MAX_BYTES;
}

/** The file's bytes; undefined when it cannot be read (the load or reload says why). */
function readWhole(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * `fileSettled` for a synchronous load (start-up reads its settings synchronously): the file's text once two
 * reads `quietMs` apart are the same (undefined when it is not a regular file within the bound, or when
 * `budgetMs` leaves no time for a second read: nothing is known but the first); not settled when two reads
 * differed and it still changes with less than `quietMs` left of `budgetMs`. The wait blocks the thread
 * (nothing else runs yet).
 */
export function settledTextSync(path: string, budgetMs: number, quietMs = SETTLE_QUIET_MS): Settled {
  const until = Date.now() + budgetMs;
  if (Date.now() + quietMs > until) return { settled: true, text: undefined };
  const read = () => (waitable(path) ? readWhole(path) : undefined);
  let last = read();
  if (last === undefined) return { settled: true, text: undefined };
  let differed = false;
  while (Date.now() + quietMs <= until) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, quietMs);
    const now = read();
    if (now === undefined) return { settled: true, text: undefined };
    if (now.equals(last)) return { settled: true, text: now.toString('utf8') };
    [last, differed] = [now, true];
  }
  return differed ? { settled: false } : { settled: true, text: undefined }; // the first read took what was left
}

/** A WALLETS_FILE modified this long before the process started reading it, or later, may have been read in the middle of a write. */
export const RECENT_WRITE_MS = 2_000;

/**
 * Whether the regular file at `path` was modified at or after `since` (epoch ms): at start, with `since`
 * RECENT_WRITE_MS before the settings were read, a writer may have been at work while they were, and the
 * daemon reads it again once started, as a reload (SIGHUP) does. The later of mtime and ctime: a writer
 * that sets the mtime back to its source's (`rsync -t`, `cp -p`, `tar x`) cannot set the ctime. A clock or
 * time in the future counts: one more read, never a loop.
 */
export function writtenSince(path: string, since: number): boolean {
  const st = statOf(path);
  return st !== undefined && st.isFile() && Math.max(st.mtimeMs, st.ctimeMs) >= since;
}
