/**
 * What a start does with the outbox a previous run left (Dispatcher.start): the deliveries it still owed go
 * back to their targets' queues, moved back in time if the clock stepped back while stopped, and those that
 * can no longer be sent are given up, each said in the log.
 */
import { fmtSeconds, savedAhead } from '../clock.js';
import type { Logger } from '../log.js';
import { giveUpAt, logGivenUp, shiftDelivery, type Delivery } from './delivery.js';
import type { DeliveredBook } from './delivered.js';
import { notificationKey } from './notifier.js';
import { replacementKey, sameDestination, type TargetBook } from './retarget.js';
import { staleAt } from './taken.js';
import { queue, readdress, type Target } from './target.js';

export interface Resumed {
  /** Deliveries queued again. */
  kept: number;
  /** The sequence number the next new delivery takes (past every one kept). */
  nextSeq: number;
}

/**
 * Queues `saved` (the outbox's deliveries) on `targets`, oldest first. A delivery saved under a key by position
 * (earlier builds: `formerKeys`) or under a receiver since renamed (the only target of the same destination)
 * follows its target; so does one whose channel's destination was changed while the daemon was stopped (by
 * `saved`, the targets the last run had: as a reload would, see replacementKey), and one a reload's old
 * destination still owed (its heir then), unless that one has its alert's resolve already (taken.ts staleAt: a
 * URL changed and changed back, the old one took the resolve told to it): dropped (and of a resolve owed there
 * twice, one copy is kept: staleAtHeirs). One whose channel is gone, or that was due more than 24 h ago, is given up.
 */
export function resumeOwed(owed: readonly Delivery[], o: { targets: ReadonlyMap<string, Target>; formerKeys: ReadonlyMap<string, string>; saved: TargetBook | undefined; delivered: DeliveredBook; now: number; log: Logger }): Resumed {
  const loaded = [...owed].sort((a, b) => a.createdAt - b.createdAt || (a.seq ?? 0) - (b.seq ?? 0));
  catchUp(loaded, o.delivered, o.now, o.log);
  const replaced = replacementsOf(o.saved, o.targets);
  const moved = new Map<Target, number>();
  let kept = 0;
  let parked = 0;
  let nextSeq = 0;
  for (const x of loaded) {
    const renamed = o.targets.has(x.target) ? undefined : (o.formerKeys.get(x.target) ?? sameDestination(o.targets.keys(), x.target));
    if (renamed !== undefined) x.target = renamed;
  }
  const stale = staleAtHeirs(loaded, replaced);
  for (const x of loaded) {
    if (stale.has(x)) continue; // said below
    const heir = x.pinned ? undefined : o.targets.get(replaced.get(x.target) ?? ''); // pinned: its destination's alone, and gone
    if (heir !== undefined && o.now < giveUpAt(x)) {
      readdress(x, heir.notifier.key);
      moved.set(heir, (moved.get(heir) ?? 0) + 1);
    }
    const t = o.targets.get(x.target);
    if (!t || o.now >= giveUpAt(x)) {
      // a configured channel by its label (a key is a digest the operator cannot trace); a gone one has only its key
      logGivenUp(o.log, t?.notifier.label ?? x.target, x, t ? 'due more than 24 h ago' : 'its channel is no longer configured');
      continue;
    }
    if (x.parked) parked++; // its target is tried with one at once (Dispatcher.start: parked.ts probeNow)
    queue(t, x);
    if (x.open) t.open = x;
    nextSeq = Math.max(nextSeq, (x.seq ?? 0) + 1);
    kept++;
  }
  for (const [t, owed] of moved) o.log.info({ to: t.notifier.label, owed }, 'owed notifications moved to the destination that replaced theirs while the daemon was stopped');
  if (stale.size > 0) o.log.info({ dropped: stale.size, ids: [...new Set([...stale].map((x) => x.notification.id))].slice(0, 20) }, "owed notifications dropped: the destination they go to took their alert's resolve already, or owed it twice");
  if (kept > 0) o.log.info({ owed: kept, ...(parked > 0 ? { refusedBySettings: parked } : {}) }, 'resuming owed notifications');
  return { kept, nextSeq };
}

