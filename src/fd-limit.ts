/**
 * The process's open-files limit and what running out of it looks like. Node raises its soft limit to the
 * hard one at start, so what /proc/self/limits says once running is what the daemon has; a low hard limit
 * (a container started with `--ulimit nofile=256`, a unit with a small `LimitNOFILE=`) is what hurts.
 * Out of descriptors, a poll fails with EMFILE on every wallet at once, the state database cannot be opened,
 * and the listener closes connections at accept (/healthz unanswered): one cause, said as one.
 */
import { readFileSync } from 'node:fs';

/** The limit as read once: out of descriptors, /proc/self/limits cannot be opened to say it. */
let known: number | undefined;

/** The soft limit on open files (Linux), or undefined where it cannot be read or has no bound. */
export function openFilesLimit(text?: string): number | undefined {
  let limits = text;
  if (limits === undefined) {
    if (known !== undefined) return known;
    try {
      limits = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\S+)/m.exec(limits);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!Number.isInteger(n) || n <= 0) return undefined; // "unlimited"
  if (text === undefined) known = n;
  return n;
}

/** An error code meaning this process (EMFILE) or the whole system (ENFILE) has no file descriptor left. */
export const isFdShortage = (code: string | undefined): boolean => code === 'EMFILE' || code === 'ENFILE';

/** The same, found in a message that ends with the code in brackets (`network error (EMFILE)`). */
export const mentionsFdShortage = (message: string): string | undefined => /\((EMFILE|ENFILE)\)/.exec(message)?.[1];

/** What to do about it, with the limit when known. */
export function fdAdvice(code: string): string {
  const limit = openFilesLimit();
  const what = code === 'ENFILE' ? 'the system has no file descriptor left (ENFILE: fs.file-max)' : `this process has no file descriptor left (EMFILE${limit === undefined ? '' : `: its limit is ${limit}`})`;
  return `${what}, not a fault of the API or the disk: raise the open-files limit (LimitNOFILE= in the unit, --ulimit nofile= for a container, ulimit -n) or lower POLL_CONCURRENCY`;
}

/**
 * File descriptors the daemon may hold at once at its configured maximums: a socket per poll in flight,
 * the listener's connection cap, 16 sends in flight per notification target, and a margin for Node itself,
 * the state database and its lock, the log and the key files read at a reload.
 */
export const FD_MARGIN = 64;
export function fdsNeeded(o: { pollConcurrency: number; maxConnections: number; targets: number; perTarget: number }): number {
  return o.pollConcurrency + o.maxConnections + o.perTarget * o.targets + FD_MARGIN;
}

/**
 * A hard open-files limit below what the configured maximums can hold at once, as the warning said at start
 * (undefined when the limit is unknown or enough): out of descriptors, polls fail on every wallet, the
 * database cannot be opened and /healthz goes unanswered, and the first sign used to be a flood of
 * `network error (EMFILE)` lines.
 */
export function fdShortfall(o: { pollConcurrency: number; maxConnections: number; targets: number; perTarget: number }, limit = openFilesLimit()): { fields: Record<string, number>; message: string } | undefined {
  const needed = fdsNeeded(o);
  if (limit === undefined || limit >= needed) return undefined;
  return {
    fields: { openFilesLimit: limit, needed, pollConcurrency: o.pollConcurrency, httpConnections: o.maxConnections, notificationTargets: o.targets },
    message: `the open-files limit (${limit}) is below the ${needed} file descriptors this daemon may hold at once (POLL_CONCURRENCY ${o.pollConcurrency}, ${o.maxConnections} HTTP connections, ${o.perTarget} sends to each of ${o.targets} notification target(s), ${FD_MARGIN} more): at its peak polls fail with EMFILE, the state database cannot be opened and /healthz goes unanswered; raise LimitNOFILE= (--ulimit nofile= for a container) or lower POLL_CONCURRENCY`,
  };
}
