import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY_AFTER_MS, MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../src/telephony/retry-after.js';

const NOW = Date.parse('2026-11-27T10:00:00Z');
const httpDate = (offsetMs: number): string => new Date(NOW + offsetMs).toUTCString();

const cases: Array<[string, string | undefined | null, number]> = [
  ['delta seconds', '120', 120_000],
  ['zero', '0', 0],
  ['surrounding whitespace', ' 7 ', 7_000],
  ['empty', '', DEFAULT_RETRY_AFTER_MS],
  ['blank', '   ', DEFAULT_RETRY_AFTER_MS],
  ['negative (Date.parse would read it as 2001)', '-5', DEFAULT_RETRY_AFTER_MS],
  ['decimal, read as seconds', '1.5', 1_500],
  ['garbage', 'abc', DEFAULT_RETRY_AFTER_MS],
  ['exponent', '1e3', DEFAULT_RETRY_AFTER_MS],
  ['undefined', undefined, DEFAULT_RETRY_AFTER_MS],
  ['null', null, DEFAULT_RETRY_AFTER_MS],
  ['huge delta, clamped', '999999999', MAX_RETRY_AFTER_MS],
  ['past HTTP-date', httpDate(-3_600_000), 0],
  ['future HTTP-date (30 s)', httpDate(30_000), 30_000],
  ['HTTP-date 40 days out, clamped', httpDate(40 * 86_400_000), MAX_RETRY_AFTER_MS],
  ['RFC 850 date', 'Friday, 27-Nov-26 10:00:10 GMT', 10_000],
  ['asctime date (GMT, whatever the local zone)', 'Fri Nov 27 10:00:20 2026', 20_000],
  ['invalid date with a day name', 'Sun, 99 Foo 2026 99:99:99 GMT', DEFAULT_RETRY_AFTER_MS],
  ['a day the month does not have (Date.parse rolled it into the next month: an hour of silence, not 60 s)', 'Tue, 31 Nov 2026 10:00:00 GMT', DEFAULT_RETRY_AFTER_MS],
  ['an hour past 23 (rolled into the next day)', 'Fri, 27 Nov 2026 24:00:00 GMT', DEFAULT_RETRY_AFTER_MS],
  ['asctime on a day the month does not have', 'Tue Nov 31 10:00:20 2026', DEFAULT_RETRY_AFTER_MS],
  ['asctime on a day under 10 (space-padded)', 'Sun Nov  1 10:00:20 2026', 0],
];

// Dates that are not one of the three HTTP forms, or carry no zone: read as GMT or not at all, whatever the host's zone.
const zoned: Array<[string, string, number]> = [
  ['IMF-fixdate without GMT (GMT all the same)', 'Fri, 27 Nov 2026 10:02:00', 120_000],
  ['RFC 850 without GMT', 'Friday, 27-Nov-26 10:00:10', 10_000],
  ['asctime', 'Fri Nov 27 10:00:20 2026', 20_000],
  ['a day name and a number (Date.parse reads it as some date)', 'Mon 5', DEFAULT_RETRY_AFTER_MS],
  ['an ISO date (not an HTTP-date)', '2026-11-27T10:00:30Z', DEFAULT_RETRY_AFTER_MS],
];
for (const [name, header, expected] of zoned) {
  test(`parseRetryAfter in New York: ${name} (${JSON.stringify(header)})`, () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York'; // Node re-reads the zone when TZ changes
    try {
      assert.equal(parseRetryAfter(header, NOW), expected);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });
}

for (const [name, header, expected] of cases) {
  test(`parseRetryAfter: ${name} (${JSON.stringify(header)})`, () => {
    assert.equal(parseRetryAfter(header, NOW), expected);
  });
}
