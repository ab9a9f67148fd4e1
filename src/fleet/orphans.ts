/**
 * Wallets gone while the daemon was stopped — removed from the configuration, renamed, moved to another
 * shard — whose alerts were still firing: at start they are closed (reason `unwatched`) on the receivers
 * they went to, as a reload closes a removed wallet's, so no PagerDuty incident waits for a poll that will
 * never come; its Alertmanagers get the alerts' resolves, except those a wallet of the same name still in
 * the configuration (moved to another shard) posts to under the same labels: Alertmanager keys an alert by
 * its labels, which name no shard, so the resolve would end the alert the new shard fires; there it is the
 * new shard's to post again, or to let expire at its `endsAt` when it no longer fires. Relabelled, or routed
 * elsewhere, the old label set is nobody's and is resolved. Where a wallet's notifications go is kept with
 * its state (AccountStore.route); a database written before that was kept sends the close to the receiver `default`.
 */
import type { AlertmanagerTarget, Settings, WalletSettings } from '../config/settings.js';
import { headroom } from '../domain/account.js';
import type { Notification } from '../domain/alerts.js';
import { repeatPolicy, unwatch } from '../domain/evaluate.js';
import { SEVERITIES } from '../domain/rules.js';
import { forecast } from '../domain/forecast.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { postResolved } from '../notify/alertmanager/alertmanager.js';
import { DEFAULT_RECEIVER, type Receiver } from '../notify/registry.js';
import { isProvider, presetWords } from '../providers/index.js';
import type { Orphan, StateStore } from '../store/state-store.js';
import { shared } from '../strings.js';

interface Routing {
  receivers: readonly string[];
  provider: string;
  labels: Readonly<Record<string, string>>;
}

/** What AccountStore.route keeps of a wallet: where its notifications go and what they carry. */
export function routingOf(wallet: Pick<WalletSettings, 'receivers' | 'provider' | 'labels'>): string {
  // kept by every wallet's store: one string for all that route alike
  return shared(JSON.stringify({ receivers: wallet.receivers, provider: wallet.provider, labels: wallet.labels } satisfies Routing));
}

function parseRouting(text: string | undefined): Routing {
  const fallback: Routing = { receivers: [DEFAULT_RECEIVER], provider: 'telephony-io', labels: {} };
  try {
    const r = JSON.parse(text ?? 'null') as Partial<Routing> | null;
    const strings = (xs: unknown): xs is string[] => Array.isArray(xs) && xs.every((x) => typeof x === 'string');
    const labels = r?.labels && typeof r.labels === 'object' && Object.values(r.labels).every((v) => typeof v === 'string') ? r.labels : {};
    return {
      receivers: strings(r?.receivers) ? r.receivers : fallback.receivers,
      provider: typeof r?.provider === 'string' && isProvider(r.provider) ? r.provider : fallback.provider,
      labels,
    };
  } catch {
    return fallback;
  }
}

export interface OrphanDeps {
  settings: Pick<Settings, 'alerts'>;
  states: StateStore;
  notify: (notifications: Notification[], receivers: readonly string[]) => Promise<void>;
  /** The receivers in force: the Alertmanagers of those the orphan named get its resolves. */
  receivers: () => readonly Receiver[];
  metrics: Metrics;
  log: Logger;
  now: () => number;
  /** Aborted at shutdown: Alertmanager posts still in flight give up. */
  stopping?: AbortSignal;
  /** Told of each Alertmanager post, not waited for here: the stop waits for them (AM_STOP_WAIT_MS at most). */
  posting: (post: Promise<void>) => void;
}

/** A wallet of the configuration, on any shard: what decides whether it posts the orphan's label sets. */
export type Configured = Pick<WalletSettings, 'receivers' | 'labels'>;

const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** One Alertmanager written two ways (`http://AM:80/` and `http://am`): the URL parser's form, no trailing slash. */
function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => URL.canParse(u) ? new URL(u).href.replace(/\/+$/, '') : u;
  return norm(a) === norm(b);
}

/**
 * What of the orphan's Alertmanager targets (`old`) is left to resolve when the wallet's new shard posts the
 * same label sets to `theirs`: per Alertmanager (by URL), the severities the new shard does not post there.
 * One Alertmanager under a receiver of all severities before and one of `[critical]` now: the warning's
 * label set is resolved, the critical one is the new shard's.
 */
export function leftToResolve(old: readonly AlertmanagerTarget[], theirs: readonly AlertmanagerTarget[]): AlertmanagerTarget[] {
  return old.flatMap((t) => {
    const there = theirs.filter((n) => sameUrl(n.baseUrl, t.baseUrl));
    const left = (t.severities ?? SEVERITIES).filter((s) => !there.some((n) => !n.severities || n.severities.includes(s)));
    return left.length === 0 ? [] : [{ ...t, severities: left }];
  });
}

/**
 * Closes the orphans' alerts (notifications and state in one commit, like a poll's), then lets them leave
 * memory. `configured`: the wallet of that name in the configuration (on another shard), if any.
 */
export async function closeOrphans(orphans: readonly Orphan[], configured: (name: string) => Configured | undefined, d: OrphanDeps): Promise<void> {
  const alertmanagersOf = (receivers: readonly string[]) => d.receivers().filter((r) => receivers.includes(r.name)).flatMap((r) => r.alertmanagers);
  const now = d.now();
  await Promise.all(
    orphans.map(async (o) => {
      const routing = parseRouting(o.routing);
      const cfg = { account: o.name, repeat: repeatPolicy(d.settings.alerts), preset: presetWords(routing.provider) };
      const closed = unwatch(o.state, forecast(o.state.history, headroom(o.state), now), now, cfg);
      const notifications = closed.notifications.map((n) => ({ ...n, labels: routing.labels, provider: routing.provider }));
      const store = d.states.account(o.name);
      const moved = configured(o.name);
      const theirs = moved && sameLabels(moved.labels, routing.labels) ? alertmanagersOf(moved.receivers) : [];
      const alertmanagers = leftToResolve(alertmanagersOf(routing.receivers), theirs);
      try {
        await Promise.all([d.notify(notifications, routing.receivers), store.save(closed.state, notifications)]);
        await d.states.forget(o.name, () => true);
        // Not waited for: a hanging Alertmanager must not hold the start for its send timeout.
        if (notifications.length > 0) d.posting(postResolved(alertmanagers, notifications, now, d));
      } catch (err) {
        d.log.warn({ component: 'fleet', account: o.name, err: String(err) }, 'could not save the close of a wallet no longer watched; it is tried again at the next start');
      }
    }),
  );
  if (orphans.length > 0) {
    d.log.info({ component: 'fleet', wallets: orphans.map((o) => o.name).slice(0, 20), count: orphans.length }, 'closed the firing alerts of wallets no longer watched (removed, renamed or on another shard since the last run)');
  }
}
