/** Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, turned into a clamped wait in ms. */

export const DEFAULT_RETRY_AFTER_MS = 60_000;
export const MAX_RETRY_AFTER_MS = 3_600_000;

// Delta-seconds. RFC 9110 allows only digits; a decimal ("1.5") is accepted as seconds too, since
// some servers send one and reading it as 1.5 s is what they mean. Signs and exponents are refused.
const DELTA_SECONDS = /^\d+(?:\.\d+)?$/;
// The three HTTP-date forms, and nothing else: Date.parse reads far more ("-3" and "1.5" are dates in
// 2001, "Mon 5" is a date too). IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and RFC 850 ("Sunday,
// 06-Nov-94 08:49:37 GMT") end in GMT; one sent without it is read as GMT all the same, as asctime ("Sun
// Nov  6 08:49:37 1994", no zone) is: an HTTP date is never local time, and Date.parse would use the
// host's zone (an hour's wait, or none, in New York).
// Each names its day and time, checked against what Date.parse made of them: it rolls "31 Feb" over to
// 3 March and "24:00:00" to the next day instead of refusing them.
const IMF_FIXDATE = /^[a-z]{3}, (?<day>\d{2}) [a-z]{3} \d{4} (?<time>\d{2}:\d{2}:\d{2})(?<gmt> GMT)?$/i;
const RFC850 = /^[a-z]{6,9}, (?<day>\d{2})-[a-z]{3}-\d{2} (?<time>\d{2}:\d{2}:\d{2})(?<gmt> GMT)?$/i;
const ASCTIME = /^[a-z]{3} [a-z]{3} (?<day>[ \d]\d) (?<time>\d\d:\d\d:\d\d) \d{4}(?<gmt>)$/i;

const clamp = (ms: number): number => Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));

/** Milliseconds to wait before the next request. Missing, empty or unparsable (negative included) → 60 s; past date → 0. */
export function parseRetryAfter(header: string | undefined | null, nowMs: number): number {
  return readRetryAfter(header, nowMs) ?? DEFAULT_RETRY_AFTER_MS;
}

/** The wait Retry-After asks for, clamped; undefined when it is missing, empty or unparsable. */
export function readRetryAfter(header: string | undefined | null, nowMs: number): number | undefined {
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  if (value === '') return undefined;

  if (DELTA_SECONDS.test(value)) {
    // A 400-digit value is Infinity here: still a valid (huge) wait, clamped to the cap.
    return clamp(Math.ceil(Number(value) * 1000));
  }

  const date = (IMF_FIXDATE.exec(value) ?? RFC850.exec(value) ?? ASCTIME.exec(value))?.groups;
  if (date) {
    const at = Date.parse(date.gmt ? value : `${value} GMT`);
    const read = new Date(at);
    const asWritten = Number.isFinite(at) && read.getUTCDate() === Number(date.day) && read.toISOString().slice(11, 19) === date.time;
    if (asWritten) return clamp(at - nowMs);
  }

  return undefined;
}
