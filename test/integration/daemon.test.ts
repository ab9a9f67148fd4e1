/** The real daemon against the simulator: balances, burn rate, runway, top-ups and every endpoint. */
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Simulator } from '../../src/simulator/simulator.js';
import { Daemon, waitFor } from '../helpers/daemon.js';
import { promtoolCheckMetrics, requireBinary } from '../helpers/promtool.js';
import { WebhookReceiver } from '../helpers/receivers.js';

const KEY = 'sk_live_integration_key_1234';
const A = '{account="default"}';

async function setup(t: import('node:test').TestContext, simOpts: ConstructorParameters<typeof Simulator>[0] = {}, env: Record<string, string> = {}) {
  const sim = new Simulator({ apiKey: KEY, balance: 1000, burnPerHour: 36_000, currency: 'EUR', ...simOpts });
  await sim.start();
  t.after(() => sim.close());
  const daemon = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, ...env });
  t.after(() => daemon.kill());
  return { sim, daemon };
}

test('a draining wallet shows balance, spend, burn rate and a finite runway on /metrics and /api/status', async (t) => {
  const { daemon } = await setup(t);
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, '/readyz 200');
  await waitFor(async () => Number.isFinite((await daemon.metric(`telephony_wallet_runway_seconds${A}`)) ?? Infinity), 'a finite runway', 20_000);

  const m = await daemon.metrics();
  const balance = m.get('telephony_wallet_balance_credits{account="default",currency="EUR"}');
  assert.ok(balance !== undefined && balance > 0 && balance < 1000, `balance ${balance}`);
  assert.ok(m.get(`telephony_wallet_consumed_credits_total${A}`)! > 0);
  assert.equal(m.get(`telephony_wallet_topups_total${A}`), 0);
  assert.equal(m.get(`telephony_api_up${A}`), 1);
  assert.ok(m.get('telephony_api_requests_total{account="default",code="200"}')! >= 3);
  assert.ok(m.get(`telephony_api_request_duration_seconds_count{provider="telephony-io"}`)! >= 3, "one histogram per provider (contract section 7)");
  assert.ok(Math.abs(m.get(`telephony_poll_last_success_timestamp_seconds${A}`)! - Date.now() / 1000) < 30);
  // 36 000 credits/h drained: the 1h window sees roughly that (wide bounds: polls jitter on a busy machine)
  const rate = m.get('telephony_wallet_burn_rate_credits_per_hour{account="default",window="1h"}')!;
  assert.ok(rate > 18_000 && rate < 72_000, `burn rate ${rate}`);
  const runway = m.get(`telephony_wallet_runway_seconds${A}`)!;
  assert.ok(runway > 0 && runway < 1000 / 10 * 2, `runway ${runway}`);
  for (const reason of ['rate_limited', 'overlap']) assert.ok(m.has(`telephony_poll_skipped_total{account="default",reason="${reason}"}`));
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    assert.ok(![...m.keys()].some((k) => k.startsWith(name)), `${name} must be removed`);
  }
  assert.ok([...m.keys()].some((k) => k.startsWith('process_cpu_seconds_total')), 'default process metrics present');

  const s = await daemon.status();
  assert.equal(s.account, 'default');
  assert.equal(s.currency, 'EUR');
  assert.equal(s.api_up, true);
  assert.ok(s.runway_seconds !== null && s.runway_seconds > 0);
  assert.ok(s.depletion_at !== null && Date.parse(s.depletion_at) > Date.now());
  assert.ok(s.burn_rate_per_hour['1h']! > 0);
  assert.equal(s.burn_rate_per_hour['24h'], s.burn_rate_per_hour['1h']);
  assert.equal((await daemon.get('/healthz')).status, 200);
});

test('no alert channel configured: one warning at start that alerts show only on the endpoints; none with a channel', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 100 });
  await sim.start();
  t.after(() => sim.close());
  const noChannel = (d: Daemon) => d.logs().some((l) => l.level === 'warn' && /^no alert channel configured/.test(l.msg));
  const bare = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, LOG_LEVEL: 'info' });
  t.after(() => bare.kill());
  await waitFor(() => noChannel(bare), 'the warning without a channel');
  assert.equal(await bare.stop(), 0);
  const hook = new WebhookReceiver();
  await hook.start();
  t.after(() => hook.close());
  const wired = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, LOG_LEVEL: 'info', ALERT_WEBHOOK_URL: hook.url });
  t.after(() => wired.kill());
  await waitFor(async () => (await wired.get('/readyz')).status === 200, 'the first poll done (the start lines long written)');
  assert.ok(wired.logs().some((l) => l.msg === 'wallet-sentinel started') && !noChannel(wired), 'no warning with a webhook');
  assert.equal(await wired.stop(), 0);
});

test('/metrics passes promtool check metrics', async (t) => {
  if (!requireBinary(t, 'promtool', 'prometheus')) return;
  const { daemon } = await setup(t);
  await waitFor(async () => (await daemon.metric(`telephony_api_up${A}`)) === 1, 'a successful poll');
  const page = await daemon.get('/metrics');
  assert.match(page.contentType ?? '', /^text\/plain; version=0\.0\.4/);
  const r = promtoolCheckMetrics(page.text);
  assert.equal(r.output, '', `promtool reported:\n${r.output}`);
  assert.equal(r.status, 0);
});

