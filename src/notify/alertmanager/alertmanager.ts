import axios, { type AxiosInstance } from 'axios';
import type { AlertmanagerTarget } from '../../config/settings.js';
import type { AlertBook, Notification, WalletSnapshot } from '../../domain/alerts.js';
import type { Severity } from '../../domain/rules.js';
import { action, facts, summary } from '../../domain/messages.js';
import { networkError, NotifyError, safeErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics/metrics.js';
import { deadline } from '../../deadline.js';
import { USER_AGENT } from '../../version.js';
import { SEND_TIMEOUT_MS } from '../notifier.js';


interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

const NOTHING_POSTED: ReadonlyMap<string, never> = new Map<string, never>();
const NOTHING_POSTED_TO: ReadonlyMap<string, PostableAlert> = NOTHING_POSTED;

/** An Alertmanager's identity across reloads: its URL and what it is told (a changed URL is another one). */
const targetKey = (t: AlertmanagerTarget): string => JSON.stringify([t.baseUrl, t.severities ?? null]);

export const RUNBOOK_BASE = 'https://github.com/wallet-sentinel/wallet-sentinel/blob/main/deploy/README.md';

/**
 * One axios instance for every wallet's sync (same settings for all; ~6 KiB each), made at the first post:
 * every wallet has a sync, since a reload may give it an Alertmanager, and most never post.
 */
let shared: AxiosInstance | undefined;
const http = (): AxiosInstance =>
  (shared ??= axios.create({ maxRedirects: 0, responseType: 'stream', validateStatus: () => true, headers: { 'User-Agent': USER_AGENT } }));

/**
 * Hands wallet-sentinel's alerts to Alertmanager (`POST /api/v2/alerts`) the way Prometheus does: the
 * whole firing set after every poll, each with an `endsAt` a few poll intervals ahead, and a resolved
 * alert once with `endsAt` now. Alertmanager then owns grouping, silences, routing and deduplication:
 * two replicas of the sidecar post the same label sets and page once. A failed post is simply retried
 * by the next poll's sync; a missed resolve expires at `endsAt`.
 */
export class AlertmanagerSync {
  /**
   * By Alertmanager (targetKey): the target, and the label sets posted to it as firing last time, by key, to
   * resolve them there when they stop firing. An Alertmanager a reload took from the wallet's receivers is
   * kept until what it was told of is resolved there: it keeps hearing those alerts while they fire, and
   * their resolve, as a webhook does (else they stayed active there until `endsAt`, hours on a slow schedule).
   */
  #posted: ReadonlyMap<string, { target: AlertmanagerTarget; alerts: ReadonlyMap<string, PostableAlert> }> = NOTHING_POSTED;
  #running: Promise<void> | undefined;
  #next: [AlertBook, WalletSnapshot, number] | undefined;

  constructor(
    private readonly d: {
      /** The Alertmanagers of the wallet's receivers, as they are now. */
      targets: () => readonly AlertmanagerTarget[];
      account: string;
      /** The wallet's labels: added to every alert's label set (issue 11). */
      labels: () => Readonly<Record<string, string>>;
      resendTtlMs: () => number;
      metrics: Metrics;
      /** Aborted when the daemon stops waiting for Alertmanager (shutdown): posts in flight and to come fail at once. */
      stopping?: AbortSignal;
      /**
       * Shared by every wallet of the fleet: an Alertmanager that fails logs once for all of them (and once
       * more per new way of failing), not a line per wallet.
       */
      health: AlertmanagerHealth;
    },
  ) {
  }

  /**
   * Schedules a sync without blocking the caller (a poll): one at a time, the newest state wins.
   */
  trigger(book: AlertBook, wallet: WalletSnapshot, now: number): void {
    if (this.d.targets().length === 0 && this.#posted.size === 0) return;
    this.#next = [book, wallet, now];
    if (this.#running) return;
    this.#running = (async () => {
      while (this.#next) {
        const args = this.#next;
        this.#next = undefined;
        await this.sync(...args);
      }
    })().finally(() => (this.#running = undefined));
  }

  /**
   * What the saved state says fires (start): taken as told to the wallet's Alertmanagers before the stop, so
   * the first sync resolves there what stopped firing meanwhile (else it stayed active until its endsAt,
   * four poll intervals, hours on a slow schedule). Nothing once a sync ran.
   */
  restore(book: AlertBook, wallet: WalletSnapshot, now: number): void {
    if (this.#posted.size > 0 || this.#running) return;
    const saved: PostableAlert[] = [];
    for (const a of Object.values(book)) {
      const n: Notification = { id: a.id, account: this.d.account, alertname: a.alertname, severity: a.severity, status: 'firing', reason: 'repeat', startsAt: a.startsAt, decidedAt: now, wallet };
      saved.push(postable(n, this.d.labels(), now));
    }
    if (saved.length === 0) return;
    this.#posted = new Map(
      this.d.targets().map((t) => {
        const told = saved.filter((a) => !t.severities || t.severities.includes(a.labels.severity as Severity));
        return [targetKey(t), { target: t, alerts: new Map(told.map((a) => [JSON.stringify(a.labels), a])) }] as const;
      }),
    );
  }

  /** Waits for the sync in flight (shutdown). */
  async flush(): Promise<void> {
    await this.#running;
  }

  /**
   * Posts the current firing set (and what just stopped firing) to every Alertmanager of the wallet's
   * receivers, and to one it no longer routes to what that one was told of. Never throws.
   */
  async sync(book: AlertBook, wallet: WalletSnapshot, now: number): Promise<void> {
    const current = new Map<string, PostableAlert>();
    for (const a of Object.values(book)) {
      const n: Notification = { id: a.id, account: this.d.account, alertname: a.alertname, severity: a.severity, status: 'firing', reason: 'repeat', startsAt: a.startsAt, decidedAt: now, wallet };
      const alert = postable(n, this.d.labels(), now + this.d.resendTtlMs());
      current.set(JSON.stringify(alert.labels), alert);
    }
    const routed = new Map(this.d.targets().map((t) => [targetKey(t), t]));
    const targets = new Map([...[...this.#posted].map(([k, p]) => [k, p.target] as const), ...routed]);
    const synced = await Promise.all(
      [...targets].map(async ([key, t]) => {
        const before = this.#posted.get(key)?.alerts ?? NOTHING_POSTED_TO;
        // A receiver limited to severities hands its Alertmanager only those (resolves included); one no longer
        // routed to hears only the alerts it was told of.
        const firing = new Map([...current].filter(([k, a]) => (routed.has(key) ? !t.severities || t.severities.includes(a.labels.severity as Severity) : before.has(k))));
        const resolved = [...before].filter(([k]) => !firing.has(k)).map(([k, a]) => [k, { ...a, endsAt: new Date(now).toISOString() }] as const);
        const ok = await this.#post(t, [...firing.values(), ...resolved.map(([, a]) => a)]);
        // Resolves are forgotten only once the Alertmanager took them; firing ones are re-posted anyway.
        const alerts: ReadonlyMap<string, PostableAlert> = ok ? firing : new Map([...firing, ...resolved]);
        return [key, { target: t, alerts }] as const;
      }),
    );
    this.#posted = new Map(synced.filter(([key, p]) => routed.has(key) || p.alerts.size > 0));
  }

  async #post(t: AlertmanagerTarget, body: PostableAlert[]): Promise<boolean> {
    if (body.length === 0) return true;
    const outcome = await postAlerts(t, body, this.d.stopping);
    const ok = outcome === 'ok';
    this.d.metrics.alertmanagerPosts.inc({ outcome: ok ? 'sent' : 'failed' });
    if (ok) this.d.health.ok(t.label, this.d.account);
    else this.d.health.failed(t.label, this.d.account, outcome);
    return ok;
  }
}

/**
 * Which wallets' last post to each Alertmanager failed, for the log: one warning when an Alertmanager starts
 * failing (naming the first wallet and the count of wallets once more fail), one more per other way of
 * failing it shows (refused, then a timeout), and one line when the last failing wallet's post gets through.
 * A fleet of 10,000 firing wallets logged 20,000 lines for one Alertmanager restart.
 */
export class AlertmanagerHealth {
  readonly #failing = new Map<string, { outcomes: Set<string>; accounts: Set<string> }>();

  constructor(private readonly log: Logger) {}

  failed(target: string, account: string, outcome: string): void {
    let f = this.#failing.get(target);
    if (!f) this.#failing.set(target, (f = { outcomes: new Set(), accounts: new Set() }));
    f.accounts.add(account);
    if (f.outcomes.has(outcome)) return;
    f.outcomes.add(outcome);
    this.log.warn({ component: 'alertmanager', account, target, walletsFailing: f.accounts.size }, `alertmanager post failed: ${outcome}; retried at the next poll of each wallet (one line per Alertmanager and way of failing, not per wallet)`);
  }

  ok(target: string, account: string): void {
    const f = this.#failing.get(target);
    if (!f?.accounts.delete(account) || f.accounts.size > 0) return;
    this.#failing.delete(target);
    this.log.info({ component: 'alertmanager', account, target }, 'alertmanager reachable again');
  }

  /** A wallet no longer watched: its failure no longer keeps the Alertmanager marked as failing. */
  forget(account: string): void {
    for (const [target, f] of this.#failing) {
      if (!f.accounts.delete(account) || f.accounts.size > 0) continue;
      this.#failing.delete(target);
    }
  }
}

/**
 * The resolve of `closed` (notifications of alerts that stopped, with the wallet's labels) in every
 * Alertmanager of `targets` (one limited to severities only of those): a wallet gone while the daemon was
 * stopped has no sync that remembers what was posted, and its alerts stayed active there until `endsAt`.
 * One post per Alertmanager, not retried (a missed resolve still expires at `endsAt`). Never throws.
 */
export async function postResolved(targets: readonly AlertmanagerTarget[], closed: readonly Notification[], now: number, d: { metrics: Metrics; log: Logger; stopping?: AbortSignal }): Promise<void> {
  await Promise.all(
    targets.map(async (t) => {
      const body = closed.filter((n) => !t.severities || t.severities.includes(n.severity)).map((n) => postable(n, n.labels ?? {}, now));
      if (body.length === 0) return;
      const outcome = await postAlerts(t, body, d.stopping);
      d.metrics.alertmanagerPosts.inc({ outcome: outcome === 'ok' ? 'sent' : 'failed' });
      if (outcome !== 'ok') d.log.warn({ component: 'alertmanager', account: closed[0]!.account, target: t.label }, `alertmanager post failed: ${outcome}; the alerts of a wallet no longer watched end there at their endsAt`);
    }),
  );
}

/** An alert as Alertmanager takes it: the wallet's labels, then ours; what to do in the annotations. */
function postable(n: Notification, walletLabels: Readonly<Record<string, string>>, endsAt: number): PostableAlert {
  return {
    labels: { ...walletLabels, alertname: n.alertname, severity: n.severity, account: n.account, service: 'wallet-sentinel' },
    annotations: {
      summary: summary(n),
      description: `${facts(n).join('\n')}\nWhat to do: ${action(n)}`,
      runbook_url: `${RUNBOOK_BASE}#${n.alertname}`,
      wallet_sentinel_id: n.id,
    },
    startsAt: new Date(n.startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
  };
}

/** One `POST /api/v2/alerts`: 'ok', or what went wrong in words that hold no URL. Never throws. */
async function postAlerts(t: AlertmanagerTarget, body: PostableAlert[], stopping?: AbortSignal): Promise<string> {
  const limit = deadline(SEND_TIMEOUT_MS, stopping);
  try {
    const res = await http().post(`${t.baseUrl.replace(/\/+$/, '')}/api/v2/alerts`, body, { signal: limit.signal });
    (res.data as { destroy?: () => void } | undefined)?.destroy?.();
    return res.status >= 200 && res.status < 300 ? 'ok' : `answered ${res.status}`;
  } catch (err) {
    const code = (axios.isAxiosError(err) ? safeErrorCode(err) : undefined) ?? 'error';
    return code === 'ERR_CANCELED' ? 'timeout' : networkError(code);
  } finally {
    limit.clear();
  }
}

/** How long `test-alert`'s alert stays firing in Alertmanager: long enough for a group_wait, then it ends by itself. */
const TEST_ALERT_TTL_MS = 5 * 60_000;

/** `test-alert`'s notification to one Alertmanager (the test alert ends by itself); rejects with what went wrong. */
export async function sendTestAlert(t: AlertmanagerTarget, n: Notification): Promise<void> {
  const outcome = await postAlerts(t, [postable(n, n.labels ?? {}, n.decidedAt + TEST_ALERT_TTL_MS)]);
  if (outcome !== 'ok') throw new NotifyError('rejected', outcome, { retryable: false }); // one attempt: how it failed is in the words
}
