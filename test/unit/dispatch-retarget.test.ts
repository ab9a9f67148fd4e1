/**
 * The dispatcher when a receiver's destination changes (a webhook's URL corrected, a PagerDuty routing key
 * rotated): by a reload while deliveries are owed or in flight at the old one, or while the daemon was stopped.
 * Each destination gets each notification of an alert once, in order; the one that took the alert's firing
 * gets its resolve. (dispatch-receivers.test.ts has the first tests of this; it is long enough.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { Notification } from '../../src/domain/alerts.js';
import { NotifyError } from '../../src/errors.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Dispatcher, type DispatcherDeps } from '../../src/notify/dispatch.js';
import type { Notifier } from '../../src/notify/notifier.js';
import type { Receiver } from '../../src/notify/registry.js';
import { waitFor } from '../helpers/daemon.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { outboxIn } from '../helpers/state.js';

const log = pino({ level: 'silent' });
const note = (over: Partial<Notification> = {}) => sampleNotification(over);
const resolve = (id: string) => note({ id, status: 'resolved', reason: 'resolve' });
const ops = (...notifiers: Notifier[]): Receiver[] => [{ name: 'ops', severities: undefined, groupIntervalMs: 0, notifiers, alertmanagers: [] }];

function dispatcher(t: TestContext, receivers: Receiver[], over: Partial<DispatcherDeps> = {}, dir = mkdtempSync(join(tmpdir(), 'ws-retarget-'))): Dispatcher {
  const d = new Dispatcher({ receivers, store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20, ...over });
  t.after(async () => {
    await d.stop(100);
    rmSync(dir, { recursive: true, force: true });
  });
  return d;
}

/**
 * A webhook that accepts every attempt but those `hangs` picks: each of those waits for `land(accept)`.
 * `got`: what it accepted (`id:status/reason`); `tries`: attempts started.
 */
function hook(key: string, hangs: (n: Notification) => boolean = () => false): Notifier & { got: string[]; tries: number; land: (accept: boolean) => void } {
  const waiting: ((accept: boolean) => void)[] = [];
  const ch = {
    channel: 'webhook' as const,
    key,
    label: key,
    got: [] as string[],
    tries: 0,
    land: (accept: boolean) => waiting.shift()?.(accept),
    send: async (n: Notification) => {
      ch.tries++;
      const ok = hangs(n) ? await new Promise<boolean>((r) => waiting.push(r)) : true;
      if (!ok) throw new NotifyError('network', `${key}: connect ETIMEDOUT`, { retryable: true });
      ch.got.push(`${n.id}:${n.status}/${n.reason}`);
    },
  };
  return ch;
}

for (const accepted of [true, false]) {
  test(`a URL corrected by a reload while a repeat is in flight at the old one, which took the alert's start, then ${accepted ? 'takes' : 'refuses'} it: the old URL gets the resolve once, the new one only if the repeat moved there`, async (t) => {
    const u1 = hook('ops/webhook:u1', (n) => n.reason === 'repeat');
    const u2 = hook('ops/webhook:u2');
    const d = dispatcher(t, ops(u1));
    await d.start();
    await d.enqueue([note({ id: 'a' })], ['ops']);
    await waitFor(() => d.pending === 0, 'the start accepted at u1');
    await d.enqueue([note({ id: 'a', reason: 'repeat' })], ['ops']);
    await waitFor(() => u1.tries === 2, 'the repeat in flight at u1');
    d.setReceivers(ops(u2)); // the URL corrected, the file reloaded
    await d.enqueue([resolve('a')], ['ops']);
    u1.land(accepted);
    await waitFor(() => d.pending === 0, 'all delivered');
    if (accepted) {
      assert.deepEqual(u1.got, ['a:firing/start', 'a:firing/repeat', 'a:resolved/resolve'], 'the incident u1 opened is closed, once');
      assert.deepEqual(u2.got, [], 'u2 was told nothing of the alert');
    } else {
      assert.deepEqual(u1.got, ['a:firing/start', 'a:resolved/resolve'], 'the incident u1 opened is closed, once');
      assert.deepEqual(u2.got, ['a:firing/repeat', 'a:resolved/resolve'], 'u2 gets the repeat that moved there, then its resolve, once');
    }
  });
}

