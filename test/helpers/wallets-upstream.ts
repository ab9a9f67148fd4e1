/**
 * A tiny loopback upstream serving many wallets from one port, each with its own key, path and balance
 * (`GET /w/<name>/balance`, `Authorization: Bearer key-<name>`), plus a WALLETS_FILE writer for it.
 * Enough for fleet tests until the simulator is multi-tenant; it counts requests per wallet and the
 * most requests it ever had in flight at once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface UpstreamWallet {
  key: string;
  balance: number;
  /** Credits taken off after every answered request (a draining wallet). */
  drain: number;
  /** Answers used (first first) before the normal 200s: e.g. a 429 with Retry-After. */
  script: Array<{ status: number; headers?: Record<string, string>; body?: unknown }>;
  /** Epoch ms of every request received. */
  requests: number[];
  /** Milliseconds this wallet's answers wait (added to the upstream's delayMs). */
  delayMs: number;
  inFlight: number;
  maxInFlight: number;
}

export class WalletsUpstream {
  readonly wallets = new Map<string, UpstreamWallet>();
  #server: Server | undefined;
  url = '';
  inFlight = 0;
  maxInFlight = 0;
  /** Milliseconds each answer waits (to see concurrency). */
  delayMs = 0;
  /** Takes every request and answers none (an API that stops answering), until set back to false; close() ends them. */
  silent = false;
  /** Answers with `Connection: close`: every poll opens a new connection (a new file descriptor in the daemon). */
  closeAfterAnswer = false;

  add(name: string, balance: number, drain = 0): UpstreamWallet {
    const w: UpstreamWallet = { key: `key-${name}-NEVER_PRINT_ME`, balance, drain, script: [], requests: [], delayMs: 0, inFlight: 0, maxInFlight: 0 };
    this.wallets.set(name, w);
    return w;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const s = this.#server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  requestsOf(name: string): number {
    return this.wallets.get(name)?.requests.length ?? 0;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = /^\/w\/([^/]+)\/balance$/.exec(req.url ?? '')?.[1];
    const w = name === undefined ? undefined : this.wallets.get(decodeURIComponent(name));
    if (!w) return json(res, 404, { error: 'no such wallet' });
    w.requests.push(Date.now());
    if (req.headers.authorization !== `Bearer ${w.key}`) return json(res, 401, { error: 'invalid key' });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.silent) return void res.on('close', () => this.inFlight--);
    w.inFlight++;
    w.maxInFlight = Math.max(w.maxInFlight, w.inFlight);
    try {
      const delay = this.delayMs + w.delayMs;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const scripted = w.script.shift();
      const close: Record<string, string> = this.closeAfterAnswer ? { Connection: 'close' } : {};
      if (scripted) return json(res, scripted.status, scripted.body ?? {}, { ...close, ...scripted.headers });
      const balance = Math.round(w.balance * 100) / 100;
      w.balance -= w.drain;
      json(res, 200, { balance, currency: 'USD' }, close);
    } finally {
      this.inFlight--;
      w.inFlight--;
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Writes `dir/wallets.yaml` listing `names` of `upstream` (each key in its own file under `dir/keys/`);
 * `extra` adds YAML lines to a wallet (e.g. `low_balance_threshold: 5`). Returns the file's path.
 */
export function writeWalletsFile(dir: string, upstream: WalletsUpstream, names: string[], extra: Record<string, string[]> = {}, file = 'wallets.yaml'): string {
  mkdirSync(join(dir, 'keys'), { recursive: true });
  const lines = ['defaults:', `  api_url: ${upstream.url}`, '  runway_warning_hours: 72', 'wallets:'];
  for (const name of names) {
    const keyFile = join(dir, 'keys', name);
    writeFileSync(keyFile, `${upstream.wallets.get(name)!.key}\n`);
    lines.push(`  - name: ${name}`, `    balance_path: /w/${name}/balance`, `    api_key_file: ${keyFile}`, ...(extra[name] ?? []).map((l) => `    ${l}`));
  }
  const path = join(dir, file);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
