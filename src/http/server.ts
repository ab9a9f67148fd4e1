import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';

export interface HttpDeps {
  registry: Registry;
  healthy: () => boolean;
  ready: () => boolean;
  /** Why the daemon cannot do its job although the first poll finished (e.g. STATE_DIR not writable). */
  notReadyReason?: () => string | undefined;
  status: () => unknown;
  log: Logger;
}

/**
 * /metrics, /healthz, /readyz and /api/status on node:http. A scrape only reads what the poller set:
 * it never calls the upstream, so ten scrapers cost ten registry reads and zero API calls.
 */
export class HttpServer {
  #server: Server | undefined;

  constructor(private readonly d: HttpDeps) {}

  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.d.log.error({ err: err instanceof Error ? err.message : String(err), path: req.url }, 'http handler failed');
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 65_000; // longer than common scraper/proxy idle timeouts
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    return server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    switch (path) {
      case '/metrics':
        return send(res, 200, this.d.registry.contentType, await this.d.registry.metrics());
      case '/healthz':
        return this.d.healthy() ? send(res, 200, 'text/plain; charset=utf-8', 'ok\n') : send(res, 503, 'text/plain; charset=utf-8', 'scheduler not running\n');
      case '/readyz': {
        const why = this.d.ready() ? this.d.notReadyReason?.() : 'first poll not finished';
        return why === undefined ? send(res, 200, 'text/plain; charset=utf-8', 'ready\n') : send(res, 503, 'text/plain; charset=utf-8', `${why}\n`);
      }
      case '/api/status':
        return send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(this.d.status(), null, 2)}\n`);
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', INDEX);
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const INDEX = `<!doctype html><title>wallet-sentinel</title><h1>wallet-sentinel</h1>
<ul><li><a href="/metrics">/metrics</a></li><li><a href="/api/status">/api/status</a></li><li><a href="/healthz">/healthz</a></li><li><a href="/readyz">/readyz</a></li></ul>
`;
