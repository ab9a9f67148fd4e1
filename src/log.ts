import pino, { type Logger } from 'pino';
import type { LogLevel } from './config/settings.js';

export type { Logger };

/**
 * One JSON-lines logger on stderr (stdout belongs to `check` and `backtest` output). Secrets are
 * wrapped in Secret and print as `<secret>`; the redact paths are a second net for header-shaped fields.
 * Synchronous, so the last lines before an exit are not lost.
 */
export function createLogger(level: LogLevel | 'silent' = 'info'): Logger {
  return pino(
    {
      level,
      base: { service: 'wallet-sentinel' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['*.headers.authorization', '*.headers.Authorization', 'headers.authorization', 'headers.Authorization', 'config', '*.config', 'request', '*.request'],
        censor: '<redacted>',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * `parent.child(bindings)` made at its first line that the level lets through. A fleet has a logger per
 * wallet, and most of them never write anything above debug: a pino child costs ~400 bytes of heap (4 MiB
 * at 10,000 wallets), this stand-in ~50. Whether a line is written is the parent's level at the time.
 */
class LazyChild {
  #child: Logger | undefined;
  readonly #parent: Logger;
  readonly #bindings: Record<string, unknown>;
  constructor(parent: Logger, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }
  get #real(): Logger {
    return (this.#child ??= this.#parent.child(this.#bindings));
  }
  #write(level: Level, args: unknown[]): void {
    if (this.#parent.isLevelEnabled(level)) (this.#real[level] as (...a: unknown[]) => void)(...args);
  }
  fatal(...args: unknown[]): void {
    this.#write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#write('error', args);
  }
  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }
  info(...args: unknown[]): void {
    this.#write('info', args);
  }
  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#write('trace', args);
  }
  get level(): string {
    return this.#parent.level;
  }
  isLevelEnabled(level: string): boolean {
    return this.#parent.isLevelEnabled(level);
  }
  bindings(): Record<string, unknown> {
    return this.#real.bindings();
  }
  child(bindings: Record<string, unknown>): Logger {
    return this.#real.child(bindings);
  }
}

/** A child logger of `parent` with `bindings`, made only once it writes a line (see LazyChild). */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  return new LazyChild(parent, bindings) as unknown as Logger;
}
