import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, type Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { WebConfig } from '../config/web-config.js';
import type { Logger } from '../log.js';
import type { WalletRegistry } from '../metrics/registry.js';
import { route, serves, type WebDeps } from '../web/routes.js';
import { createListener, originForm } from './web-config.js';

/** How long requests in flight may still take once the server closes (a stop), before their connections are cut. */
const CLOSE_GRACE_MS = 5_000;
/**
 * A connection on which nothing moved for this long is cut, a response being written included: a client
 * that asks for /api/status or /metrics and never reads held its socket and the answer's buffered part for
 * good (200 such clients: +96 MiB). Between requests keep-alive's own 65 s applies.
 */
const STALL_TIMEOUT_MS = 60_000;
/**
 * Connections open at once; past it a new one is closed at accept. Scrapers, probes and browsers need a few
 * dozen: without a bound, ~1,000 clients that never finish their request took every file descriptor of a
 * 1024-limit process, and polls, state writes and /healthz failed with EMFILE.
 */
export const MAX_CONNECTIONS = 256;
/** A request's headers must arrive within this (Node's 60 s, checked every 30 s, let a slow client hold a socket for 90 s). */
const HEADERS_TIMEOUT_MS = 10_000;
/** Over HTTPS the TLS handshake gets the same 10 s (Node's default is 120 s: idle sockets held the connection cap for 2 min). */
const LISTENER_OPTIONS = { headersTimeout: HEADERS_TIMEOUT_MS, handshakeTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 30_000, connectionsCheckingInterval: 2_000 };

export interface HttpDeps {
  registry: WalletRegistry;
  healthy: () => boolean;
  ready: () => boolean;
  /** Why the daemon cannot do its job although the first poll finished (e.g. STATE_DIR not writable). */
  notReadyReason?: () => string | undefined;
  /** The /api/status JSON document, in parts (src/status.ts statusDocument). */
  status: () => AsyncGenerator<string>;
  log: Logger;
  /** WEB_CONFIG_FILE: TLS and a password in front of the handler (src/http/web-config.ts). */
  web?: WebConfig;
  /** The status page and its JSON API (src/web): `/`, `/wallets/…`, `/api/wallets…`, `/assets/…`. */
  pages?: WebDeps;
  /** Default STALL_TIMEOUT_MS (tests shorten it). */
  stallTimeoutMs?: number;
}

/**
 * /metrics, /healthz, /readyz, /api/status and the status page (src/web/routes.ts) on node:http. A scrape only reads what the poller set:
 * it never calls the upstream, so ten scrapers cost ten registry reads and zero API calls.
 */
export class HttpServer {
  #server: Server | undefined;

  constructor(private readonly d: HttpDeps) {}

  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = createListener(this.d.web, (req, res) => {
      if (!fewAtATime(req, res)) return;
      this.#handle(req, res).catch((err: unknown) => {
        this.d.log.error({ err: err instanceof Error ? err.message : String(err), path: req.url }, 'http handler failed');
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy();
      });
    }, this.d.log, LISTENER_OPTIONS);
    server.maxConnections = MAX_CONNECTIONS;
    // At the cap, connections idle between requests make room: 256 clients that asked once and kept their
    // connection held every new one (a kubelet's probe too) off for keep-alive's 65 s, and again each minute.
    server.on('drop', () => server.closeIdleConnections());
    server.keepAliveTimeout = 65_000; // longer than common scraper/proxy idle timeouts
    server.timeout = this.d.stallTimeoutMs ?? STALL_TIMEOUT_MS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenError(err, host, port)));
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    return server.address() as AddressInfo;
  }

  /**
   * Stops listening; idle connections close at once, requests in flight get CLOSE_GRACE_MS to finish. Then
   * every connection is cut: once closing, Node no longer times out a client that sent half a request
   * (its header and request timers stop with the listener), and the stop would wait for it forever.
   */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    let cut: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    });
    clearTimeout(cut);
  }

  /** The paths answered here rather than by the status page (src/web/routes.ts). */
  readonly #own = new Map<string, (res: ServerResponse) => Promise<void> | void>([
    ['/metrics', (res) => stream(res, this.d.registry.contentType, this.d.registry.parts())],
    ['/healthz', (res) => (this.d.healthy() ? send(res, 200, 'text/plain; charset=utf-8', 'ok\n') : send(res, 503, 'text/plain; charset=utf-8', 'scheduler not running\n'))],
    ['/readyz', (res) => {
      const why = this.d.ready() ? this.d.notReadyReason?.() : 'first poll not finished';
      return why === undefined ? send(res, 200, 'text/plain; charset=utf-8', 'ready\n') : send(res, 503, 'text/plain; charset=utf-8', `${why}\n`);
    }],
    ['/api/status', (res) => stream(res, 'application/json; charset=utf-8', this.d.status())],
  ]);

  #renders: Promise<unknown> = Promise.resolve();

  /**
   * Status page and JSON API answers are built one at a time, each after a turn of the event loop: built
   * in one go (a 500-row page of 2,000 wallets is ~100 ms of work), 30 asked at once held /healthz and the
   * polls for 3 s; now they wait for one build at most.
   */
  #inTurn<T>(build: () => T): Promise<T> {
    const turn = this.#renders.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(build);
    this.#renders = turn.catch(() => undefined);
    return turn;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = originForm(req.url);
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const own = this.#own.get(path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (!own && !(this.d.pages && serves(path))) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    if (own) return own(res);
    const pages = this.d.pages;
    const answer = pages && (await this.#inTurn(() => route(path, new URLSearchParams(q < 0 ? '' : url.slice(q + 1)), pages)));
    if (answer) return send(res, answer.status, answer.type, answer.body, answer.headers);
    return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
}

