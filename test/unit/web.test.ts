/** The status page's pure parts as tables: formatting, chart geometry, fleet order and filter, query validation, history thinning. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyPoll, INITIAL_ACCOUNT_STATE, type AccountState } from '../../src/domain/account.js';
import { niceTicks, shortNumber, sparkline, timeChart, timeTicks } from '../../src/web/chart.js';
import { money, num, shortDuration } from '../../src/web/format.js';
import { byUrgency, matcher, MAX_TOPUPS, recentBurn, thin, topupsIn, walletRow, type WalletSource } from '../../src/web/model.js';
import { BadRequest, historyQuery, listQuery, MAX_POINTS } from '../../src/web/query.js';
import { route } from '../../src/web/routes.js';
import { advice, TIMELINE_ROWS, walletPage } from '../../src/web/wallet-page.js';
import { runwayCell } from '../../src/web/overview.js';
import { forecast } from '../../src/domain/forecast.js';
import { observe } from '../../src/domain/evaluate.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';
import { accountStatus } from '../../src/status.js';
import { nagiosLine } from '../../src/cli/nagios.js';

const H = 3_600_000;

test('shortDuration rounds once: never "2 d 24 h" or "1 h 60 min"', () => {
  for (const [s, want] of [
    [40, '40 s'],
    [90, '2 min'],
    [3_599, '60 min'],
    [3_600 + 59.6 * 60, '2 h 0 min'],
    [5 * 3_600 + 20 * 60, '5 h 20 min'],
    [25.9 * 3_600, '26 h'],
    [2 * 86_400 + 23.6 * 3_600, '3 d 0 h'],
    [3 * 86_400 + 4 * 3_600, '3 d 4 h'],
  ] as const) assert.equal(shortDuration(s), want, String(s));
});

test('small amounts keep two significant digits: a burn of 0.04/h is not "0/h", a balance of 0.004 not "0.00"', () => {
  assert.deepEqual([num(0.04), num(0.0123), num(0.25), num(12.34), num(0), num(-0.04)], ['0.04', '0.012', '0.3', '12.3', '0', '-0.04']);
  assert.deepEqual([money(0.004), money(0.0123), money(12.345), money(0), money(1234.5)], ['0.004', '0.01', '12.35', '0.00', '1,234.50']);
});

test('ticks: round values covering the range', () => {
  assert.deepEqual(niceTicks(0, 1000), [0, 500, 1000]);
  assert.deepEqual(niceTicks(0, 100), [0, 50, 100]);
  assert.deepEqual(niceTicks(0, 9), [0, 5]);
  const t = timeTicks(Date.UTC(2026, 0, 1, 10, 7), Date.UTC(2026, 0, 1, 14, 2));
  assert.deepEqual(t.map((x) => new Date(x).toISOString().slice(11, 16)), ['11:00', '12:00', '13:00', '14:00']);
});

test('shortNumber: an axis label stays short from cents to a balance of 1e12 (it read "1000000M") and past it', () => {
  assert.deepEqual([12.345, 12_500, 1_234_567, 5e11, 1e12, 2.5e13, 4e15, -3e9].map(shortNumber), ['12.35', '12.5k', '1.23M', '500G', '1T', '25T', '4.00e+15', '-3G']);
});

test('the overview of a fleet with no wallet says none is watched; "No wallet matches." is a filter’s answer', () => {
  const d = { wallets: () => [], now: () => Date.parse('2026-11-30T00:00:00Z') };
  assert.match(route('/', new URLSearchParams(), d)!.body, /No wallet is watched\./);
  assert.match(route('/', new URLSearchParams('q=acme'), d)!.body, /No wallet matches\./);
  const now = d.now();
  const state = drained(10, 2, now);
  const one = { ...source('one', {}), readout: { state, forecast: forecast(state.history, state.balance, now), up: true } } as unknown as WalletSource;
  assert.match(route('/', new URLSearchParams(), { ...d, wallets: () => [one] })!.body, /<strong>1<\/strong> wallet watched/);
});

test('timeChart: one path command per point, the scales as data attributes, text escaped', () => {
  const svg = timeChart({
    id: 'c',
    title: 'wallet <script>alert(1)</script>',
    desc: 'd & e',
    t: [0, 100],
    v: [0, 10],
    width: 200,
    height: 100,
    series: [{ kind: 'balance', label: 'b', points: [[0, 10], [50, 5], [100, 0]] }],
  });
  const d = /class="series series-balance"[^>]* d="([^"]+)"/.exec(svg)![1]!;
  assert.deepEqual(d.split(/ (?=[ML])/), ['M56 12', 'L122 42', 'L188 72']);
  assert.match(svg, /data-points="3"/);
  assert.match(svg, /data-left="56" data-right="188" data-top="12" data-bottom="72"/);
  assert.ok(!svg.includes('<script>'), 'the title is escaped');
  assert.match(svg, /role="img" aria-labelledby="c-title c-desc"/);
});

test('sparkline: nulls are gaps; a lone value still draws', () => {
  const svg = sparkline([null, 1, 2, null, 3], { label: 'x' });
  assert.match(svg, /data-points="3"/);
  assert.equal((/ d="([^"]+)"/.exec(svg)![1]!.match(/M/g) ?? []).length, 2, 'two runs');
});

function drained(ratePerHour: number, hours: number, now: number, stepMs = 60_000): AccountState {
  let s = INITIAL_ACCOUNT_STATE;
  for (let t = now - hours * H; t <= now; t += stepMs) s = applyPoll(s, { ok: true, status: 200, balance: 10_000 - ((t - (now - hours * H)) / H) * ratePerHour, currency: 'USD', requiredCredits: null }, t, 1).state;
  return s;
}

test('recentBurn: hourly over 24 h for an old wallet, over its span for a young one; nothing before the first reading', () => {
  const now = Date.UTC(2026, 10, 30, 12);
  const old = recentBurn(drained(60, 30, now), now);
  assert.equal(old.step_seconds, 3600);
  assert.equal(old.per_hour.length, 24);
  for (const v of old.per_hour) assert.ok(v !== null && Math.abs(v - 60) < 1, `about 60/h: ${v}`);
  const young = recentBurn(drained(120, 0.5, now, 10_000), now);
  assert.equal(young.step_seconds, 80, '30 min over 24 buckets, rounded up to 10 s');
  assert.ok(young.per_hour.filter((v) => v !== null).every((v) => Math.abs(v! - 120) < 2), JSON.stringify(young.per_hour));
  assert.deepEqual(recentBurn(INITIAL_ACCOUNT_STATE, now).per_hour, Array(24).fill(null));
});

test('thin keeps the last reading of each step; topupsIn finds rises of at least the minimum', () => {
  const r = [0, 1, 2, 5, 6, 11].map((t) => ({ t: t * 1000, balance: [10, 9, 8, 20, 19, 19.5][[0, 1, 2, 5, 6, 11].indexOf(t)]!, consumed: 0 }));
  assert.deepEqual(thin(r, 0, 5000).map((x) => x.t / 1000), [2, 6, 11]);
  assert.deepEqual(thin(r, 0, 0).length, 6);
  assert.deepEqual(topupsIn(r, 1), { shown: [{ t: 5000, before: 8, after: 20 }], total: 1 });
});

test('topupsIn: past MAX_TOPUPS (a noisy balance read every second) the largest rises, in time order, and how many there were', () => {
  // 3,000 rises of 1.5 (noise) and three real top-ups of about 500.
  const r = Array.from({ length: 6_001 }, (_, i) => ({ t: i * 1000, balance: 10_000 + (i % 2) * 1.5 + (i >= 1000 ? 500 : 0) + (i >= 3000 ? 500 : 0) + (i >= 5000 ? 500 : 0), consumed: 0 }));
  const { shown, total } = topupsIn(r, 1);
  assert.equal(total, 3_003);
  assert.equal(shown.length, MAX_TOPUPS);
  assert.ok(shown.every((x, i) => i === 0 || x.t > shown[i - 1]!.t), 'in time order');
  for (const t of [1000, 3000, 5000]) assert.ok(shown.some((x) => x.t === t * 1000 && x.after - x.before > 400), `the real top-up at ${t} s is kept`);
});

function source(name: string, o: { runway?: number; exhausted?: boolean; method?: string; labels?: Record<string, string>; alerts?: string[]; critical?: string[] }): WalletSource {
  const firing = (names: string[] | undefined, severity: string) => (names ?? []).map((a) => [a, { alertname: a, severity }]);
  const alerts = Object.fromEntries([...firing(o.alerts, 'warning'), ...firing(o.critical, 'critical')]);
  return {
    name,
    wallet: { provider: 'telephony-io', labels: o.labels ?? {}, rules: { runwayWarningHours: 72, runwayCriticalHours: 24, topupMinCredits: 1, lowBalanceThreshold: undefined, criticalBalanceThreshold: undefined, hysteresisPercent: 5 } },
    readout: { state: { ...INITIAL_ACCOUNT_STATE, balance: 10, exhausted: o.exhausted ?? false, alerts }, forecast: { runwaySeconds: o.runway ?? Infinity, method: o.method ?? 'rate' }, up: true },
    history: () => [],
    alertEvents: () => [],
  } as unknown as WalletSource;
}

test('a history asked for without a step: every reading while they fit, else the smallest whole minute that keeps it under MAX_POINTS', () => {
  const now = Date.parse('2026-11-30T00:00:00Z');
  const perSecond = (n: number) => Array.from({ length: n }, (_, i) => ({ t: now - (n - i) * 1000, balance: 1_000 - i / 1000, consumed: 0 }));
  const ask = (readings: ReturnType<typeof perSecond>, query = '') => {
    const src = { ...source('w', {}), history: () => readings } as WalletSource;
    const answer = route('/api/wallets/w/history', new URLSearchParams(query), { wallets: () => [src], now: () => now })!;
    return JSON.parse(answer.body) as { step_seconds: number | null; readings: unknown[] };
  };
  const few = ask(perSecond(MAX_POINTS));
  assert.deepEqual([few.step_seconds, few.readings.length], [null, MAX_POINTS], 'as many as fit: every one');
  const day = ask(perSecond(86_400), `from=${now / 1000 - 86_400}`);
  assert.deepEqual([day.step_seconds, day.readings.length], [60, 1_440], 'a day of per-second readings asked for a day: one a minute');
  const fortnight = ask(perSecond(86_400));
  assert.deepEqual([fortnight.step_seconds, fortnight.readings.length], [60, 1_440], 'the default 14 days hold one day of readings: the step fits the day, not the range asked');
  assert.equal(ask(perSecond(86_400), 'from=0').step_seconds, 60, 'from=0 (55 years) still fits the day the readings cover');
  const twoWeeks = Array.from({ length: 20_160 }, (_, i) => ({ t: now - (20_160 - i) * 60_000, balance: 1_000, consumed: 0 }));
  assert.equal(ask(twoWeeks).step_seconds, 3 * 60, '14 days of one reading a minute over 10,000 points is 2.02 min a point: 3 min');
  for (const n of [MAX_POINTS + 1, 2 * MAX_POINTS - 1, 2 * MAX_POINTS, 2 * MAX_POINTS + 1, 3 * MAX_POINTS - 3]) {
    const minutes = Array.from({ length: n }, (_, i) => ({ t: now - (n - 1 - i) * 60_000 - 30_000, balance: 1_000, consumed: 0 }));
    const got = ask(minutes, `from=${(now - (n - 1) * 60_000 - 45_000) / 1000}`);
    assert.ok(got.readings.length <= MAX_POINTS, `${n} readings a minute apart: ${got.readings.length} points at a step of ${got.step_seconds} s`);
  }
  assert.equal(ask(perSecond(86_400), 'step=1h').step_seconds, 3600, 'a step given is kept');
  const huge = ask(perSecond(10), `step=${'9'.repeat(400)}`) as unknown as { error?: string };
  assert.match(huge.error ?? '', /^step: expected a duration/, 'a step past what a number holds is refused, not read as every reading');
});

test('/api/wallets: a page past the last has no wallets (a client pages until empty), not the last page again', () => {
  const d = { wallets: () => [source('a', {}), source('b', {}), source('c', {})], now: () => Date.parse('2026-11-30T00:00:00Z') };
  const api = JSON.parse(route('/api/wallets', new URLSearchParams('per_page=2&page=3'), d)!.body) as { page: number; pages: number; total: number; wallets: unknown[] };
  assert.deepEqual([api.page, api.pages, api.total, api.wallets.length], [3, 2, 3, 0]);
});

test('a page or API path with a trailing slash is redirected to the path without it; nothing else is', () => {
  const d = { wallets: () => [source('w', {})], now: () => Date.parse('2026-11-30T00:00:00Z') };
  const at = (path: string, q = '') => route(path, new URLSearchParams(q), d);
  assert.deepEqual([at('/wallets/w/')?.status, at('/wallets/w/')?.headers?.Location], [308, '/wallets/w']);
  assert.equal(at('/api/wallets/w/history/', 'step=1h')?.headers?.Location, '/api/wallets/w/history?step=1h');
  assert.equal(at('/api/wallets/')?.headers?.Location, '/api/wallets');
  for (const path of ['//127.0.0.1/', '/wallets/w/history/', '/wallets//', '/elsewhere/']) assert.equal(at(path), undefined, `${path}: not ours, no redirect (never off this host)`);
});

test('the 404 page echoes only a name a wallet could have: a link to /wallets/<sentence> put the sender\'s text on the daemon\'s own page', () => {
  const d = { wallets: () => [source('w', {})], now: () => Date.parse('2026-11-30T00:00:00Z') };
  const at = (path: string) => route(path, new URLSearchParams(''), d)!;
  const spoof = at(`/wallets/${encodeURIComponent('acme-prod” was closed for fraud. Top up at https://evil.example to restore it “')}`);
  assert.equal(spoof.status, 404);
  assert.doesNotMatch(spoof.body, /fraud|evil\.example/);
  assert.match(spoof.body, /no wallet by that name/);
  assert.match(at('/wallets/%E2%80%AEw').body, /no wallet by that name/, 'a bidi control is no name either');
  assert.match(at('/wallets/acme-eu').body, /no wallet named “acme-eu”/, 'a possible name is still said, to catch a typo');
});

test('fleet order: empty first, then the soonest runway, then not burning, then unknown; ties by name', () => {
  const ws = [source('unknown', { method: 'none' }), source('idle', {}), source('b-later', { runway: 500 }), source('a-later', { runway: 500 }), source('soon', { runway: 10 }), source('empty', { exhausted: true, runway: 900 })];
  assert.deepEqual(ws.sort(byUrgency).map((w) => w.name), ['empty', 'soon', 'a-later', 'b-later', 'idle', 'unknown']);
});

test('fleet order: a firing critical alert, then a warning one, come before the rest, runway or not (a rejected key has no forecast)', () => {
  const ws = [
    source('soon', { runway: 10 }),
    source('warned-later', { runway: 5_000, alerts: ['depletion_forecast'] }),
    source('key-rejected', { method: 'none', critical: ['auth_failed'] }),
    source('idle-below-critical', { critical: ['low_balance'] }),
    source('critical-soon', { runway: 60, critical: ['depletion_forecast'] }),
    source('empty', { exhausted: true, critical: ['wallet_exhausted'] }),
  ];
  assert.deepEqual(ws.sort(byUrgency).map((w) => w.name), ['empty', 'critical-soon', 'idle-below-critical', 'key-rejected', 'warned-later', 'soon']);
});

test('a wallet read for hours without spend is "not burning", sorted before one not read enough; the forecast calls both method none', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const read = (name: string, state: AccountState): WalletSource => ({ ...source(name, {}), readout: { state, forecast: forecast(state.history, state.balance, now), up: true } }) as unknown as WalletSource;
  const idle = read('a-idle', drained(0, 5, now));
  const first = read('b-first-poll', drained(0, 0, now));
  assert.equal(idle.readout.forecast.method, 'none');
  assert.equal(first.readout.forecast.method, 'none');
  const [idleRow, firstRow] = [walletRow(idle, now), walletRow(first, now)];
  assert.equal(idleRow.runway_known, true);
  assert.equal(firstRow.runway_known, false);
  assert.match(String(runwayCell(idleRow)), /not burning/);
  assert.match(String(runwayCell(firstRow)), /not known yet/);
  assert.deepEqual([first, idle].sort(byUrgency).map((w) => w.name), ['a-idle', 'b-first-poll']);
  assert.deepEqual([read('a-first-poll', drained(0, 0, now)), read('b-idle', drained(0, 5, now))].sort(byUrgency).map((w) => w.name), ['b-idle', 'a-first-poll'], 'by what is known, not by name');
});

test('the wallet page never says "nothing to do" while an alert fires: a low balance says how much to top up, any other alert is named', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const state = drained(0, 5, now);
  const low = (severity: string, balance = 40): WalletSource => {
    const w = source('static-low', {});
    const s = { ...state, balance, alerts: { low_balance: { alertname: 'low_balance', severity, startsAt: now } } };
    return { ...w, wallet: { ...w.wallet, rules: { ...w.wallet.rules, lowBalanceThreshold: 100, criticalBalanceThreshold: 50 } }, readout: { state: s, forecast: forecast(s.history, s.balance, now), up: true } } as unknown as WalletSource;
  };
  const critical = low('critical');
  assert.deepEqual(advice(critical, walletRow(critical, now)), ['low_balance fires (critical below 50.00 USD): top up at least 65.00 USD to bring it to 105.00 USD, where the alert clears (the threshold and its 5 % hysteresis).']);
  // topped up to the threshold itself, the alert still fires (as a warning): the advice still asks for the rest, never "0.00"
  const atThreshold = low('warning', 100);
  assert.deepEqual(advice(atThreshold, walletRow(atThreshold, now)), ['low_balance fires (warning below 100.00 USD): top up at least 5.00 USD to bring it to 105.00 USD, where the alert clears (the threshold and its 5 % hysteresis).']);
  const page = walletPage(critical, now);
  assert.doesNotMatch(page, /Nothing to do/);
  const held = { ...state, alerts: { depletion_forecast: { alertname: 'depletion_forecast', severity: 'warning', startsAt: now } } }; // held while the spend paused
  const other = { ...source('other', {}), readout: { state: held, forecast: forecast(held.history, held.balance, now), up: true } } as unknown as WalletSource;
  assert.deepEqual(advice(other, walletRow(other, now)), ['Firing: depletion_forecast (warning); see the alert events below.']);
});

test('a 402 without current_balance: the chart does not describe a line from 0; a wallet never read does not speak of a last successful poll', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const s = { ...INITIAL_ACCOUNT_STATE, balance: null, exhausted: true, lastPollAt: now, lastError: { kind: 'network', message: 'connection refused' } };
  const w = { ...source('never', {}), readout: { state: s, forecast: forecast(s.history, s.balance, now), up: false } } as unknown as WalletSource;
  assert.deepEqual([walletRow(w, now).runway_seconds, walletRow(w, now).runway_known], [0, true], 'empty: a runway of 0 is known');
  const page = walletPage(w, now);
  assert.doesNotMatch(page, /a straight line from 0\.00/);
  assert.match(page, /No forecast line: the wallet is empty \(its balance is not known\)\./);
  const unread = { ...source('unread', {}), readout: { state: { ...s, exhausted: false }, forecast: forecast(s.history, s.balance, now), up: false } } as unknown as WalletSource;
  const [line] = advice(unread, walletRow(unread, now));
  assert.match(line ?? '', /No poll has succeeded yet, so there are no figures/);
});

test('an empty wallet ran out when it went empty (its wallet_exhausted start), not at each poll; /api/status and /api/wallets give one depletion time; check says empty', () => {
  const t0 = Date.parse('2026-11-30T12:00:00Z');
  const cfg = { account: 'w', rules: DEFAULT_RULES, repeat: { repeatIntervalMs: 4 * H, runwayFraction: 0, minRepeatIntervalMs: 300_000 } };
  let s = INITIAL_ACCOUNT_STATE;
  let f = forecast(s.history, s.balance, t0);
  for (let i = 0; i <= 120; i++) {
    const t = t0 + i * 60_000;
    const r = observe(s, { ok: true, status: i < 100 ? 200 : 402, balance: i < 100 ? 1000 - i * 7.3 : 0, currency: 'USD', requiredCredits: i < 100 ? null : 5 }, t, cfg);
    [s, f] = [r.state, r.forecast];
    const w = { ...source('w', {}), readout: { state: s, forecast: f, up: true } } as unknown as WalletSource;
    assert.equal(walletRow(w, t + 1234).depletion_at, accountStatus('w', s, f, [], t + 1234).depletion_at, `the same depletion time at minute ${i}`);
  }
  const emptySince = new Date(t0 + 100 * 60_000).toISOString();
  const now = t0 + 120 * 60_000;
  assert.equal(accountStatus('w', s, f, [], now).depletion_at, emptySince, 'when it went empty, 20 polls ago');
  const line = nagiosLine({ account: 'w', code: 2, error: null, balance: 0, currency: 'USD', runwaySeconds: 0, runwayUnknown: false, exhausted: true, burnRatePerHour: 7.3, conditions: { wallet_exhausted: 'critical' }, rules: DEFAULT_RULES });
  assert.match(line, /balance 0 USD, empty: wallet_exhausted/);
});

test('filter: every term must match; key=value on labels; otherwise name, label value or firing alert', () => {
  const ws = [source('acme-prod', { labels: { team: 'voice', env: 'prod' } }), source('acme-dev', { labels: { team: 'sms', env: 'dev' }, alerts: ['low_balance'] }), source('zeta', { labels: { team: 'voice' } })];
  const names = (q: string) => ws.filter(matcher(q)).map((w) => w.name);
  assert.deepEqual(names(''), ['acme-prod', 'acme-dev', 'zeta']);
  assert.deepEqual(names('ACME'), ['acme-prod', 'acme-dev']);
  assert.deepEqual(names('team=voice'), ['acme-prod', 'zeta']);
  assert.deepEqual(names('acme team=voice'), ['acme-prod']);
  assert.deepEqual(names('sms'), ['acme-dev'], 'a label value');
  assert.deepEqual(names('low_balance'), ['acme-dev'], 'a firing alert');
  assert.deepEqual(names('env=staging'), []);
});

test('query parameters: defaults, and a BadRequest naming the parameter for every bad value', () => {
  const now = Date.UTC(2026, 10, 30);
  assert.deepEqual(listQuery(new URLSearchParams('')), { q: '', page: 1, perPage: 50 });
  assert.deepEqual(historyQuery(new URLSearchParams('from=2026-11-29T00:00:00Z&step=10m'), now), { from: now - 24 * H, to: now, stepMs: 600_000 });
  assert.deepEqual(historyQuery(new URLSearchParams(`from=${now / 1000 - 60}&to=${now / 1000}`), now), { from: now - 60_000, to: now, stepMs: 0 });
  assert.equal(historyQuery(new URLSearchParams('from=2026-11-29'), now).from, now - 24 * H, 'a date: from midnight UTC');
  assert.equal(historyQuery(new URLSearchParams('from=2026-11-29T01:00:00%2B01:00'), now).from, now - 24 * H, 'a time with its offset');
  assert.equal(historyQuery(new URLSearchParams('from=2026-11-29T01:00:00+01:00'), now).from, now - 24 * H, 'a + typed into the URL (decoded as a space) is the offset\'s sign');
  assert.equal(historyQuery(new URLSearchParams('from=2024-02-29T00:00:00Z'), now).from, Date.UTC(2024, 1, 29), 'a leap day');
  for (const [q, re] of [
    ['page=0', /^page: expected a whole number from 1/],
    ['per_page=501', /^per_page: expected a whole number from 1 to 500, got "501"/],
    ['per_page=1.5', /^per_page/],
    ['order=asc', /^unknown query parameter "order"/],
  ] as const) assert.throws(() => listQuery(new URLSearchParams(q)), (e: unknown) => e instanceof BadRequest && re.test(e.message), q);
  for (const [q, re] of [
    ['from=last%20week', /^from: expected an ISO-8601 time/],
    ['to=2026-13-45T00:00:00Z', /^to: expected/],
    ['from=2026-02-31T00:00:00Z', /^from: expected/], // Date.parse reads it as 3 March
    ['from=2026-02-29', /^from: expected/],
    ['from=2026-11-29T12:00:00', /^from: expected an ISO-8601 time with its offset/], // would be read in the server's time zone
    ['from=2026-11-29%2012:00Z', /^from: expected/],
    ['from=2026-11-30T00:00:00Z&to=2026-11-29T00:00:00Z', /^from must be before to/],
    ['to=9999999999999', /^to: expected/], // past year 275760: no Date holds it (was a 500)
    ['from=0&to=8640000000000', /^to: expected .* up to the year 9999/], // year 275760: answered with "+275760-09-13T…" dates
    ['to=10000-01-01', /^to: expected/],
    ['from=99999999999999&to=1', /^from: expected/],
    ['step=0', /^step: expected a duration of at least 1s/],
    ['step=fast', /^step: expected a duration/],
    ['step=1m&step=2m', /given more than once/],
  ] as const) assert.throws(() => historyQuery(new URLSearchParams(q), now), (e: unknown) => e instanceof BadRequest && re.test(e.message), q);
});

test('the alert email: its HTML part draws the forecast to zero at the runway (inline SVG); the text part has no picture', async () => {
  const { htmlBody, textBody } = await import('../../src/notify/email/render.js');
  const T0 = Date.parse('2026-11-27T10:00:00Z');
  const n = {
    id: 'a1',
    account: 'acme',
    alertname: 'depletion_forecast',
    severity: 'critical',
    status: 'firing',
    reason: 'start',
    startsAt: T0,
    decidedAt: T0,
    wallet: { balance: 12.5, currency: 'USD', burnRatePerHour: 3.1, runwaySeconds: 14_516, forecast: { method: 'rate', confidence: 'low', runwayLowSeconds: 10_000, runwayHighSeconds: 20_000, cautious: false, basis: 'b' } },
  } as const;
  const html = htmlBody(n);
  const svg = /<svg[^]*?<\/svg>/.exec(html)?.[0];
  assert.ok(svg, 'an inline SVG in the HTML part');
  const attr = (k: string) => Number(new RegExp(`data-${k}="([-\\d.]+)"`).exec(svg)![1]);
  const line = /class="series series-forecast"[^>]* d="([^"]+)"/.exec(svg)![1]!.split(/ (?=[ML])/).map((p) => p.slice(1).split(' ').map(Number));
  const [x, y] = line.at(-1)!;
  assert.equal(y, attr('bottom'), 'the line ends at 0');
  const t = attr('t0') + ((x! - attr('left')) / (attr('right') - attr('left'))) * (attr('t1') - attr('t0'));
  assert.ok(Math.abs(t - (T0 + 14_516_000)) < (attr('t1') - attr('t0')) / 400, `at the runway (${new Date(t).toISOString()})`);
  assert.match(svg, /class="band band-band"/);
  assert.doesNotMatch(textBody(n), /<|svg/);
  assert.doesNotMatch(htmlBody({ ...n, status: 'resolved' }), /<svg/, 'a resolved alert has no forecast to draw');
  assert.doesNotMatch(htmlBody({ ...n, wallet: { ...n.wallet, runwaySeconds: null } }), /<svg/, 'nor a wallet not burning');
  // a low balance on a wallet that barely spends: a runway past any Date (was a RangeError, and no email)
  const far = htmlBody({ ...n, alertname: 'low_balance', wallet: { ...n.wallet, runwaySeconds: 1e13, forecast: { ...n.wallet.forecast, runwayLowSeconds: 1e13, runwayHighSeconds: 2e13 } } });
  assert.doesNotMatch(far, /<svg/, 'no picture of a depletion past the year 9999');
  assert.match(far, /acme/);
});

/** Where an SVG path's last point lies, in chart values: [t, v] from the chart's data attributes. */
function lastPointOf(svg: string, kind: string): [number, number] {
  const attr = (k: string) => Number(new RegExp(`data-${k}="([-\\d.]+)"`).exec(svg)![1]);
  const d = new RegExp(`class="series series-${kind}"[^>]* d="([^"]+)"`).exec(svg)![1]!;
  const [x, y] = d.split(/ (?=[ML])/).at(-1)!.slice(1).split(' ').map(Number) as [number, number];
  const t = attr('t0') + ((x - attr('left')) / (attr('right') - attr('left'))) * (attr('t1') - attr('t0'));
  const v = attr('v0') + ((attr('bottom') - y) / (attr('bottom') - attr('top'))) * (attr('v1') - attr('v0'));
  return [t, v];
}

