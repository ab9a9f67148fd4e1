/**
 * The one retry rule of every HTTP call we make (the webhook, Slack and PagerDuty channels and the
 * Telephony.io client): how long to wait before attempt n+1, which answers and errors another attempt can
 * fix, and what a `Retry-After` asks for. PURE (time and randomness passed in).
 */
import { parseRetryAfter, readRetryAfter } from '../telephony/retry-after.js';

/**
 * Wait after failed attempt number `attempt` (1-based): `baseMs` doubling, ±25 % jitter, at most `maxMs`.
 * A non-finite or fractional attempt counts as the nearest valid one; `random()` outside [0, 1] is clamped.
 */
export function backoff(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
  const r = Math.min(1, Math.max(0, random()));
  return Math.min(maxMs, baseMs * 2 ** Math.min(n - 1, 30) * (0.75 + 0.5 * r));
}

/** What an HTTP answer means for the caller. `retryAfterMs` is set when the receiver asked for a wait. */
export type HttpVerdict =
  | { outcome: 'ok' }
  | { outcome: 'retry'; reason: 'rate_limited' | 'server'; retryAfterMs: number | undefined }
  | { outcome: 'final'; reason: 'rejected'; hint: string };

/** 500, 502, 503, 504 (and 408 for receivers, whose "try again" is as good as a 503). */
const RETRY_STATUSES = new Set([408, 500, 502, 503, 504]);

/**
 * 2xx is success; 429 retries after `Retry-After` (missing or unparsable: 60 s, clamped to 1 h); 408 and
 * 5xx retry (honouring a `Retry-After` when given and readable; missing or unparsable: none, the backoff
 * alone); anything else (3xx: redirects are not followed, 4xx,
 * 410: the endpoint is gone) is final.
 */
export function httpRetryRule(status: number, retryAfter: string | undefined, nowMs: number): HttpVerdict {
  if (status >= 200 && status < 300) return { outcome: 'ok' };
  if (status === 429) return { outcome: 'retry', reason: 'rate_limited', retryAfterMs: parseRetryAfter(retryAfter, nowMs) };
  if (RETRY_STATUSES.has(status) || status >= 500) {
    // Only a Retry-After that reads as a wait is one: a proxy's junk header ('abc', '-5', '30, 40') read as
    // 429's 60 s default held every delivery to the target a minute or more instead of its backoff.
    return { outcome: 'retry', reason: 'server', retryAfterMs: readRetryAfter(retryAfter, nowMs) };
  }
  const hint = status >= 300 && status < 400 ? 'redirects are not followed' : status === 410 ? 'the endpoint is gone' : '';
  return { outcome: 'final', reason: 'rejected', hint };
}
