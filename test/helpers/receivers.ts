/** Real receivers on loopback for the alert channels: an HTTP webhook endpoint and an SMTP server. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { simpleParser } from 'mailparser';
import type { TestContext } from 'node:test';
import { SMTPServer } from 'smtp-server';

export interface Received {
  at: number;
  /** The request's path (an Alertmanager stand-in is posted at /api/v2/alerts). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: Record<string, unknown>;
  /** The signature header verified against the secret (undefined when no secret was given). */
  verified: boolean | undefined;
}

/** Verifies `t=<unix>,v1=<hex>` over `<t>.<raw body>`, as a receiver would. */
export function verifySignature(secret: string, header: string | undefined, raw: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${raw}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

/** An HTTP receiver: records every POST; `answers` (status codes) are used first, then 200. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  readonly answers: number[] = [];
  #server: Server | undefined;
  url = '';

  constructor(private readonly secret?: string) {}

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const status = this.answers.shift() ?? 200;
        if (status >= 200 && status < 300) {
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(raw) as Record<string, unknown>;
          } catch {
            // kept raw
          }
          const sig = req.headers['x-wallet-sentinel-signature'];
          const verified = this.secret === undefined ? undefined : verifySignature(this.secret, typeof sig === 'string' ? sig : undefined, raw);
          this.received.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, raw, body, verified });
        }
        res.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
    return this.url;
  }

  /** Accepted notifications' bodies. */
  bodies(): Array<Record<string, unknown>> {
    return this.received.map((r) => r.body);
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}

export interface Mail {
  at: number;
  subject: string;
  text: string;
  html: string;
  to: string;
  /** The From header, and the envelope's sender (MAIL FROM). */
  from: string;
  mailFrom: string;
  /** The Message-ID header: the same at every attempt and restart for one notification (or one digest's content). */
  messageId: string;
}

/** A real SMTP server (smtp-server) that keeps what it accepts; `reject` answers the next N messages with a code. */
export class MailCatcher {
  readonly mails: Mail[] = [];
  rejectNext = 0;
  rejectCode = 421;
  attempts = 0;
  /** Logins tried, and the one password accepted when set (else any): a wrong one is answered 535. */
  logins = 0;
  password: string | undefined;
  port = 0;
  #server: SMTPServer;

  constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true, // loopback test server: AUTH without TLS
      disabledCommands: ['STARTTLS'],
      onAuth: (auth, _session, cb) => {
        this.logins++;
        if (this.password === undefined || auth.password === this.password) return cb(null, { user: 'alerts' });
        cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData: (stream, session, cb) => {
        this.attempts++;
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.rejectNext > 0) {
            this.rejectNext--;
            const err = Object.assign(new Error('Service not available, try again later'), { responseCode: this.rejectCode });
            cb(err);
            return;
          }
          void simpleParser(Buffer.concat(chunks)).then((m) => {
            const to = Array.isArray(m.to) ? m.to.map((a) => a.text).join(', ') : (m.to?.text ?? '');
            const mailFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
            this.mails.push({ at: Date.now(), subject: m.subject ?? '', text: m.text ?? '', html: typeof m.html === 'string' ? m.html : '', to, from: m.from?.text ?? '', mailFrom, messageId: m.messageId ?? '' });
            cb();
          }, cb);
        });
      },
      logger: false,
    });
    this.#server.on('error', () => undefined); // a client killed mid-session (ECONNRESET) is not the receiver's failure
  }

  async start(): Promise<number> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.port = (this.#server.server.address() as AddressInfo).port;
    return this.port;
  }

  url(user = 'alerts', password = 'pw'): string {
    return `smtp://${user}:${password}@127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

/** A started SMTP server and webhook receiver, closed when the test ends. */
export async function startReceivers(t: TestContext, webhookSecret?: string): Promise<{ mail: MailCatcher; hook: WebhookReceiver }> {
  const mail = new MailCatcher();
  await mail.start();
  t.after(() => mail.close());
  const hook = new WebhookReceiver(webhookSecret);
  await hook.start();
  t.after(() => hook.close());
  return { mail, hook };
}

/** A TCP server that accepts every connection and never answers: a receiver that hangs forever. */
export class BlackHole {
  connections = 0;
  readonly #sockets = new Set<Socket>();
  readonly #server = createTcpServer((socket) => {
    this.connections++;
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.resume(); // read and drop: the request is received, no answer is ever sent
  });
  url = '';

  async start(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
    return this.url;
  }

  /** Connections still held open. */
  get open(): number {
    return this.#sockets.size;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

/**
 * A Slack-like incoming webhook: accepts `{"text": "…"}` as Slack does (200 `ok`, text/plain), refuses a
 * body without text (400 `no_text`) or that is not JSON (400 `invalid_payload`); keeps the texts accepted.
 */
export class SlackReceiver {
  readonly texts: string[] = [];
  readonly refused: string[] = [];
  #server: Server | undefined;
  url = '';

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let text: unknown;
        try {
          text = (JSON.parse(raw) as { text?: unknown }).text;
        } catch {
          this.refused.push(raw);
          res.writeHead(400, { 'Content-Type': 'text/plain' }).end('invalid_payload');
          return;
        }
        if (typeof text !== 'string' || text === '') {
          this.refused.push(raw);
          res.writeHead(400, { 'Content-Type': 'text/plain' }).end('no_text');
          return;
        }
        this.texts.push(text);
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
    return this.url;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}

/**
 * A slow webhook on loopback (tests and bench:delivery): answers every POST after `delayMs`, with the status
 * `answer` picks from the body and how often that notification was seen before (default 200); keeps the
 * `<id>:<status>` of every accepted body in arrival order and the most requests it held at once.
 */
export class SlowWebhook {
  readonly accepted: string[] = [];
  maxInFlight = 0;
  url = '';
  #server: Server | undefined;
  #inFlight = 0;
  readonly #attempts = new Map<string, number>();

  constructor(
    private readonly delayMs: number,
    private readonly answer: (body: { id: string; status: string }, seen: number) => number = () => 200,
  ) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.maxInFlight = Math.max(this.maxInFlight, ++this.#inFlight);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; status: string };
        const key = `${body.id}:${body.status}`;
        const seen = this.#attempts.get(key) ?? 0;
        this.#attempts.set(key, seen + 1);
        setTimeout(() => {
          const status = this.answer(body, seen);
          if (status === 200) this.accepted.push(key);
          this.#inFlight--;
          res.writeHead(status).end();
        }, this.delayMs);
      });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    return this.url;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}