/**
 * The clock stepped back while the daemon was stopped (or the state comes from a host whose clock ran
 * ahead): the owed deliveries' times are moved back with it, as the poller moves the wallets' — a retry
 * saved as due in 5 min waited 5 min plus the whole step (two hours of a working receiver getting nothing).
 */
function catchUp(loaded: Delivery[], delivered: DeliveredBook, now: number, log: Logger): void {
  let latest = delivered.latest();
  for (const x of loaded) latest = Math.max(latest, x.createdAt); // a loop: spread arguments overflow the stack on a large outbox
  const back = savedAhead(latest, now);
  if (back === 0) return;
  for (const x of loaded) shiftDelivery(x, -back);
  delivered.shift(-back);
  log.warn({ stepMs: -back }, `the saved outbox is ${fmtSeconds(back)} ahead of the wall clock (it stepped back while stopped?); the owed notifications' times moved back to now`);
}

/**
 * What `loaded` holds that is not resumed, the replacement of its key having it: what it has the resolve of already,
 * from a replaced key (taken.ts staleAt); and a resolve it owes itself, told to it (pinned, or told: a reload had brought it
 * back, and the copy routed to the replaced one waited there for it), when that copy moves to it: one is sent, not
 * two, and it is the one that moves (pinned, it was given up at the next start that found the key replaced); and
 * a resolve told to the replaced key (told.ts, kept there by a reload) whose copy the heir owes: that copy is sent.
 */
function staleAtHeirs(loaded: readonly Delivery[], replaced: ReadonlyMap<string, string>): Set<Delivery> {
  const bySource = new Map<string, Delivery[]>();
  const pinnedThere = new Map<string, Delivery>();
  const copyThere = new Set<string>(); // owed there, not pinned (told.ts: a copy made when the alert moved there)
  for (const x of loaded) {
    if (!replaced.has(x.target)) {
      if (x.more?.length) continue;
      if (x.pinned || x.told) pinnedThere.set(`${x.target} ${notificationKey(x.notification)}`, x); // told: kept there by a reload (told.ts)
      if (!x.pinned) copyThere.add(`${x.target} ${notificationKey(x.notification)}`);
      continue;
    }
    const owed = bySource.get(x.target);
    if (owed) owed.push(x);
    else bySource.set(x.target, [x]);
  }
  const stale = new Set<Delivery>();
  for (const [key, owed] of bySource) {
    const heir = replaced.get(key)!;
    for (const x of staleAt(owed, heir)) stale.add(x);
    for (const x of owed) {
      // a resolve told to the replaced key (told.ts), whose copy the heir owes already: one is sent, not two
      if (x.told && !x.more?.length && copyThere.has(`${heir} ${notificationKey(x.notification)}`)) stale.add(x);
      const pinned = x.pinned || x.more?.length || stale.has(x) ? undefined : pinnedThere.get(`${heir} ${notificationKey(x.notification)}`);
      if (pinned) stale.add(pinned);
    }
  }
  return stale;
}

/**
 * Saved key → the configured key its deliveries go to: one that replaced it while the daemon was stopped
 * (retarget.ts replacementKey over the last run's keys), or for a target a reload had retired, its heir then
 * (or what replaced that heir since).
 */
function replacementsOf(saved: TargetBook | undefined, targets: ReadonlyMap<string, Target>): Map<string, string> {
  const out = new Map<string, string>();
  if (saved === undefined) return out;
  const before = new Set(saved.live);
  const dropped = saved.live.filter((k) => !targets.has(k));
  const added = [...targets.keys()].filter((k) => !before.has(k));
  for (const k of dropped) {
    const heir = replacementKey(k, dropped, added);
    if (heir !== undefined) out.set(k, heir);
  }
  for (const [retired, heir] of Object.entries(saved.heirs)) {
    const to = targets.has(heir) ? heir : out.get(heir);
    if (!targets.has(retired) && to !== undefined) out.set(retired, to); // configured again (a URL reverted): its own
  }
  return out;
}
