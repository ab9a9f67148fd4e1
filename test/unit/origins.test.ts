/**
 * OriginShare (src/fleet/origins.ts): how POLL_CONCURRENCY is shared between APIs, and when an API that
 * gives no answer refuses its polls (they fail at once, unasked, instead of queueing for its share).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OriginShare } from '../../src/fleet/origins.js';

const API = 'http://127.0.0.1:1';

test('an API falls silent after max(2, its share) polls in a row without an answer, refuses only while its share is taken, and the first answer ends it', () => {
  const o = new OriginShare(4); // a share of 1, silent after 2
  const a = o.started(API);
  const b = o.started(API);
  assert.equal(o.ended(API, a, true), undefined, 'one poll without an answer is no silent API');
  o.released(API);
  assert.equal(o.refuses(API), false);
  assert.equal(o.admits(API), false, 'but its share (1) is taken by b');
  assert.equal(o.ended(API, b, true), 'silent');
  o.released(API);
  assert.equal(o.refuses(API), false, 'nothing in flight: its share asks (the probe)');
  const c = o.started(API);
  assert.equal(o.refuses(API), true, 'its share taken: the others fail unasked');
  assert.equal(o.refuses('http://127.0.0.1:2'), false, 'another API is not touched');
  assert.equal(o.ended(API, c, false), 'answers');
  o.released(API);
  assert.equal(o.refuses(API), false);
  assert.equal(o.admits(API), true);
});

test('with POLL_CONCURRENCY 32 an API is silent after 8 polls in a row without an answer, not after one slow answer among many', () => {
  const o = new OriginShare(32);
  const polls = (n: number) => Array.from({ length: n }, () => o.started(API));
  for (const s of polls(7)) assert.equal(o.ended(API, s, true), undefined);
  assert.equal(o.ended(API, polls(1)[0]!, false), undefined, 'an answer: the count starts again');
  const next = polls(8);
  for (const s of next.slice(0, 7)) assert.equal(o.ended(API, s, true), undefined);
  assert.equal(o.ended(API, next[7]!, true), 'silent', 'the eighth in a row');
});

test("a timeout of a poll sent before the API's last answer is old news: the API came back, it does not fall silent again", () => {
  const o = new OriginShare(8); // a share of 2, silent after 2
  const stale = [o.started(API), o.started(API)]; // sent into the silence
  const [x, y] = [o.started(API), o.started(API)];
  assert.equal(o.ended(API, x, true), undefined);
  assert.equal(o.ended(API, y, true), 'silent');
  const probe = o.started(API);
  assert.equal(o.ended(API, probe, false), 'answers', 'it is back');
  for (const s of stale) assert.equal(o.ended(API, s, true), undefined, 'their timeouts come after the answer');
  assert.equal(o.refuses(API), false);
  assert.equal(o.admits(API), true, 'not even limited to its share');
  const fresh = [o.started(API), o.started(API)];
  assert.equal(o.ended(API, fresh[0]!, true), undefined);
  assert.equal(o.ended(API, fresh[1]!, true), 'silent', 'polls sent after the answer count again');
});
