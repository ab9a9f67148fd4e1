/** Starts the real built CLI (`node dist/main.js`) as a child process and talks to it over real sockets. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/main.js');

export function tempDir(prefix = 'ws-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Polls `check` until it returns a truthy value or the deadline passes, then throws naming `what` (a
 * function is called only then, so it can carry a process's output).
 */
export async function waitFor<T>(check: () => T | Promise<T>, what: string | (() => string), timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a child gets: nothing from ours but PATH and HOME, so a developer's settings never leak in. */
export function baseEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/**
 * Why a test cannot run the CLI as user `uid`, or undefined when it can. `ciMustRun`: what CI provides (root,
 * setpriv) is missing; else the checkout itself is out of that user's reach (a clone under root's 0700 home),
 * which no install step changes.
 */
export function cannotRunAsOtherUser(uid: number): { why: string; ciMustRun: boolean } | undefined {
  if (process.getuid?.() !== 0) return { why: 'needs root to run the daemon as another user', ciMustRun: true };
  if (!existsSync(SETPRIV)) return { why: 'needs setpriv (util-linux)', ciMustRun: true };
  const [cmd, args] = asUser(uid, process.execPath, ['-e', `require(${JSON.stringify(resolve(CLI, '../../node_modules/better-sqlite3'))}); require('fs').accessSync(${JSON.stringify(CLI)}, require('fs').constants.R_OK)`]);
  if (spawnSync(cmd, args, { cwd: '/', stdio: 'ignore' }).status !== 0) return { why: `the checkout (${resolve(CLI, '../..')}) is not readable by uid ${uid}`, ciMustRun: false };
  return undefined;
}

const SETPRIV = '/usr/bin/setpriv';

/** `cmd args`, as user and group `uid` with no other group when given (see cannotRunAsOtherUser). */
function asUser(uid: number | undefined, cmd: string, args: string[]): [string, string[]] {
  return uid === undefined ? [cmd, args] : [SETPRIV, [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', cmd, ...args]];
}

/**
 * Runs a CLI command to completion (check, test-alert, backtest, a start that must fail). `uid`: as that
 * user (cwd `/` unless given: the test's temporary folders are root's, 0700).
 */
export function runCli(args: string[], env: Record<string, string | undefined>, opts: { cwd?: string; timeoutMs?: number; nodeArgs?: string[]; uid?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const [cmd, argv] = asUser(opts.uid, process.execPath, [...(opts.nodeArgs ?? []), CLI, ...args]);
    const child = spawn(cmd, argv, { cwd: opts.cwd ?? (opts.uid === undefined ? tempDir() : '/'), env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wallet-sentinel ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 20_000} ms\n${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // 'exit' can come before the pipes drain
      setImmediate(() => resolvePromise({ code, stdout, stderr }));
    });
  });
}

export interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

export interface SpawnOptions {
  stateDir?: string;
  cwd?: string;
  nodeArgs?: string[];
  openFilesLimit?: number;
  uid?: number;
}

/** A running daemon. */
export class Daemon {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  port = 0;
  readonly exited: Promise<number | null>;

  private constructor(
    child: ChildProcess,
    readonly stateDir: string,
  ) {
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => child.on('exit', (code) => setImmediate(() => r(code))));
  }

  /**
   * Starts `wallet-sentinel start` and waits until it listens (METRICS_PORT=0: the log says which port).
   * `nodeArgs` go to node before the script (e.g. `--expose-gc`); `onSpawn` gets the process before it has started.
   * `uid`: as that user (see runCli).
   */
  static async start(env: Record<string, string | undefined>, opts: SpawnOptions & { onSpawn?: (child: ChildProcess) => void } = {}): Promise<Daemon> {
    const d = Daemon.spawn(env, opts);
    const { child } = d;
    opts.onSpawn?.(child);
    let started: LogLine;
    try {
      started = await waitFor(
        () => d.logs().find((l) => l.msg === 'wallet-sentinel started') ?? (child.exitCode !== null || child.signalCode !== null ? Promise.reject(new Error(`exited ${child.exitCode ?? child.signalCode}: ${d.stderr}`)) : undefined),
        'the daemon to start (it logs "wallet-sentinel started" at LOG_LEVEL info or debug)',
      );
    } catch (err) {
      d.kill(); // never leave a half-started daemon behind
      throw err;
    }
    d.port = Number(String(started.listen).split(':').at(-1));
    return d;
  }

  /** Spawns `wallet-sentinel start` as `start` does, without waiting for it to start (`port` stays 0). */
  static spawn(env: Record<string, string | undefined>, opts: SpawnOptions = {}): Daemon {
    const stateDir = opts.stateDir ?? tempDir('ws-state-');
    const argv = [...(opts.nodeArgs ?? []), CLI, 'start'];
    // `openFilesLimit`: a real, lower RLIMIT_NOFILE (soft and hard: node raises its soft limit to the hard one),
    // set by sh's ulimit, which needs no privilege to lower; exec keeps the pid.
    const [cmd, args] = opts.openFilesLimit === undefined ? asUser(opts.uid, process.execPath, argv) : asUser(opts.uid, '/bin/sh', ['-c', `ulimit -n ${opts.openFilesLimit} && exec "$0" "$@"`, process.execPath, ...argv]);
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? (opts.uid === undefined ? tempDir() : '/'),
      env: baseEnv({ METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', POLL_SCHEDULE: '* * * * * *', STATE_DIR: stateDir, LOG_LEVEL: 'debug', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Daemon(child, stateDir);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  logs(): LogLine[] {
    return this.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        const line = JSON.parse(l) as LogLine;
        // pino writes a key twice when a child's binding is given again (JSON.parse keeps the last); a line
        // that does not read back as written (a key written twice, an integer-like key JSON.parse moves first) fails
        assert.equal(JSON.stringify(line), l, `a log line that does not read back as written (a key written twice?): ${l}`);
        return line;
      });
  }

  async get(path: string): Promise<{ status: number; text: string; contentType: string | null }> {
    const res = await fetch(this.url + path);
    return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
  }

  async status(): Promise<StatusDoc['accounts'][number]> {
    const r = await this.get('/api/status');
    return (JSON.parse(r.text) as StatusDoc).accounts[0]!;
  }

  async metrics(): Promise<Map<string, number>> {
    return parseMetrics((await this.get('/metrics')).text);
  }

  /** The value of one series, e.g. `telephony_api_up{account="default"}`. */
  async metric(series: string): Promise<number | undefined> {
    return (await this.metrics()).get(series);
  }

  /** The exit code, or the signal that ended it; fails the test if the process is still running after `ms`. */
  async exit(ms = 30_000): Promise<number | NodeJS.Signals> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms:\n${this.stderr.slice(-3000)}`)), ms)));
    try {
      const code = await Promise.race([this.exited, late]);
      return code ?? this.child.signalCode!;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** Sends a signal and returns at once (SIGSTOP, SIGCONT: a daemon frozen and thawed). */
  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** Kill without ceremony (cleanup in t.after). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export interface StatusDoc {
  accounts: Array<{
    account: string;
    balance: number | null;
    currency: string | null;
    api_up: boolean;
    last_success_at: string | null;
    last_error: { kind: string; message: string } | null;
    consecutive_failures: number;
    rate_limited_until: string | null;
    exhausted: boolean;
    burn_rate_per_hour: Record<string, number | null>;
    runway_seconds: number | null;
    depletion_at: string | null;
    consumed_credits_total: number;
    topups_total: number;
    samples: number;
    alerts: Array<{ alertname: string; severity: string }>;
  }>;
}

/** Prometheus text → series (name plus labels, as printed) → value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    const v = line.slice(i + 1);
    out.set(line.slice(0, i), v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));
  }
  return out;
}
