/** Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, turned into a clamped wait in ms. */

export const DEFAULT_RETRY_AFTER_MS = 60_000;
export const MAX_RETRY_AFTER_MS = 3_600_000;

// Delta-seconds. RFC 9110 allows only digits; a decimal ("1.5") is accepted as seconds too, since
// some servers send one and reading it as 1.5 s is what they mean. Signs and exponents are refused.
const DELTA_SECONDS = /^\d+(?:\.\d+)?$/;
// Every HTTP-date form (IMF-fixdate, RFC 850, asctime) starts with a day name. Checking that first
// keeps Date.parse away from strings it would read as some date ("-3", "1.5" are dates in 2001).
const LOOKS_LIKE_DATE = /^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s/i;
// asctime ("Sun Nov  6 08:49:37 1994") carries no zone; HTTP means GMT, Date.parse would use local time.
const ASCTIME = /^[a-z]{3} [a-z]{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/i;

const clamp = (ms: number): number => Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));

/** Milliseconds to wait before the next request. Missing, empty or unparsable (negative included) → 60 s; past date → 0. */
export function parseRetryAfter(header: string | undefined | null, nowMs: number): number {
  if (typeof header !== 'string') return DEFAULT_RETRY_AFTER_MS;
  const value = header.trim();
  if (value === '') return DEFAULT_RETRY_AFTER_MS;

  if (DELTA_SECONDS.test(value)) {
    // A 400-digit value is Infinity here: still a valid (huge) wait, clamped to the cap.
    return clamp(Math.ceil(Number(value) * 1000));
  }

  if (LOOKS_LIKE_DATE.test(value)) {
    const at = Date.parse(ASCTIME.test(value) ? `${value} GMT` : value);
    if (Number.isFinite(at)) return clamp(at - nowMs);
  }

  return DEFAULT_RETRY_AFTER_MS;
}
