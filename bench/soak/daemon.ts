/**
 * bench:soak's daemon under supervision: `node dist/main.js start` with its stdout and stderr appended to one log
 * file, every incarnation remembered (pid, when it was asked to stop and how, its exit), /healthz probed every
 * 500 ms with a 1 s deadline, and the windows in which it was down on purpose (signalled, not yet started again).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { httpGet, procFigures, ROOT, sleep } from '../fleet/procs.js';

export interface Incarnation {
  pid: number;
  spawnedAt: number;
  startedAt: number | null;
  /** Set when the bench signals it: the exit that follows is expected. */
  stopAsked: { at: number; signal: NodeJS.Signals } | null;
  exit: { at: number; code: number | null; signal: string | null } | null;
  rssWarmKiB: number | null;
  rssLastKiB: number | null;
}

export interface Probe {
  at: number;
  ok: boolean;
  ms: number;
  status: number;
}

export class Supervised {
  readonly incarnations: Incarnation[] = [];
  readonly probes: Probe[] = [];
  /** [from, to] windows in which the daemon was down on purpose (to = Infinity while still down). */
  readonly downWindows: Array<[number, number]> = [];
  #child: ChildProcess | undefined;
  #current: Incarnation | undefined;
  #log: WriteStream;
  #probing = false;
  #probeLoop: Promise<void> | undefined;
  #sampleLoop: Promise<void> | undefined;

  constructor(
    private readonly env: Record<string, string>,
    logFile: string,
    readonly base: string,
  ) {
    this.#log = createWriteStream(logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get current(): Incarnation | undefined {
    return this.#current;
  }

  /** Spawns an incarnation and waits (up to 60 s) for its "wallet-sentinel started" line. */
  async start(): Promise<Incarnation> {
    const spawnedAt = Date.now();
    if (this.downWindows.length === 0 || this.downWindows.at(-1)![1] !== Infinity) this.downWindows.push([spawnedAt, Infinity]);
    const child = spawn(process.execPath, [join(ROOT, 'dist/main.js'), 'start'], { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const inc: Incarnation = { pid: child.pid!, spawnedAt, startedAt: null, stopAsked: null, exit: null, rssWarmKiB: null, rssLastKiB: null };
    this.incarnations.push(inc);
    this.#child = child;
    this.#current = inc;
    let seen = '';
    const started = new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        this.#log.write(d);
        if (inc.startedAt === null) {
          seen = (seen + d.toString()).slice(-65536);
          if (seen.includes('"msg":"wallet-sentinel started"')) {
            inc.startedAt = Date.now();
            resolve();
          }
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code, signal) => {
        inc.exit = { at: Date.now(), code, signal };
        if (inc.startedAt === null) reject(new Error(`the daemon exited (${code ?? signal}) before it started: ${seen.slice(-2000)}`));
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the daemon did not start within 60 s')), 60_000)));
    try {
      await Promise.race([started, late]);
    } finally {
      clearTimeout(timer);
    }
    this.downWindows.at(-1)![1] = inc.startedAt!;
    return inc;
  }

  /** Signals the running incarnation as an expected stop, at once (synchronous: usable inside a receiver's handler). */
  askStop(signal: NodeJS.Signals): void {
    const inc = this.#current;
    if (!inc || !this.#child || inc.stopAsked) return;
    inc.rssLastKiB = this.rss() ?? inc.rssLastKiB;
    inc.stopAsked = { at: Date.now(), signal };
    this.downWindows.push([inc.stopAsked.at, Infinity]);
    if (inc.exit === null) this.#child.kill(signal);
  }

  /** Signals the running incarnation (an expected stop; a no-op if already asked) and waits for its exit. */
  async stop(signal: NodeJS.Signals): Promise<Incarnation['exit']> {
    const inc = this.#current;
    const child = this.#child;
    if (!inc || !child) return null;
    this.askStop(signal);
    await new Promise<void>((r) => (inc.exit ? r() : child.once('exit', () => r())));
    return inc.exit;
  }

  /** The running incarnation's RSS in KiB (undefined when none runs). */
  rss(): number | undefined {
    const inc = this.#current;
    if (!inc || inc.exit) return undefined;
    try {
      return procFigures(inc.pid).rssKiB;
    } catch {
      return undefined;
    }
  }

  /** On the bench's own exit (a crash of the bench included): no daemon left behind. */
  killNow(): void {
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  signal(signal: NodeJS.Signals): void {
    this.#child?.kill(signal);
  }

  /** An incarnation that exited without being asked: restarted, as a supervisor would, and kept for the report. */
  async superviseOnce(): Promise<void> {
    const inc = this.#current;
    if (inc && inc.exit && !inc.stopAsked) {
      this.downWindows.push([inc.exit.at, Infinity]);
      await this.start();
    }
  }

  startProbing(): void {
    this.#probing = true;
    this.#probeLoop = (async () => {
      while (this.#probing) {
        const at = Date.now();
        try {
          const r = await httpGet(`${this.base}/healthz`, 1000, {}, true);
          this.probes.push({ at, ok: r.status === 200 && r.ms < 1000, ms: r.ms, status: r.status });
        } catch {
          this.probes.push({ at, ok: false, ms: Date.now() - at, status: 0 });
        }
        await sleep(Math.max(0, 500 - (Date.now() - at)));
      }
    })();
    // RSS after warm-up (45 s after each start) and the last seen, per incarnation; and a supervisor's restart.
    this.#sampleLoop = (async () => {
      while (this.#probing) {
        const inc = this.#current;
        const rss = this.rss();
        if (inc && rss !== undefined) {
          if (inc.rssWarmKiB === null && inc.startedAt !== null && Date.now() - inc.startedAt >= 45_000) inc.rssWarmKiB = rss;
          inc.rssLastKiB = rss;
        }
        await this.superviseOnce().catch((e: unknown) => this.#log.write(`[bench] restart after an unexpected exit failed: ${String(e)}\n`));
        await sleep(1000);
      }
    })();
  }

  async stopProbing(): Promise<void> {
    this.#probing = false;
    await this.#probeLoop;
    await this.#sampleLoop;
  }

  async closeLog(): Promise<void> {
    await new Promise<void>((r) => this.#log.end(r));
  }

  /** Was `at` inside a window in which the daemon was down on purpose (with `graceMs` after it came back)? */
  deliberatelyDown(at: number, graceMs = 0): boolean {
    return this.downWindows.some(([a, b]) => at >= a && at <= b + graceMs);
  }
}
