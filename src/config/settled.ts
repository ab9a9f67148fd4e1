/**
 * Waits for a file to stop changing before it is read for a reload: an in-place writer caught mid-write
 * leaves a file cut at a wallet's boundary, which is valid YAML, and applying it removed every wallet after
 * the cut (their alerts closed as "no longer watched", then fired again under new ids once the file was whole).
 */
import { readFileSync, statSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

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
  // A FIFO or a device is read once, by the reload: reading it here would take its text, or wait for good.
  if (!regularFile(path)) return { settled: true, text: undefined };
  const read = (): Buffer | undefined => {
    try {
      return readFileSync(path);
    } catch {
      return undefined;
    }
  };
  let last = read();
  for (let waited = 0; waited < limitMs; waited += quietMs) {
    await sleep(quietMs);
    const now = read();
    if (now === undefined || last === undefined ? now === last : now.equals(last)) return { settled: true, text: now?.toString('utf8') };
    last = now;
  }
  return { settled: false };
}

function regularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
