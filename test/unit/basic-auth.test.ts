/**
 * Basic auth's bookkeeping (src/http/web-config.ts): answers cached both ways, bcrypt checks one at a time,
 * and a bounded wait. The comparison is a stand-in the test releases; the real bcrypt path is covered by
 * test/integration/web-config.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret } from '../../src/config/secret.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWebConfig } from '../../src/config/web-config.js';
import { BasicAuth } from '../../src/http/web-config.js';

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A comparison that answers when the test says so: `password === 'right'`. */
function heldCompare() {
  const calls: { password: string; hash: string; release: () => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const compare = (password: string, hash: string) =>
    new Promise<boolean>((resolve) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      calls.push({ password, hash, release: () => (inFlight--, resolve(password === 'right')) });
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
  const answers = Array.from({ length: 32 }, (_, i) => auth.allows(header('prom', `guess-${i}`), `10.0.0.${i}`));
  await settle();
  assert.equal(c.calls.length, 1, 'one comparison in flight, the others wait for it');
  assert.equal(await auth.allows(header('prom', 'right'), '10.0.1.1'), 'busy', 'the 33rd waits for nothing: busy');
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

test('one client address has at most 4 checks waiting: its 5th is busy, another address is still checked', async () => {
  const c = heldCompare();
  const auth = new BasicAuth(new Map([['prom', new Secret('$2b$10$hash')]]), c.compare);
  const flood = Array.from({ length: 4 }, (_, i) => auth.allows(header('prom', `guess-${i}`), '192.0.2.9'));
  assert.equal(await auth.allows(header('prom', 'guess-4'), '192.0.2.9'), 'busy');
  const scraper = auth.allows(header('prom', 'right'), '127.0.0.1');
  for (let i = 0; i < 5; i++) {
    await settle();
    c.calls[i]!.release();
  }
  assert.equal(await scraper, 'allowed', 'the scraper waited its turn behind the flood, not refused');
  assert.deepEqual(new Set(await Promise.all(flood)), new Set(['refused']));
  const again = auth.allows(header('prom', 'guess-5'), '192.0.2.9');
  await settle();
  c.calls.at(-1)!.release();
  assert.equal(await again, 'refused', 'once its checks ended the address may ask again');
});

test('every check compares once at each configured cost, so users of a cheaper hash answer as slowly as an unknown one (compared with the costliest hash alone, a cost-4 user took 3 ms and an unknown one 540 ms)', async () => {
  const [cheap, dear, dear2] = ['$2b$05$' + 'a'.repeat(53), '$2y$12$' + 'b'.repeat(53), '$2b$12$' + 'c'.repeat(53)];
  const auth = new BasicAuth(new Map([['a', new Secret(cheap)], ['b', new Secret(dear)], ['c', new Secret(dear2)]]), async (password, hash) => {
    compared.push(hash);
    return password === 'right';
  });
  const compared: string[] = [];
  const costs = () => compared.splice(0).map((h) => h.slice(4, 6));
  assert.equal(await auth.allows(header('nobody', 'right')), 'refused', 'an unknown user, whatever the stand-ins answer');
  assert.deepEqual(costs(), ['12', '05']);
  assert.equal(await auth.allows(header('a', 'wrong')), 'refused');
  assert.deepEqual(costs(), ['12', '05'], 'the cheap user pays the dear cost too');
  assert.equal(await auth.allows(header('b', 'wrong')), 'refused');
  assert.deepEqual(costs(), ['12', '05'], 'the dear user pays the cheap cost too');
  // the answer is the user's own hash's, never a stand-in's
  const ownOnly = new BasicAuth(new Map([['a', new Secret(cheap)], ['b', new Secret(dear)]]), async (password, hash) => hash === cheap && password === 'pw-a');
  assert.equal(await ownOnly.allows(header('a', 'pw-a')), 'allowed');
  assert.equal(await ownOnly.allows(header('b', 'pw-a')), 'refused', "b's password is checked against b's hash, not against the cheap stand-in a's hash is");
  const c3 = new BasicAuth(new Map([['c', new Secret(dear2)], ['b', new Secret(dear)]]), async (password, hash) => {
    compared.push(hash);
    return hash === dear2 && password === 'pw-c';
  });
  assert.equal(await c3.allows(header('c', 'pw-c')), 'allowed', "c's own hash, though b's stands for cost 12");
  assert.deepEqual(compared.splice(0), [dear2], 'one cost: one comparison, as before');
});

test('WEB_CONFIG_FILE: a bcrypt hash bcryptjs cannot check ($2x$, $2$, a cost outside 04–31) is a configuration error, not a user who can never log in', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-webcfg-'));
  const body = 'c'.repeat(53);
  const problems = (hash: string) => {
    const file = join(dir, 'web.yml');
    writeFileSync(file, `basic_auth_users:\n  prom: '${hash}'\n`);
    return readWebConfig(file).problems;
  };
  for (const ok of [`$2y$10$${body}`, `$2a$04$${body}`, `$2b$31$${body}`]) assert.deepEqual(problems(ok), [], ok);
  for (const bad of [`$2x$10$${body}`, `$2$10$${body}`, `$2b$03$${body}`, `$2b$32$${body}`, `$2b$99$${body}`]) {
    assert.match(problems(bad).join('\n'), /basic_auth_users\.prom: is not a bcrypt hash that can be checked/, bad);
  }
});

test('WEB_CONFIG_FILE: a YAML warning (an unknown tag) is not printed: its text quotes the line, a hash or a key in it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-webcfg-'));
  const file = join(dir, 'web.yml');
  const hash = `$2b$04$${'d'.repeat(53)}`;
  writeFileSync(file, `basic_auth_users:\n  admin: !bcrypt ${hash}\n`);
  const warned: string[] = [];
  const listen = (w: Error) => void warned.push(String(w.message));
  process.on('warning', listen);
  try {
    readWebConfig(file);
    await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
  } finally {
    process.off('warning', listen);
  }
  assert.deepEqual(warned.filter((w) => w.includes(hash)), []);
});
