/** src/deadline.ts: fires after ms even under forced GC, follows the caller's signal, and clear() disarms it. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { deadline } from '../../src/deadline.js';

const ROOT = resolve(import.meta.dirname, '../..');

test('fires after its time although a full GC runs every 10 ms (nodejs/node#57736), in a node --expose-gc child', () => {
  const script = `
    import { deadline } from ${JSON.stringify(join(ROOT, 'src/deadline.ts'))};
    const caller = new AbortController();
    const d = deadline(300, caller.signal);
    const t0 = Date.now();
    d.signal.addEventListener('abort', () => { console.log(JSON.stringify({ fired: true, timedOut: d.timedOut, reason: d.signal.reason.name })); process.exit(0); });
    setInterval(() => globalThis.gc(), 10);
    setTimeout(() => { console.log(JSON.stringify({ fired: false })); process.exit(0); }, 5000);
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { fired: true, timedOut: true, reason: 'TimeoutError' });
});

test("the caller's abort passes through with its reason; timedOut stays false", () => {
  const caller = new AbortController();
  const d = deadline(60_000, caller.signal);
  caller.abort(new Error('stopping'));
  assert.equal(d.signal.aborted, true);
  assert.equal((d.signal.reason as Error).message, 'stopping');
  assert.equal(d.timedOut, false);
  d.clear();
});

test('an already aborted caller aborts at once', () => {
  const caller = new AbortController();
  caller.abort();
  const d = deadline(60_000, caller.signal);
  assert.equal(d.signal.aborted, true);
  d.clear();
});

test('clear() disarms the timer and unlinks the caller', async () => {
  const caller = new AbortController();
  const d = deadline(20, caller.signal);
  d.clear();
  await new Promise((r) => setTimeout(r, 60));
  caller.abort();
  assert.equal(d.signal.aborted, false);
});
