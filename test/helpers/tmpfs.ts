/**
 * A small real tmpfs for file-system faults: remount it read-only, fill it up. Needs mount (root here).
 * Where mount is not permitted the test is skipped with a visible reason, except under CI=true, where it fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export interface Tmpfs {
  dir: string;
  readOnly(): void;
  readWrite(): void;
  /** Fills the file system with one file until it is full (ENOSPC). */
  fill(): void;
  /** Removes what fill() wrote. */
  unfill(): void;
}

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

export function mountTmpfs(t: TestContext, size = '1m'): Tmpfs | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'ws-tmpfs-'));
  const mounted = run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  if (!mounted.ok) {
    rmSync(dir, { recursive: true, force: true });
    const why = `cannot mount a tmpfs (${mounted.out || 'mount failed'}): needs root or CAP_SYS_ADMIN`;
    if (process.env.CI === 'true') throw new Error(`${why}; CI must run this test`);
    t.skip(why);
    return undefined;
  }
  t.after(() => {
    run('umount', ['-l', dir]);
    // Best effort: a daemon still running (its kill is a later hook) may be writing its database into the
    // emptied folder, and rmSync then throws ENOTEMPTY; a throwing hook skips the hooks after it, the daemon
    // and its upstream stay alive, and the test file never exits (a CI run hung on it).
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // left in /tmp
    }
  });
  // A read-only remount fails with EBUSY ("mount point is busy") while a file on it is open for writing:
  // the daemon's atomic write of its state (a .tmp file for a few ms). Retry until that write is done,
  // within a deadline; any other failure throws at once.
  const must = (args: string[]) => {
    const until = Date.now() + 10_000;
    for (;;) {
      const r = run('mount', args);
      if (r.ok) return;
      if (!/busy/i.test(r.out) || Date.now() > until) throw new Error(`mount ${args.join(' ')} failed: ${r.out}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  };
  const filler = join(dir, 'filler');
  return {
    dir,
    readOnly: () => must(['-o', 'remount,ro', dir]),
    readWrite: () => must(['-o', 'remount,rw', dir]),
    fill: () => void run('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k']), // ends with ENOSPC: that is the point
    unfill: () => rmSync(filler, { force: true }),
  };
}