test('a wallet with a credit limit (Telnyx): the forecast runs to minus the limit, the axis shows it, the top-up advice counts it', async () => {
  const { balanceChart, advice } = await import('../../src/web/wallet-page.js');
  const { walletRow } = await import('../../src/web/model.js');
  const { htmlBody } = await import('../../src/notify/email/render.js');
  const now = Date.parse('2026-11-30T12:00:00Z');
  const runway = 65 * 3600; // 30 credits + 100 of credit at 2 per hour
  const w = {
    ...source('telnyx-eu', {}),
    readout: {
      state: { ...INITIAL_ACCOUNT_STATE, balance: 30, creditLimit: 100, currency: 'USD', lastPollAt: now, lastSuccessAt: now },
      forecast: { rates: {}, burnRatePerHour: 2, runwaySeconds: runway, runwayLowSeconds: runway * 0.8, runwayHighSeconds: runway * 1.2, confidence: 'high', method: 'rate' },
      up: true,
    },
  } as unknown as WalletSource;
  const row = walletRow(w, now);
  assert.equal(row.credit_limit, 100);
  const readings = [{ t: now - 72 * 3600_000, balance: 174, consumed: 0 }, { t: now, balance: 30, consumed: 0 }];
  const svg = balanceChart(w, row, readings, readings, { from: now - 72 * 3600_000, to: now }, now);
  const [t, v] = lastPointOf(svg, 'forecast');
  assert.ok(Math.abs(t - (now + runway * 1000)) < 3600_000, 'the line ends at the runway');
  assert.ok(Math.abs(v - -100) < 1, `at minus the credit limit, not 0 (${v.toFixed(1)})`);
  assert.match(svg, /reaches the credit limit \(-100(\.00)?\)/);
  assert.deepEqual(advice(w, row), ['Top up at least 14.00 USD within 2 d 17 h (it may run out as soon as 2 d 4 h from now) to keep more than 72 h of runway at 2 USD/h.'], '2/h × 72 h − 30 − 100 of credit = 14');

  const n = {
    id: 'a1', account: 'telnyx-eu', alertname: 'depletion_forecast', severity: 'warning', status: 'firing', reason: 'start', startsAt: now, decidedAt: now,
    wallet: { balance: -20, creditLimit: 100, currency: 'USD', burnRatePerHour: 2, runwaySeconds: 40 * 3600, forecast: { method: 'rate', confidence: 'high', runwayLowSeconds: 30 * 3600, runwayHighSeconds: 50 * 3600, cautious: false, basis: 'b' } },
  } as const;
  const email = /<svg[^]*?<\/svg>/.exec(htmlBody(n))?.[0];
  assert.ok(email, 'a balance below zero but above the credit limit still has a forecast to draw');
  assert.ok(Math.abs(lastPointOf(email, 'forecast')[1] - -100) < 1, 'the email line ends at minus the credit limit');
});

