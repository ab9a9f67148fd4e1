/**
 * Basic auth's bookkeeping (src/http/web-config.ts): answers cached both ways, bcrypt checks one at a time,
 * and a bounded wait. The comparison is a stand-in the test releases; the real bcrypt path is covered by
 * test/integration/web-config.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret } from '../../src/config/secret.js';
import { BasicAuth } from '../../src/http/web-config.js';

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A comparison that answers when the test says so: `password === 'right'`. */
function heldCompare() {
  const calls: { password: string; release: () => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const compare = (password: string) =>
    new Promise<boolean>((resolve) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      calls.push({ password, release: () => (inFlight--, resolve(password === 'right')) });
    });
  return { compare, calls, maxInFlight: () => maxInFlight };
}

const settle = () => new Promise((r) => setImmediate(r));

test('a wrong password is checked once: the same one again is refused from the cache, without bcrypt', async () => {
  const c = heldCompare();
  const auth = new BasicAuth(new Map([['prom', new Secret('$2b$10$hash')]]), c.compare);
  const first = auth.allows(header('prom', 'stale'));
  await settle();
  c.calls[0]!.release();
  assert.equal(await first, 'refused');
  assert.equal(await auth.allows(header('prom', 'stale')), 'refused');
  assert.equal(c.calls.length, 1, 'the repeat cost no comparison');
  const unknown = auth.allows(header('nobody', 'right'));
  await settle();
  c.calls[1]!.release();
  assert.equal(await unknown, 'refused', 'an unknown user is refused even when the dummy comparison says yes');
  assert.equal(await auth.allows(header('nobody', 'right')), 'refused');
  assert.equal(c.calls.length, 2);
});

test('checks run one at a time; beyond 32 waiting the answer is busy at once, and the queue drains in order', async () => {
  const c = heldCompare();
  const auth = new BasicAuth(new Map([['prom', new Secret('$2b$10$hash')]]), c.compare);
  const answers = Array.from({ length: 32 }, (_, i) => auth.allows(header('prom', `guess-${i}`)));
  await settle();
  assert.equal(c.calls.length, 1, 'one comparison in flight, the others wait for it');
  assert.equal(await auth.allows(header('prom', 'right')), 'busy', 'the 33rd waits for nothing: busy');
  for (let i = 0; i < 32; i++) {
    await settle();
    assert.equal(c.calls.length, i + 1, `comparison ${i + 1} starts only after the one before`);
    c.calls[i]!.release();
  }
  assert.deepEqual(new Set(await Promise.all(answers)), new Set(['refused']));
  assert.equal(c.maxInFlight(), 1);
  const ok = auth.allows(header('prom', 'right'));
  await settle();
  c.calls.at(-1)!.release();
  assert.equal(await ok, 'allowed', 'a free queue checks again');
  assert.equal(await auth.allows(header('prom', 'right')), 'allowed');
  assert.equal(c.calls.length, 33, 'a success is cached');
});
