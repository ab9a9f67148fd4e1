import { NotifyError, safeErrorCode } from '../../errors.js';

/** What a message may say about the server: its label, and `host:port` as dialled (no user or password). */
export interface SmtpTarget {
  /** `email (host)`, or a receiver's `finance/email#1 (host)` */
  readonly label: string;
  /** `smtp.example.com:587`, the port nodemailer uses when SMTP_URL names none. */
  readonly hostPort: string;
  /** The settings a message tells to check (SMTP_NAMES for the environment's channel). */
  readonly names: SmtpNames;
}

/** Where the channel's server URL, addresses and TLS rule are set. */
export interface SmtpNames {
  readonly url: string;
  /** The sender and the recipients. */
  readonly addresses: string;
  /** The recipients alone. */
  readonly recipients: string;
  readonly noTls: string;
}

/** The environment's email channel. */
export const SMTP_NAMES: SmtpNames = { url: 'SMTP_URL', addresses: 'ALERT_EMAIL_FROM / ALERT_EMAIL_TO', recipients: 'ALERT_EMAIL_TO', noTls: 'set SMTP_REQUIRE_TLS=false' };

/** Error codes nodemailer (or the socket under it) reports that another attempt may fix. */
const TRANSIENT_CODES = new Set(['ETIMEDOUT', 'ECONNECTION', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

const TRUST_HINT = 'set SMTP_CA_FILE to the PEM file of the CA that signed it (a private mail server), or give the server a certificate from a public CA';

/** Node's TLS certificate error codes → why the certificate was refused, and what fixes it. */
const CERT_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: `the server's certificate is self-signed; ${TRUST_HINT}`,
  SELF_SIGNED_CERT_IN_CHAIN: `the server's certificate chain ends in a self-signed CA that is not trusted; ${TRUST_HINT}`,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: `the server's certificate is signed by a CA that is not trusted (or the server does not send its intermediate certificates); ${TRUST_HINT}`,
  UNABLE_TO_GET_ISSUER_CERT: `the issuer of the server's certificate is not trusted; ${TRUST_HINT}`,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: `the issuer of the server's certificate is not trusted; ${TRUST_HINT}`,
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate is not valid for the host name of the SMTP URL (hostname mismatch); use a host name the certificate names",
  CERT_HAS_EXPIRED: "the server's certificate has expired; the mail server needs a renewed certificate",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet (check the clocks of both machines)",
};

/**
 * nodemailer's error → NotifyError that names the setting to fix, from codes only (nodemailer's messages
 * can quote the server's lines). `aborted`: the caller's own signal fired.
 */
export function classifySmtpError(err: unknown, target: SmtpTarget, aborted: boolean): NotifyError {
  const { label, hostPort, names } = target;
  const e = (err ?? {}) as { responseCode?: unknown; name?: unknown; command?: unknown; originalCode?: unknown };
  const code = safeErrorCode(err);
  // For socket and TLS failures nodemailer's code is the generic ESOCKET/ETLS; the socket's own is here.
  const cause = safeErrorCode({ code: e.originalCode }) ?? code;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  // nodemailer's command names (`AUTH PLAIN`, `RCPT TO`, `CONN`): fixed words, never arguments.
  const command = typeof e.command === 'string' && /^[A-Z][A-Z -]{0,24}$/.test(e.command) ? e.command : '';
  const temporary = responseCode !== undefined && responseCode >= 400 && responseCode < 500;

  if (aborted) return new NotifyError('aborted', `${label}: aborted`, { retryable: true });
  if (e.name === 'AbortError' || code === 'EABORT' || code === 'ABORT_ERR') return new NotifyError('timeout', `${label}: no answer in time`, { retryable: true });

  // Authentication first: a 535 is a 5xx, but the fix is the login in SMTP_URL, not the addresses.
  if (((code === 'EAUTH' || code === 'ENOAUTH') && !temporary) || responseCode === 530 || responseCode === 534 || responseCode === 535) {
    const why =
      responseCode === 530 ? `the server requires a login (530); put the user and password in ${names.url} (smtp://user:password@host:port)`
      : responseCode === 534 ? `the server refused this login method (534); the provider may want an app password in ${names.url}`
      : code === 'ENOAUTH' ? `the server wants a login and ${names.url} has no user and password`
      : `authentication failed${responseCode ? ` (${responseCode})` : ''}; check the user and password in ${names.url}`;
    return new NotifyError('config', `${label}: ${why}`, { retryable: false });
  }

  // TLS: say why; a certificate problem does not go away by retrying.
  if (cause && CERT_REASONS[cause]) return new NotifyError('config', `${label}: TLS certificate refused (${cause}): ${CERT_REASONS[cause]}`, { retryable: false });
  if (cause && /^(CERT_|ERR_TLS_CERT|ERR_SSL_|ERR_TLS_|EPROTO$)/.test(cause)) {
    return new NotifyError(
      'config',
      `${label}: TLS handshake with ${hostPort} failed (${cause}); smtps:// expects TLS from the first byte (usually port 465), smtp:// uses STARTTLS (usually 587)`,
      { retryable: false },
    );
  }
  // A 454 to STARTTLS ("TLS not available due to temporary reason", RFC 3207) is the server's for now: retried.
  if (code === 'ETLS' && temporary) return new NotifyError('server', `${label}: the server answered ${responseCode} to STARTTLS (temporary)`, { retryable: true });
  if (code === 'ETLS') {
    return new NotifyError('config', `${label}: TLS failed or is not offered by the server; fix the server, use smtps://, or ${names.noTls}`, { retryable: false });
  }

  if (cause === 'ECONNREFUSED') return new NotifyError('network', `${label}: connection refused by ${hostPort}; is the mail server running, and is that its port?`, { retryable: true });
  if (cause === 'ENOTFOUND' || cause === 'EAI_AGAIN') return new NotifyError('network', `${label}: cannot resolve the host of ${hostPort} (${cause}); check ${names.url}`, { retryable: true });
  if (cause === 'ETIMEDOUT' || code === 'ETIMEDOUT') return new NotifyError('timeout', `${label}: ${hostPort} did not answer in time`, { retryable: true });

  if (temporary) {
    return new NotifyError('server', `${label}: the server answered ${responseCode} (temporary)`, { retryable: true });
  }
  if (code === 'EENVELOPE' || (responseCode !== undefined && /^(MAIL|RCPT)\b/i.test(command))) {
    return new NotifyError('rejected', `${label}: the server refused the sender or recipients${responseCode ? ` (${responseCode})` : ''}; check ${names.addresses}`, { retryable: false, setting: true });
  }
  if (responseCode !== undefined && responseCode >= 500) {
    return new NotifyError('rejected', `${label}: the server answered ${responseCode} (permanent) to ${command || 'the message'}`, { retryable: false });
  }
  if (cause && TRANSIENT_CODES.has(cause)) return new NotifyError('network', `${label}: network error talking to ${hostPort} (${cause})`, { retryable: true });
  return new NotifyError('network', `${label}: send failed${cause ? ` (${cause})` : ''}`, { retryable: true });
}
