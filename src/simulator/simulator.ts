/**
 * A simulated Telephony.io API: one real HTTP server serving any number of wallets, each with its own
 * key, path, lazily computed clock-driven balance, drain and top-ups, and scriptable failures (status,
 * body, headers, delay, black hole, slow drip: src/simulator/script.ts), plus a small control API under
 * /_sim/ that scripts all of them. A scripted Telephony.io 429 without a Retry-After gets one (60 s: reply.ts).
 *
 * Requests are routed by exact path (a Map: O(1) however many wallets) and checked against that wallet's
 * key: a missing or unknown key is a 401, another wallet's key a 403 (the daemon treats both as an auth
 * failure), an empty wallet a 402.
 *
 * Constructed with the single-wallet options (apiKey, balance, …) it serves one wallet named `default` on
 * `balancePath`, as it always did; with `wallets` it serves those instead. The single-wallet methods
 * (`balance()`, `enqueue()`, …) and control routes (`/_sim/state`, …) act on the first wallet; `wallet(name)`
 * and `/_sim/wallets/<name>/…` reach any wallet.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { control, err } from './control.js';
import { MAX_WALLETS } from './fleet.js';
import { AmountError } from './limits.js';
import { serveBalance } from './reply.js';
import { BadInput } from './script.js';
import { Wallet, type BodyFormat, type ScriptedResponse, type WalletSpec } from './wallet.js';

export type { DrainShape } from './drain.js';
export { BODY_FORMATS, Wallet, type BodyFormat, type ScriptedResponse, type WalletSpec } from './wallet.js';

/** The single wallet's fields are a WalletSpec's (its path is `balancePath`, its name the default one). */
export interface SimulatorOptions extends Partial<Omit<WalletSpec, 'name' | 'path'>> {
  host?: string;
  port?: number;
  balancePath?: string;
  /** Serve these wallets instead of the single one the options above describe. */
  wallets?: WalletSpec[];
  /** Keep every request in `requests` (default true; a long-running fleet turns it off and uses counts). */
  keepRequests?: boolean;
  /** Called once per request when its response is over (finished, or the connection closed). */
  onRequest?: (rec: RequestRecord) => void;
  now?: () => number;
}

export interface RequestRecord {
  at: number;
  method: string;
  path: string;
  /** The wallet whose path was asked for, or null (control API, unknown path). */
  wallet: string | null;
  authorization: string | undefined;
  userAgent: string | undefined;
  served: number | 'hang' | 'drip';
}

