import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailSettings } from '../../config/settings.js';
import type { Notification } from '../../domain/alerts.js';
import { deadline } from '../../deadline.js';
import { NotifyError, safeErrorCode } from '../../errors.js';
import { SEND_TIMEOUT_MS, type Notifier } from '../notifier.js';
import { htmlBody, subject, textBody } from './render.js';

/** SMTP reply codes and error codes nodemailer reports that another attempt may fix. */
const TRANSIENT_CODES = new Set(['ETIMEDOUT', 'ECONNECTION', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED']);

/**
 * Email through nodemailer. Timeouts are seconds, not nodemailer's minutes, so a dead SMTP server
 * cannot hold a delivery; TLS is required for non-loopback servers unless SMTP_REQUIRE_TLS=false.
 */
export class EmailNotifier implements Notifier {
  readonly channel = 'email' as const;
  readonly key = 'email';
  readonly label: string;
  readonly #transport: Transporter;

  constructor(private readonly settings: EmailSettings) {
    let host = 'smtp';
    try {
      host = new URL(settings.smtpUrl.reveal()).host;
    } catch {
      // validated at load; the label just stays generic
    }
    this.label = `email (${host})`;
    this.#transport = nodemailer.createTransport({
      url: settings.smtpUrl.reveal(),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: SEND_TIMEOUT_MS,
      dnsTimeout: 5_000,
      requireTLS: settings.requireTls,
      logger: false,
      debug: false,
    });
  }

  async send(n: Notification, signal: AbortSignal): Promise<void> {
    const limit = deadline(SEND_TIMEOUT_MS * 2, signal);
    try {
      await this.#transport.sendMail({
        from: this.settings.from,
        to: [...this.settings.to],
        subject: subject(n),
        text: textBody(n),
        html: htmlBody(n),
        headers: { 'X-Wallet-Sentinel-Id': n.id },
        signal: limit.signal,
      });
    } catch (err) {
      throw classify(err, this.label, signal);
    } finally {
      limit.clear();
    }
  }

  close(): void {
    this.#transport.close();
  }
}

/** nodemailer's error → NotifyError, from its codes only (its messages can quote the server's lines). */
function classify(err: unknown, label: string, signal: AbortSignal): NotifyError {
  const e = (err ?? {}) as { responseCode?: unknown; name?: unknown };
  const code = safeErrorCode(err);
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (signal.aborted) return new NotifyError('aborted', `${label}: aborted`, { retryable: true });
  if (e.name === 'AbortError' || code === 'EABORT' || code === 'ABORT_ERR') return new NotifyError('timeout', `${label}: no answer in time`, { retryable: true });
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return new NotifyError('server', `${label}: the server answered ${responseCode} (temporary)`, { retryable: true });
  }
  if (responseCode !== undefined && responseCode >= 500) {
    return new NotifyError('rejected', `${label}: the server answered ${responseCode} (permanent); check ALERT_EMAIL_FROM / ALERT_EMAIL_TO`, { retryable: false });
  }
  if (code === 'EAUTH' || code === 'ENOAUTH') return new NotifyError('config', `${label}: authentication failed; check the user and password in SMTP_URL`, { retryable: false });
  if (code === 'ETLS') {
    return new NotifyError('config', `${label}: TLS failed or is not offered by the server; fix the server, use smtps://, or set SMTP_REQUIRE_TLS=false`, { retryable: false });
  }
  if (code === 'EENVELOPE') return new NotifyError('rejected', `${label}: the server refused the sender or recipients; check ALERT_EMAIL_FROM / ALERT_EMAIL_TO`, { retryable: false });
  if (code && TRANSIENT_CODES.has(code)) return new NotifyError('network', `${label}: ${code}`, { retryable: true });
  return new NotifyError('network', `${label}: send failed${code ? ` (${code})` : ''}`, { retryable: true });
}
