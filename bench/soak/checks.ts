/**
 * bench:soak's invariants over what was collected: the alert decisions the daemon recorded (its state database's
 * alert_events), what every receiver accepted, the simulator's request log, the health probes, the final scrape.
 * Pure functions of that data: each returns table rows (and details for the notes).
 */
import type { Row } from '../fleet/analysis.js';
import type { Hooked, Mailed } from './receivers.js';
import { parseMetrics } from '../../test/helpers/daemon.js';

export interface Decision {
  account: string;
  id: string;
  alertname: string;
  severity: string;
  reason: 'start' | 'escalation' | 'repeat' | 'resolve' | 'unwatched';
  t: number;
}

/** One accepted delivery, whatever the channel. */
export interface Delivered {
  at: number;
  id: string;
  account: string;
  alertname: string;
  status: 'firing' | 'resolved';
  severity: string;
  /** The notification's identity at every attempt: webhook header, email Message-ID. */
  key: string;
  /** decidedAt when the key carries it (webhooks); NaN otherwise. */
  decidedAt: number;
}

export function fromHook(h: Hooked): Delivered {
  const decided = Number(h.key.split(':').at(-1));
  return { at: h.at, id: h.body.id ?? '', account: h.body.account ?? '', alertname: h.body.alertname ?? '', status: h.body.status === 'resolved' ? 'resolved' : 'firing', severity: h.body.severity ?? '', key: h.key, decidedAt: decided };
}

/** A single email carries its id (X-Wallet-Sentinel-Id); a digest lists `[FIRING] name (sev) — wallet 'x': …` lines. */
export function fromMail(m: Mailed, decisions: readonly Decision[]): Delivered[] {
  const status = (s: string): 'firing' | 'resolved' => (s.startsWith('[RESOLVED]') ? 'resolved' : 'firing');
  if (m.alertId) {
    const d = decisions.find((x) => x.id === m.alertId);
    const name = /\b(low_balance|depletion_forecast|wallet_exhausted|auth_failed|poll_failing|spend_anomaly)\b/.exec(m.subject)?.[1] ?? d?.alertname ?? '';
    return [{ at: m.at, id: m.alertId, account: d?.account ?? '', alertname: name, status: status(m.subject), severity: '', key: m.messageId, decidedAt: NaN }];
  }
  const out: Delivered[] = [];
  for (const line of m.text.split('\n')) {
    const x = /^\[(FIRING|RESOLVED)\] (\w+)(?: \((\w+)\))? — wallet '([^']+)'/.exec(line);
    if (!x) continue;
    const st = x[1] === 'RESOLVED' ? 'resolved' : 'firing';
    // the digest names no id: the alert of that wallet and name decided last before the mail came
    const d = decisions.filter((y) => y.account === x[4] && y.alertname === x[2] && y.t <= m.at && (st === 'resolved') === (y.reason === 'resolve' || y.reason === 'unwatched')).at(-1);
    out.push({ at: m.at, id: d?.id ?? `?${x[4]}/${x[2]}`, account: x[4]!, alertname: x[2]!, status: st, severity: x[3] ?? '', key: `${m.messageId}#${line}`, decidedAt: NaN });
  }
  return out;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Invariant 1: every decided start reached each receiver of its wallet, every resolve after its firing. */
