/**
 * Every provider preset against its wire-format fixture (the simulator speaking that provider), over real
 * sockets through the one transport: documented body shapes with amounts as strings and as numbers, its
 * authentication checked (wrong credentials → auth failure), its out-of-funds answer, and a broken body
 * that must fail the poll (never a balance of 0). Then a wallets file mixing every provider, end to end
 * in the real daemon.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { readWalletsFile } from '../../src/config/wallets-file.js';
import type { WalletSettings } from '../../src/config/settings.js';
import { UpstreamError } from '../../src/errors.js';
import { endpointFor } from '../../src/providers/index.js';
import { BalanceClient } from '../../src/telephony/client.js';
import { Daemon, tempDir, waitFor } from '../helpers/daemon.js';
import { PROVIDER_CASES, startProviderSim, writeProviderWallets, type ProviderCase } from '../helpers/providers.js';
import { Secret } from '../../src/config/secret.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';
import { WebhookReceiver } from '../helpers/receivers.js';

const TUNING = {
  topupMinCredits: DEFAULT_RULES.topupMinCredits,
  hysteresisPercent: DEFAULT_RULES.hysteresisPercent,
  spendAnomalyFactor: DEFAULT_RULES.spendAnomalyFactor,
  spendAnomalyMinCredits: DEFAULT_RULES.spendAnomalyMinCredits,
};

function walletsFor(simUrl: string, cases: readonly ProviderCase[]): Map<string, WalletSettings> {
  const file = writeProviderWallets(tempDir('ws-prov-'), simUrl, cases);
  const r = readWalletsFile(file, { tuning: TUNING, requireApiKey: true });
  assert.deepEqual(r.problems, []);
  return new Map(r.wallets.map((w) => [w.name, w]));
}

const client = (w: WalletSettings) => new BalanceClient({ baseUrl: w.api.baseUrl, endpoint: endpointFor(w), timeoutMs: 2000, userAgent: 'test', maxAttempts: 1 });

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof UpstreamError, `an UpstreamError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the poll to fail');
}

for (const format of ['string', 'number'] as const) {
  test(`every preset reads its provider's documented body (amounts as ${format}s)`, async (t) => {
    const sim = await startProviderSim(PROVIDER_CASES, 123.45, { format });
    t.after(() => sim.close());
    const wallets = walletsFor(sim.url, PROVIDER_CASES);
    for (const c of PROVIDER_CASES) {
      const r = await client(wallets.get(c.name)!).fetchBalance();
      const expected = c.creditLimit ? 123.45 - c.creditLimit : 123.45;
      assert.equal(r.status, 200, c.name);
      assert.ok(Math.abs(r.balance! - expected) < 1e-9, `${c.name}: balance ${r.balance}, expected ${expected}`);
      assert.equal(r.currency, c.currency, `${c.name}: currency`);
      assert.equal(r.creditLimit, c.creditLimit, `${c.name}: credit limit`);
      assert.equal(r.autoRecharge, c.autoRecharge, `${c.name}: auto-recharge flag`);
      assert.equal(sim.wallet(c.name).requests, 1, `${c.name}: one request reached its path`);
    }
  });
}

test('every preset authenticates the way its provider does: the fixture rejects other credentials', async (t) => {
  const sim = await startProviderSim(PROVIDER_CASES, 10);
  t.after(() => sim.close());
  const good = walletsFor(sim.url, PROVIDER_CASES);
  for (const c of PROVIDER_CASES) {
    const w = good.get(c.name)!;
    // The same wallet with each credential altered in turn: the fixture must answer 401 (or 403).
    for (const key of Object.keys(w.api.credentials)) {
      if ((c.provider === 'twilio' && key === 'account_sid') || (c.provider === 'plivo' && key === 'auth_id')) continue; // part of the path: another path, a 404
      const credentials = { ...w.api.credentials, [key]: new Secret(`${w.api.credentials[key]!.reveal()}-wrong`) };
      if (key === 'api_key' && c.provider === 'telephony-io') continue; // covered below with apiKey too
      const err = await failure(client({ ...w, api: { ...w.api, credentials } }).fetchBalance());
      assert.equal(err.kind, 'auth', `${c.name}: altered ${key} → ${err.message}`);
      assert.ok(!err.message.includes('NEVER_PRINT_ME'), `${c.name}: the message holds no credential`);
    }
    const ok = await client(w).fetchBalance();
    assert.equal(ok.status, 200, `${c.name}: the right credentials still work`);
  }
  const tio = good.get('telephony-io')!;
  const err = await failure(client({ ...tio, api: { ...tio.api, credentials: { api_key: new Secret('other') } } }).fetchBalance());
  assert.equal(err.kind, 'auth');
});

test("every preset reads its provider's out-of-funds answer as an empty wallet (Telnyx: at its credit limit)", async (t) => {
  const sim = await startProviderSim(PROVIDER_CASES, 0);
  t.after(() => sim.close());
  const wallets = walletsFor(sim.url, PROVIDER_CASES);
  for (const c of PROVIDER_CASES) {
    const r = await client(wallets.get(c.name)!).fetchBalance();
    if (c.provider === 'telephony-io') {
      assert.equal(r.status, 402);
      assert.equal(r.balance, 0);
    } else {
      assert.equal(r.status, 200, c.name);
      assert.equal(r.balance, c.creditLimit ? -c.creditLimit : 0, `${c.name}: the balance at the floor`);
    }
  }
});

test('a body that is not the provider\'s shape fails the poll, naming the field, never a balance of 0', async (t) => {
  const sim = await startProviderSim(PROVIDER_CASES, 10);
  t.after(() => sim.close());
  const wallets = walletsFor(sim.url, PROVIDER_CASES);
  const bodies: object[] = [{}, { balance: 'abc', data: { balance: 'NaN', total_credits: 'x', total_usage: 1 }, value: '1,5', amount: null, UserData: { balance: 'KES abc' }, cash_credits: '', balance_infos: [], account: { credit: 'none' } }];
  for (const c of PROVIDER_CASES) {
    for (const body of bodies) {
      sim.wallet(c.name).enqueue({ status: 200, body });
      const err = await failure(client(wallets.get(c.name)!).fetchBalance());
      assert.equal(err.kind, 'bad_response', `${c.name}: ${JSON.stringify(body)} → ${err.message}`);
    }
  }
});

test('a wallets file mixing every provider runs end to end in the daemon: each balance, currency and provider label', async (t) => {
  const sim = await startProviderSim(PROVIDER_CASES, 500, { burnPerHour: 36_000 });
  t.after(() => sim.close());
  const file = writeProviderWallets(tempDir('ws-prov-e2e-'), sim.url, PROVIDER_CASES);
  const d = await Daemon.start({ WALLETS_FILE: file, POLL_SCHEDULE: '* * * * * *', LOG_LEVEL: 'info' });
  t.after(() => d.kill());
  const doc = await waitFor(async () => {
    const s = JSON.parse((await d.get('/api/status')).text) as { accounts: { account: string; balance: number | null; currency: string | null; samples: number }[] };
    return s.accounts.length === PROVIDER_CASES.length && s.accounts.every((a) => a.samples >= 3) ? s : undefined;
  }, () => `three polls of every wallet\n${d.stderr}`, 30_000);
  for (const c of PROVIDER_CASES) {
    const a = doc.accounts.find((x) => x.account === c.name)!;
    assert.equal(a.currency, c.currency, `${c.name}: currency`);
    const floor = -(c.creditLimit ?? 0);
    // 10 credits a second from 500: below the start, above the floor (the wait is bounded at 30 s).
    assert.ok(a.balance !== null && a.balance < 500 + floor && a.balance > floor, `${c.name}: a draining balance, got ${a.balance}`);
  }
  const m = await d.metrics();
  for (const c of PROVIDER_CASES) {
    assert.equal(m.get(`telephony_api_up{account="${c.name}"}`), 1, `${c.name} up`);
    const info = [...m.keys()].find((k) => k.startsWith('telephony_wallet_info{') && k.includes(`account="${c.name}"`));
    assert.ok(info?.includes(`provider="${c.provider}"`), `${c.name}: telephony_wallet_info carries the provider (${info})`);
  }
  assert.equal(await d.stop(), 0);
});

test('credit limit and auto-recharge in the daemon: the floor in /api/status and /metrics, exhausted at the limit, a failing recharge warned about and said in the alert', async (t) => {
  const cases = PROVIDER_CASES.filter((c) => ['twilio', 'telnyx', 'plivo', 'vonage', 'clicksend'].includes(c.name));
  const sim = await startProviderSim(cases, 300);
  t.after(() => sim.close());
  sim.wallet('telnyx').setBalance(0); // its body: balance −50.00, at the credit limit
  sim.wallet('plivo').setBalance(0); // auto-recharge on, yet empty: the recharge is failing
  sim.wallet('clicksend').setBalance(40); // auto-recharge on and under our threshold: maybe not yet at the provider's
  const hook = new WebhookReceiver();
  await hook.start();
  t.after(() => hook.close());
  const file = writeProviderWallets(tempDir('ws-prov-floor-'), sim.url, cases, ['low_balance_threshold: 100']);
  const d = await Daemon.start({ WALLETS_FILE: file, ALERT_WEBHOOK_URL: hook.url, LOG_LEVEL: 'info' });
  t.after(() => d.kill());
  const bodies = () => hook.received.map((r) => r.body as { account: string; alertname: string; summary: string });
  await waitFor(() => ['telnyx', 'plivo'].every((w) => bodies().some((b) => b.account === w && b.alertname === 'wallet_exhausted')) && bodies().some((b) => b.account === 'clicksend'), () => `the alerts\n${JSON.stringify(bodies())}`);
  const status = JSON.parse((await d.get('/api/status')).text) as { accounts: Record<string, unknown>[] };
  const acc = (name: string) => status.accounts.find((a) => a.account === name)!;
  assert.equal(acc('telnyx').balance, -50);
  assert.equal(acc('telnyx').credit_limit, 50);
  assert.equal(acc('telnyx').exhausted, true);
  assert.equal(acc('plivo').auto_recharge, true);
  assert.equal(acc('plivo').auto_recharge_failing, true);
  assert.equal(acc('clicksend').auto_recharge, true);
  assert.equal(acc('clicksend').auto_recharge_failing, false, 'a low balance with auto-recharge on: the provider may recharge at a lower level');
  assert.equal(acc('vonage').auto_recharge, false);
  assert.equal(acc('vonage').auto_recharge_failing, false);
  assert.equal(acc('twilio').auto_recharge, null, 'Twilio reports no auto-recharge flag');
  assert.equal(acc('twilio').credit_limit, null);
  const m = await d.metrics();
  assert.equal(m.get('telephony_wallet_credit_limit_credits{account="telnyx",currency="USD"}'), 50);
  assert.equal(m.get('telephony_wallet_auto_recharge{account="plivo"}'), 1);
  assert.equal(m.get('telephony_wallet_auto_recharge{account="vonage"}'), 0);
  assert.equal([...m.keys()].some((k) => k.includes('account="twilio"') && k.startsWith('telephony_wallet_auto_recharge')), false);
  assert.equal(m.get('telephony_wallet_credit_limit_credits{account="twilio",currency="USD"}'), 0, 'a prepaid wallet: credit limit 0');
  const exhausted = bodies().find((b) => b.account === 'telnyx' && b.alertname === 'wallet_exhausted')!;
  assert.match(exhausted.summary, /^Telnyx wallet 'telnyx' is exhausted/);
  assert.match(bodies().find((b) => b.account === 'plivo' && b.alertname === 'wallet_exhausted')!.summary, /^Plivo wallet 'plivo' is exhausted/);
  const warned = d.logs().filter((l) => l.msg.startsWith('auto-recharge is on, yet the wallet is empty'));
  assert.deepEqual(warned.map((l) => l.account), ['plivo'], 'the failing recharge is warned about, once, for the empty wallet only');
  assert.equal(await d.stop(), 0);
});

test('an error answer\'s code is shown unless it echoes what was sent: the scheme word of `Authorization: AccessKey <key>` hides nothing, the key still does', async (t) => {
  let code = 'access_denied';
  const srv = createServer((_req, res) => void res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code })));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(() => srv.close());
  const baseUrl = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  const api = { baseUrl, balancePath: '/balance', balanceField: 'balance', currencyField: 'currency', apiKey: undefined, credentials: { access_key: new Secret('live_9f8e7d6c5b') } };
  const bird = new BalanceClient({ baseUrl, endpoint: endpointFor({ provider: 'messagebird', api }), timeoutMs: 2000, userAgent: 'test', maxAttempts: 1 });
  assert.match((await failure(bird.fetchBalance())).message, /its code: access_denied/);
  code = 'live-9f8e7d6c5b';
  const echoed = await failure(bird.fetchBalance());
  assert.doesNotMatch(echoed.message, /9f8e7d6c5b|its code/);
});

test("an api_url copied from a provider's docs with the API version in it (https://api.telnyx.com/v2): the 404 says which part to drop", async (t) => {
  const paths: string[] = [];
  const srv = createServer((req, res) => void (paths.push(req.url ?? ''), res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"10005","title":"Resource not found"}]}')));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(() => srv.close());
  const baseUrl = `http://127.0.0.1:${(srv.address() as { port: number }).port}/v2`;
  const api = { baseUrl, balancePath: '/balance', balanceField: 'balance', currencyField: 'currency', apiKey: undefined, credentials: { api_key: new Secret('KEY0123456789') } };
  const telnyx = new BalanceClient({ baseUrl, endpoint: endpointFor({ provider: 'telnyx', api }), timeoutMs: 2000, userAgent: 'test', maxAttempts: 1 });
  const err = await failure(telnyx.fetchBalance());
  assert.deepEqual(paths, ['/v2/v2/balance']);
  assert.match(err.message, /404.*api_url already ends in \/v2, which the request path adds again: drop \/v2 from api_url/);
  assert.doesNotMatch(err.message, /KEY0123456789/);
});
