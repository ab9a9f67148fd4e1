/**
 * What WEB_CONFIG_FILE does to the listener: HTTPS instead of HTTP, a password (HTTP basic auth, bcrypt
 * hashes) on everything but the probes, and extra response headers. A wrapper around the request
 * handler, so the handler itself knows nothing of it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import bcrypt from 'bcryptjs';
import type { WebConfig } from '../config/web-config.js';
import type { Logger } from '../log.js';

/** Paths a probe must reach without a password (Kubernetes, Docker and load balancers send none). */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);
/** A cost-10 bcrypt hash of a random string nobody knows: unknown users cost as much time as known ones. */
const DUMMY_HASH = '$2b$10$yMsJL19U0KO3o0AkSTSbBegV8awjHoXCVfOqMWhUtrfZTHTxaJ.Im';
/** Successful checks remembered (bcrypt costs ~100 ms; a scrape every 15 s must not). */
const CACHE_MAX = 1024;

/**
 * The connection carries a client certificate signed by client_ca. `authorized` alone is not enough: Node
 * reports a TLS 1.3 session resumed from a connection that sent no certificate as authorized (there is
 * nothing to verify on resumption), so a client refused once could resume its session and be let in.
 */
function certified(socket: TLSSocket): boolean {
  return socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0;
}

/** The HTTP or HTTPS server for `handler`, behind the web config's password when it sets one. */
export function createListener(web: WebConfig | undefined, handler: RequestListener, log: Logger): Server {
  if (!web) return createHttpServer(handler);
  const auth = web.users.size > 0 ? new BasicAuth(web.users) : undefined;
  const clientCertificates = web.tls?.clientCa !== undefined;
  const guarded: RequestListener = (req, res) => {
    for (const [name, value] of Object.entries(web.headers)) res.setHeader(name, value);
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (OPEN_PATHS.has(path)) return void handler(req, res);
    // Client certificates are asked for but checked here, per path: refused at the handshake, the probes
    // (a kubelet, Docker's HEALTHCHECK: no certificate) failed and the pod restarted in a loop.
    if (clientCertificates && !certified(req.socket as TLSSocket)) return void refuse(res, req.method, 403, 'a client certificate signed by client_ca is required\n');
    if (!auth) return void handler(req, res);
    auth.allows(req.headers.authorization).then(
      (ok) => {
        if (ok) return void handler(req, res);
        refuse(res, req.method, 401, 'unauthorized\n', { 'WWW-Authenticate': 'Basic realm="wallet-sentinel", charset="UTF-8"' });
      },
      () => {
        res.writeHead(500).end();
      },
    );
  };
  log.info({ web_config: web.file, tls: web.tls !== undefined, client_certificates: web.tls?.clientCa !== undefined, basic_auth_users: web.users.size }, 'web configuration in force');
  if (!web.tls) return createHttpServer(guarded);
  const { cert, key, clientCa, minVersion, maxVersion } = web.tls;
  return createHttpsServer(
    { cert, key: key.reveal(), minVersion, maxVersion, ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: false } : {}) },
    guarded,
  );
}

function refuse(res: ServerResponse, method: string | undefined, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(method === 'HEAD' ? undefined : body);
}

/** HTTP basic auth against bcrypt hashes, with successful checks cached under a per-process keyed digest. */
export class BasicAuth {
  readonly #users: WebConfig['users'];
  readonly #cacheKey = randomBytes(32);
  readonly #verified = new Set<string>();

  constructor(users: WebConfig['users']) {
    this.#users = users;
  }

  async allows(header: string | undefined): Promise<boolean> {
    const m = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = this.#users.get(user)?.reveal();
    // The digest is keyed with a random per-process key: a lookup's timing tells an attacker nothing,
    // and the cache holds no password. The hash is part of it, so a changed hash is never served stale.
    const digest = createHmac('sha256', this.#cacheKey).update(`${user}\0${password}\0${hash ?? ''}`).digest('base64');
    if (hash !== undefined && this.#verified.has(digest)) return true;
    // bcrypt's comparison is constant-time; an unknown user is compared against a dummy hash so the
    // answer takes as long as for a known one.
    const ok = await bcrypt.compare(password, hash ?? DUMMY_HASH);
    if (!ok || hash === undefined) return false;
    if (this.#verified.size >= CACHE_MAX) this.#verified.clear();
    this.#verified.add(digest);
    return true;
  }

  /** For tests and the benchmark: how many successful checks are cached. */
  get cached(): number {
    return this.#verified.size;
  }
}
