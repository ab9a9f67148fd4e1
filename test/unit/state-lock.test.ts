/**
 * STATE_DIR's lock (src/store/lock.ts) on a real file: one holder at a time, free again once released, and
 * held without a file open for writing (test/integration/state-db.test.ts and state-dir-faults.test.ts run
 * it across processes and through a read-only remount).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LOCK_FILE, lockStateDir } from '../../src/store/lock.js';
import { StateDirBusyError } from '../../src/store/write-health.js';

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
