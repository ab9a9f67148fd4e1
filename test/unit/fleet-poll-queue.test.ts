/**
 * PollQueue (src/fleet/poll-queue.ts): first come first served, a poll taken from further back when those
 * ahead are not admitted, order kept through thousands of polls taken from the front and put back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PollQueue, type Queued } from '../../src/fleet/poll-queue.js';
import type { WalletRunner } from '../../src/fleet/runner.js';

const runner = (name: string) => ({ name }) as unknown as WalletRunner;
const names = (qs: readonly Queued[]) => qs.map((q) => q.runner.name);
const drain = (queue: PollQueue, ready: (q: Queued) => boolean = () => true): string[] => {
  const out: string[] = [];
  for (let q = queue.next(ready); q !== undefined; q = queue.next(ready)) out.push(q.runner.name);
  return out;
};

test('first come first served; a poll further back is taken when those ahead are not admitted, and they keep their places', () => {
  const queue = new PollQueue();
  for (const n of ['a1', 'b1', 'a2', 'b2', 'a3']) void queue.add(runner(n), undefined);
  assert.equal(queue.next((q) => q.runner.name.startsWith('b'))?.runner.name, 'b1');
  assert.equal(queue.next((q) => q.runner.name.startsWith('c')), undefined, 'none admitted: nothing taken');
  assert.deepEqual(drain(queue), ['a1', 'a2', 'b2', 'a3']);
  assert.equal(queue.next(() => true), undefined);
});

test('5,000 polls: taken from the front, some put back at the end, some taken out by origin, in order throughout', () => {
  const queue = new PollQueue();
  const all = Array.from({ length: 5_000 }, (_, i) => `w${i}`);
  for (const n of all) void queue.add(runner(n), 1_000);
  const first = [];
  for (let i = 0; i < 3_000; i++) first.push(queue.next(() => true)!);
  assert.deepEqual(names(first), all.slice(0, 3_000));
  for (const q of first.slice(0, 10)) queue.putBack(q);
  queue.shiftDeadlines(500);
  const odd = queue.takeAll((q) => Number(q.runner.name.slice(1)) % 2 === 1);
  assert.deepEqual(names(odd), [...all.slice(3_000), ...all.slice(0, 10)].filter((n) => Number(n.slice(1)) % 2 === 1));
  assert.ok(odd.every((q) => q.deadline === 1_500), 'every poll still queued moved with the clock');
  assert.deepEqual(drain(queue), [...all.slice(3_000), ...all.slice(0, 10)].filter((n) => Number(n.slice(1)) % 2 === 0));
});

for (const reason of ['start', 'soon'] as const) {
  test(`an out-of-turn poll (${reason}) still waiting is taken over by its first slot once; once it started, not`, () => {
    // 'soon': a wallet a SIGHUP reload added. Only start-up polls were recorded, so after a reload from 300
    // to 3,000 wallets every added wallet still queued at its first slot counted an overlap (949 in a round).
    const queue = new PollQueue();
    const [a, b] = [runner('a'), runner('b')];
    void queue.add(a, 1, reason);
    void queue.add(b, 1, reason);
    assert.equal(queue.takeSlot(a, 99), true);
    assert.equal(queue.takeSlot(a, 99), false, 'once');
    const first = queue.next(() => true)!;
    assert.deepEqual([first.runner.name, first.deadline, first.outOfTurn], ['a', 99, false], 'with the slot deadline, in its place, now the slot\'s');
    queue.next(() => true);
    assert.equal(queue.takeSlot(b, 99), false, 'b started already');
  });
}

test('a slot\'s poll still waiting is not taken over by the next slot: that one is an overlap', () => {
  const queue = new PollQueue();
  const a = runner('a');
  void queue.add(a, 1);
  assert.equal(queue.takeSlot(a, 99), false);
});
