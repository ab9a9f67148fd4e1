/**
 * STATE_DIR's lock (src/store/lock.ts) on a real file: one holder at a time, free again once released, and
 * held without a file open for writing (test/integration/state-db.test.ts and state-dir-faults.test.ts run
 * it across processes and through a read-only remount).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { keepStateDir, LOCK_FILE, lockStateDir } from '../../src/store/lock.js';
import { StateDirBusyError, StateDirError } from '../../src/store/write-health.js';
import { waitFor } from '../helpers/daemon.js';

/** The open file descriptors of this process on `path`, with their access mode (/proc/self/fdinfo's flags). */
function openOn(path: string): { fd: string; writable: boolean }[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== path) return [];
      const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!;
      return [{ fd, writable: (parseInt(flags, 8) & 3) !== 0 }];
    } catch {
      return [];
    }
  });
}

test('STATE_DIR lock: a second claim waits, then is refused; released, the next one takes it; the holder has no file open for writing', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = lockStateDir(dir, 50);
  const held = openOn(join(dir, LOCK_FILE));
  assert.ok(held.length >= 1, 'the lock file is held open');
  assert.deepEqual(held.filter((f) => f.writable), [], 'no descriptor open for writing (a read-only remount would fail with EBUSY)');
  // (The refused claim's descriptor stays open until the holder lets go: SQLite defers closing a file this
  // process holds locks on. A daemon makes one claim, at start.)
  assert.throws(() => lockStateDir(dir, 50), (err: unknown) => err instanceof StateDirBusyError && err.stateDir === dir);
  first.release();
  assert.deepEqual(openOn(join(dir, LOCK_FILE)), [], 'released: nothing left open');
  const second = lockStateDir(dir, 50);
  second.release();
});

function lockDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ws-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a damaged lock file holds nothing: it is made anew; a lock file that cannot be opened is a StateDirError that names it', (t) => {
  const dir = lockDir(t);
  writeFileSync(join(dir, LOCK_FILE), 'not a database, a stray file of the same name '.repeat(40));
  lockStateDir(dir, 50).release();
  const other = lockDir(t);
  mkdirSync(join(other, LOCK_FILE)); // cannot be opened, even by root
  assert.throws(() => lockStateDir(other, 50), (err: unknown) => err instanceof StateDirError && err.file === LOCK_FILE && err.message.includes(`on ${LOCK_FILE}`));
});

test('a lock file removed under the holder locks nothing: the holder sees it and takes it again, and yields (onLost) if another took it first', async (t) => {
  const dir = lockDir(t);
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as { level: number; msg: string }) });
  let lost: StateDirBusyError | undefined;
  const kept = keepStateDir(dir, log, (err) => (lost = err), 20);
  t.after(() => kept.release());
  const refused = (err: unknown) => err instanceof StateDirBusyError;
  assert.throws(() => lockStateDir(dir, 0), refused);
  rmSync(join(dir, LOCK_FILE)); // a clean-up job
  await waitFor(() => lines.find((l) => l.msg.includes('taken again')), 'the holder to take its removed lock file again');
  assert.throws(() => lockStateDir(dir, 0), refused, 'held again');
  rmSync(join(dir, LOCK_FILE));
  const other = lockStateDir(dir, 0); // another daemon starts before the holder looks (no timer runs in between)
  t.after(() => other.release());
  const err = await waitFor(() => lost, 'the holder to be told another daemon took STATE_DIR');
  assert.equal(err.stateDir, dir);
  assert.equal(lines.filter((l) => l.level >= 50).length, 0, 'nothing logged as a failure to write: it is another daemon, not a broken STATE_DIR');
});
