import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { Transporter } from 'nodemailer';
import { transportUrl } from '../../config/fields.js';
import type { EmailSettings } from '../../config/settings.js';
import type { Notification } from '../../domain/alerts.js';
import { deadline } from '../../deadline.js';
import { classifySmtpError, SMTP_NAMES, type SmtpNames } from './classify.js';
import { NotifyError } from '../../errors.js';
import { notificationKey, SEND_TIMEOUT_MS, type Notifier } from '../notifier.js';
import { digestHtml, digestSubject, digestText, htmlBody, subject, textBody } from './render.js';

/**
 * Email through nodemailer. Timeouts are seconds, not nodemailer's minutes, so a dead SMTP server
 * cannot hold a delivery; TLS is required for non-loopback servers unless SMTP_REQUIRE_TLS=false.
 */
export class EmailNotifier implements Notifier {
  readonly channel = 'email' as const;
  readonly key: string;
  readonly label: string;
  /** `host:port` as dialled, for messages (never the user or password). */
  readonly #hostPort: string;
  /** The right-hand side of every Message-ID: ALERT_EMAIL_FROM's domain. */
  readonly #idDomain: string;
  /** Made at the first send (nodemailer is loaded then: configuration and `backtest` never need it). */
  #transport: Promise<Transporter> | undefined;
  /** Mails being sent, per transport (a closed one may still have some). */
  readonly #sending = new Map<Promise<Transporter>, number>();
  /** Transports closed while mails were being sent through them: closed when the last ends. */
  readonly #closing = new Set<Promise<Transporter>>();

  /**
   * `label` and `names`: a receiver's channel (`finance/email#1 (host)`, its own settings' names); the
   * environment's is `email (host)`, its settings SMTP_URL, ALERT_EMAIL_FROM / ALERT_EMAIL_TO.
   */
  constructor(
    private readonly settings: EmailSettings,
    key = 'email',
    label?: string,
    private readonly names: SmtpNames = SMTP_NAMES,
  ) {
    this.key = key;
    let host = 'smtp';
    let hostPort = 'the SMTP server';
    try {
      const url = new URL(settings.smtpUrl.reveal());
      host = url.host;
      // nodemailer's defaults when SMTP_URL names no port
      hostPort = `${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}`;
    } catch {
      // validated at load; the label just stays generic
    }
    this.label = label ?? `email (${host})`;
    this.#hostPort = hostPort;
    const at = /@([^\s<>@]+)>?\s*$/.exec(settings.from);
    this.#idDomain = (at && domainToASCII(at[1]!)) || 'wallet-sentinel.invalid';
  }