test("a resolve owed to the old URL that took its alert's firing stays there when what waited at that URL moves to the new one", async (t) => {
  const u1 = hook('ops/webhook:u1', (n) => n.id === 'b');
  const u2 = hook('ops/webhook:u2');
  const d = dispatcher(t, ops(u1), { concurrency: 1 }); // a's resolve waits at u1 while b is in flight there
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => d.pending === 0, "a's firing accepted at u1");
  await d.enqueue([note({ id: 'b' })], ['ops']);
  await waitFor(() => u1.tries === 2, 'b in flight at u1');
  d.setReceivers(ops(u2));
  await d.enqueue([resolve('a')], ['ops']);
  await waitFor(() => u2.got.length === 1, "a's resolve at u2");
  u1.land(false); // b refused at u1: it moves to u2, what else waits at u1 with it
  await waitFor(() => d.pending === 0, 'all delivered');
  assert.deepEqual(u1.got, ['a:firing/start', 'a:resolved/resolve'], 'the incident u1 opened is closed');
  assert.deepEqual(u2.got.sort(), ['a:resolved/resolve', 'b:firing/start'], "u2 gets a's resolve once, and b");
});

test('a receiver renamed by a reload while its alert fires: the destination gets the resolve once (routed under the new name, told under the old), not twice', async (t) => {
  const before = hook('mail/webhook:1f2e');
  const d = dispatcher(t, [{ name: 'mail', severities: undefined, groupIntervalMs: 0, notifiers: [before], alertmanagers: [] }]);
  await d.start();
  await d.enqueue([note({ id: 'a1' })], ['mail']);
  await waitFor(() => before.got.length === 1, 'the firing taken');
  const after = hook('finance/webhook:1f2e'); // `mail` renamed `finance`: the same URL
  d.setReceivers([{ name: 'finance', severities: undefined, groupIntervalMs: 0, notifiers: [after], alertmanagers: [] }]);
  await d.enqueue([resolve('a1')], ['finance']);
  await waitFor(() => d.pending === 0, 'nothing owed');
  assert.deepEqual([...before.got, ...after.got], ['a1:firing/start', 'a1:resolved/resolve']);

  // a told destination that is not the routed one still gets it (a PagerDuty key rotated: the old incident closes)
  const oldKey = hook('pd/webhook:0ld0');
  const d2 = dispatcher(t, ops(oldKey));
  await d2.start();
  await d2.enqueue([note({ id: 'b1' })], ['ops']);
  await waitFor(() => oldKey.got.length === 1, 'the firing taken');
  const newKey = hook('pd/webhook:new0');
  d2.setReceivers(ops(newKey));
  await d2.enqueue([resolve('b1')], ['ops']);
  await waitFor(() => d2.pending === 0, 'nothing owed');
  assert.deepEqual([oldKey.got, newKey.got], [['b1:firing/start', 'b1:resolved/resolve'], ['b1:resolved/resolve']]);
});

test("a reload that removes a wallet's receiver and points another at its URL while a firing hangs at that other's old URL: the URL that took the firing still gets the resolve", async (t) => {
  const mailU = hook('mail/webhook:U0');
  const finX = hook('finance/webhook:X0', (n) => n.status === 'firing');
  const receivers = (...rs: [string, Notifier][]): Receiver[] => rs.map(([name, n]) => ({ name, severities: undefined, groupIntervalMs: 0, notifiers: [n], alertmanagers: [] }));
  const d = dispatcher(t, receivers(['mail', mailU], ['finance', finX]));
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['mail', 'finance']);
  await waitFor(() => mailU.got.length === 1 && finX.tries === 1, 'taken at U, in flight at X');
  const finU = hook('finance/webhook:U0'); // finance now sends to U; mail is gone
  d.setReceivers(receivers(['finance', finU]));
  await d.enqueue([resolve('a')], ['finance']); // placed behind the firing at X, not at U
  finX.land(true);
  await waitFor(() => d.pending === 0, 'nothing owed');
  assert.deepEqual([...mailU.got, ...finU.got], ['a:firing/start', 'a:resolved/resolve'], 'U, which took the firing, gets its resolve once');
  assert.deepEqual(finX.got, ['a:firing/start', 'a:resolved/resolve']);
});

