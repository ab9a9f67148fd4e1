/**
 * What WEB_CONFIG_FILE does to the listener: HTTPS instead of HTTP, a password (HTTP basic auth, bcrypt
 * hashes) on everything but the probes, and extra response headers. A wrapper around the request
 * handler, so the handler itself knows nothing of it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type RequestListener, type Server, type ServerOptions as HttpServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { bcryptCost, type WebConfig } from '../config/web-config.js';
import type { Logger } from '../log.js';
import { safeErrorCode } from '../errors.js';
import { BcryptWorker } from './bcrypt-worker.js';

/** Paths a probe must reach without a password (Kubernetes, Docker and load balancers send none). */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);
/** A cost-10 bcrypt hash of a random string nobody knows, when no user has a hash of a cost it can read. */
const DUMMY_HASH = '$2b$10$yMsJL19U0KO3o0AkSTSbBegV8awjHoXCVfOqMWhUtrfZTHTxaJ.Im';
/** Checks remembered, successful and failed (bcrypt costs ~100 ms; a scrape every 15 s must not). */
const CACHE_MAX = 1024;
/**
 * bcrypt checks run one at a time, off the event loop (bcrypt-worker.ts); beyond this many waiting the
 * answer is 503 at once. On the event loop, 80 wrong passwords at once held /healthz 5–8 s.
 */
const MAX_CHECKS_WAITING = 32;
/**
 * Checks one client address may have waiting: one client guessing 40 passwords at once took every place
 * above, and every login not cached yet (Prometheus after each restart) answered 503.
 */
const MAX_CHECKS_WAITING_PER_ADDRESS = 4;

/**
 * The connection carries a client certificate signed by client_ca. `authorized` alone is not enough: Node
 * reports a TLS 1.3 session resumed from a connection that sent no certificate as authorized (there is
 * nothing to verify on resumption), so a client refused once could resume its session and be let in.
 */
function certified(socket: TLSSocket): boolean {
  return socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0;
}

/**
 * A request target as path and query: `GET http://host/metrics` (the absolute form, RFC 9112 §3.2.2, which a
 * server must accept; some proxies send it) is `/metrics`, not a path of its own.
 */
export function originForm(target: string | undefined): string {
  if (target === undefined) return '/';
  if (!/^https?:\/\//i.test(target)) return target;
  try {
    const u = new URL(target);
    return `${u.pathname}${u.search}`;
  } catch {
    return target;
  }
}

/**
 * The HTTP or HTTPS server for `handler`, behind the web config's password when it sets one.
 * `handshakeTimeout` (HTTPS only): how long a connection may take to finish its TLS handshake. Node's own
 * 120 s let 256 connections that never sent a ClientHello take every place under the connection cap, and
 * refuse every probe, for two minutes; the caller passes its header timeout.
 */
export function createListener(web: WebConfig | undefined, handler: RequestListener, log: Logger, options: HttpServerOptions & { handshakeTimeout?: number } = {}): Server {
  const { handshakeTimeout, ...httpOptions } = options;
  if (!web) return createHttpServer(httpOptions, handler);
  const auth = web.users.size > 0 ? new BasicAuth(web.users) : undefined;
  const clientCertificates = web.tls?.clientCa !== undefined;
  const guarded: RequestListener = (req, res) => {
    for (const [name, value] of Object.entries(web.headers)) res.setHeader(name, value);
    const path = originForm(req.url).split('?', 1)[0] ?? '/';
    if (OPEN_PATHS.has(path)) return void handler(req, res);
    // Client certificates are asked for but checked here, per path: refused at the handshake, the probes
    // (a kubelet, Docker's HEALTHCHECK: no certificate) failed and the pod restarted in a loop.
    if (clientCertificates && !certified(req.socket as TLSSocket)) return void refuse(res, req.method, 403, 'a client certificate signed by client_ca is required\n');
    if (!auth) return void handler(req, res);
    auth.allows(req.headers.authorization, req.socket.remoteAddress ?? '').then(
      (verdict) => {
        if (verdict === 'allowed') return void handler(req, res);
        if (verdict === 'busy') return void refuse(res, req.method, 503, 'too many password checks at once; retry in a second\n', { 'Retry-After': '1' });
        refuse(res, req.method, 401, 'unauthorized\n', { 'WWW-Authenticate': 'Basic realm="wallet-sentinel", charset="UTF-8"' });
      },
      (err: unknown) => {
        log.error({ code: safeErrorCode(err) }, 'a password check could not run; answered 500');
        res.writeHead(500).end();
      },
    );
  };
  log.info({ web_config: web.file, tls: web.tls !== undefined, client_certificates: web.tls?.clientCa !== undefined, basic_auth_users: web.users.size }, 'web configuration in force');
  if (!web.tls) return createHttpServer(httpOptions, guarded);
  const { cert, key, clientCa, minVersion, maxVersion } = web.tls;
  return createHttpsServer(
    { ...httpOptions, ...(handshakeTimeout === undefined ? {} : { handshakeTimeout }), cert, key: key.reveal(), minVersion, maxVersion, ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: false } : {}) },
    guarded,
  );
}

