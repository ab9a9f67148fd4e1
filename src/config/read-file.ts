/**
 * Reads a configuration file (a secret's `*_FILE`, WALLETS_FILE, a CA bundle, WEB_CONFIG_FILE) with a bound
 * on its size and on the wait: `/dev/zero` named by mistake grew the process by gigabytes and never ended,
 * and a FIFO no one writes to held start-up for good; the contract wants exit 78 within 5 s. A pipe that
 * is written (`TELEPHONY_API_KEY_FILE=<(pass show telephony)`) is read to its end.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export const MiB = 1024 * 1024;
/** A PEM bundle of certificates (the public CAs' is ~0.2 MiB). */
export const PEM_MAX_BYTES = 16 * MiB;
/** How long a pipe or device may take to reach its end: one file, and every file of one load together. */
export const READ_WAIT_MS = 4_000;

/** When the reads of the load under way must end (`withReadBudget`); none outside one. */
let loadDeadline = Infinity;
/** What the load under way read from pipes and devices, by path: one read each, its bytes or its failure, and under what limit. */
let pipesRead: Map<string, { read: Buffer | Failure; limit: number }> | undefined;

/**
 * Runs a configuration load (synchronous) whose file reads share `ms` in all: three silent pipes at 4 s
 * each held start-up for 12 s, past the 5 s in which a bad configuration must exit 78. A regular file is
 * read whatever is left; only a pipe or device that must be waited for is cut short. A pipe or device is
 * read once per load: read again (a wallets file read a second time names it again, or two wallets name
 * the same one), it gives what it gave, as a regular file would.
 */
export function withReadBudget<T>(ms: number, load: () => T): T {
  const [outer, outerPipes] = [loadDeadline, pipesRead];
  loadDeadline = Math.min(outer, Date.now() + ms);
  pipesRead ??= new Map();
  try {
    return load();
  } finally {
    [loadDeadline, pipesRead] = [outer, outerPipes];
  }
}

/** Milliseconds left of the load under way's read budget (Infinity outside one). */
export const readBudgetLeft = (): number => loadDeadline - Date.now();

export type FileRead = { text: string } | { code: string; problem?: string };

/** The file's text (UTF-8), or why not: an errno `code`, and for a file too large or without an end, a `problem` in words. */
export function readConfigFile(path: string, maxBytes: number, waitMs = READ_WAIT_MS): FileRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK); // a FIFO's open does not wait for a writer
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code ?? 'error' };
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { code: 'EISDIR' };
    if (st.isFile() && st.size > maxBytes) return tooLarge(maxBytes);
    const remembered = st.isFile() ? undefined : pipesRead; // a pipe or device is read once per load
    const once = remembered?.get(path) ?? { read: readBytes(fd, maxBytes, waitMs, st.isFIFO()), limit: maxBytes };
    remembered?.set(path, once);
    return underLimit(once, maxBytes);
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code ?? 'error' };
  } finally {
    closeSync(fd);
  }
}

/**
 * What every read reads into before its bytes are copied out (and the bytes zeroed): reads are synchronous,
 * so one serves them all (a new zero-filled 64 KiB per file took 940 ms of a reload of 11,000 wallets with
 * their key files).
 */
const scratch = Buffer.allocUnsafe(64 * 1024);

type Failure = Exclude<FileRead, { text: string }>;

/**
 * A read's outcome for a reader whose limit is `maxBytes`: a pipe read once for two settings (a certificate
 * bundle's 16 MiB, then a secret's 1 MiB) meets each one's limit.
 */
function underLimit({ read, limit }: { read: Buffer | Failure; limit: number }, maxBytes: number): FileRead {
  if (Buffer.isBuffer(read)) return read.length > maxBytes ? tooLarge(maxBytes) : { text: read.toString('utf8') };
  if (read.code !== 'EFBIG') return read;
  if (maxBytes <= limit) return tooLarge(maxBytes);
  return { code: 'EFBIG', problem: `it is larger than ${fmtBytes(limit)}, the limit of the setting that read it first (a pipe is read once)` };
}

/** `fifo`: a named pipe opened before its writer reads as ended (0 bytes) until the writer comes: waited for too. */
function readBytes(fd: number, maxBytes: number, waitMs: number, fifo: boolean): Buffer | Failure {
  const started = Date.now();
  const deadline = Math.min(started + waitMs, loadDeadline);
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = scratch;
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      n = -1;
    }
    if (n === 0 && !(fifo && total === 0)) return Buffer.concat(chunks, total);
    if (n <= 0) {
      if (Date.now() >= deadline) return { code: 'ETIMEDOUT', problem: waitedTooLong(total === 0 && n === 0, deadline - started, waitMs) };
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      continue;
    }
    total += n;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    buf.fill(0, 0, n); // a key read keeps no copy here
    if (total > maxBytes) return tooLarge(maxBytes);
  }
}

const tooLarge = (maxBytes: number): Failure => ({ code: 'EFBIG', problem: `it is larger than ${fmtBytes(maxBytes)}` });

function waitedTooLong(nothingWritten: boolean, waitedMs: number, waitMs: number): string {
  const what = nothingWritten ? 'nothing was written to it' : 'it had no end';
  const seconds = Math.round(Math.max(0, waitedMs) / 100) / 10;
  if (seconds < waitMs / 1000) return `${what} within ${seconds} s, what was left of the ${READ_WAIT_MS / 1000} s that the files named by the settings share`;
  return `${what} within ${seconds} s${nothingWritten ? '' : ' (a pipe no one writes to?)'}`;
}

/** Why a read failed, for a problem line. */
export const whyNot = (r: { code: string; problem?: string }): string => r.problem ?? r.code;

const fmtBytes = (n: number): string => (n >= MiB ? `${n / MiB} MiB` : `${n} bytes`);
