/**
 * A simulated Telephony.io wallet: a real HTTP server with a lazily computed, clock-driven balance,
 * scriptable failures (status, body, headers, delay, black hole, slow drip) and a small control API.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type BodyFormat = 'number' | 'string' | 'nested';
export const BODY_FORMATS: readonly BodyFormat[] = ['number', 'string', 'nested'];

export interface SimulatorOptions {
  host?: string;
  port?: number;
  apiKey?: string;
  balance?: number;
  currency?: string;
  burnPerHour?: number;
  topupEverySeconds?: number;
  topupAmount?: number;
  format?: BodyFormat;
  balancePath?: string;
  now?: () => number;
}

export interface ScriptedResponse {
  status?: number;
  body?: string | object;
  headers?: Record<string, string>;
  delayMs?: number;
  hang?: boolean;
  drip?: { intervalMs: number };
}

export interface RequestRecord {
  at: number;
  method: string;
  path: string;
  authorization: string | undefined;
  userAgent: string | undefined;
  served: number | 'hang' | 'drip';
}

const HOUR_MS = 3_600_000;
const round4 = (n: number): number => Math.round(n * 1e4) / 1e4;
const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};
const err = (res: ServerResponse, status: number, error: string, code: string): void => json(res, status, { error, code });

class BadInput extends Error {}

export class Simulator {
  readonly requests: RequestRecord[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly apiKey: string;
  private readonly currency: string;
  private readonly topupEveryMs: number;
  private readonly topupAmount: number;
  private readonly balancePath: string;
  private readonly now: () => number;
  private format: BodyFormat;
  private burnPerHour: number;
  private value: number; // balance as of `at`
  private at: number;
  private nextTopupAt: number; // Infinity when automatic top-ups are off
  private readonly queue: ScriptedResponse[] = [];
  private override: ScriptedResponse | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: Server | undefined;
  private baseUrl: string | undefined;

  constructor(opts: SimulatorOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? 0;
    this.apiKey = opts.apiKey ?? 'sim-key';
    this.currency = opts.currency ?? 'USD';
    this.topupEveryMs = (opts.topupEverySeconds ?? 0) * 1000;
    this.topupAmount = opts.topupAmount ?? 50;
    this.balancePath = opts.balancePath ?? '/v1/wallet/balance';
    this.now = opts.now ?? Date.now;
    this.format = opts.format ?? 'number';
    this.burnPerHour = opts.burnPerHour ?? 0;
    this.value = Math.max(0, opts.balance ?? 100);
    this.at = this.now();
    this.nextTopupAt = this.topupEveryMs > 0 ? this.at + this.topupEveryMs : Infinity;
  }

  async start(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { address, port } = server.address() as AddressInfo;
    this.baseUrl = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t); // clearTimeout also clears intervals
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.baseUrl = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('simulator not started');
    return this.baseUrl;
  }

  balance(): number {
    this.sync();
    return this.value;
  }
  setBalance(n: number): void {
    this.sync();
    this.value = Math.max(0, n);
  }
  topUp(amount: number): void {
    this.sync();
    this.value = Math.max(0, this.value + amount);
  }
  setBurnPerHour(n: number): void {
    this.sync();
    this.burnPerHour = n;
  }
  setFormat(f: BodyFormat): void {
    this.format = f;
  }
  enqueue(...r: ScriptedResponse[]): void {
    this.queue.push(...r);
  }
  setOverride(r: ScriptedResponse | null): void {
    this.override = r;
  }
  balanceRequests(): number {
    return this.requests.filter((r) => r.path === this.balancePath).length;
  }

  /** Bring `value` up to the clock: drain, interleaved with any automatic top-ups due since `at`. */
  private sync(): void {
    const now = this.now();
    if (now <= this.at) return; // a clock that goes back changes nothing
    while (this.nextTopupAt <= now) {
      this.drainTo(this.nextTopupAt);
      this.value += this.topupAmount;
      this.nextTopupAt += this.topupEveryMs;
    }
    this.drainTo(now);
  }
  private drainTo(t: number): void {
    this.value = Math.max(0, this.value - (this.burnPerHour * (t - this.at)) / HOUR_MS);
    this.at = t;
  }

  private balanceBody(): object {
    const b = this.balance();
    switch (this.format) {
      case 'number':
        return { balance: round4(b), currency: this.currency };
      case 'string':
        return { balance: b.toFixed(2), currency: this.currency };
      case 'nested':
        return { data: { attributes: { balance: b.toFixed(2), currency: this.currency } } };
    }
  }

  private defaultBody(status: number): object | undefined {
    switch (status) {
      case 200: return this.balanceBody();
      case 204: case 304: return undefined;
      case 400: return { error: 'Invalid request parameters', code: 'invalid_parameter' };
      case 401: return { error: 'Invalid API key', code: 'unauthorized' };
      case 402:
        return {
          error: 'Insufficient credits to complete this request',
          code: 'insufficient_balance',
          required_credits: 0.01,
          current_balance: round4(this.balance()),
        };
      case 404: return { error: 'Not found', code: 'not_found' };
      case 429: return { error: 'Rate limit exceeded', code: 'rate_limit_exceeded' };
      default: {
        const error = STATUS_CODES[status] ?? 'Error';
        return { error, code: status >= 500 ? 'internal_error' : error.toLowerCase().replace(/\W+/g, '_') };
      }
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    const rec: RequestRecord = {
      at: this.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
      served: 0,
    };
    this.requests.push(rec);
    res.on('finish', () => { if (rec.served === 0) rec.served = res.statusCode; });
    if (url.pathname === this.balancePath) {
      if (rec.method !== 'GET') return err(res, 405, 'Method not allowed', 'method_not_allowed');
      return this.serveBalance(req, res, rec);
    }
    if (url.pathname.startsWith('/_sim/')) {
      this.control(req, res, url).catch((e: unknown) => {
        if (res.headersSent) return void res.destroy();
        if (e instanceof BadInput) err(res, 400, e.message, 'invalid_parameter');
        else err(res, 500, String(e), 'internal_error');
      });
      return;
    }
    err(res, 404, 'Not found', 'not_found');
  }

  private serveBalance(req: IncomingMessage, res: ServerResponse, rec: RequestRecord): void {
    const authOk = req.headers.authorization === `Bearer ${this.apiKey}`;
    let script = this.override ?? this.queue[0];
    // Auth comes first, unless the script names its status explicitly (so a 401/429 can be scripted).
    if (script && script.status === undefined && !authOk) script = undefined;
    if (script && !this.override) this.queue.shift();
    if (!script && !authOk) script = { status: 401 };
    const s = script ?? {};
    if (s.hang) {
      rec.served = 'hang';
      return;
    }
    let status = s.status;
    let body = s.body;
    if (status === undefined && body === undefined) status = this.balance() > 0 ? 200 : 402;
    status ??= 200;
    body ??= this.defaultBody(status);
    const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const headers = { 'Content-Type': 'application/json', ...s.headers };
    rec.served = s.drip ? 'drip' : status;
    const send = (): void => {
      try {
        if (!s.drip) return void res.writeHead(status, headers).end(payload);
        res.writeHead(status, headers).flushHeaders();
      } catch {
        return void res.destroy(); // e.g. a scripted header with an invalid name or value
      }
      const iv = setInterval(() => res.write(' '), Math.max(1, s.drip.intervalMs));
      this.timers.add(iv);
      res.on('close', () => {
        clearInterval(iv);
        this.timers.delete(iv);
      });
    };
    if (s.delayMs && s.delayMs > 0) this.later(s.delayMs, send);
    else send();
  }

  private state(): object {
    return {
      balance: round4(this.balance()),
      currency: this.currency,
      burn_per_hour: this.burnPerHour,
      requests: this.balanceRequests(),
    };
  }

  private async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = url.pathname.slice('/_sim/'.length);
    const want = route === 'state' ? 'GET' : 'POST';
    if (!['state', 'topup', 'balance', 'burn', 'script'].includes(route)) return err(res, 404, 'Not found', 'not_found');
    if (req.method !== want) return err(res, 405, `Use ${want}`, 'method_not_allowed');
    const num = (name: string, dflt?: number): number => {
      const raw = url.searchParams.get(name);
      if (raw === null || raw === '') {
        if (dflt !== undefined) return dflt;
        throw new BadInput(`missing query parameter ${name}`);
      }
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) throw new BadInput(`${name} must be a non-negative number, got "${raw}"`);
      return n;
    };
    switch (route) {
      case 'topup': this.topUp(num('amount', this.topupAmount)); break;
      case 'balance': this.setBalance(num('value')); break;
      case 'burn': this.setBurnPerHour(num('per_hour')); break;
      case 'script': this.enqueue(...parseScript(await readBody(req))); break;
    }
    json(res, 200, this.state());
  }
}

