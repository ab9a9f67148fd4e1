import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDir } from './make-dir.js';

export type ReadResult<T> =
  | { status: 'missing' }
  | { status: 'ok'; value: T }
  /** Unreadable or invalid: the file was moved aside to `setAsideTo` (if it could be) so the daemon starts fresh. */
  | { status: 'corrupt'; reason: string; setAsideTo: string | undefined };

/**
 * Reads a JSON file and validates it with `parse` (which throws on a wrong shape).
 * A file that cannot be parsed is renamed `<file>.corrupt-<time>` (unless readOnly) and reported, never fatal.
 */
export async function readJsonFile<T>(
  path: string,
  parse: (raw: unknown) => T,
  now: number,
  opts: { readOnly?: boolean } = {},
): Promise<ReadResult<T>> {
  const aside = () => (opts.readOnly ? Promise.resolve(undefined) : setAside(path, now));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { status: 'missing' };
    return { status: 'corrupt', reason: `cannot read (${code ?? 'error'})`, setAsideTo: await aside() };
  }
  try {
    return { status: 'ok', value: parse(JSON.parse(text)) };
  } catch (err) {
    const reason = err instanceof SyntaxError ? 'not valid JSON' : `unexpected content (${(err as Error).message.slice(0, 200)})`;
    return { status: 'corrupt', reason, setAsideTo: await aside() };
  }
}

async function setAside(path: string, now: number): Promise<string | undefined> {
  const to = `${path}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(path, to);
    return to;
  } catch {
    return undefined;
  }
}

const TMP_SUFFIX = '.tmp';

/**
 * Proves `dir` can be written before the daemon relies on it: creates it if needed, writes, syncs and
 * removes a small probe file (a full disk fails here too), and removes temp files an earlier run left
 * when it was killed mid-write. Rejects with the file-system error (EROFS, EACCES, ENOSPC...).
 */
export async function probeWritableDir(dir: string): Promise<void> {
  makeDir(dir);
  const probe = join(dir, `.write-probe.${process.pid}${TMP_SUFFIX}`);
  try {
    const fh = await open(probe, 'w', 0o600);
    try {
      await fh.writeFile('wallet-sentinel write probe\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
  } finally {
    await unlink(probe).catch(() => undefined);
  }
  for (const name of await readdir(dir)) {
    if (/^(outbox|account-.+)\.json\.\d+\.[0-9a-f]{8}\.tmp$/.test(name)) await unlink(join(dir, name)).catch(() => undefined);
  }
}