test('/metrics is written part by part (chunked, no page-sized Content-Length) and HEAD sends the head alone', async (t) => {
  const { daemon } = await setup(t);
  await waitFor(async () => (await daemon.metric(`telephony_api_up${A}`)) === 1, 'a successful poll');
  const res = await fetch(`${daemon.url}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('transfer-encoding'), 'chunked');
  assert.equal(res.headers.get('content-length'), null);
  const text = await res.text();
  assert.match(text, /^# HELP /);
  assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'), 'one newline at the end, as prom-client writes it');
  assert.match(text, /^telephony_wallet_balance_credits\{account="default"/m);
  const head = await fetch(`${daemon.url}/metrics`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.match(head.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  assert.equal(await head.text(), '');
});

test('/metrics and /api/status are gzipped for a client that asks (Prometheus does), plain for one that does not or refuses it', async (t) => {
  const { daemon } = await setup(t);
  await waitFor(async () => (await daemon.metric(`telephony_api_up${A}`)) === 1, 'a successful poll');
  const raw = (path: string, acceptEncoding?: string) =>
    new Promise<{ headers: import('node:http').IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      get(`${daemon.url}${path}`, { headers: acceptEncoding === undefined ? {} : { 'Accept-Encoding': acceptEncoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) })).on('error', reject);
      }).on('error', reject);
    });
  for (const path of ['/metrics', '/api/status']) {
    const zipped = await raw(path, 'gzip, deflate, br');
    assert.equal(zipped.headers['content-encoding'], 'gzip', path);
    assert.equal(zipped.headers.vary, 'Accept-Encoding', path);
    const text = gunzipSync(zipped.body).toString('utf8');
    assert.match(text, path === '/metrics' ? /^telephony_wallet_balance_credits\{account="default"/m : /"accounts"/, path);
    for (const plainAsked of [undefined, 'identity', 'gzip;q=0, identity', '*']) {
      const plain = await raw(path, plainAsked);
      assert.equal(plain.headers['content-encoding'], undefined, `${path} with Accept-Encoding ${plainAsked}`);
      assert.match(plain.body.toString('utf8'), path === '/metrics' ? /^# HELP /m : /^\{/, `${path} with Accept-Encoding ${plainAsked}`);
    }
  }
});

test('a top-up is counted and never counts as negative spend', async (t) => {
  const { sim, daemon } = await setup(t);
  await waitFor(async () => (await daemon.metric(`telephony_wallet_consumed_credits_total${A}`))! > 0, 'some spend');
  const consumedBefore = (await daemon.metric(`telephony_wallet_consumed_credits_total${A}`))!;
  sim.topUp(5000);
  await waitFor(async () => (await daemon.metric(`telephony_wallet_topups_total${A}`)) === 1, 'the top-up to be counted');
  const m = await daemon.metrics();
  assert.ok(m.get(`telephony_wallet_consumed_credits_total${A}`)! >= consumedBefore, 'consumed never decreases');
  assert.ok(m.get('telephony_wallet_balance_credits{account="default",currency="EUR"}')! > 5000);
  const rate = m.get('telephony_wallet_burn_rate_credits_per_hour{account="default",window="1h"}')!;
  assert.ok(rate > 0, `burn rate stays positive across a top-up (${rate})`);
  assert.equal((await daemon.status()).topups_total, 1);
});

test('scrapes and status reads never call the upstream', async (t) => {
  const { sim, daemon } = await setup(t, {}, { POLL_SCHEDULE: '0 0 1 1 *' }); // only the start-up poll
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, '/readyz 200');
  assert.ok(sim.balanceRequests() >= 1);
  const before = sim.balanceRequests();
  const pages = await Promise.all(Array.from({ length: 10 }, () => daemon.get('/metrics')));
  assert.ok(pages.every((p) => p.status === 200));
  await Promise.all(Array.from({ length: 5 }, () => daemon.get('/api/status')));
  assert.equal(sim.balanceRequests(), before, '10 scrapes and 5 status reads made no upstream call');
});

test('/readyz answers 503 before the first poll finished', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 100 });
  await sim.start();
  t.after(() => sim.close());
  sim.enqueue({ delayMs: 3000 });
  const daemon = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, POLL_SCHEDULE: '0 0 1 1 *' });
  t.after(() => daemon.kill());
  assert.equal((await daemon.get('/readyz')).status, 503);
  assert.equal((await daemon.get('/healthz')).status, 200);
  await waitFor(async () => (await daemon.get('/readyz')).status === 200, '/readyz 200 after the slow first poll');
});

test('string and nested balance bodies work with TELEPHONY_BALANCE_FIELD', async (t) => {
  const { daemon } = await setup(t, { format: 'nested', balance: 42.5, burnPerHour: 0 }, {
    TELEPHONY_BALANCE_FIELD: 'data.attributes.balance',
    TELEPHONY_CURRENCY_FIELD: 'data.attributes.currency',
  });
  await waitFor(async () => (await daemon.metric(`telephony_api_up${A}`)) === 1, 'a successful poll');
  const s = await daemon.status();
  assert.equal(s.balance, 42.5);
  assert.equal(s.currency, 'EUR');
});

test('SIGHUP without WALLETS_FILE: one line saying there is nothing to reload, not "reloading WALLETS_FILE" before it; the daemon goes on', async (t) => {
  const { daemon } = await setup(t);
  await waitFor(() => daemon.logs().some((l) => l.msg === 'poll ok'), 'a first poll');
  daemon.child.kill('SIGHUP');
  await waitFor(() => daemon.logs().some((l) => /^SIGHUP: nothing to reload/.test(l.msg)), () => `the reload's answer\n${daemon.stderr.slice(-2000)}`);
  assert.ok(!daemon.logs().some((l) => /reloading WALLETS_FILE/.test(l.msg)), 'no WALLETS_FILE to reload was said to be reloaded');
  const polls = daemon.logs().filter((l) => l.msg === 'poll ok').length;
  await waitFor(() => daemon.logs().filter((l) => l.msg === 'poll ok').length > polls, 'still polling');
});
