/**
 * Notifications a channel refused for good because of its settings (Delivery.parked: a refused login or
 * certificate, refused addresses, a wrong webhook URL or a revoked token): which may be kept, and when they are
 * tried again. Not retried on a timer (a wrong password tried every 5 min locks mail accounts): a reload or a
 * start, which may bring the fixed setting, tries one per channel (a probe); the channel taking any
 * notification makes them all due; a channel a reload removed gives them up. Works on the dispatcher's targets.
 */
import type { Logger } from '../log.js';
import { unpark, type Delivery } from './delivery.js';
import { removeFrom, type Target } from './target.js';

/** Deliveries made due because this target took another notification: refused for good there again, they are given up. */
const freedBy = new WeakMap<Delivery, Target>();

/**
 * What `t` keeps parked, made due at once: all of it (`t` took a notification: its settings work now), or with
 * `probe` only the oldest, unless a probe is already out (a reload or a start, which may have fixed them: if
 * they are still wrong, one refused login, not one per notification kept — a burst locks mail accounts).
 */
export function unparkAll(t: Target, probe = false): Delivery[] {
  if (probe && t.probe && !t.probe.parked && t.queue.has(t.probe)) return [];
  const out: Delivery[] = [];
  for (const x of t.queue) {
    if (!unpark(x)) continue;
    out.push(x);
    if (probe) break;
    freedBy.set(x, t);
  }
  t.probe = probe ? out[0] : undefined;
  if (out.length > 0) t.index.retimed();
  return out;
}

/** Whether a final no to `x` at `t` may keep it: not at a channel removed with nothing in its place, nor once `t` took others. */
export const mayPark = (t: Target, x: Delivery): boolean => (!t.retired || t.heir !== undefined) && freedBy.get(x) !== t;

/** Each configured target that keeps refused notifications tries its oldest again (a reload, a start); how many do. */
export function probeAll(targets: Iterable<Target>, log: Logger): number {
  let n = 0;
  for (const t of targets) if (!t.retired) n += unparkAll(t, true).length;
  if (n > 0) log.info({ targets: n }, 'a notification each channel refused for good tried again, as its settings may have been fixed (a channel that takes it gets the rest)');
  return n;
}

/** Gives up what retired `t` (a channel a reload removed: nothing fixes its settings now) kept, each said in the log; how many. */
export function dropParked(t: Target, log: Logger): number {
  const gone = [...t.queue].filter((x) => x.parked);
  for (const x of gone) {
    removeFrom(t, x);
    const n = x.notification;
    log.error({ target: t.notifier.label, alert: n.alertname, status: n.status, id: n.id, ...(x.more?.length ? { digest: 1 + x.more.length } : {}) }, 'notification given up: its channel refused it for good and a reload removed the channel');
  }
  return gone.length;
}