test('a URL corrected by a reload while the old one waits to retry: once the new one took what it owed, no timer is armed at 0 ms again and again', async (t) => {
  let refused = 0;
  const dead: Notifier = {
    channel: 'webhook',
    key: 'ops/webhook:dead',
    label: 'dead',
    send: async () => {
      refused++;
      throw new NotifyError('network', 'ECONNREFUSED', { retryable: true });
    },
  };
  const fixed = hook('ops/webhook:f1xd');
  const d = dispatcher(t, ops(dead), { retryBaseDelayMs: 200 });
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => refused === 1, 'refused once at the old URL (its retry due in ~200 ms)');
  d.setReceivers(ops(fixed)); // what the old URL owed moves; the old one is forgotten
  await waitFor(() => fixed.got.length === 1, 'taken at the new URL');
  const real = globalThis.setTimeout;
  let atOnce = 0;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    if (ms === 0) atOnce++;
    return real(fn, ms);
  }) as typeof setTimeout;
  try {
    await new Promise((r) => real(r, 600)); // past the old URL's retry time
  } finally {
    globalThis.setTimeout = real;
  }
  assert.ok(atOnce < 5, `${atOnce} timers armed at 0 ms with nothing owed (a past wake time of the forgotten URL)`);
});

/**
 * A URL changed by a reload (u1 → u2) while alert `a` fires at u1, and its resolve told to u1 (pinned: u1 took the
 * firing) as well as routed to u2, whose repeat is `repeatAtU2` at u2 ('down': refused and waiting to retry, the
 * resolve replaced it; 'hangs': in flight there). Returns once u1 took the resolve, before the URL changes back.
 */
async function resolvedAtU1WhileU2Owes(t: TestContext, repeatAtU2: 'down' | 'hangs') {
  let down = true;
  const u1 = hook('ops/webhook:u1');
  const u2 = hook('ops/webhook:u2', () => repeatAtU2 === 'hangs' && u2.tries === 1); // its first attempt hangs
  const failing = (n: Notifier & { tries: number }): Notifier => ({ ...n, send: async (x, s, r) => { if (down && !(repeatAtU2 === 'hangs' && n.tries === 0)) { n.tries++; throw new NotifyError('network', 'ECONNREFUSED', { retryable: true }); } return n.send(x, s, r); } });
  const d = dispatcher(t, ops(u1));
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => u1.got.length === 1, 'the firing taken at u1');
  d.setReceivers(ops(failing(u2))); // the URL changed
  await d.enqueue([note({ id: 'a', reason: 'repeat' })], ['ops']);
  await waitFor(() => u2.tries >= 1, 'the repeat tried at u2');
  await d.enqueue([resolve('a')], ['ops']); // routed to u2; pinned at u1, which took the firing
  await waitFor(() => u1.got.length === 2, 'the resolve taken at u1');
  return { d, u1, u2, up: () => void (down = false) };
}

for (const [repeatAtU2, landing] of [['down', undefined], ['hangs', false], ['hangs', true]] as const) {
  const how = repeatAtU2 === 'down' ? 'u2 down' : `a repeat in flight at u2 that it then ${landing ? 'takes' : 'refuses'}`;
  test(`a URL changed by a reload and changed back, the old URL having taken the resolve told to it (${how}): it gets nothing of the alert again; u2 gets the resolve only if it took the repeat`, async (t) => {
    const { d, u1, u2, up } = await resolvedAtU1WhileU2Owes(t, repeatAtU2);
    d.setReceivers(ops(u1)); // changed back: what u2 owes goes back to u1 once it can
    if (landing) up();
    if (landing !== undefined) u2.land(landing);
    await waitFor(() => d.pending === 0, 'nothing owed');
    assert.deepEqual(u1.got, ['a:firing/start', 'a:resolved/resolve'], 'u1: start and resolve, once, nothing after (was: start, resolve, repeat, resolve)');
    assert.deepEqual(u2.got, landing ? ['a:firing/repeat', 'a:resolved/resolve'] : [], 'u2 closes what it was told of');
  });
}

test('a URL changed back while the one it had been changed to is down: the alert, firing again, reaches the restored URL (nothing of it waits behind the retired one)', async (t) => {
  const { d, u1, u2 } = await resolvedAtU1WhileU2Owes(t, 'down');
  d.setReceivers(ops(u1)); // changed back; u2 stays down for good
  await d.enqueue([note({ id: 'a2' })], ['ops']); // a new incident
  await d.enqueue([note({ id: 'a', reason: 'start', decidedAt: Date.parse('2026-11-27T12:00:00Z') })], ['ops']); // and one under the old id
  await waitFor(() => u1.got.length === 4, () => `the new incidents at u1 (it has ${JSON.stringify(u1.got)})`, 3_000);
  assert.deepEqual(u1.got, ['a:firing/start', 'a:resolved/resolve', 'a2:firing/start', 'a:firing/start']);
  assert.equal(d.pending, 0, 'nothing left at the retired URL');
  assert.deepEqual(u2.got, []);
});
