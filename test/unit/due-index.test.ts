/**
 * DueIndex (src/notify/due-index.ts) decides what a target starts without scanning its queue. These tests hold
 * it to the rule it replaces, written here as that scan: in queue order, a delivery starts when no earlier
 * owed delivery carries one of its alerts, it is not in flight and it is due, up to the free slots.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Notification } from '../../src/domain/alerts.js';
import { notificationsOf, type Delivery } from '../../src/notify/delivery.js';
import { DueIndex } from '../../src/notify/due-index.js';

/** The queue scan DueIndex replaced (src/notify/target.ts before it). */
function scan(queue: readonly Delivery[], flying: ReadonlySet<Delivery>, now: number, slots: number): { start: Delivery[]; wake: number } {
  const start: Delivery[] = [];
  let wake = Infinity;
  const blocked = new Set<string>();
  for (const x of queue) {
    if (start.length >= slots) break;
    const ids = notificationsOf(x).map((n) => n.id);
    const free = !flying.has(x) && !ids.some((id) => blocked.has(id));
    for (const id of ids) blocked.add(id);
    if (!free) continue;
    if (x.nextAttemptAt > now) wake = Math.min(wake, x.nextAttemptAt);
    else start.push(x);
  }
  return { start, wake };
}

const note = (id: string): Notification => ({ id }) as Notification;
let made = 0;
const delivery = (ids: string[], at: number): Delivery => ({
  deliveryId: `d${made++}`,
  target: 't',
  notification: note(ids[0]!),
  ...(ids.length > 1 ? { more: ids.slice(1).map(note) } : {}),
  createdAt: at,
  attempts: 0,
  nextAttemptAt: at,
  lastError: null,
});

function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
}

test('DueIndex starts what the queue scan starts, in the same order, and wakes when it would, over random histories', () => {
  for (let seed = 1; seed <= Number(process.env.DUE_INDEX_SEEDS ?? 1000); seed++) {
    const r = prng(seed);
    const index = new DueIndex();
    const queue: Delivery[] = [];
    const flying = new Set<Delivery>();
    const slots = 1 + r(4);
    const alerts = seed % 2 === 0 ? 6 : 20; // few alerts: long chains; many: many deliveries free at once
    let now = 1_000;
    for (let step = 0; step < 300; step++) {
      const op = r(10);
      if (op <= 2) {
        const ids = Array.from({ length: 1 + r(3) }, () => `a${r(alerts)}`);
        const x = delivery(ids, now + r(30) - 10);
        queue.push(x);
        index.add(x);
      } else if (op === 3 && queue.length > 0) {
        // an open digest (not started; usually the newest, not always after a restart) takes a notification
        const x = r(2) === 0 ? queue[queue.length - 1]! : queue[r(queue.length)]!;
        if (flying.has(x)) continue;
        const id = `a${r(alerts)}`;
        (x.more ??= []).push(note(id));
        index.grew(x, id);
      } else if (op <= 5) {
        const free = slots - flying.size;
        const want = scan(queue, flying, now, free);
        const got = index.take(now, free);
        assert.deepEqual(got.start.map((x) => x.deliveryId), want.start.map((x) => x.deliveryId), `seed ${seed} step ${step}: started`);
        if (got.start.length < free) assert.equal(got.wake, want.wake, `seed ${seed} step ${step}: wake`);
        for (const x of got.start) flying.add(x);
      } else if (op <= 7 && flying.size > 0) {
        const x = [...flying][r(flying.size)]!;
        flying.delete(x);
        if (r(2) === 0) {
          queue.splice(queue.indexOf(x), 1);
          index.removed(x);
        } else x.nextAttemptAt = now + 1 + r(40);
        index.landed(x);
      } else if (op === 8) {
        now += r(15);
      } else if (r(8) === 0) {
        // a clock step moves every due time
        const jump = r(200) - 100;
        now += jump;
        for (const x of queue) x.nextAttemptAt += jump;
        index.retimed();
      }
    }
  }
});

test('DueIndex: an idle delivery given up is no longer started, and its alert next one is', () => {
  const index = new DueIndex();
  const a = delivery(['w1'], 0);
  const b = delivery(['w1'], 0);
  index.add(a);
  index.add(b);
  index.removed(a);
  assert.deepEqual(index.take(0, 4).start, [b]);
});

test('DueIndex: no slot free starts nothing and asks for no wake-up (an attempt landing wakes the target)', () => {
  const index = new DueIndex();
  index.add(delivery(['w1'], 0));
  assert.deepEqual(index.take(0, 0), { start: [], wake: Infinity });
});