  async #open(): Promise<Transporter> {
    const nodemailer = (await import('nodemailer')).default;
    const settings = this.settings;
    return nodemailer.createTransport({
      url: transportUrl(settings.smtpUrl.reveal(), settings.requireTls),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: SEND_TIMEOUT_MS,
      dnsTimeout: 5_000,
      requireTLS: settings.requireTls,
      // SMTP_CA_FILE: the CA(s) that sign a private mail server's certificate, trusted instead of the public
      // ones (Node's `ca`, like curl's --cacert). Verification stays on: there is no "ignore the certificate".
      ...(settings.caPem ? { tls: { ca: settings.caPem } } : {}),
      logger: false,
      debug: false,
    });
  }

  /**
   * The Message-ID names the notification, the same at every attempt and after a restart, so a retry of
   * a message the server took before the connection dropped is one message to the mail client (nodemailer
   * makes a random one per attempt). An alert's messages refer to one root (its id and start), so a mail
   * client threads its start, escalation, repeats and resolve.
   */
  send(n: Notification, signal: AbortSignal, reached: readonly string[] = []): Promise<void> {
    const root = this.#msgId(`${n.id}:${n.startsAt}`);
    const thread = { inReplyTo: root, references: [root] };
    return this.#mail({ subject: subject(n), text: textBody(n), html: htmlBody(n), messageId: this.#msgId(notificationKey(n)), ...thread, headers: { 'X-Wallet-Sentinel-Id': n.id } }, signal, reached);
  }

  sendDigest(ns: readonly Notification[], signal: AbortSignal, reached: readonly string[] = []): Promise<void> {
    return this.#mail({ subject: digestSubject(ns), text: digestText(ns), html: digestHtml(ns), messageId: this.#msgId(ns.map(notificationKey).join('\n')), headers: {} }, signal, reached);
  }

  /** `<hash@domain of ALERT_EMAIL_FROM>`: hashed, so no label or account name goes into a header as is. */
  #msgId(key: string): string {
    return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${this.#idDomain}>`;
  }

  /**
   * One attempt, to the recipients not in `reached`. nodemailer fails only when EVERY recipient is refused:
   * one refused among several came back as success, so a greylisted on-call address never got the page and
   * nothing said so. A recipient deferred (4xx) makes the attempt fail, retryable, with everyone who has the
   * message now in the error's `reached` (the delivery keeps it, across restarts too); one refused for good
   * (5xx) fails it for good, naming how many got it.
   */
  async #mail(m: Mail, signal: AbortSignal, reached: readonly string[]): Promise<void> {
    const has = new Set(reached.map(mailboxKey));
    const to = this.settings.to.filter((a) => !has.has(mailboxKey(a)));
    if (to.length === 0) return; // every recipient took an earlier attempt (the list changed since)
    const limit = deadline(SEND_TIMEOUT_MS * 2, signal);
    let info: { accepted?: unknown; rejectedErrors?: unknown };
    const transport = (this.#transport ??= this.#open());
    this.#sending.set(transport, (this.#sending.get(transport) ?? 0) + 1);
    try {
      info = await (await transport).sendMail({ from: this.settings.from, to, ...m, signal: limit.signal });
    } catch (err) {
      throw classifySmtpError(err, { label: this.label, hostPort: this.#hostPort, names: this.names }, signal.aborted);
    } finally {
      limit.clear();
      this.#sent(transport);
    }
    const refused = Array.isArray(info.rejectedErrors) ? (info.rejectedErrors as { responseCode?: unknown }[]) : [];
    if (refused.length === 0) return;
    const codes = [...new Set(refused.map((e) => (typeof e.responseCode === 'number' ? e.responseCode : 0)))];
    const got = this.settings.to.length - refused.length;
    // nodemailer reports the envelope's spelling (domain lower-cased, IDN punycoded): kept as configured
    for (const a of Array.isArray(info.accepted) ? info.accepted : []) if (typeof a === 'string') has.add(mailboxKey(a));
    const now = [...new Set([...reached, ...this.settings.to.filter((a) => has.has(mailboxKey(a)))])];
    if (codes.some((c) => c < 500)) {
      throw new NotifyError('server', `${this.label}: the server deferred ${refused.length} of ${this.settings.to.length} recipients (${codes.join(', ')}, temporary): ${got} got it`, { retryable: true, reached: now });
    }
    // `reached`: those who got it are told, so the delivery is not kept for them (delivery.ts noteFailure)
    throw new NotifyError('rejected', `${this.label}: the server refused ${refused.length} of ${this.settings.to.length} recipients for good (${codes.join(', ')}): ${got} got it; check the addresses in ${this.names.recipients}`, { retryable: false, reached: now });
  }

  /**
   * Closes the transport (a reload replaced this sender; the stop) once the mails it is sending are done: a
   * pool (`SMTP_URL=…?pool=true`) closed under them failed each one (ECONNECTION, retried). A send after it
   * opens a new one (a resolve to the channel that took its firing).
   */
  close(): void {
    const transport = this.#transport;
    this.#transport = undefined;
    if (transport && !this.#sending.has(transport)) closeTransport(transport);
    else if (transport) this.#closing.add(transport);
  }

  /** A mail through `transport` ended: the last one of a transport closed meanwhile closes it. */
  #sent(transport: Promise<Transporter>): void {
    const left = (this.#sending.get(transport) ?? 1) - 1;
    if (left > 0) return void this.#sending.set(transport, left);
    this.#sending.delete(transport);
    if (this.#closing.delete(transport)) closeTransport(transport);
  }
}

function closeTransport(transport: Promise<Transporter>): void {
  void transport.then((t) => t.close(), () => undefined);
}

/** One message's parts, as nodemailer's sendMail takes them. */
interface Mail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly messageId: string;
  readonly inReplyTo?: string;
  readonly references?: string[];
  readonly headers: Record<string, string>;
}

/**
 * One mailbox however it is spelled: nodemailer's accepted list has the domain lower-cased and punycoded
 * (`Ops@Example.COM` comes back as `Ops@example.com`); compared as written, a recipient that took the
 * message was mailed again at the retry. Lower-cased whole, as the channel's destination is.
 */
function mailboxKey(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address.toLowerCase();
  const domain = address.slice(at + 1);
  return `${address.slice(0, at)}@${domainToASCII(domain) || domain}`.toLowerCase();
}