async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new BadInput('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Validates a control-API script: a JSON array of {status?, body?, headers?, delayMs?}. */
function parseScript(text: string): ScriptedResponse[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new BadInput('body must be a JSON array of scripted responses');
  }
  if (!Array.isArray(data)) throw new BadInput('body must be a JSON array of scripted responses');
  return data.map((item: unknown, i): ScriptedResponse => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new BadInput(`[${i}] must be an object`);
    const o = item as Record<string, unknown>;
    const out: ScriptedResponse = {};
    if (o.status !== undefined) {
      if (!Number.isInteger(o.status) || (o.status as number) < 200 || (o.status as number) > 599) {
        throw new BadInput(`[${i}].status must be an HTTP status code`);
      }
      out.status = o.status as number;
    }
    if (o.body !== undefined) {
      if (typeof o.body !== 'string' && (typeof o.body !== 'object' || o.body === null)) {
        throw new BadInput(`[${i}].body must be a string or JSON value`);
      }
      out.body = o.body;
    }
    if (o.headers !== undefined) {
      const h = o.headers;
      if (typeof h !== 'object' || h === null || Array.isArray(h) || !Object.values(h).every((v) => typeof v === 'string')) {
        throw new BadInput(`[${i}].headers must be an object of strings`);
      }
      out.headers = h as Record<string, string>;
    }
    if (o.delayMs !== undefined) {
      if (typeof o.delayMs !== 'number' || !Number.isFinite(o.delayMs) || o.delayMs < 0) {
        throw new BadInput(`[${i}].delayMs must be a non-negative number`);
      }
      out.delayMs = o.delayMs;
    }
    return out;
  });
}
