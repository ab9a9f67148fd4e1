/**
 * A large balance with a tiny burn (1e12 credits at 0.5/h, or an idle wallet's rounding noise) forecasts a
 * depletion thousands of years away. depletion_at must stay an RFC 3339 time (four-digit year) or be null:
 * "+028121-03-28T04:35:50.706Z" is refused by Go's time.RFC3339 and Python's fromisoformat, and the wallet
 * page printed "Runs out +028121-03-28 04:35 UTC". The runway reads in years, not "9530750 d 5 h".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { depletionAt } from '../../src/domain/messages.js';
import { shortDuration } from '../../src/web/format.js';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

test('depletion_at is an RFC 3339 time with a four-digit year, or null past 9999-12-31', () => {
  const now = Date.parse('2026-12-05T23:45:00Z');
  const far = depletionAt(now, 823_456_817_694.6);
  assert.ok(far === null || RFC3339.test(far), `got ${far}`);
  assert.equal(depletionAt(now, 3600), '2026-12-06T00:45:00.000Z');
  const lastYear = depletionAt(Date.UTC(9999, 11, 31, 23, 0, 0), 3599);
  assert.match(lastYear ?? '', RFC3339);
});

test('a runway of thousands of years reads in years', () => {
  assert.equal(shortDuration(823_456_817_694.6), '26,094 years');
  assert.equal(shortDuration(2 * 365.25 * 86_400), '2 years');
  assert.equal(shortDuration(3 * 86_400 + 4 * 3_600), '3 d 4 h');
});
