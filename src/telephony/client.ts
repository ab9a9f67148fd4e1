/**
 * The one balance transport, under every provider preset: one GET per attempt, statuses mapped by hand
 * (contract §1; answer.ts), transient failures retried with backoff inside the caller's deadline, Retry-After,
 * redirects refused, the body size capped. A preset (src/providers) only says what to ask (path, headers)
 * and how to read a 200 body; it never sees axios. Axios errors never leave this file: they carry the
 * Authorization header in their config, so errors are rebuilt from method, host, path, status and error
 * code only (the path as the preset shows it: account ids in it are credentials).
 */
import { setTimeout as delay } from 'node:timers/promises';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { sharedInstance } from './http.js';
import { deadline, eitherAborts, MAX_TIMER_MS } from '../deadline.js';
import { networkError, safeErrorCode, UpstreamError } from '../errors.js';
import type { Endpoint } from '../providers/preset.js';
import { backoff } from '../net/retry.js';
import { requestedPath } from './request-path.js';
import { BACKOFF_MAX_MS, readAnswer, type AnswerContext, type BalanceReading } from './answer.js';


export interface BalanceClientOptions {
  baseUrl: string;
  /** What the preset asks and how it reads the answer. */
  endpoint: Endpoint;
  timeoutMs: number;
  userAgent: string;
  /** Attempts in all, for retryable failures. Default 4. */
  maxAttempts?: number;
  /** Default 1 MiB. */
  maxBodyBytes?: number;
  /** Once per HTTP attempt; code is the HTTP status as a string, or 'timeout' | 'network'. */
  onAttempt?: (code: string, durationSeconds: number) => void;
  random?: () => number;
  now?: () => number;
  /** Default: an abortable timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface FetchOptions {
  /** Aborts the request in flight (a stop's grace ran out, `check`'s budget). */
  signal?: AbortSignal;
  /** Aborted once the daemon is stopping: the attempt in flight finishes, no retry starts and a backoff wait ends. */
  stopping?: AbortSignal;
  /** Epoch ms: no attempt starts and no backoff wait ends past it. */
  deadline?: number;
}

const DEFAULT_MAX_ATTEMPTS = 4;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const BACKOFF_BASE_MS = 250;
/** A retry needs at least max(100 ms, a tenth of REQUEST_TIMEOUT_MS) (capped at the timeout) to be worth starting. */
const MIN_ATTEMPT_MS = 100;
const MIN_ATTEMPT_FRACTION = 0.1;

/** Wait before retry number `attempt` (1-based): ~250 ms doubling, ±25 % jitter, never above 10 s. */
export function backoffDelay(attempt: number, random: () => number): number {
  return backoff(attempt, BACKOFF_BASE_MS, BACKOFF_MAX_MS, random);
}

const abortableSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, signal ? { signal } : {});

/** code: what onAttempt reports (null: nothing was sent). */
/** What an attempt that threw comes to: a failure, or (a 402 whose body could not be read) still a reading. */
type Failure = { code: string | null; error: UpstreamError } | { code: string; reading: BalanceReading };

export class BalanceClient {
  readonly #opts: BalanceClientOptions;
  readonly #endpoint: Endpoint;
  readonly #http: AxiosInstance;
  readonly #maxAttempts: number;
  readonly #maxBodyBytes: number;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A retry with less time than this left before the deadline is not started (see fetchBalance). */
  readonly #minAttemptMs: number;
  /** What readAnswer needs to judge an answer. */
  readonly #answer: AnswerContext;

