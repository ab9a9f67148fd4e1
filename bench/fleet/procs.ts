/** bench:fleet's processes: the simulator and the daemon as separate children, their /proc figures, HTTP probes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { createServer } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { cpuMsFromStat, rssKiBFromStatus, writeBytesFromIo } from './analysis.js';

export const ROOT = join(import.meta.dirname, '../..');
const CLK_TCK = 100; // Linux's USER_HZ on every architecture Node supports

export interface ProcFigures {
  cpuMs: number;
  rssKiB: number;
  writeBytes: number;
}
export function procFigures(pid: number): ProcFigures {
  return {
    cpuMs: cpuMsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), CLK_TCK),
    rssKiB: rssKiBFromStatus(readFileSync(`/proc/${pid}/status`, 'utf8')),
    writeBytes: writeBytesFromIo(readFileSync(`/proc/${pid}/io`, 'utf8')),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs: number, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A child whose stderr is kept only as a tail (a daemon at LOG_LEVEL=info logs a line per poll). */
export class Child {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  private tail = '';
  private head = '';
  /** `stdoutFile`: where the child's stdout goes (dropped without one). */
  constructor(args: string[], env: Record<string, string>, stdoutFile?: string) {
    const stdout = stdoutFile === undefined ? 'ignore' : openSync(stdoutFile, 'a');
    this.proc = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k === 'LD_PRELOAD' || k.startsWith('FAKETIME'))), ...env }, stdio: ['ignore', stdout, 'pipe'] });
    if (typeof stdout === 'number') closeSync(stdout);
    this.proc.stderr!.on('data', (d: Buffer) => {
      const s = d.toString();
      if (this.head.length < 8192) this.head += s.slice(0, 8192 - this.head.length);
      this.tail = (this.tail + s).slice(-8192);
    });
    this.exited = new Promise((r) => this.proc.on('exit', (code) => r(code)));
  }
  get pid(): number {
    return this.proc.pid!;
  }
  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }
  /** The first and last 8 KiB of stderr. */
  output(): string {
    return this.head.length < 8192 ? this.head : `${this.head}\n…\n${this.tail}`;
  }
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.proc.kill(signal);
    return this.exited;
  }
}

/** Starts `node dist/simulator/main.js` with the given flags on a free port; resolves with its URL. */
export async function startSimulator(flags: string[]): Promise<{ child: Child; url: string }> {
  const child = new Child([join(ROOT, 'dist/simulator/main.js'), '--port', '0', ...flags], {});
  const url = await until(() => /listening on (http:\/\/\S+)/.exec(child.output())?.[1] ?? (child.running ? undefined : Promise.reject(new Error(child.output()))), 'the simulator to listen', 120_000);
  return { child, url };
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * GET on loopback with a deadline; resolves with status, body and the time it took (ms, wall clock, until the
 * last byte: a gzipped body's decompression is not in it), and `bytes`, the size on the wire.
 * `ownSocket`: a connection of its own, not one of the shared agent's 4 (many parallel requests would queue).
 */
export function httpGet(url: string, timeoutMs = 10_000, headers: Record<string, string> = {}, ownSocket = false): Promise<{ status: number; body: string; ms: number; bytes: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: ownSocket ? false : agent, headers, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = performance.now() - t0;
        const raw = Buffer.concat(chunks);
        try {
          const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          resolve({ status: res.statusCode ?? 0, body: body.toString('utf8'), ms, bytes: raw.length });
        } catch (err) {
          reject(err as Error);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A scrape as Prometheus makes it: it asks for gzip (the daemon compresses a page for such a client). */
export const scrape = (url: string, timeoutMs: number) => httpGet(url, timeoutMs, { 'Accept-Encoding': 'gzip' });