export class Simulator {
  readonly requests: RequestRecord[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly now: () => number;
  private readonly keepRequests: boolean;
  private readonly onRequest: ((rec: RequestRecord) => void) | undefined;
  private readonly byPath = new Map<string, Wallet>();
  private readonly byName = new Map<string, Wallet>();
  /** A canonical auth string (`Bearer <key>`…) → how many wallets use it: tells another wallet's key (403) from an unknown one (401). */
  private readonly knownAuth = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: Server | undefined;
  private baseUrl: string | undefined;

  constructor(opts: SimulatorOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? 0;
    this.now = opts.now ?? Date.now;
    this.keepRequests = opts.keepRequests ?? true;
    this.onRequest = opts.onRequest;
    this.addWallets(
      opts.wallets ?? [
        {
          name: 'default',
          path: opts.balancePath ?? '/v1/wallet/balance',
          apiKey: opts.apiKey ?? 'sim-key',
          balance: opts.balance ?? 100,
          currency: opts.currency ?? 'USD',
          burnPerHour: opts.burnPerHour ?? 0,
          shape: opts.shape ?? { kind: 'constant' },
          topupEverySeconds: opts.topupEverySeconds ?? 0,
          topupAmount: opts.topupAmount ?? 50,
          format: opts.format ?? 'number',
        },
      ],
    );
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

  // ---- the fleet --------------------------------------------------------------------------------------

  /** Adds wallets (all or none: a duplicate name or path, a bad spec or more than MAX_WALLETS in all throws before any is added). */
  addWallets(specs: readonly WalletSpec[]): Wallet[] {
    if (this.byName.size + specs.length > MAX_WALLETS) throw new Error(`${this.byName.size + specs.length} wallets, more than the simulator's maximum ${MAX_WALLETS}`);
    const made = specs.map((s) => new Wallet(s, this.now));
    const names = new Set<string>();
    const paths = new Set<string>();
    for (const w of made) {
      if (this.byName.has(w.name) || names.has(w.name)) throw new Error(`duplicate wallet name ${w.name}`);
      if (this.byPath.has(w.path) || paths.has(w.path)) throw new Error(`wallet ${w.name}: path ${w.path} is already served`);
      names.add(w.name);
      paths.add(w.path);
    }
    for (const w of made) {
      this.byName.set(w.name, w);
      this.byPath.set(w.path, w);
      this.countAuth(w.expectedAuth, +1);
    }
    return made;
  }
  removeWallet(name: string): boolean {
    const w = this.byName.get(name);
    if (!w) return false;
    this.byName.delete(name);
    this.byPath.delete(w.path);
    this.countAuth(w.expectedAuth, -1);
    return true;
  }
  wallet(name: string): Wallet {
    const w = this.byName.get(name);
    if (!w) throw new Error(`no wallet named ${name}`);
    return w;
  }
  find(name: string): Wallet | undefined {
    return this.byName.get(name);
  }
  wallets(): IterableIterator<Wallet> {
    return this.byName.values();
  }
  get size(): number {
    return this.byName.size;
  }
  /** Rotates a wallet's key (the secret its provider checks: Wallet.setApiKey): the old credentials get a 401 from now on. */
  setApiKey(name: string, key: string): void {
    const w = this.wallet(name);
    this.countAuth(w.expectedAuth, -1);
    w.setApiKey(key);
    this.countAuth(w.expectedAuth, +1);
  }
  private countAuth(auth: string, delta: number): void {
    const n = (this.knownAuth.get(auth) ?? 0) + delta;
    if (n > 0) this.knownAuth.set(auth, n);
    else this.knownAuth.delete(auth);
  }

  // ---- the single-wallet interface: the first wallet ---------------------------------------------------

  /** The first wallet: the one the single-wallet methods and `/_sim/<route>` act on. */
  get first(): Wallet | undefined {
    return this.byName.values().next().value;
  }
  private get primary(): Wallet {
    const w = this.first;
    if (!w) throw new Error('the simulator serves no wallet');
    return w;
  }
  balance(): number {
    return this.primary.balance();
  }
  setBalance(n: number): void {
    this.primary.setBalance(n);
  }
  topUp(amount: number): void {
    this.primary.topUp(amount);
  }
  setBurnPerHour(n: number): void {
    this.primary.setBurnPerHour(n);
  }
  setFormat(f: BodyFormat): void {
    this.primary.format = f;
  }
  enqueue(...r: ScriptedResponse[]): void {
    this.primary.enqueue(...r);
  }
  setOverride(r: ScriptedResponse | null): void {
    this.primary.setOverride(r);
  }
  balanceRequests(): number {
    return this.primary.requests;
  }

  // ---- serving -----------------------------------------------------------------------------------------

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const wallet = this.byPath.get(path);
    const rec: RequestRecord = {
      at: this.now(),
      method: req.method ?? 'GET',
      path,
      wallet: wallet?.name ?? null,
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
      served: 0,
    };
    if (this.keepRequests) this.requests.push(rec);
    if (this.keepRequests || this.onRequest) {
      res.on('finish', () => { if (rec.served === 0) rec.served = res.statusCode; });
      if (this.onRequest) res.once('close', () => this.onRequest!(rec));
    }
    if (wallet) {
      wallet.requests++;
      if (rec.method !== 'GET') return err(res, 405, 'Method not allowed', 'method_not_allowed');
      return serveBalance(wallet, req, res, rec, { knownAuth: this.knownAuth, timers: this.timers });
    }
    if (path.startsWith('/_sim/')) {
      control(this, req, res, path.slice('/_sim/'.length), new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))).catch((e: unknown) => {
        if (res.headersSent) return void res.destroy();
        // a wallet refuses an amount past MAX_AMOUNT (a balance a top-up would take there too): AmountError
        if (e instanceof BadInput || e instanceof AmountError) err(res, 400, e.message, 'invalid_parameter');
        else err(res, 500, String(e), 'internal_error');
      });
      return;
    }
    err(res, 404, 'Not found', 'not_found');
  }
}
