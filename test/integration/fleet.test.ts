/**
 * Many wallets in one process (contract section 7), the real daemon over real sockets against a loopback
 * upstream serving every wallet: balances on /metrics and /api/status, spread and concurrency-limited
 * polls, a 429 that delays only its wallet, a slow wallet that is skipped rather than piled up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Daemon, tempDir, waitFor, type StatusDoc } from '../helpers/daemon.js';
import { promtoolCheckMetrics, requireBinary } from '../helpers/promtool.js';
import { WebhookReceiver } from '../helpers/receivers.js';
import { WalletsUpstream, writeWalletsFile } from '../helpers/wallets-upstream.js';

async function upstreamWith(t: import('node:test').TestContext, names: string[], balanceOf: (i: number) => number): Promise<WalletsUpstream> {
  const up = new WalletsUpstream();
  names.forEach((n, i) => up.add(n, balanceOf(i)));
  await up.start();
  t.after(() => up.close());
  return up;
}

async function statusDoc(d: Daemon): Promise<StatusDoc> {
  return JSON.parse((await d.get('/api/status')).text) as StatusDoc;
}

test('300 wallets from one file: every balance right on /metrics and /api/status, polls spread and at most POLL_CONCURRENCY in flight', async (t) => {
  const names = Array.from({ length: 300 }, (_, i) => `w-${String(i).padStart(3, '0')}`);
  const balanceOf = (i: number) => 1000 + i * 1.25;
  const up = await upstreamWith(t, names, balanceOf);
  up.delayMs = 5;
  const dir = tempDir('ws-fleet-');
  const extra = { 'w-000': ['labels: {team: voice, env: prod}'], 'w-001': ['labels: {region: eu}'] };
  const file = writeWalletsFile(dir, up, names, extra);
  const interval = 4000;
  const daemon = await Daemon.start({ WALLETS_FILE: file, POLL_SCHEDULE: '*/4 * * * * *', POLL_CONCURRENCY: '6', LOG_LEVEL: 'info' });
  t.after(() => daemon.kill());

  await waitFor(async () => (await daemon.get('/readyz')).status === 200, '/readyz once every wallet was polled', 30_000);
  const doc = await statusDoc(daemon);
  assert.deepEqual(doc.accounts.map((a) => a.account).sort(), names);
  for (const a of doc.accounts) assert.equal(a.balance, balanceOf(names.indexOf(a.account)), `${a.account} on /api/status`);
  assert.equal('shard' in doc, false, 'not sharded: no shard in the document');

  const m = await daemon.metrics();
  assert.equal(m.get('wallet_sentinel_wallets'), 300);
  names.forEach((n, i) => {
    assert.equal(m.get(`telephony_wallet_balance_credits{account="${n}",currency="USD"}`), balanceOf(i), `${n} on /metrics`);
    assert.equal(m.get(`telephony_api_up{account="${n}"}`), 1);
  });
  assert.equal(m.get('telephony_wallet_info{team="voice",env="prod",account="w-000",provider="telephony-io"}'), 1);
  assert.equal(m.get('telephony_wallet_info{region="eu",account="w-001",provider="telephony-io"}'), 1);
  assert.equal(m.get('telephony_wallet_info{account="w-002",provider="telephony-io"}'), 1);
  assert.equal(m.get('wallet_sentinel_config_last_reload_successful'), 1);
  assert.ok(![...m.keys()].some((k) => k.startsWith('telephony_api_request_duration_seconds') && k.includes('account=')), 'the histogram is per provider');
  assert.ok(up.maxInFlight <= 6, `at most POLL_CONCURRENCY requests in flight (saw ${up.maxInFlight})`);
  if (requireBinary(t, 'promtool', 'prometheus')) {
    const check = promtoolCheckMetrics((await daemon.get('/metrics')).text);
    assert.equal(check.output, '', check.output);
  }

  // The next round: each wallet once, spread over the interval rather than fired at once.
  const firstRound = new Map(names.map((n) => [n, up.requestsOf(n)]));
  await waitFor(() => names.every((n) => up.requestsOf(n) >= firstRound.get(n)! + 1), 'a scheduled round polling every wallet', 20_000);
  const secondRequests = names.map((n) => up.wallets.get(n)!.requests[firstRound.get(n)!]!).sort((a, b) => a - b);
  const span = secondRequests.at(-1)! - secondRequests[0]!;
  assert.ok(span > interval / 2, `a round's polls spread over the interval (${span} ms of ${interval})`);
  assert.ok(up.maxInFlight <= 6, `at most POLL_CONCURRENCY requests in flight (saw ${up.maxInFlight})`);
  for (const n of names) assert.equal(up.wallets.get(n)!.maxInFlight, 1, `${n} never polled twice at once`);
});