test('/api/wallets and /api/status tell the same wallet the same way: burning, at a 402, failing, and right after a restart', async () => {
  const { walletRow } = await import('../../src/web/model.js');
  const { accountStatus } = await import('../../src/status.js');
  const { forecast } = await import('../../src/domain/forecast.js');
  const { headroom } = await import('../../src/domain/account.js');
  const now = Date.parse('2026-11-30T12:00:00Z');
  const burning = drained(40, 30, now);
  const cases: [string, AccountState, boolean][] = [
    ['burning', burning, true],
    ['a 402 without current_balance', applyPoll(burning, { ok: true, status: 402, balance: null, currency: 'USD', requiredCredits: 1.5 }, now + 60_000, 1).state, true],
    ['a 402 with a few cents left', applyPoll(burning, { ok: true, status: 402, balance: 0.25, currency: 'USD', requiredCredits: 1.5 }, now + 60_000, 1).state, true],
    ['a failed poll', applyPoll(burning, { ok: false, kind: 'network', message: 'refused' }, now + 60_000, 1).state, false],
    ['restarted: no poll by this process yet', burning, false],
    ['a wallet that barely spends (0.0001/h: /api/wallets said 0)', drained(0.0001, 30, now), true],
  ];
  for (const [what, s, up] of cases) {
    const t = s.lastPollAt!;
    const f = forecast(s.history, headroom(s), t);
    const row = walletRow({ ...source('w', {}), readout: { state: s, forecast: f, up } } as unknown as WalletSource, t);
    const status = accountStatus('w', s, f, [], t);
    const pick = (o: Record<string, unknown>) => ({ ...Object.fromEntries(['balance', 'currency', 'credit_limit', 'api_up', 'exhausted', 'runway_seconds', 'runway_low_seconds', 'runway_high_seconds', 'depletion_at', 'last_error', 'burn_rate_per_hour'].map((k) => [k, o[k]])) });
    assert.deepEqual(pick(row), pick(status), what);
  }
});

