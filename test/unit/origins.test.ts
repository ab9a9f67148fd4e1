/**
 * OriginShare (src/fleet/origins.ts): how POLL_CONCURRENCY is shared between APIs, and when an API that
 * gives no answer refuses its polls (they fail at once, unasked, instead of queueing for its share).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OriginShare } from '../../src/fleet/origins.js';

const API = 'http://127.0.0.1:1';
const ROUND = 60_000;

test('an API that never answered refuses once max(2, its share) polls in a row got no answer and a round has passed since its first request; only while its share is taken; the first answer ends it', () => {
  const o = new OriginShare(4); // a share of 1
  let now = 0;
  const a = o.started(API, now);
  const b = o.started(API, now);
  now += ROUND;
  o.ended(API, a, true, now);
  o.released(API);
  assert.equal(o.refuses(API, now, ROUND), false, 'one poll without an answer is no silent API');
  assert.equal(o.admits(API), false, 'but its share (1) is taken by b');
  o.ended(API, b, true, now);
  o.released(API);
  assert.equal(o.refuses(API, now, ROUND), false, 'nothing in flight: its share asks (the probe)');
  const c = o.started(API, now);
  assert.equal(o.refuses(API, now, ROUND), true, 'its share taken: the others fail unasked');
  assert.equal(o.refuses('http://127.0.0.1:2', now, ROUND), false, 'another API is not touched');
  o.ended(API, c, false, now);
  o.released(API);
  assert.equal(o.admits(API), true);
  const d = o.started(API, now);
  assert.equal(o.refuses(API, now, ROUND), false, 'it answered');
  o.ended(API, d, false, now);
});

test('an API that answered within the round does not refuse, however many polls in a row timed out (a few wallets whose own path hangs hold its share)', () => {
  const o = new OriginShare(4);
  let now = 0;
  o.ended(API, o.started(API, now), false, now); // a healthy wallet answered
  const hung = [o.started(API, now), o.started(API, now), o.started(API, now)];
  now += ROUND / 2;
  for (const s of hung.slice(0, 2)) o.ended(API, s, true, now);
  assert.equal(o.refuses(API, now, ROUND), false, 'answered half a round ago');
  now += ROUND / 2;
  assert.equal(o.refuses(API, now, ROUND), true, 'no answer for a whole round');
});

test('with POLL_CONCURRENCY 32 it takes 8 polls in a row without an answer, not one slow answer among many', () => {
  const o = new OriginShare(32);
  let now = 0;
  const polls = (n: number) => Array.from({ length: n }, () => o.started(API, now));
  const all = polls(24); // the share is taken by these while they run
  now += ROUND;
  for (const s of all.slice(0, 7)) o.ended(API, s, true, now);
  assert.equal(o.refuses(API, now, ROUND), false, 'seven');
  o.ended(API, all[7]!, true, now);
  assert.equal(o.refuses(API, now, ROUND), true, 'the eighth in a row');
});

test("a timeout of a poll sent before the API's last answer is old news: the API came back, it does not fall silent again", () => {
  const o = new OriginShare(8); // a share of 2
  let now = 0;
  const stale = [o.started(API, now), o.started(API, now), o.started(API, now)]; // sent into the silence
  now += 2 * ROUND;
  o.ended(API, o.started(API, now), false, now); // it is back
  const fresh = o.started(API, now); // the share taken again
  now += 2 * ROUND;
  for (const s of stale) o.ended(API, s, true, now);
  assert.equal(o.refuses(API, now, ROUND), false, 'their timeouts come after the answer');
  assert.equal(o.admits(API), true, 'not even limited to its share');
  const more = o.started(API, now);
  o.ended(API, fresh, true, now);
  o.ended(API, more, true, now);
  o.started(API, now);
  o.started(API, now);
  assert.equal(o.refuses(API, now, ROUND), true, 'polls sent after the answer count again');
});
