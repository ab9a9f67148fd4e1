/**
 * A URL changed by a reload (A to B), B told of an alert firing (it took the firing or a repeat: a PagerDuty
 * incident open there), the alert resolved while B was down, then the URL changed back (B to A): B's owed resolve
 * is B's, it closes what B opened. Handed over to A (or dropped there, A having taken the resolve told to it), B
 * never got it and its incident stayed open for good (a reviewer's find, told.ts).
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
import { Dispatcher } from '../../src/notify/dispatch.js';
import type { Notifier } from '../../src/notify/notifier.js';
import type { Receiver } from '../../src/notify/registry.js';
import { waitFor } from '../helpers/daemon.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { outboxIn } from '../helpers/state.js';

const log = pino({ level: 'silent' });
const note = (over: Partial<Notification> = {}) => sampleNotification(over);
const resolve = (id: string) => note({ id, status: 'resolved', reason: 'resolve' });
const ops = (n: Notifier, groupIntervalMs = 0): Receiver[] => [{ name: 'ops', severities: undefined, groupIntervalMs, notifiers: [n], alertmanagers: [] }];

/**
 * A webhook (or PagerDuty) destination: refuses every attempt while `down`, holds each while `hangs` until `land`;
 * `got`: what it took (`id:status/reason`).
 */
function hook(key: string): Notifier & { got: string[]; tries: number; down: boolean; hangs: boolean; land: (took: boolean) => void } {
  const held: ((took: boolean) => void)[] = [];
  const ch = {
    channel: 'webhook' as const,
    key,
    label: key,
    got: [] as string[],
    tries: 0,
    down: false,
    hangs: false,
    land: (took: boolean) => held.shift()?.(took),
    send: async (n: Notification) => {
      ch.tries++;
      const took = ch.hangs ? await new Promise<boolean>((r) => held.push(r)) : !ch.down;
      if (!took) throw new NotifyError('server', `${key}: 503`, { retryable: true });
      ch.got.push(`${n.id}:${n.status}/${n.reason}`);
    },
  };
  return ch;
}

function dispatcher(t: TestContext, receivers: Receiver[], dir = mkdtempSync(join(tmpdir(), 'ws-urlback-told-'))): Dispatcher {
  const d = new Dispatcher({ receivers, store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 20 });
  t.after(async () => {
    await d.stop(100);
    rmSync(dir, { recursive: true, force: true });
  });
  return d;
}

for (const bTook of ['repeat', 'start'] as const) {
  test(`URL changed A to B, B takes the ${bTook === 'start' ? 'firing' : 'repeat'}, the resolve fails at B, the URL changed back to A: B still gets its resolve, A gets it once${bTook === 'start' ? ' (none: A never heard of the alert)' : ''}`, async (t) => {
    const A = hook('ops/webhook:aaaa');
    const B = hook('ops/webhook:bbbb');
    const d = dispatcher(t, ops(A));
    await d.start();
    if (bTook === 'repeat') {
      await d.enqueue([note({ id: 'x' })], ['ops']);
      await waitFor(() => A.got.length === 1, 'the firing taken at A');
    }
    d.setReceivers(ops(B)); // A → B
    await d.enqueue([note({ id: 'x', ...(bTook === 'repeat' ? { reason: 'repeat' } : {}) })], ['ops']);
    await waitFor(() => B.got.length === 1, `the ${bTook} taken at B`);
    B.down = true;
    const tried = B.tries;
    await d.enqueue([resolve('x')], ['ops']);
    await waitFor(() => B.tries > tried, 'the resolve tried at B (refused)');
    if (bTook === 'repeat') await waitFor(() => A.got.length === 2, "A's resolve taken (told to it: it took the firing)");
    d.setReceivers(ops(A)); // B → A: changed back
    B.down = false;
    await waitFor(() => d.pending === 0, 'nothing owed');
    assert.deepEqual(B.got, [`x:firing/${bTook}`, 'x:resolved/resolve'], 'B closes what it opened');
    assert.deepEqual(A.got, bTook === 'repeat' ? ['x:firing/start', 'x:resolved/resolve'] : [], 'A gets its resolve once, or nothing of an alert it never heard of');
  });
}

test("email with grouping, URL (recipients) changed A to B, B took an alert's firing, its resolve in B's digest with another wallet's line, B down, changed back: the resolve splits off and stays at B, the digest's other line moves", async (t) => {
  const got = { A: [] as string[][], B: [] as string[][] };
  const down = { A: false, B: false };
  const mail = (name: 'A' | 'B'): Notifier => {
    const take = async (ns: readonly Notification[]) => {
      if (down[name]) throw new NotifyError('server', `${name}: 421 try later`, { retryable: true });
      got[name].push(ns.map((n) => `${n.id}:${n.status}`));
    };
    return { channel: 'email', key: `ops/email:${name}`, label: name, send: (x) => take([x]), sendDigest: (xs) => take(xs) };
  };
  const [A, B] = [mail('A'), mail('B')];
  const d = dispatcher(t, ops(A, 300));
  await d.start();
  d.setReceivers(ops(B, 300)); // A → B
  await d.enqueue([note({ id: 'x', account: 'w1' })], ['ops']); // B quiet: leaves at once
  await waitFor(() => got.B.length === 1, 'the firing taken at B');
  down.B = true;
  await d.enqueue([note({ id: 'c', account: 'w2' })], ['ops']); // another wallet within the interval: opens a digest
  await d.enqueue([note({ id: 'x', account: 'w1', status: 'resolved', reason: 'resolve' })], ['ops']); // joins it (told at B)
  await waitFor(() => d.troubled().length > 0, 'the digest tried at B (refused)', 5_000);
  d.setReceivers(ops(A, 300)); // B → A: changed back
  down.B = false;
  await waitFor(() => d.pending === 0, 'nothing owed', 5_000);
  assert.deepEqual(got.B, [['x:firing'], ['x:resolved']], 'B closes what it opened');
  assert.deepEqual(got.A, [['c:firing']], "A gets the other wallet's line, not the resolve of an alert it never heard of");
});