test('the wallet page shows the newest TIMELINE_ROWS alert events and links the API for the rest (a flapping alert made thousands of rows)', () => {
  const now = Date.UTC(2026, 10, 30, 12);
  const state = drained(60, 30, now);
  const events = Array.from({ length: 500 }, (_, i) => ({ t: now - (500 - i) * 60_000, id: `a${i}`, alertname: 'spend_anomaly', severity: 'warning', reason: i % 2 === 0 ? 'start' : 'resolve' }));
  const w = {
    name: 'flappy one',
    wallet: { provider: 'telephony-io', labels: {}, rules: { runwayWarningHours: 72, runwayCriticalHours: 24, topupMinCredits: 1, lowBalanceThreshold: undefined, criticalBalanceThreshold: undefined, hysteresisPercent: 5 } },
    readout: { state, forecast: forecast(state.history, state.balance, now) },
    history: () => [],
    alertEvents: () => events.map((e) => ({ ...e })),
  } as unknown as WalletSource;
  const body = walletPage(w, now);
  assert.equal((body.match(/<tr data-reason=/g) ?? []).length, TIMELINE_ROWS);
  assert.match(body, /The newest 200 of 500 events; all of them: <a href="\/api\/wallets\/flappy%20one">/);
  assert.ok(body.includes(`datetime="${new Date(events.at(-1)!.t).toISOString()}"`), 'the newest event is shown');
  assert.ok(!body.includes(`datetime="${new Date(events[0]!.t).toISOString()}"`), 'the oldest is left to the API');
});
