/** Typed errors: each says what went wrong in words safe to log, and whether a retry can help. */

/** Settings that are missing or invalid. `problems` holds one line per problem, each naming its variable. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Closed set of upstream failure kinds; safe as a log field or metric label. */
export const UPSTREAM_ERROR_KINDS = [
  'bad_request', // 400: our request is wrong (path, params)
  'auth', // 401/403: key missing, invalid or revoked
  'rate_limited', // 429
  'server', // 500, 502, 503, 504 (retried); any other 5xx and 408 (not retried within the poll)
  'timeout', // the request deadline passed
  'network', // connection refused, reset, DNS...
  'bad_response', // 200 whose body is not a usable balance
  'unexpected_status', // any other status (3xx included: redirects are not followed)
] as const;
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

/**
 * The longest upstream error message kept: it is logged at every failure, stored as the wallet's last error
 * and served on every status page and in /api/status, and parts of it come from the upstream's answer (a
 * DeepSeek list of 40,000 currencies made a 400 KB message). Longer ones are cut, saying how much.
 */
export const MAX_UPSTREAM_MESSAGE = 2_000;

const capped = (message: string): string => {
  if (message.length <= MAX_UPSTREAM_MESSAGE) return message;
  let cut = MAX_UPSTREAM_MESSAGE;
  if (/[\uD800-\uDBFF]/.test(message[cut - 1]!)) cut--; // not half a character
  return `${message.slice(0, cut)}… (${message.length - cut} more characters)`;
};

export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  readonly retryable: boolean;
  /** HTTP status, when there was a response. */
  readonly status: number | undefined;
  /** For 429: how long to wait before the next request, already clamped. */
  readonly retryAfterMs: number | undefined;
  constructor(
    kind: UpstreamErrorKind,
    message: string,
    opts: { retryable?: boolean; status?: number; retryAfterMs?: number } = {},
  ) {
    super(capped(message));
    this.name = 'UpstreamError';
    this.kind = kind;
    this.retryable = opts.retryable ?? false;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** Closed set of notification failure reasons; safe as a log field. */
export type NotifyFailureReason = 'timeout' | 'network' | 'rejected' | 'server' | 'rate_limited' | 'config' | 'aborted';

export class NotifyError extends Error {
  readonly retryable: boolean;
  readonly reason: NotifyFailureReason;
  /** Hint from the receiver (HTTP Retry-After), in ms. */
  readonly retryAfterMs: number | undefined;
  /** Email: every recipient that has the message now (others were deferred); the retry goes to the rest. */
  readonly reached: readonly string[] | undefined;
  /**
   * A final no that the channel's settings earn, whatever the notification (a refused login or certificate,
   * refused addresses, a webhook URL that is wrong or whose token was revoked): the delivery is kept for when
   * they are fixed. Default: a `config` failure. A final no to one notification's content (a 400 or 422, an
   * SMTP 5xx to its message) is not one: the channel would refuse it again, fixed or not.
   */
  readonly setting: boolean;
  constructor(reason: NotifyFailureReason, message: string, opts: { retryable: boolean; retryAfterMs?: number; reached?: readonly string[]; setting?: boolean }) {
    super(message);
    this.name = 'NotifyError';
    this.reason = reason;
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs;
    this.reached = opts.reached;
    this.setting = opts.setting ?? reason === 'config';
  }
}

/**
 * The error's code (ECONNREFUSED, ERR_CANCELED, EAUTH…) when it looks like one, else undefined: the only
 * part of a library's error (whose message, config or request may quote URLs and headers) we print.
 */
export function safeErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : undefined;
}

/** "network error (CODE)", with what a TLS code means and what fixes it ("network error (EPROTO)" alone did not say an https:// URL points at a plain-HTTP server). */
export function networkError(code: string | undefined): string {
  const hint = tlsHint(code);
  return `network error${code ? ` (${code})` : ''}${hint ? `: ${hint}` : ''}`;
}

function tlsHint(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  // EPROTO is what a plain-HTTP server's answer to a TLS hello gives, and an old TLS version too: both named
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') return 'the TLS handshake failed: the server does not speak TLS on that port (a plain-HTTP server?), or only a TLS version this client refuses';
  if (code.startsWith('ERR_SSL_')) return 'the TLS handshake failed: the server refused it (does it ask for a client certificate?)';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return "the server's certificate does not name the URL's host";
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return "the server's certificate is out of its validity dates (check both machines' clocks)";
  if (/SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)/.test(code)) return "the server's certificate is not signed by a CA this machine trusts (a private CA: NODE_EXTRA_CA_CERTS=/path/to/ca.pem)";
  return undefined;
}

/** A message safe to print for any thrown value (never the value's own properties, which may carry headers). */
export function describeError(err: unknown): string {
  if (err instanceof ConfigError || err instanceof UpstreamError || err instanceof NotifyError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
