import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

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
 */
export async function writeJsonFileAtomic(path: string, value: unknown): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify(value));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await dh.close();
  }
}
