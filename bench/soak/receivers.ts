/**
 * bench:soak's receivers, in the bench process on loopback: a webhook endpoint whose behaviour the fault timeline
 * switches (ok, 500, 429 with Retry-After, hang), and an SMTP server (smtp-server) that can be stopped (connections
 * refused) and started again on the same port. Both keep every message they ACCEPTED, raw, with the time.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { verifySignature } from '../../test/helpers/receivers.js';

export interface Hooked {
  at: number;
  raw: string;
  body: { id?: string; status?: string; severity?: string; alertname?: string; account?: string };
  /** X-Wallet-Sentinel-Notification: `<id>:<status>:<severity>:<decidedAt>`, the same at every attempt of one notification. */
  key: string;
  signed: boolean;
}

export type HookMode = 'ok' | '500' | '429' | 'hang';

export class SoakHook {
  readonly accepted: Hooked[] = [];
  attempts = 0;
  refused = 0;
  mode: HookMode = 'ok';
  /** Called with every accepted notification, after it was recorded and before the answer goes out. */
  onAccept: ((h: Hooked) => void) | undefined;
  url = '';
  #server: Server | undefined;
  readonly #hung = new Set<ServerResponse>();

  /** `token`: the secret path segment of the URL (a webhook URL is a credential). */
  constructor(
    readonly name: string,
    readonly secret: string,
    readonly token: string,
  ) {}

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.attempts++;
        if (req.url !== `/hook/${this.token}`) return void res.writeHead(404).end();
        if (this.mode === 'hang') {
          this.#hung.add(res);
          res.on('close', () => this.#hung.delete(res));
          return;
        }
        if (this.mode === '500' || this.mode === '429') {
          this.refused++;
          return void res.writeHead(Number(this.mode), this.mode === '429' ? { 'Retry-After': '10' } : {}).end('{}');
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: Hooked['body'] = {};
        try {
          body = JSON.parse(raw) as Hooked['body'];
        } catch {
          // kept raw; a check counts bodies without an id
        }
        const sig = req.headers['x-wallet-sentinel-signature'];
        const key = req.headers['x-wallet-sentinel-notification'];
        const h: Hooked = { at: Date.now(), raw, body, key: typeof key === 'string' ? key : '', signed: verifySignature(this.secret, typeof sig === 'string' ? sig : undefined, raw) };
        this.accepted.push(h);
        this.onAccept?.(h);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    this.#server.keepAliveTimeout = 5000;
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook/${this.token}`;
    return this.url;
  }

  /** Requests held open by the hang mode. */
  get hung(): number {
    return this.#hung.size;
  }

  async close(): Promise<void> {
    for (const r of this.#hung) r.destroy();
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}

export interface Mailed {
  at: number;
  subject: string;
  text: string;
  html: string;
  to: string;
  messageId: string;
  /** X-Wallet-Sentinel-Id: set on single notifications, absent on digests. */
  alertId: string;
  raw: string;
}

/** A real SMTP server requiring AUTH with the given password; stop() refuses connections until start() again. */
export class SoakMail {
  readonly mails: Mailed[] = [];
  authFailures = 0;
  port = 0;
  #server: SMTPServer | undefined;

  constructor(
    private readonly user: string,
    private readonly password: string,
  ) {}

  async start(): Promise<number> {
    const server = new SMTPServer({
      allowInsecureAuth: true, // loopback bench server: AUTH without TLS
      disabledCommands: ['STARTTLS'],
      closeTimeout: 1000,
      logger: false,
      onAuth: (auth, _session, cb) => {
        if (auth.username === this.user && auth.password === this.password) return cb(null, { user: auth.username });
        this.authFailures++;
        cb(new Error('Invalid username or password'));
      },
      onData: (stream, _session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          void simpleParser(raw).then((m) => {
            const to = Array.isArray(m.to) ? m.to.map((a) => a.text).join(', ') : (m.to?.text ?? '');
            const id = m.headers.get('x-wallet-sentinel-id');
            this.mails.push({ at: Date.now(), subject: m.subject ?? '', text: m.text ?? '', html: typeof m.html === 'string' ? m.html : '', to, messageId: m.messageId ?? '', alertId: typeof id === 'string' ? id : '', raw: raw.toString('utf8') });
            cb();
          }, cb);
        });
      },
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.server.address() as AddressInfo).port;
    this.#server = server;
    return this.port;
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}
