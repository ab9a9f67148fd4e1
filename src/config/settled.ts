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

/**
 * True once two reads `quietMs` apart are identical (both failing counts: the reload reports why it cannot
 * read); false when it still changed after `limitMs`. `sleep` is the wait between reads (tests pass their own).
 */
export async function fileSettled(path: string, opts: { quietMs?: number; limitMs?: number; sleep?: (ms: number) => Promise<unknown> } = {}): Promise<boolean> {
  const { quietMs = SETTLE_QUIET_MS, limitMs = SETTLE_LIMIT_MS, sleep = delay } = opts;
  // A FIFO or a device is read once, by the reload: reading it here would take its text, or wait for good.
  if (!regularFile(path)) return true;
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
    if (now === undefined || last === undefined ? now === last : now.equals(last)) return true;
    last = now;
  }
  return false;
}

function regularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
