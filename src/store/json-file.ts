import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

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

/**
 * Writes `value` as JSON so that a crash at any moment leaves either the old file or the new one:
 * write a temp file in the same folder, fsync it, rename it over the target, fsync the folder.
 * A write that fails (read-only, full, gone) removes its temp file before rejecting: nothing is left behind.
 */
export async function writeJsonFileAtomic(path: string, value: unknown): Promise<void> {
  const dir = dirname(path);
  await makeDir(dir);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}${TMP_SUFFIX}`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(value));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined); // ENOENT when open itself failed: nothing to remove
    throw err;
  }
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await dh.close();
  }
}

const TMP_SUFFIX = '.tmp';

/** mkdir -p, except that a recursive mkdir says ENOENT where the file system is read-only: ask once more for the real code. */
async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dir); // EROFS, EACCES...: the cause; ENOENT again if a parent really is missing
  }
}

/**
 * Proves `dir` can be written before the daemon relies on it: creates it if needed, writes, syncs and
 * removes a small probe file (a full disk fails here too), and removes temp files an earlier run left
 * when it was killed mid-write. Rejects with the file-system error (EROFS, EACCES, ENOSPC...).
 */
export async function probeWritableDir(dir: string): Promise<void> {
  await makeDir(dir);
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

/**
 * Atomic writes of one file, one at a time in call order (the newest wins), each outcome told to `health`
 * when given. `write` resolves when that value (or a newer one) is on disk and rejects if its write failed.
 */
export class SerializedFile {
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly health?: { track(file: string, write: () => Promise<void>): Promise<void> },
  ) {}

  write(value: unknown): Promise<void> {
    const once = () => writeJsonFileAtomic(this.path, value);
    const next = this.#queue.catch(() => undefined).then(() => (this.health ? this.health.track(this.path, once) : once()));
    this.#queue = next;
    return next;
  }
}
