/**
 * Waits for a file to stop changing before it is read for a reload: an in-place writer caught mid-write
 * leaves a file cut at a wallet's boundary, which is valid YAML, and applying it removed every wallet after
 * the cut (their alerts closed as "no longer watched", then fired again under new ids once the file was whole).
 * At start, a file written in the last moments is read again once it has stopped changing (loadSettled).
 */
import { readFileSync, statSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from '../errors.js';
import type { Loaded } from './load.js';

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

/** A WALLETS_FILE modified this recently when the process starts may be in the middle of a write. */
export const RECENT_WRITE_MS = 2_000;

/**
 * `load()` (the settings), and when the WALLETS_FILE it names was modified in the last RECENT_WRITE_MS,
 * `load()` again once that file has stopped changing: a daemon started while a deploy tool writes the file
 * (or by a path unit at its first write) read only the wallets before the cut, or failed on a wallet cut in
 * half, and nothing read it again. Still changing after SETTLE_LIMIT_MS: loaded as it is then, with a warning.
 */
export async function loadSettled(load: () => Loaded): Promise<Loaded> {
  let file: string | undefined;
  try {
    const loaded = load();
    file = loaded.settings.walletsFile;
    if (!writtenSince(file, Date.now() - RECENT_WRITE_MS)) return loaded;
  } catch (err) {
    if (!(err instanceof ConfigError) || !writtenSince(err.walletsFile, Date.now() - RECENT_WRITE_MS)) throw err;
    file = err.walletsFile;
  }
  const seen = await fileSettled(file!);
  const loaded = load();
  if (seen.settled) return loaded;
  return { ...loaded, warnings: [...loaded.warnings, `WALLETS_FILE was still changing ${SETTLE_LIMIT_MS / 1000} s after start; read as it was then: send SIGHUP once it is written`] };
}

function writtenSince(path: string | undefined, since: number): boolean {
  if (path === undefined) return false;
  try {
    const st = statSync(path);
    return st.isFile() && st.mtimeMs >= since;
  } catch {
    return false;
  }
}
