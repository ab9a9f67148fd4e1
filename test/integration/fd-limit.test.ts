/**
 * The daemon at its open-files limit, a real one: RLIMIT_NOFILE lowered with sh's ulimit (no privilege
 * needed), and clients holding connections to the metrics port until the process has no descriptor left.
 * Polls then fail with EMFILE on every wallet at once: one cause, said in one line that names the limit, not
 * a "network error" line per wallet; said over once descriptors come back.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { Daemon, tempDir, waitFor } from '../helpers/daemon.js';
import { WalletsUpstream, writeWalletsFile } from '../helpers/wallets-upstream.js';

const LIMIT = 150;

test('out of file descriptors: a warning at start, one error line for every wallet\'s EMFILE poll (not one each), a line when they come back', async (t) => {
  // the limit is read from /proc/self/limits (Linux); elsewhere the daemon cannot say it
  if (!existsSync('/proc/self/limits') || !existsSync('/bin/sh')) {
    const why = 'needs Linux\'s /proc/self/limits and /bin/sh (ulimit -n)';
    if (process.env.CI === 'true') throw new Error(`${why}; CI must run this test`);
    return t.skip(why);
  }
  const upstream = new WalletsUpstream();
  upstream.closeAfterAnswer = true; // every poll needs a new socket, as after keep-alive's idle timeout
  const names = Array.from({ length: 20 }, (_, i) => `fd${String(i).padStart(2, '0')}`);
  for (const n of names) upstream.add(n, 500);
  await upstream.start();
  t.after(() => upstream.close());
  const dir = tempDir('ws-fd-');
  const daemon = await Daemon.start({ WALLETS_FILE: writeWalletsFile(dir, upstream, names), POLL_CONCURRENCY: '8', LOG_LEVEL: 'info' }, { openFilesLimit: LIMIT });
  t.after(() => daemon.kill());

  // logged just after "wallet-sentinel started", which Daemon.start waits for: it may come in the next chunk of stderr
  const warned = await waitFor(() => daemon.logs().find((l) => l.level === 'warn' && l.msg.startsWith('the open-files limit')), () => `a warning at start that ${LIMIT} descriptors are fewer than the maximums need:\n${daemon.stderr}`);
  assert.equal(warned.openFilesLimit, LIMIT);
  assert.equal(warned.needed, 8 + 256 + 64, 'POLL_CONCURRENCY, the listener\'s 256 connections, the margin (no notification target)');
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, 'every wallet polled once');

  // Hold connections to the metrics port (its cap, 256, is above this limit) until accept finds no descriptor.
  const held: Socket[] = [];
  t.after(() => held.forEach((s) => s.destroy()));
  for (let i = 0; i < LIMIT + 20; i++) {
    const s = connect(daemon.port, '127.0.0.1');
    s.on('error', () => undefined);
    held.push(s);
  }
  const said = await waitFor(() => daemon.logs().find((l) => l.msg.startsWith('polls fail:')), () => `a line saying polls fail for want of a descriptor; errors so far:\n${daemon.logs().filter((l) => l.level === 'error').map((l) => l.msg).join('\n')}`);
  assert.match(said.msg, /no file descriptor left \(EMFILE: its limit is 150\)/);
  assert.match(said.msg, /LimitNOFILE=/);
  assert.equal(said.level, 'error');

  held.forEach((s) => s.destroy());
  await waitFor(() => daemon.logs().find((l) => l.msg.startsWith('file descriptors are available again')), 'a line once polls go through again');
  await waitFor(async () => (await daemon.get('/healthz')).status === 200, '/healthz answered again');
  const emfileErrors = daemon.logs().filter((l) => (l.level === 'error' || l.level === 'warn') && l.component === 'poller' && l.msg.includes('EMFILE'));
  assert.equal(emfileErrors.length, 1, `one line for the fleet, not one per wallet:\n${emfileErrors.map((l) => `${String(l.account)}: ${l.msg}`).join('\n')}`);
  assert.ok(!daemon.logs().some((l) => l.msg.startsWith('the balance is read again')), 'no per-wallet "read again" line for a failure that was never the wallet\'s');
});