  constructor(opts: BalanceClientOptions) {
    this.#opts = opts;
    this.#endpoint = opts.endpoint;
    this.#maxAttempts = Math.max(1, Math.floor(opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS));
    this.#maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#now = opts.now ?? Date.now;
    this.#random = opts.random ?? Math.random;
    this.#sleep = opts.sleep ?? abortableSleep;
    this.#minAttemptMs = Math.min(opts.timeoutMs, Math.max(MIN_ATTEMPT_MS, opts.timeoutMs * MIN_ATTEMPT_FRACTION));
    this.#http = sharedInstance(opts.baseUrl, this.#maxBodyBytes);
    this.#answer = { endpoint: this.#endpoint, baseUrl: opts.baseUrl, where: () => this.#where(), now: () => this.#now() };
  }
  /** "GET host/path" for error messages (built when one is written: 10,000 wallets rarely need it). */
  #where(): string {
    return `GET ${requestedPath(this.#opts.baseUrl, this.#endpoint.shownPath)}`;
  }

  async fetchBalance(opts: FetchOptions = {}): Promise<BalanceReading> {
    const { signal, deadline, stopping } = opts;
    let lastError: UpstreamError | undefined;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted || (lastError && stopping?.aborted)) throw lastError ?? this.#abortedError();
      // The first attempt always gets the full REQUEST_TIMEOUT_MS; retries must end by the deadline (the next scheduled poll).
      const budget = Math.min(this.#opts.timeoutMs, deadline === undefined || attempt === 1 ? Infinity : deadline - this.#now());
      // A retry that cannot finish would only turn the real error (a 503, a refused connection) into a
      // "timeout": stop and report the real one instead.
      if (!(budget >= this.#minAttemptMs)) {
        throw lastError ?? new UpstreamError('timeout', `${this.#where()}: deadline passed before the request started`);
      }
      try {
        return await this.#attempt(budget, signal);
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err;
        // Stopping: a retry would hold the stop (REQUEST_TIMEOUT_MS more) and ask the API after SIGTERM.
        if (!err.retryable || attempt >= this.#maxAttempts || stopping?.aborted) throw err;
        lastError = err;
      }
      // A 5xx's Retry-After (maintenance announced) is waited for: retried sooner, a fleet's every poll of a
      // down API made 4 requests in 1.5 s. One past the backoff's 10 s ends the poll's retries.
      const asked = lastError.retryAfterMs ?? 0;
      if (asked > BACKOFF_MAX_MS) throw lastError;
      const wait = Math.max(backoffDelay(attempt, this.#random), asked);
      if (deadline !== undefined && this.#now() + wait + this.#minAttemptMs > deadline) throw lastError;
      const wake = eitherAborts(signal, stopping);
      try {
        await this.#sleep(wait, wake.signal);
      } catch {
        throw lastError; // the caller aborted the wait, or the daemon is stopping
      } finally {
        wake.clear();
      }
    }
  }

  async #attempt(budgetMs: number, callerSignal: AbortSignal | undefined): Promise<BalanceReading> {
    const ms = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(budgetMs)));
    // `timeout` in axios resets on every byte; this signal is a true deadline for the whole attempt (one that
    // survives garbage collection, unlike AbortSignal.any around AbortSignal.timeout: see src/deadline.ts).
    const limit = deadline(ms, callerSignal);
    const started = performance.now();
    const own = this.#endpoint.headers();
    // The HTTP client drops what a header cannot carry (a Cyrillic letter in a bearer key) and sends
    // another key: a 401 "check the key" for a key that looks right. Said here, before anything is sent.
    if (Object.values(own).some((v) => /[^\t\x20-\x7e]/.test(v))) {
      limit.clear();
      throw new UpstreamError('bad_request', `${this.#where()}: a credential sent in a request header holds a character other than printable ASCII, which a header cannot carry as written; ${this.#endpoint.hints.credentials}`);
    }
    let res: AxiosResponse<unknown>;
    try {
      res = await this.#http.request<unknown>({
        method: 'GET',
        url: this.#endpoint.path,
        signal: limit.signal,
        headers: {
          ...own,
          Accept: 'application/json',
          'User-Agent': this.#opts.userAgent,
        },
      });
    } catch (err) {
      const failure = this.#classify(err, callerSignal, ms);
      if (failure.code) this.#report(failure.code, started);
      if ('reading' in failure) return failure.reading;
      throw failure.error;
    } finally {
      limit.clear();
    }
    this.#report(String(res.status), started);
    return readAnswer(res, this.#answer);
  }

  #report(code: string, started: number): void {
    try {
      this.#opts.onAttempt?.(code, (performance.now() - started) / 1000);
    } catch {
      // A metrics callback must not turn a poll into a failure.
    }
  }

  /** Turns whatever axios threw into an UpstreamError, reading only its code and, of an answer whose body failed, status and headers (never config or URL). */
  #classify(err: unknown, callerSignal: AbortSignal | undefined, ms: number): Failure {
    const code = axios.isAxiosError(err) ? safeErrorCode(err) : undefined;
    const where = this.#where();

    if (callerSignal?.aborted) return { code: 'timeout', error: this.#abortedError() };
    // The server did answer: such an attempt counts under its status when the request still knows it.
    const res = axios.isAxiosError(err) ? (err.request as { res?: { statusCode?: unknown; headers?: unknown } } | undefined)?.res : undefined;
    const status = typeof res?.statusCode === 'number' ? res.statusCode : undefined;
    const answered = status === undefined ? 'network' : String(status);
    const overCap = code === 'ERR_BAD_RESPONSE' && axios.isAxiosError(err) && err.message.startsWith('maxContentLength');
    // zlib's (gzip, deflate: Z_DATA_ERROR...) and brotli's (ERR__ERROR_FORMAT_PADDING_1...): the body is not what
    // its Content-Encoding says. The server's answer, not the network's; asking again gets the same.
    const undecodable = code !== undefined && /^(?:Z_|ERR__ERROR_|ERR_BROTLI_)/.test(code);
    if (status !== undefined && status !== 200) {
      // Only a 200 needs its body read. Any other answer is judged by its status and headers, as if its body
      // were empty, however the body failed: a 401 with a 1.1 MB HTML page is still auth_failed, a 429 whose
      // body broke off still asks for its Retry-After (retried at once, it made 4 requests in 150 ms to an API
      // that asked for 10 min), a 503 with a broken gzip body is still retried, and Telephony.io's 402 is
      // still an empty wallet (its current_balance unknown, as when its body has none).
      const unread = overCap
        ? `over ${this.#maxBodyBytes} bytes`
        : undecodable
          ? `it cannot be decompressed (${code})`
          : code === 'ERR_CANCELED'
            ? `not complete within ${ms} ms`
            : `cut short (${code ?? 'no error code'})`;
      const headers = typeof res?.headers === 'object' && res.headers !== null ? res.headers : {};
      try {
        return { code: answered, reading: readAnswer({ status, headers, data: '' } as unknown as AxiosResponse<unknown>, this.#answer) };
      } catch (judged) {
        if (judged instanceof UpstreamError) {
          const { kind, status: st, retryable, retryAfterMs } = judged;
          return { code: answered, error: new UpstreamError(kind, `${judged.message}; its body was not read: ${unread}`, { status: st, retryable, retryAfterMs }) };
        }
        throw judged;
      }
    }
    if (code === 'ERR_CANCELED') {
      return {
        code: 'timeout',
        // A retry gets what is left of the poll's time (the next scheduled poll, or `check`'s few attempts): say so, or "within 184 ms" reads as a setting.
        error: new UpstreamError('timeout', `${where}: no complete answer within ${ms} ms${ms < this.#opts.timeoutMs ? ` (a retry, in the time left for this poll; REQUEST_TIMEOUT_MS is ${this.#opts.timeoutMs})` : ''}`, { retryable: true }),
      };
    }
    if (overCap) {
      return { code: answered, error: new UpstreamError('bad_response', `${where}: response body exceeded ${this.#maxBodyBytes} bytes`) };
    }
    if (undecodable && status !== undefined) {
      return { code: answered, error: new UpstreamError('bad_response', `${where}: HTTP ${status} with a body that cannot be decompressed (${code})`) };
    }
    if (code === 'ERR_INVALID_URL' || code === 'ERR_BAD_OPTION_VALUE' || code === 'ERR_BAD_OPTION') {
      // Nothing was sent: no attempt to count.
      return {
        code: null,
        error: new UpstreamError(
          'bad_request',
          `${where}: cannot build the request (${code}); ${this.#endpoint.hints.request}`,
        ),
      };
    }
    if (code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN') {
      return {
        code: null,
        error: new UpstreamError(
          'bad_request',
          `${where}: a request header holds characters HTTP does not allow (${code}); ${this.#endpoint.hints.credentials}`,
        ),
      };
    }
    // Refused, reset, DNS, a body cut short by the connection closing...: transient.
    return {
      code: 'network',
      error: new UpstreamError('network', `${where}: ${networkError(code)}`, { retryable: true }),
    };
  }

  #abortedError(): UpstreamError {
    return new UpstreamError('timeout', `${this.#where()}: aborted`);
  }
}