function refuse(res: ServerResponse, method: string | undefined, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(method === 'HEAD' ? undefined : body);
}

export type Verdict = 'allowed' | 'refused' | 'busy';

/**
 * HTTP basic auth against bcrypt hashes. Answers are cached under a per-process keyed digest (failed ones
 * too: a scraper with a stale password must not cost a bcrypt check every scrape); checks run one at a time.
 */
export class BasicAuth {
  readonly #users: WebConfig['users'];
  readonly #compare: (password: string, hash: string) => Promise<boolean>;
  readonly #cacheKey = randomBytes(32);
  readonly #verified = new Set<string>();
  readonly #refused = new Set<string>();
  /**
   * One configured hash per distinct bcrypt cost. Every check compares the password once at each of these
   * costs (a known user's own hash standing in at its cost), so a refusal takes the same time for every
   * user, known or not: compared with the costliest hash alone, an unknown user took 540 ms where a known
   * user of cost 4 took 3 ms, which told the names apart whenever the users' costs differed.
   */
  readonly #byCost: ReadonlyMap<number | string, string>;
  #waiting = 0;
  readonly #waitingBy = new Map<string, number>();
  #last: Promise<unknown> = Promise.resolve();

  constructor(users: WebConfig['users'], compare = new BcryptWorker().compare) {
    this.#users = users;
    this.#compare = compare;
    this.#byCost = oneHashPerCost([...users.values()].map((h) => h.reveal()));
  }

  /** `address`: the client's; each may have MAX_CHECKS_WAITING_PER_ADDRESS checks waiting. */
  async allows(header: string | undefined, address = ''): Promise<Verdict> {
    const m = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? '');
    if (!m) return 'refused';
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'refused';
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = this.#users.get(user)?.reveal();
    // The digest is keyed with a random per-process key: a lookup's timing tells an attacker nothing,
    // and the cache holds no password. The hash is part of it, so a changed hash is never served stale.
    const digest = createHmac('sha256', this.#cacheKey).update(`${user}\0${password}\0${hash ?? ''}`).digest('base64');
    if (this.#verified.has(digest)) return 'allowed';
    if (this.#refused.has(digest)) return 'refused';
    const mine = this.#waitingBy.get(address) ?? 0;
    if (this.#waiting >= MAX_CHECKS_WAITING || mine >= MAX_CHECKS_WAITING_PER_ADDRESS) return 'busy';
    // bcrypt's comparison is constant-time; each check compares at every configured cost (see #byCost), the
    // answers of the stand-ins ignored, so it takes as long whoever the user is, an unknown one included.
    this.#waitingBy.set(address, mine + 1);
    try {
      const ok = (await this.#inTurn(() => this.#atEveryCost(password, hash))) && hash !== undefined;
      remember(ok ? this.#verified : this.#refused, digest);
      return ok ? 'allowed' : 'refused';
    } finally {
      const left = this.#waitingBy.get(address)! - 1;
      if (left === 0) this.#waitingBy.delete(address);
      else this.#waitingBy.set(address, left);
    }
  }

  /** The password compared once per configured cost: with `hash` at its own cost, a stand-in at the others. */
  async #atEveryCost(password: string, hash: string | undefined): Promise<boolean> {
    const own = hash === undefined ? undefined : costKey(hash);
    let ok = false;
    for (const [cost, standIn] of this.#byCost) {
      const mine = cost === own;
      const answer = await this.#compare(password, mine ? hash! : standIn);
      if (mine) ok = answer;
    }
    return ok;
  }

  /** Runs `check` after the checks before it. */
  async #inTurn(check: () => Promise<boolean>): Promise<boolean> {
    this.#waiting++;
    const turn = this.#last.then(check);
    this.#last = turn.catch(() => undefined);
    try {
      return await turn;
    } finally {
      this.#waiting--;
    }
  }
}

/** A hash's cost (`$2b$12$…` → 12); one bcryptjs cannot read (refused by the configuration) stands alone. */
const costKey = (hash: string): number | string => bcryptCost(hash) ?? hash;

/** The first hash of each cost, costliest first; a dummy when there is none. */
function oneHashPerCost(hashes: readonly string[]): ReadonlyMap<number | string, string> {
  const byCost = new Map<number | string, string>();
  for (const hash of hashes) if (!byCost.has(costKey(hash))) byCost.set(costKey(hash), hash);
  if (byCost.size === 0) byCost.set(costKey(DUMMY_HASH), DUMMY_HASH);
  const rank = (k: number | string) => (typeof k === 'number' ? k : -1);
  return new Map([...byCost].sort(([a], [b]) => rank(b) - rank(a)));
}

function remember(cache: Set<string>, digest: string): void {
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.add(digest);
}
