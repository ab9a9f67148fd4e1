/** The one retry rule of every HTTP call (src/net/retry.ts): statuses, Retry-After, backoff. PURE: tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoff, httpRetryRule } from '../../src/net/retry.js';
import { backoffDelay } from '../../src/telephony/client.js';
import { retryDelay } from '../../src/notify/dispatch.js';

const NOW = Date.parse('2026-11-27T10:00:00Z');
const cases: Array<[number, string | undefined, ReturnType<typeof httpRetryRule>]> = [
  [200, undefined, { outcome: 'ok' }],
  [202, undefined, { outcome: 'ok' }],
  [204, '120', { outcome: 'ok' }],
  [429, '120', { outcome: 'retry', reason: 'rate_limited', retryAfterMs: 120_000 }],
  [429, undefined, { outcome: 'retry', reason: 'rate_limited', retryAfterMs: 60_000 }],
  [429, 'abc', { outcome: 'retry', reason: 'rate_limited', retryAfterMs: 60_000 }],
  [429, 'Fri, 27 Nov 2026 10:00:30 GMT', { outcome: 'retry', reason: 'rate_limited', retryAfterMs: 30_000 }],
  [503, '7', { outcome: 'retry', reason: 'server', retryAfterMs: 7_000 }],
  [500, undefined, { outcome: 'retry', reason: 'server', retryAfterMs: undefined }],
  [502, undefined, { outcome: 'retry', reason: 'server', retryAfterMs: undefined }],
  [504, undefined, { outcome: 'retry', reason: 'server', retryAfterMs: undefined }],
  [408, undefined, { outcome: 'retry', reason: 'server', retryAfterMs: undefined }],
  // A 5xx's unreadable Retry-After asks for nothing (the backoff alone), not 429's 60 s default.
  [503, 'abc', { outcome: 'retry', reason: 'server', retryAfterMs: undefined }],
  [503, '', { outcome: 'retry', reason: 'server', retryAfterMs: undefined }],
  [500, '-5', { outcome: 'retry', reason: 'server', retryAfterMs: undefined }],
  [502, '30, 40', { outcome: 'retry', reason: 'server', retryAfterMs: undefined }],
  [408, 'soon', { outcome: 'retry', reason: 'server', retryAfterMs: undefined }],
  [301, undefined, { outcome: 'final', reason: 'rejected', hint: 'redirects are not followed' }],
  [400, undefined, { outcome: 'final', reason: 'rejected', hint: '' }],
  [404, undefined, { outcome: 'final', reason: 'rejected', hint: '' }],
  [410, undefined, { outcome: 'final', reason: 'rejected', hint: 'the endpoint is gone' }],
];
for (const [status, retryAfter, expected] of cases) {
  test(`httpRetryRule(${status}, ${JSON.stringify(retryAfter)}) → ${expected.outcome}`, () => {
    assert.deepEqual(httpRetryRule(status, retryAfter, NOW), expected);
  });
}

test('backoff: base × 2^(n−1) with ±25 % jitter, capped; the client and the dispatcher use it', () => {
  assert.equal(backoff(1, 1000, 60_000, () => 0.5), 1000);
  assert.equal(backoff(3, 1000, 60_000, () => 0), 3000);
  assert.equal(backoff(3, 1000, 60_000, () => 1), 5000);
  assert.equal(backoff(50, 1000, 60_000, () => 1), 60_000);
  assert.equal(backoff(Number.NaN, 1000, 60_000, () => 0.5), 1000);
  assert.equal(backoff(2, 1000, 60_000, () => 7), 2500, 'random() above 1 is clamped');
  for (const n of [1, 2, 3, 6]) {
    for (const r of [0, 0.3, 1]) {
      assert.equal(backoffDelay(n, () => r), backoff(n, 250, 10_000, () => r), 'the Telephony.io client');
      assert.equal(retryDelay(n, 5000, () => r), backoff(n, 5000, 300_000, () => r), 'the notification dispatcher');
    }
  }
});