test('POLL_CONCURRENCY polls in flight at once (each listening to the shutdown signal) are no "possible leak" warning', async (t) => {
  const names = Array.from({ length: 40 }, (_, i) => `slow-${i}`);
  const up = await upstreamWith(t, names, () => 100);
  up.delayMs = 300;
  const daemon = await Daemon.start({ WALLETS_FILE: writeWalletsFile(tempDir('ws-fleet-'), up, names) });
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, '/readyz once every wallet was polled', 30_000);
  assert.ok(up.maxInFlight >= 12, `many polls in flight at once (saw ${up.maxInFlight})`);
  assert.doesNotMatch(daemon.stderr, /MaxListenersExceededWarning/);
});

test('a 429 on one wallet delays only that wallet', async (t) => {
  const names = ['busy', 'calm-1', 'calm-2', 'calm-3'];
  const up = await upstreamWith(t, names, () => 500);
  up.wallets.get('busy')!.script.push({ status: 429, headers: { 'Retry-After': '3600' }, body: { error: 'slow down' } });
  const file = writeWalletsFile(tempDir('ws-fleet-'), up, names);
  const daemon = await Daemon.start({ WALLETS_FILE: file });
  t.after(() => daemon.kill());

  await waitFor(() => names.slice(1).every((n) => up.requestsOf(n) >= 4), 'the other wallets polled on', 20_000);
  assert.equal(up.requestsOf('busy'), 1, 'no request to the rate-limited wallet before Retry-After');
  const m = await daemon.metrics();
  assert.ok(m.get('telephony_poll_skipped_total{account="busy",reason="rate_limited"}')! >= 2);
  for (const n of names.slice(1)) {
    assert.equal(m.get(`telephony_poll_skipped_total{account="${n}",reason="rate_limited"}`), 0, n);
    assert.equal(m.get(`telephony_api_up{account="${n}"}`), 1, n);
  }
  assert.equal(m.get('telephony_api_up{account="busy"}'), 0);
  const doc = await statusDoc(daemon);
  assert.ok((doc.accounts.find((a) => a.account === 'busy') as { rate_limited_until?: string | null }).rate_limited_until);
});

test("a reload that points a rate-limited wallet at another API drops the old API's Retry-After", async (t) => {
  const names = ['busy', 'calm'];
  const old = await upstreamWith(t, names, () => 500);
  const moved = await upstreamWith(t, names, () => 400);
  old.wallets.get('busy')!.script.push({ status: 429, headers: { 'Retry-After': '3600' }, body: { error: 'slow down' } });
  const dir = tempDir('ws-fleet-');
  const file = writeWalletsFile(dir, old, names);
  const daemon = await Daemon.start({ WALLETS_FILE: file });
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.metric('telephony_poll_skipped_total{account="busy",reason="rate_limited"}'))! >= 1, 'busy rate-limited by the old API');

  writeWalletsFile(dir, moved, names);
  daemon.child.kill('SIGHUP');
  await waitFor(() => moved.requestsOf('busy') >= 1, 'the new API polled at the next slot, not an hour later', 20_000);
  await waitFor(async () => (await daemon.metric('telephony_wallet_balance_credits{account="busy",currency="USD"}')) === 400, 'its balance read from the new API');
  assert.equal(old.requestsOf('busy'), 1, 'the old API not asked again');
});

