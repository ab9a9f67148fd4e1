/**
 * One POST of a JSON body, shared by every HTTP channel (webhook, Slack, PagerDuty): a deadline that holds,
 * no redirects, the answer's body dropped unread, and the answer judged by the one retry rule (src/net/retry.ts).
 * Throws NotifyError; never the AxiosError (it carries the URL, which may be the credential).
 */
import type { AxiosInstance, AxiosStatic } from 'axios';
import type { Secret } from '../config/secret.js';
import { deadline } from '../deadline.js';
import { networkError, NotifyError, safeErrorCode } from '../errors.js';
import { httpRetryRule } from '../net/retry.js';
import { USER_AGENT } from '../version.js';
import { SEND_TIMEOUT_MS } from './notifier.js';

// Only the status matters: the answer's body is streamed and dropped unread, whatever its size. axios is
// loaded at the first post: configuration (which lists the channels) and `backtest` never need it.
let client: Promise<{ axios: AxiosStatic; http: AxiosInstance }> | undefined;
const httpClient = (): Promise<{ axios: AxiosStatic; http: AxiosInstance }> =>
  (client ??= import('axios').then(({ default: axios }) => ({ axios, http: axios.create({ maxRedirects: 0, responseType: 'stream', validateStatus: () => true }) })));

export async function postJson(
  target: { url: Secret; label: string },
  raw: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  now: () => number,
  /** A status that is this channel's settings' fault whatever the body (PagerDuty's 400: the routing key), with what to check. */
  refusal?: { status: number; hint: string },
): Promise<void> {
  const label = target.label;
  let status: number;
  let retryAfter: string | undefined;
  let location: unknown;
  const { axios, http } = await httpClient();
  const limit = deadline(SEND_TIMEOUT_MS, signal);
  try {
    const res = await http.post(target.url.reveal(), raw, { headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT, ...headers }, signal: limit.signal });
    status = res.status;
    (res.data as { destroy?: () => void } | undefined)?.destroy?.();
    const h: unknown = res.headers['retry-after'];
    retryAfter = typeof h === 'string' ? h : undefined;
    location = res.headers.location;
  } catch (err) {
    const code = (axios.isAxiosError(err) ? safeErrorCode(err) : undefined) ?? 'error';
    if (signal.aborted) throw new NotifyError('aborted', `${label}: aborted`, { retryable: true });
    if (code === 'ERR_CANCELED') throw new NotifyError('timeout', `${label}: no answer within ${SEND_TIMEOUT_MS} ms`, { retryable: true });
    throw new NotifyError('network', `${label}: ${networkError(code)}`, { retryable: true });
  } finally {
    limit.clear();
  }
  const v = httpRetryRule(status, retryAfter, now());
  if (v.outcome === 'ok') return;
  if (v.outcome === 'retry') throw new NotifyError(v.reason, `${label} answered ${status}`, { retryable: true, retryAfterMs: v.retryAfterMs });
  const own = refusal?.status === status;
  const hint = own ? refusal.hint : status >= 300 && status < 400 ? `${v.hint}${whereTo(target.url.reveal(), location)}` : v.hint;
  // a redirect, 401, 403, 404, 410: the URL or its token (a setting); another 4xx may be this body's own
  const setting = own || (status >= 300 && status < 400) || [401, 403, 404, 410].includes(status);
  throw new NotifyError('rejected', `${label} answered ${status}${hint ? ` (${hint})` : ''}; not retried`, { retryable: false, setting });
}

/**
 * Where a redirect points, in words that never repeat its Location (it may carry the URL's token): a receiver
 * moved from http to https at the same address (the usual move) says so, so the fix is one letter.
 */
function whereTo(url: string, location: unknown): string {
  if (typeof location !== 'string') return '';
  let from: URL;
  let to: URL;
  try {
    from = new URL(url);
    to = new URL(location, url);
  } catch {
    return '';
  }
  const samePlace = to.hostname === from.hostname && to.pathname === from.pathname && to.search === from.search;
  if (samePlace && from.protocol === 'http:' && to.protocol === 'https:') return ': it moved to https, write the URL with https://';
  return to.hostname === from.hostname ? ': it points to another address on the same host; write the URL it answers at' : ': it points to another host; write the URL it answers at';
}