export function checkDelivered(decisions: readonly Decision[], routing: ReadonlyMap<string, readonly string[]>, got: ReadonlyMap<string, readonly Delivered[]>, owedAtEnd: number, details: string[]): Row[] {
  const ids = new Map<string, Decision[]>();
  for (const d of decisions) ids.set(d.id, [...(ids.get(d.id) ?? []), d]);
  let owedFiring = 0;
  let missingFiring = 0;
  let owedResolve = 0;
  let missingResolve = 0;
  let resolveBeforeFiring = 0;
  for (const [id, ds] of ids) {
    const account = ds[0]!.account;
    const resolved = ds.some((d) => d.reason === 'resolve' || d.reason === 'unwatched');
    if (!ds.some((d) => d.reason === 'start')) continue; // started before the run (none here) or pruned
    for (const r of routing.get(account) ?? []) {
      const mine = (got.get(r) ?? []).filter((x) => x.id === id);
      owedFiring++;
      const firstFiring = mine.find((x) => x.status === 'firing');
      if (!firstFiring) {
        missingFiring++;
        if (details.length < 400) details.push(`missing firing: ${r} ${account} ${ds[0]!.alertname} ${id} (decided ${new Date(ds[0]!.t).toISOString()})`);
      }
      if (!resolved) continue;
      owedResolve++;
      const res = mine.filter((x) => x.status === 'resolved');
      if (res.length === 0) {
        missingResolve++;
        if (details.length < 400) details.push(`missing resolve: ${r} ${account} ${ds[0]!.alertname} ${id} (resolved ${new Date(ds.find((d) => d.reason === 'resolve' || d.reason === 'unwatched')!.t).toISOString()})`);
      } else if (firstFiring && res[0]!.at < firstFiring.at) {
        resolveBeforeFiring++;
        details.push(`resolve before firing: ${r} ${account} ${id}`);
      }
    }
  }
  // ids the receivers got that the daemon's state never recorded (decided, sent, then lost to a crash?)
  const known = new Set(ids.keys());
  const orphans = new Map<string, Delivered[]>();
  for (const list of got.values()) for (const x of list) if (!known.has(x.id)) orphans.set(x.id, [...(orphans.get(x.id) ?? []), x]);
  const openOrphans = [...orphans.entries()].filter(([, xs]) => !xs.some((x) => x.status === 'resolved'));
  for (const [id, xs] of openOrphans) details.push(`orphan id left firing at its receivers: ${id} ${xs[0]!.account} ${xs[0]!.alertname} first at ${new Date(xs[0]!.at).toISOString()} (${xs.length} deliveries)`);
  return [
    { what: '1a firing delivered to each routed receiver', figure: `${owedFiring - missingFiring} / ${owedFiring} (${ids.size} alert ids decided)`, target: 'all', pass: missingFiring === 0 },
    { what: '1b resolve delivered after its firing', figure: `${owedResolve - missingResolve} / ${owedResolve}; ${plural(resolveBeforeFiring, 'resolve')} before the firing`, target: 'all, in order', pass: missingResolve === 0 && resolveBeforeFiring === 0 },
    { what: '1c ids delivered but unknown to the state', figure: `${orphans.size} (${openOrphans.length} never resolved at their receivers)`, target: '0 left firing', pass: openOrphans.length === 0 },
    { what: '1d owed at the end (wallet_sentinel_notifications_owed)', figure: String(owedAtEnd), target: '0', pass: owedAtEnd === 0 },
  ];
}

/**
 * Invariant 2: per receiver, one notification (same key) accepted once — a second copy only across a SIGKILL
 * (at-least-once after a crash); distinct firing decisions of one id at least the repeat interval apart (less 2 %,
 * at most 30 s) unless an escalation; at most one resolve per id.
 */
export function checkDuplicates(got: ReadonlyMap<string, readonly Delivered[]>, repeatMs: number, kills: readonly number[], details: string[]): Row[] {
  let dupAllowed = 0;
  let dupBad = 0;
  let repeats = 0;
  let early = 0;
  let multiResolve = 0;
  let fired = 0;
  const slack = Math.min(repeatMs * 0.02, 30_000) + 1000;
  for (const [r, list] of got) {
    const byKey = new Map<string, Delivered[]>();
    for (const x of list) byKey.set(x.key, [...(byKey.get(x.key) ?? []), x]);
    for (const [key, xs] of byKey) {
      for (let i = 1; i < xs.length; i++) {
        if (kills.some((k) => xs[i - 1]!.at <= k + 2000 && xs[i]!.at >= k)) dupAllowed++;
        else {
          dupBad++;
          details.push(`duplicate delivery: ${r} ${key} at ${new Date(xs[i - 1]!.at).toISOString()} and ${new Date(xs[i]!.at).toISOString()}`);
        }
      }
    }
    const byId = new Map<string, Delivered[]>();
    for (const x of byKey.values()) byId.set(x[0]!.id, [...(byId.get(x[0]!.id) ?? []), x[0]!]);
    for (const [id, xs] of byId) {
      const resolves = xs.filter((x) => x.status === 'resolved');
      if (resolves.length > 1) {
        multiResolve++;
        details.push(`${resolves.length} distinct resolves: ${r} ${id}`);
      }
      const firing = xs.filter((x) => x.status === 'firing' && Number.isFinite(x.decidedAt)).sort((a, b) => a.decidedAt - b.decidedAt);
      fired += firing.length > 0 ? 1 : 0;
      for (let i = 1; i < firing.length; i++) {
        const a = firing[i - 1]!;
        const b = firing[i]!;
        if (a.severity === 'warning' && b.severity === 'critical') continue; // escalation
        repeats++;
        if (b.decidedAt - a.decidedAt < repeatMs - slack) {
          early++;
          details.push(`repeat too early: ${r} ${b.account} ${b.alertname} ${id}: ${((b.decidedAt - a.decidedAt) / 1000).toFixed(1)} s after the previous`);
        }
      }
    }
  }
  return [
    { what: '2a same notification accepted twice', figure: `${dupBad} outside a crash, ${dupAllowed} across a SIGKILL`, target: '0 outside a crash', pass: dupBad === 0 },
    { what: '2b repeats of one alert (webhooks)', figure: `${repeats} repeats of ${fired} alert/receiver pairs, ${early} sooner than the interval`, target: '0 early', pass: early === 0 },
    { what: '2c more than one resolve per alert', figure: String(multiResolve), target: '0', pass: multiResolve === 0 },
  ];
}