test("a reload that changes how a rate-limited wallet's answer is read, not which server it asks, keeps waiting out its Retry-After", async (t) => {
  const names = ['busy', 'calm'];
  const up = await upstreamWith(t, names, () => 500);
  up.wallets.get('busy')!.script.push({ status: 429, headers: { 'Retry-After': '3600' }, body: { error: 'slow down' } });
  const dir = tempDir('ws-fleet-');
  const file = writeWalletsFile(dir, up, names);
  const daemon = await Daemon.start({ WALLETS_FILE: file });
  t.after(() => daemon.kill());
  await waitFor(async () => (await daemon.metric('telephony_poll_skipped_total{account="busy",reason="rate_limited"}'))! >= 1, 'busy rate-limited');

  writeWalletsFile(dir, up, names, { busy: ['currency_field: data.currency'] }); // the same origin: its wait still runs
  daemon.child.kill('SIGHUP');
  await waitFor(() => daemon.logs().some((l) => l.msg === 'wallets reloaded' && l.changed === 1), 'the reload applied');
  const skipped = (await daemon.metric('telephony_poll_skipped_total{account="busy",reason="rate_limited"}'))!;
  await waitFor(async () => (await daemon.metric('telephony_poll_skipped_total{account="busy",reason="rate_limited"}'))! >= skipped + 2, 'two more slots skipped after the reload', 20_000);
  assert.equal(up.requestsOf('busy'), 1, 'no request before Retry-After has passed (contract §1)');
});

test('a wallet slower than the schedule: its slots are skipped and counted, never piled up, and the others go on', async (t) => {
  const names = ['slow', 'quick-1', 'quick-2'];
  const up = await upstreamWith(t, names, () => 200);
  up.wallets.get('slow')!.delayMs = 3500;
  const file = writeWalletsFile(tempDir('ws-fleet-'), up, names);
  const daemon = await Daemon.start({ WALLETS_FILE: file, REQUEST_TIMEOUT_MS: '10000', LOG_LEVEL: 'info' });
  t.after(() => daemon.kill());

  await waitFor(async () => (await daemon.metric('telephony_poll_skipped_total{account="slow",reason="overlap"}'))! >= 2, 'overlaps counted for the slow wallet', 20_000);
  await waitFor(() => up.requestsOf('quick-1') >= 5 && up.requestsOf('quick-2') >= 5, 'the quick wallets polled on', 20_000);
  assert.equal(up.wallets.get('slow')!.maxInFlight, 1, 'never two polls of one wallet at once');
  assert.equal(await daemon.metric('telephony_poll_skipped_total{account="quick-1",reason="overlap"}'), 0);
  // logged as a summary, not a line per skipped slot
  await waitFor(() => daemon.logs().some((l) => /scheduled poll\(s\) skipped/.test(l.msg)), 'a summary of skipped polls in the log');
  const skipLines = daemon.logs().filter((l) => /scheduled poll\(s\) skipped/.test(l.msg));
  const skipped = (await daemon.metric('telephony_poll_skipped_total{account="slow",reason="overlap"}'))!;
  assert.ok(skipLines.length < skipped, `${skipLines.length} log lines for ${skipped} skipped polls`);
  assert.deepEqual(skipLines[0]!.wallets, ['slow']);
});

test("while a 429's Retry-After skips a wallet's polls, Alertmanager keeps hearing what fires (its copy ends at endsAt, a few poll intervals, unless posted again)", async (t) => {
  const up = new WalletsUpstream();
  const busy = up.add('busy', 100);
  await up.start();
  t.after(() => up.close());
  const am = new WebhookReceiver();
  await am.start();
  t.after(() => am.close());
  const file = writeWalletsFile(tempDir('ws-fleet-am-'), up, ['busy'], { busy: ['low_balance_threshold: 150'] });
  const daemon = await Daemon.start({ WALLETS_FILE: file, ALERTMANAGER_URL: am.url.replace(/\/hook$/, '') });
  t.after(() => daemon.kill());
  const firing = () => am.received.filter((r) => (JSON.parse(r.raw) as { labels: { alertname: string }; endsAt: string }[]).some((a) => a.labels.alertname === 'low_balance' && Date.parse(a.endsAt) > r.at));
  await waitFor(() => firing().length >= 1, 'low_balance posted to Alertmanager');
  busy.script.push({ status: 429, headers: { 'Retry-After': '3600' }, body: { error: 'slow down' } });
  await waitFor(() => busy.requests.length >= 2, 'the 429 answered');
  const after429 = firing().length;
  await waitFor(() => firing().length >= after429 + 3, 'posted again on the skipped slots', 20_000);
  assert.equal(up.requestsOf('busy'), 2, 'and no request to the API before Retry-After');
});

