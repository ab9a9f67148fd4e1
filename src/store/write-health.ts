import { safeErrorCode } from '../errors.js';
import { fdAdvice, isFdShortage } from '../fd-limit.js';
import type { Logger } from '../log.js';
import { MIGRATION_FAILED as UNMIGRATED } from './schema-version.js';
import { StoreWriteError } from './write-error.js';

/**
 * Whether the files in STATE_DIR can be written, judged by the last write of each file. Unhealthy while
 * any file's last write failed. Logs one line per change (unhealthy, then writable again), never one per
 * failed write, and tells `onChange` so a gauge and /readyz can follow.
 */
export class WriteHealth {
  /** File → error code of its last write (and which file and what to do, when the code does not say it), for files whose last write failed. */
  readonly #failing = new Map<string, { code: string; detail: string | undefined }>();

  constructor(
    private readonly d: { stateDir: string; log: Logger; onChange?: (healthy: boolean) => void; onFailure?: () => void },
  ) {}

  get healthy(): boolean {
    return this.#failing.size === 0;
  }

  /** Why writes fail (safe to show on /readyz: a path and an error code), or undefined while healthy. */
  get reason(): string | undefined {
    if (this.healthy) return undefined;
    const [file, { code, detail }] = [...this.#failing][0]!;
    return `cannot write STATE_DIR ${this.d.stateDir}: ${code} writing ${file}${why(code, detail)}`;
  }

  /** Runs one write of `file` and records its outcome; the write's rejection is passed on. */
  async track(file: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.#fail(file, safeErrorCode(err) ?? (err instanceof Error ? err.name : 'error'), err instanceof StoreWriteError ? err.detail : undefined);
      throw err;
    }
    this.#ok(file);
  }

  #fail(file: string, code: string, detail: string | undefined): void {
    const was = this.healthy;
    this.#failing.set(file, { code, detail });
    this.d.onFailure?.();
    if (!was) return;
    this.d.log.error(
      { stateDir: this.d.stateDir, file, code },
      isFdShortage(code)
        ? `cannot open ${file} (${code}): ${fdAdvice(code)}; alerts are still sent from memory, but what is owed would be lost on a restart; retrying`
        : code === UNMIGRATED
          ? `state database not written (${code}${why(code)}): alerts are still sent from memory, but what is owed would be lost on a restart`
          : `state directory not writable (${code}${why(code, detail)}): alerts are still sent from memory, but what is owed would be lost on a restart; retrying`,
    );
    this.d.onChange?.(false);
  }

  #ok(file: string): void {
    if (!this.#failing.delete(file) || !this.healthy) return;
    this.d.log.info({ stateDir: this.d.stateDir, file }, 'state directory writable again');
    this.d.onChange?.(true);
  }
}

/** Who refuses a write as EBUSY (SQLITE_BUSY, write-error.ts): no fault of the disk. Said on /readyz and in the log while running, and at start. */
const LOCK_HELD = 'another process holds a lock on the state database: a sqlite3 shell or a backup tool in a transaction?';

/** Words for a code that is no fault of the disk, or for a file that is not writable (`detail`), after it (empty for the others). */
function why(code: string, detail?: string): string {
  if (detail !== undefined) return ` (${detail})`; // "…: EACCES writing <db> (<db> is owned by uid 0 and not writable by uid 65534…)"
  if (code === UNMIGRATED) return " (this build could not migrate it to its schema: it is kept unchanged until a build that can, or the previous one, starts)";
  if (code === 'EBUSY') return ` (${LOCK_HELD})`;
  // the directory is fine: the database could not be opened for want of a descriptor (said as "not writable (EMFILE)" before)
  if (isFdShortage(code)) return ` (${fdAdvice(code)})`; // on /readyz: "…: EMFILE writing <file> (this process has no file descriptor left…)"
  return '';
}

/**
 * STATE_DIR cannot be written at start-up: the daemon refuses to run (exit 73, EX_CANTCREAT). A database
 * another process holds locked (EBUSY) is said as while running: it was "make it writable or point STATE_DIR
 * elsewhere", sending users to the disk's permissions while a sqlite3 shell sat in a transaction.
 */
export class StateDirError extends Error {
  constructor(
    readonly stateDir: string,
    readonly code: string,
    /** The file of STATE_DIR that failed, when it is not STATE_DIR itself. */
    readonly file?: string,
    /** Which file and what to do, when "make it writable" is not it (a file owned by another user: StoreWriteError's detail). */
    readonly detail?: string,
  ) {
    const why = detail ?? (code === 'EBUSY' ? `${LOCK_HELD} End its transaction, then start wallet-sentinel again` : undefined);
    super(`cannot write STATE_DIR ${stateDir} (${code}${file === undefined ? '' : ` on ${file}`}): ${why ?? 'wallet-sentinel keeps owed notifications and history there; make it writable or point STATE_DIR elsewhere'}`);
    this.name = 'StateDirError';
  }
}

/** Another running daemon holds STATE_DIR's lock: this one refuses to start (exit 75, EX_TEMPFAIL). */
export class StateDirBusyError extends Error {
  constructor(readonly stateDir: string) {
    super(
      `STATE_DIR ${stateDir} is in use by another running wallet-sentinel (it holds wallet-sentinel.lock): two daemons on one STATE_DIR poll and alert twice and overwrite each other's state; stop the other one or give this one its own STATE_DIR`,
    );
    this.name = 'StateDirBusyError';
  }
}