test("URL changed back while the resolve told to B is in flight there: the alert firing again (same id) goes to A at once, not behind B's resolve", async (t) => {
  const A = hook('ops/webhook:aaaa');
  const B = hook('ops/webhook:bbbb');
  const d = dispatcher(t, ops(A));
  await d.start();
  await d.enqueue([note({ id: 'x' })], ['ops']);
  await waitFor(() => A.got.length === 1, 'the firing taken at A');
  d.setReceivers(ops(B)); // A → B
  await d.enqueue([note({ id: 'x', reason: 'repeat' })], ['ops']);
  await waitFor(() => B.got.length === 1, 'the repeat taken at B');
  B.hangs = true;
  await d.enqueue([resolve('x')], ['ops']);
  await waitFor(() => B.tries === 2 && A.got.length === 2, "the resolve in flight at B, A's taken");
  d.setReceivers(ops(A)); // B → A: changed back
  await d.enqueue([note({ id: 'x' })], ['ops']); // fires again under the same id
  await waitFor(() => A.got.length === 3, 'the new firing at A while B still holds its resolve', 3_000);
  B.hangs = false;
  B.land(true);
  await waitFor(() => d.pending === 0, 'nothing owed');
  assert.deepEqual(A.got, ['x:firing/start', 'x:resolved/resolve', 'x:firing/start']);
  assert.deepEqual(B.got, ['x:firing/repeat', 'x:resolved/resolve']);
});

test('URL changed A to B, B took the firing, its resolve failed at B, changed back to A, then B refuses its settings (404: that webhook is gone): the resolve is given up there, as a pinned one is, not kept and probed for 24 h', async (t) => {
  const A = hook('ops/webhook:aaaa');
  const B = hook('ops/webhook:bbbb');
  let gone = false;
  const send = B.send;
  B.send = async (n: Notification, signal: AbortSignal) => {
    if (!gone) return send(n, signal);
    B.tries++;
    throw new NotifyError('config', 'ops/webhook:bbbb: 404', { retryable: false, setting: true });
  };
  const d = dispatcher(t, ops(A));
  await d.start();
  d.setReceivers(ops(B)); // A → B
  await d.enqueue([note({ id: 'x' })], ['ops']);
  await waitFor(() => B.got.length === 1, 'the firing taken at B');
  B.down = true;
  await d.enqueue([resolve('x')], ['ops']);
  await waitFor(() => B.tries === 2, 'the resolve tried at B (refused)');
  d.setReceivers(ops(A)); // B → A: the resolve stays at B (told)
  gone = true;
  await waitFor(() => B.tries === 3, 'the resolve tried at B again: 404', 5_000);
  await waitFor(() => d.pending === 0, 'nothing owed: given up at the replaced URL that refuses its settings', 1_000);
  assert.deepEqual(d.troubled(), []);
  assert.deepEqual(A.got, [], 'A never heard of the alert');
});

test("URL changed back while A's resolve (pinned there: it took the firing) and B's copy are both in flight: B's fails, A's is taken, B's landing comes between A's end and A's landing: B's copy is not handed to A, which has it (A gets the resolve once)", async (t) => {
  const A = hook('ops/webhook:aaaa');
  const B = hook('ops/webhook:bbbb');
  const d = dispatcher(t, ops(A));
  await d.start();
  await d.enqueue([note({ id: 'x' })], ['ops']);
  await waitFor(() => A.got.length === 1, 'the firing taken at A');
  A.hangs = true;
  B.hangs = true;
  d.setReceivers(ops(B)); // A → B
  await d.enqueue([resolve('x')], ['ops']); // routed to B, and owed at A (it took the firing)
  await waitFor(() => A.tries === 2 && B.tries === 1, 'the resolve in flight at A and at B');
  d.setReceivers(ops(A)); // B → A: B's copy in flight stays, and follows when it lands unless A has the resolve
  A.hangs = B.hangs = false;
  B.land(false); // ends first; its landing (a hand-over to A) comes a microtask after A's attempt ended…
  A.land(true); // …and before A's landing notes what A took
  await waitFor(() => d.pending === 0, 'nothing owed');
  assert.deepEqual(A.got, ['x:firing/start', 'x:resolved/resolve'], 'A gets the resolve once');
  assert.deepEqual(B.got, [], 'B never heard of the alert: its copy is dropped once A has the resolve, as when A lands first');
});