/** Invariant 3: every wallet the simulator answered 402 has wallet_exhausted decided and delivered to its receivers. */
export function checkExhausted(first402: ReadonlyMap<string, number>, decisions: readonly Decision[], routing: ReadonlyMap<string, readonly string[]>, got: ReadonlyMap<string, readonly Delivered[]>, details: string[]): Row[] {
  let undecided = 0;
  let undelivered = 0;
  for (const [w] of first402) {
    if (!decisions.some((d) => d.account === w && d.alertname === 'wallet_exhausted' && d.reason === 'start')) {
      undecided++;
      details.push(`402 without wallet_exhausted decided: ${w}`);
    }
    for (const r of routing.get(w) ?? []) {
      if (!(got.get(r) ?? []).some((x) => x.account === w && x.alertname === 'wallet_exhausted' && x.status === 'firing')) {
        undelivered++;
        details.push(`402 without wallet_exhausted at ${r}: ${w}`);
      }
    }
  }
  return [{ what: '3 wallets answered 402 → wallet_exhausted', figure: `${first402.size} wallets; ${undecided} not decided, ${undelivered} receiver deliveries missing`, target: '0 missing', pass: undecided === 0 && undelivered === 0 }];
}

/** Invariant 6: no secret anywhere it could leak. */
export function checkSecrets(secrets: ReadonlyMap<string, string>, places: ReadonlyMap<string, string>, details: string[]): Row {
  const leaks: string[] = [];
  for (const [where, text] of places) for (const [what, s] of secrets) if (text.includes(s)) leaks.push(`${what} in ${where}`);
  details.push(...leaks.map((l) => `secret leak: ${l}`));
  const size = [...places.values()].reduce((a, t) => a + t.length, 0);
  return { what: '6 no secret in logs, /metrics, /api/status, pages, bodies', figure: `${secrets.size} secrets × ${places.size} texts (${(size / 1e6).toFixed(1)} MB): ${leaks.length} leaks${leaks.length ? ` (${[...new Set(leaks.map((l) => l.replace(/ #\d+/, '')))].slice(0, 3).join('; ')})` : ''}`, target: '0', pass: leaks.length === 0 };
}


export const CONTRACT_METRICS = [
  'telephony_wallet_balance_credits', 'telephony_wallet_consumed_credits_total', 'telephony_wallet_topups_total',
  'telephony_wallet_burn_rate_credits_per_hour', 'telephony_wallet_runway_seconds', 'telephony_api_up', 'telephony_api_requests_total',
  'telephony_api_request_duration_seconds_bucket', 'telephony_poll_last_success_timestamp_seconds', 'telephony_poll_skipped_total',
  'telephony_alert_firing', 'telephony_alert_notifications_total', 'wallet_sentinel_config_last_reload_successful', 'wallet_sentinel_wallets',
  'telephony_wallet_info',
];

/** Invariant 7: /metrics parses, has the contract's names, and agrees with /api/status on every balance. */
export function checkMetrics(text: string, status: { accounts: Array<{ account: string; balance: number | null }> }, expectedWallets: ReadonlySet<string>, details: string[]): Row[] {
  const m = parseMetrics(text);
  const bad = [...m.entries()].filter(([, v]) => Number.isNaN(v) && false).length;
  const unparsable = text.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+$/.test(l));
  const names = new Set([...m.keys()].map((k) => k.replace(/\{.*$/, '')));
  const missing = CONTRACT_METRICS.filter((n) => !names.has(n));
  let disagree = 0;
  let compared = 0;
  for (const a of status.accounts) {
    const series = [...m.entries()].filter(([k]) => k.startsWith('telephony_wallet_balance_credits{') && k.includes(`account="${a.account}"`));
    if (a.balance === null && series.length === 0) continue;
    compared++;
    const v = series[0]?.[1];
    if (series.length !== 1 || v === undefined || a.balance === null || Math.abs(v - a.balance) > 1e-3 * Math.max(1, Math.abs(a.balance))) {
      disagree++;
      details.push(`balance disagrees: ${a.account}: /api/status ${a.balance}, /metrics ${series.map(([k, x]) => `${k} ${x}`).join(', ') || 'none'}`);
    }
  }
  const listed = new Set(status.accounts.map((a) => a.account));
  const extra = [...listed].filter((x) => !expectedWallets.has(x));
  const absent = [...expectedWallets].filter((x) => !listed.has(x));
  const infoAccounts = new Set([...m.keys()].filter((k) => k.startsWith('telephony_wallet_info{')).map((k) => /account="([^"]+)"/.exec(k)?.[1]));
  const staleSeries = [...infoAccounts].filter((x) => x && !expectedWallets.has(x));
  const walletsGauge = m.get('wallet_sentinel_wallets');
  details.push(...unparsable.slice(0, 5).map((l) => `unparsable metrics line: ${l.slice(0, 200)}`), ...missing.map((n) => `metric missing: ${n}`), ...extra.map((x) => `listed but removed: ${x}`), ...absent.map((x) => `watched but not listed: ${x}`), ...staleSeries.map((x) => `series of a removed wallet: ${x}`));
  return [
    { what: '7a /metrics parses, contract names present', figure: `${m.size} series, ${unparsable.length + bad} unparsable lines, ${missing.length} names missing${missing.length ? ` (${missing.join(', ')})` : ''}`, target: '0, 0', pass: unparsable.length === 0 && missing.length === 0 },
    { what: '7b /metrics balance = /api/status balance', figure: `${compared - disagree} / ${compared} agree`, target: 'all', pass: disagree === 0 },
    { what: '7c wallet set after SIGHUP (status, metrics, gauge)', figure: `${listed.size} listed, ${expectedWallets.size} expected, ${extra.length} removed still listed, ${staleSeries.length} removed with series, gauge ${walletsGauge}`, target: 'equal', pass: extra.length === 0 && absent.length === 0 && staleSeries.length === 0 && walletsGauge === expectedWallets.size },
  ];
}

/**
 * Invariant 8 (contract section 1), from the simulator's request log: after a 429 with Retry-After, no request to
 * that wallet before it passed; after a 401 or a 402, no retry inside the poll (the next request a schedule slot later).
 * Pairs of requests across a daemon start are left out: the old daemon's last request and the new one's start-up
 * poll are no retry. A start's or a SIGHUP's poll and the wallet's first slot after it are checked as any pair (the
 * daemon skips a slot that follows such a poll within half an interval).
 */
export function checkUpstream(log: ReadonlyArray<{ at: number; wallet: string; status: string }>, retryAfterMs: number, intervalMs: number, starts: readonly number[], details: string[]): Row {
  const restarted = (a: number, b: number) => starts.some((s) => a < s && b >= s);
  const byWallet = new Map<string, Array<{ at: number; status: string }>>();
  for (const r of log) byWallet.set(r.wallet, [...(byWallet.get(r.wallet) ?? []), r]);
  let r429 = 0;
  let early429 = 0;
  let final = 0;
  let retried = 0;
  for (const [w, rs] of byWallet) {
    rs.sort((a, b) => a.at - b.at);
    for (let i = 0; i + 1 < rs.length; i++) {
      const gap = rs[i + 1]!.at - rs[i]!.at;
      if (restarted(rs[i]!.at, rs[i + 1]!.at)) continue;
      if (rs[i]!.status === '429') {
        r429++;
        if (gap < retryAfterMs - 500) {
          early429++;
          details.push(`asked ${(gap / 1000).toFixed(1)} s after a 429 with Retry-After ${retryAfterMs / 1000} s: ${w}`);
        }
      } else if (rs[i]!.status === '401' || rs[i]!.status === '402') {
        final++;
        if (gap < intervalMs / 2) {
          retried++;
          details.push(`asked again ${(gap / 1000).toFixed(1)} s after a ${rs[i]!.status}: ${w} at ${new Date(rs[i + 1]!.at).toISOString()}`);
        }
      }
    }
  }
  return { what: '8 upstream: Retry-After honoured, no retry of 401/402', figure: `${early429} of ${r429} 429s followed too soon; ${retried} of ${final} 401/402s retried within half an interval`, target: '0, 0', pass: early429 === 0 && retried === 0 };
}