test('an API that stops answering: every wallet on it gets poll_failing within a few slots, not one wallet at a time through its share of POLL_CONCURRENCY, and the first answer ends it', async (t) => {
  // POLL_CONCURRENCY 4 gives a silent API one slot, each poll holding it ~1.5 s (timeouts and retries up to
  // its next slot): polled one at a time, 16 wallets needed 48 failed polls, over a minute, before the last
  // of them had its 3 in a row. Failing the waiting polls at once (no request) takes a few 2 s slots.
  const names = Array.from({ length: 16 }, (_, i) => `s-${String(i).padStart(2, '0')}`);
  const up = await upstreamWith(t, names, () => 500);
  up.silent = true; // accepts, never answers
  const file = writeWalletsFile(tempDir('ws-fleet-'), up, names);
  const daemon = await Daemon.start({ WALLETS_FILE: file, POLL_SCHEDULE: '*/2 * * * * *', POLL_CONCURRENCY: '4', REQUEST_TIMEOUT_MS: '500', LOG_LEVEL: 'info' });
  t.after(() => daemon.kill());
  const firing = async () => {
    const m = await daemon.metrics();
    return names.filter((n) => m.get(`telephony_alert_firing{account="${n}",alertname="poll_failing",severity="warning"}`) === 1);
  };
  let so = 0;
  await waitFor(async () => (so = (await firing()).length) === names.length, () => `poll_failing on all 16 wallets (${so} so far)`, 30_000);
  assert.ok(up.maxInFlight <= 4, `at most POLL_CONCURRENCY requests at once (saw ${up.maxInFlight})`);
  assert.ok((await daemon.metric('wallet_sentinel_polls_unasked_total'))! > 0, 'the refused polls are counted');
  const silent = daemon.logs().filter((l) => /^the API of wallet \S+ .* gave no answer to its last polls/.test(l.msg));
  assert.equal(silent.length, 1, 'one line says the API fell silent, naming a wallet on it');
  assert.ok(names.includes(String(silent[0]!.wallet)));
  assert.ok(!daemon.logs().some((l) => l.level === 'error' && /not asked/.test(l.msg)), 'not one error line per wallet and slot');
  // Which wallets were refused without a request depends on the order their slots came (on a loaded machine the
  // last one was asked and timed out itself): each says either, and the refused ones say why.
  const errors = (JSON.parse((await daemon.get('/api/status')).text) as StatusDoc).accounts.map((a) => JSON.stringify(a.last_error));
  const unasked = errors.filter((e) => /not asked: the last polls of wallets on this API/.test(e));
  assert.ok(unasked.length > 0, `a wallet's last error says why it was not asked: ${errors.join(' ')}`);
  assert.deepEqual(errors.filter((e) => !unasked.includes(e) && !/"kind":"timeout"/.test(e)), [], 'the others timed out');

  up.silent = false; // it answers again: the next poll that asks ends the refusal, and every wallet is read
  await waitFor(async () => (await firing()).length === 0, 'poll_failing resolved on every wallet once the API answers', 30_000);
  assert.equal(daemon.logs().filter((l) => /^the API of wallet \S+ answers again/.test(l.msg)).length, 1, 'one line says it answers again');
  const m = await daemon.metrics();
  for (const n of names) assert.equal(m.get(`telephony_wallet_balance_credits{account="${n}",currency="USD"}`), 500, n);
});