/** Requests being answered per connection (a pipelined one arrives before the answer to the one before ends). */
const answering = new WeakMap<object, number>();
/**
 * How many requests one connection may have waiting for their answers. Not 1: a keep-alive client's next
 * request can be read before Node has seen the answer to the one before it finish (over TLS especially).
 */
const MAX_PIPELINED = 4;

/**
 * HTTP pipelining is served only shallowly: a request that finds MAX_PIPELINED ones of its connection still
 * being answered gets a 503, and the connection closes after it. Node reads every pipelined request at once
 * and handed each to the handler: one client writing 2,000 `GET /metrics` on a few connections, never
 * reading, had them all built together (the event loop held 20–35 s, /healthz and the polls with it, the
 * memory from 93 to 300+ MB), and the work went on after it hung up. No scraper, probe or browser pipelines.
 */
function fewAtATime(req: IncomingMessage, res: ServerResponse): boolean {
  const socket = req.socket;
  const n = answering.get(socket) ?? 0;
  if (n >= MAX_PIPELINED) {
    res.shouldKeepAlive = false;
    send(res, 503, 'text/plain; charset=utf-8', 'too many requests at once on one connection: HTTP pipelining is not served\n');
    return false;
  }
  answering.set(socket, n + 1);
  res.once('close', () => answering.set(socket, (answering.get(socket) ?? 1) - 1));
  return true;
}

/** A ListenError that a setting fixes (METRICS_HOST that is no address of this machine or does not resolve, a port needing root): exit 78, not a crash to restart from. */
export function isListenSettingError(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null;
  return e?.name === 'ListenError' && (e.code === 'ENOTFOUND' || e.code === 'EADDRNOTAVAIL' || e.code === 'EACCES');
}

/** The listener's error in the words of the settings that fix it (the code kept for the curious). */
function listenError(err: Error, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE' ? `METRICS_PORT ${port} on ${host} is already in use (another process listens there: stop it or choose another METRICS_PORT)`
    : code === 'EACCES' ? `METRICS_PORT ${port} on ${host}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; choose another METRICS_PORT)`
    : code === 'EADDRNOTAVAIL' ? `METRICS_HOST ${host} is not an address of this machine (use 0.0.0.0, 127.0.0.1 or one of its addresses)`
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `METRICS_HOST ${host} cannot be resolved`
    : undefined;
  if (!why) return err;
  return Object.assign(new Error(`${why} [${code}]`), { name: 'ListenError', code });
}

/**
 * A 200 written part by part (chunked), waiting for the socket to drain between parts. A part that fails
 * after the head was sent ends the response broken (the scraper sees a failed scrape, never half a page as
 * a whole one); a scraper that goes away stops the parts.
 */
async function stream(res: ServerResponse, contentType: string, parts: AsyncGenerator<string>): Promise<void> {
  if (res.destroyed) return void (await parts.return(undefined)); // the client is gone: nothing is built
  const first = await parts.next(); // an error before the head still answers 500 (the caller's catch)
  // gzip when asked (Prometheus asks at every scrape): 10,000 wallets' /metrics is ~13 MB, the wire's share a tenth
  const gzip = acceptsGzip(res.req.headers['accept-encoding']);
  const coding: Record<string, string> = gzip ? { 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' } : { Vary: 'Accept-Encoding' };
  res.writeHead(200, ownHeaders(res, { 'Content-Type': contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...coding }));
  if (res.req.method === 'HEAD') return void (await parts.return(undefined), res.end());
  let out: Writable = res;
  if (gzip) {
    const z = createGzip({ level: 1 });
    pipeline(z, res, () => undefined); // a scraper that hung up destroys both; the loop below sees it
    out = z;
  }
  try {
    for (let part = first; !part.done; part = await parts.next()) {
      if (res.destroyed || out.destroyed) return void (await parts.return(undefined));
      if (!out.write(part.value)) await drainedOrClosed(out);
    }
    out.end();
  } catch (err) {
    out.destroy(err as Error);
    res.destroy(err as Error);
  }
}

/**
 * Whether an Accept-Encoding takes gzip: named, and not with q=0 (`gzip;q=0` refuses it). `*` is not read
 * as gzip: a client that names no coding gets the plain text it surely reads.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((item) => {
    const [coding = '', ...params] = item.split(';').map((x) => x.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return coding === 'gzip' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/** Resolves when the stream takes more, or is gone (a scraper that hung up never drains). */
function drainedOrClosed(res: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** The headers not already on `res`: one WEB_CONFIG_FILE set wins over the route's own (writeHead's would replace it). */
function ownHeaders(res: ServerResponse, headers: Record<string, string | number>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !res.hasHeader(name)));
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, ownHeaders(res, { 'Content-Type': contentType, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body), ...headers }));
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
