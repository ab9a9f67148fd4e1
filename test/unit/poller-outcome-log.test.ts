/** Repeats (src/poller/outcome-log.ts): a condition said when it starts or changes, then once an hour. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REMIND_MS, Repeats } from '../../src/poller/outcome-log.js';

test('said when it starts, quiet while it repeats, said again after an hour with the count not said, or at once when it changes', () => {
  const r = new Repeats();
  const MIN = 60_000;
  const seen = [0, 1, 2, 3].map((m) => r.next('timeout', m * MIN));
  assert.deepEqual(seen, [{ say: true, unsaid: 0 }, { say: false, unsaid: 1 }, { say: false, unsaid: 2 }, { say: false, unsaid: 3 }]);
  assert.deepEqual(r.next('timeout', REMIND_MS), { say: true, unsaid: 3 }, 'the hourly reminder counts the lines left out');
  assert.deepEqual(r.next('timeout', REMIND_MS + MIN), { say: false, unsaid: 1 });
  assert.deepEqual(r.next('auth', REMIND_MS + 2 * MIN), { say: true, unsaid: 0 }, 'another failure is said at once');
  assert.deepEqual(r.next('auth', REMIND_MS - 10 * MIN), { say: true, unsaid: 0 }, 'a clock stepped back does not silence it for the step');
  assert.equal(r.end(), 8, 'every occurrence since it began');
  assert.equal(r.end(), 0);
  assert.deepEqual(r.next('auth', REMIND_MS), { say: true, unsaid: 0 }, 'after its end, it starts afresh');
});
