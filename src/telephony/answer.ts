/**
 * What an answer of the balance endpoint says, by status (contract §1): a 200's balance, a 402's
 * current_balance (Telephony.io), or the UpstreamError its status means, with the Retry-After a 429 or a 5xx
 * asks for. PURE (the time passed in). Messages name the request as the preset shows it (`where`), never
 * its URL or headers, and an error code in the body that echoes a secret is left out (json-body.ts).
 */
import type { AxiosResponse } from 'axios';
import { formatDuration } from '../config/duration.js';
import { UpstreamError } from '../errors.js';
import type { Endpoint } from '../providers/preset.js';
import { errorCode, MAX_JSON_DEPTH, parseJsonObject } from './json-body.js';
import { doubledPrefix } from './request-path.js';
import { parseRetryAfter, readRetryAfter } from './retry-after.js';

export interface BalanceReading {
  status: 200 | 402;
  balance: number | null;
  currency: string | null;
  /** Why the upstream's currency was not used (not a plain code); null when fine or absent. */
  currencyProblem: string | null;
  requiredCredits: number | null;
  /** A credit limit the wallet may go down to below zero (Telnyx); absent = 0. */
  creditLimit?: number;
  /** The provider's auto-recharge flag, when it reports one. */
  autoRecharge?: boolean;
  /** The body says the balance pays for no call (see PresetReading). */
  refusesCalls?: true;
}

/** The longest backoff inside a poll: a 5xx whose Retry-After asks for more is left to the next poll. */
export const BACKOFF_MAX_MS = 10_000;
/** The statuses retried inside a poll (contract: 500, 502, 503, 504). */
export const RETRYABLE_STATUSES = new Set([500, 502, 503, 504]);

export interface AnswerContext {
  endpoint: Endpoint;
  baseUrl: string;
  /** "GET host/path", as the preset shows the path. */
  where(): string;
  now(): number;
}

export function readAnswer(res: AxiosResponse<unknown>, cx: AnswerContext): BalanceReading {
  const status = res.status;
  const answered = (what: string) => {
    const code = errorCode(res.data, cx.endpoint.secrets?.() ?? Object.values(cx.endpoint.headers()));
    return `${cx.where()} answered ${status} (${what}${code === null ? '' : `; its code: ${code}`})`;
  };
  const opts = { status };
  if (status === 200) {
    const body = parseJsonObject(res.data);
    if (!('object' in body)) {
      const what = body.problem === 'too_deep' ? `JSON nested deeper than ${MAX_JSON_DEPTH} levels (not parsed)` : 'a body that is not a JSON object';
      throw new UpstreamError('bad_response', `${cx.where()} answered 200 with ${what}; ${cx.endpoint.hints.request}`, opts);
    }
    return { status: 200, ...cx.endpoint.read(body.object), requiredCredits: null };
  }
  if (status === 402 && cx.endpoint.exhausted) {
    const body = parseJsonObject(res.data);
    return { status: 402, ...cx.endpoint.exhausted('object' in body ? body.object : undefined) };
  }
  if (status === 400) {
    throw new UpstreamError('bad_request', `${answered('bad request')}; ${cx.endpoint.hints.request}`, opts);
  }
  if (status === 401) {
    throw new UpstreamError('auth', `${answered('unauthorized')}: ${cx.endpoint.hints.rejected}; ${cx.endpoint.hints.credentials}`, opts);
  }
  // Forbidden: the request was understood and refused. Besides wrong credentials, an account that allows
  // only listed source addresses, or a key without the permission to read the balance, answers so.
  if (status === 403) {
    throw new UpstreamError('auth', `${answered('forbidden')}: ${cx.endpoint.hints.rejected}; a 403 also comes from a key without access to the balance, or an account that allows only listed source addresses (this host is not among them); ${cx.endpoint.hints.credentials}`, opts);
  }
  if (status === 429) {
    const header: unknown = res.headers['retry-after'];
    const retryAfterMs = parseRetryAfter(typeof header === 'string' ? header : undefined, cx.now());
    // Said as a person reads it, with the time it ends: "retry after 3600000 ms" on the status page told neither.
    const until = new Date(cx.now() + retryAfterMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    throw new UpstreamError('rate_limited', `${cx.where()} answered 429 (rate limited); wait ${formatDuration(retryAfterMs)}, until ${until} (its Retry-After: 60 s when it sent none or one not read, at most an hour)`, {
      status,
      retryAfterMs,
    });
  }
  if (RETRYABLE_STATUSES.has(status)) {
    const header: unknown = res.headers['retry-after'];
    const retryAfterMs = readRetryAfter(typeof header === 'string' ? header : undefined, cx.now());
    const later = retryAfterMs !== undefined && retryAfterMs > BACKOFF_MAX_MS ? `; its Retry-After asks for ${formatDuration(retryAfterMs)}: not retried within the poll` : '';
    throw new UpstreamError('server', answered(`server error${later}`), { status, retryable: true, retryAfterMs });
  }
  // Other 5xx (a proxy's or CDN's 520–524, 501, 505) and 408 are the server's trouble too, not a wrong
  // URL: said so, and left to the next scheduled poll (the contract retries only 500, 502, 503, 504).
  if (status >= 500 || status === 408) {
    throw new UpstreamError('server', answered('a server or proxy error; not retried within the poll, the next poll tries again'), opts);
  }
  const doubled = status === 404 ? doubledPrefix(cx.baseUrl, cx.endpoint.shownPath) : undefined;
  const hint =
    status >= 300 && status < 400
      ? `redirects are not followed; ${cx.endpoint.hints.request}`
      : doubled
        ? `api_url already ends in ${doubled}, which the request path adds again: drop ${doubled} from api_url`
        : cx.endpoint.hints.request;
  throw new UpstreamError('unexpected_status', `${answered('unexpected status')}; ${hint}`, opts);
}
