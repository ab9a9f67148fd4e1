/** The simulator serving many wallets from one server: routing, keys, per-wallet scripts and counts, shapes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { Simulator, type SimulatorOptions } from '../../src/simulator/simulator.js';
import { fleetSpecs } from '../../src/simulator/fleet.js';
import { writeWalletsFile } from '../../src/simulator/wallets-file.js';
import { tempDir } from '../helpers/daemon.js';
import { PROVIDER_CASES, credentialsOf, simSpec } from '../helpers/providers.js';

async function sim(t: { after: (fn: () => Promise<void>) => void }, opts: SimulatorOptions): Promise<Simulator> {
  const s = new Simulator(opts);
  await s.start();
  t.after(() => s.close());
  return s;
}
async function get(s: Simulator, path: string, key?: string) {
  const res = await fetch(s.url + path, { headers: key === undefined ? {} : { Authorization: `Bearer ${key}` } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}
const post = async (s: Simulator, path: string, body?: string) => {
  const res = await fetch(s.url + path, { method: 'POST', body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};
function clock(start = Date.UTC(2026, 10, 30, 0, 0, 0)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

test('fleetSpecs: names padded to the count, paths and keys from templates, stable spread', () => {
  const a = fleetSpecs({ count: 12, balance: 100, burnPerHour: 10, spread: 0.5 });
  assert.equal(a.length, 12);
  assert.deepEqual([a[0]!.name, a[0]!.path, a[0]!.apiKey], ['w01', '/t/1/v1/wallet/balance', 'sim-key-1']);
  assert.equal(a[11]!.name, 'w12');
  for (const w of a) {
    assert.ok(w.balance! >= 50 && w.balance! <= 150, `${w.name} balance ${w.balance}`);
    assert.ok(w.burnPerHour! >= 5 && w.burnPerHour! <= 15, `${w.name} burn ${w.burnPerHour}`);
  }
  assert.ok(new Set(a.map((w) => w.balance)).size > 6, 'balances differ');
  assert.deepEqual(fleetSpecs({ count: 12, balance: 100, burnPerHour: 10, spread: 0.5 }), a, 'deterministic');
  const b = fleetSpecs({ count: 2, first: 13, nameTemplate: 'acme-{i}', pathTemplate: '/a/{i}/bal', keyTemplate: 'k{i}' });
  assert.deepEqual(b.map((w) => [w.name, w.path, w.apiKey]), [['acme-13', '/a/13/bal', 'k13'], ['acme-14', '/a/14/bal', 'k14']]);
  assert.throws(() => fleetSpecs({ count: 1, spread: 1 }), /spread/);
});

test('each wallet on its own path with its own key and balance; 401 unknown key, 403 another wallet\'s key, 402 empty, 404 unknown path', async (t) => {
  const s = await sim(t, {
    wallets: [
      { name: 'eu', path: '/eu/balance', apiKey: 'k-eu', balance: 10, currency: 'EUR' },
      { name: 'us', path: '/us/balance', apiKey: 'k-us', balance: 20 },
      { name: 'dry', path: '/dry/balance', apiKey: 'k-dry', balance: 0 },
    ],
  });
  assert.deepEqual((await get(s, '/eu/balance', 'k-eu')).json, { balance: 10, currency: 'EUR' });
  assert.deepEqual((await get(s, '/us/balance?x=1', 'k-us')).json, { balance: 20, currency: 'USD' }, 'the query string is ignored');
  const none = await get(s, '/eu/balance');
  assert.equal(none.status, 401);
  assert.equal(none.json?.code, 'unauthorized');
  assert.equal((await get(s, '/eu/balance', 'k-nope')).status, 401);
  const other = await get(s, '/eu/balance', 'k-us');
  assert.equal(other.status, 403);
  assert.equal(other.json?.code, 'forbidden');
  const dry = await get(s, '/dry/balance', 'k-dry');
  assert.equal(dry.status, 402);
  assert.equal(dry.json?.current_balance, 0);
  assert.equal((await get(s, '/v1/wallet/balance', 'k-eu')).status, 404, 'no default wallet when wallets are given');
  assert.deepEqual(s.requests.map((r) => [r.wallet, r.served]), [['eu', 200], ['us', 200], ['eu', 401], ['eu', 401], ['eu', 403], ['dry', 402], [null, 404]]);
  assert.deepEqual([s.wallet('eu').requests, s.wallet('us').requests, s.wallet('dry').requests], [4, 1, 1]);

  // a rotated key: the old one is rejected as unknown (revoked), the new one works
  s.setApiKey('us', 'k-us-2');
  assert.equal((await get(s, '/us/balance', 'k-us')).status, 401);
  assert.equal((await get(s, '/us/balance', 'k-us-2')).status, 200);
  // a removed wallet's path is gone
  assert.ok(s.removeWallet('dry'));
  assert.equal((await get(s, '/dry/balance', 'k-dry')).status, 404);
  assert.throws(() => s.addWallets([{ name: 'eu2', path: '/eu/balance', apiKey: 'x' }]), /already served/);
  assert.throws(() => s.addWallets([{ name: 'us', path: '/us2', apiKey: 'x' }]), /duplicate wallet name/);
  assert.equal(s.size, 2, 'a rejected batch adds nothing');
});

test('control API per wallet: a 429 with Retry-After for one wallet only, an override, balance, burn, counts', async (t) => {
  const c = clock();
  const s = await sim(t, { wallets: fleetSpecs({ count: 3, balance: 100 }), now: c.now });
  const sc = await post(s, '/_sim/wallets/w2/script', JSON.stringify([{ status: 429, headers: { 'Retry-After': '120' } }]));
  assert.equal(sc.status, 200);
  assert.equal(sc.json.name, 'w2');
  assert.equal((await get(s, '/t/1/v1/wallet/balance', 'sim-key-1')).status, 200, 'w1 is not rate limited');
  const limited = await get(s, '/t/2/v1/wallet/balance', 'sim-key-2');
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '120');
  assert.equal((await get(s, '/t/2/v1/wallet/balance', 'sim-key-2')).status, 200, 'the script is used once');

  assert.equal((await post(s, '/_sim/wallets/w3/override', '{"status":503}')).status, 200);
  assert.equal((await get(s, '/t/3/v1/wallet/balance', 'sim-key-3')).status, 503);
  assert.equal((await get(s, '/t/3/v1/wallet/balance', 'sim-key-3')).status, 503);
  assert.equal((await get(s, '/t/1/v1/wallet/balance', 'sim-key-1')).status, 200);
  await post(s, '/_sim/wallets/w3/override', 'null');
  assert.equal((await get(s, '/t/3/v1/wallet/balance', 'sim-key-3')).status, 200);

  assert.equal((await post(s, '/_sim/wallets/w1/balance?value=7')).json.balance, 7);
  assert.equal((await post(s, '/_sim/wallets/w1/burn?per_hour=2')).json.burn_per_hour, 2);
  c.advance(3_600_000);
  assert.equal((await post(s, '/_sim/wallets/w1/topup?amount=1')).json.balance, 6);
  assert.equal((await post(s, '/_sim/wallets/w1/key?value=fresh')).status, 200);
  assert.equal((await get(s, '/t/1/v1/wallet/balance', 'fresh')).status, 200);

  const list = (await (await fetch(`${s.url}/_sim/wallets`)).json()) as { wallets: Array<{ name: string; requests: number; balance: number }> };
  assert.deepEqual(list.wallets.map((w) => [w.name, w.requests]), [['w1', 3], ['w2', 2], ['w3', 3]]);
  const one = await fetch(`${s.url}/_sim/wallets/w2/state`);
  assert.deepEqual(await one.json(), { name: 'w2', path: '/t/2/v1/wallet/balance', balance: 100, currency: 'USD', burn_per_hour: 0, requests: 2 });
  // the first wallet still answers the single-wallet routes, in their old shape
  assert.deepEqual(await (await fetch(`${s.url}/_sim/state`)).json(), { balance: 6, currency: 'USD', burn_per_hour: 2, requests: 3 });

  assert.equal((await post(s, '/_sim/wallets/nope/balance?value=1')).status, 404);
  assert.equal((await fetch(`${s.url}/_sim/wallets/w%32/state`)).status, 200, 'a percent-encoded name is decoded');
  for (const bad of ['/_sim/wallets/%E0%A4%A/state', '/_sim/wallets/%ZZ/state', '/_sim/wallets/%C3%28/balance?value=1']) {
    const r = await fetch(s.url + bad, { method: bad.endsWith('state') ? 'GET' : 'POST' });
    assert.equal(r.status, 400, `${bad}: a malformed name is the caller's mistake (it was a 500 URIError)`);
    assert.deepEqual(await r.json(), { error: `wallet name "${bad.split('/')[3]}" is not valid percent-encoding (UTF-8)`, code: 'invalid_parameter' });
  }
  assert.equal((await post(s, '/_sim/wallets/w1/override', '[1]')).status, 400);
  assert.equal((await post(s, '/_sim/wallets/w1/burn?per_hour=1&amplitude=2')).status, 400);
  assert.equal((await post(s, '/_sim/wallets/w1/key?value=')).status, 400);
});

test('a key rotated through the control API revokes the old credentials for every provider (Twilio, Plivo, MessageBird kept answering them)', async (t) => {
  const s = await sim(t, { wallets: PROVIDER_CASES.map((c) => simSpec(c, 100)) });
  const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  // Over HTTP, with the headers their providers send: the secret each rotation replaces, and how it signs in.
  const http: Record<string, [string, (c: Record<string, string>) => Record<string, string>]> = {
    twilio: ['auth_token', (c) => basic(c.account_sid!, c.auth_token!)],
    'twilio-apikey': ['api_key_secret', (c) => basic(c.api_key_sid!, c.api_key_secret!)],
    plivo: ['auth_token', (c) => basic(c.auth_id!, c.auth_token!)],
    vonage: ['api_secret', (c) => basic(c.api_key!, c.api_secret!)],
    messagebird: ['access_key', (c) => ({ Authorization: `AccessKey ${c.access_key}` })],
  };
  for (const [name, [secret, headers]] of Object.entries(http)) {
    const path = s.wallet(name).path;
    const old = credentialsOf(PROVIDER_CASES.find((c) => c.name === name)!);
    assert.equal((await fetch(s.url + path, { headers: headers(old) })).status, 200, `${name} before`);
    assert.equal((await post(s, `/_sim/wallets/${name}/key?value=ROTATED`)).status, 200, name);
    assert.equal((await fetch(s.url + path, { headers: headers(old) })).status, 401, `${name}: the old credentials after the rotation`);
    assert.equal((await fetch(s.url + path, { headers: headers({ ...old, [secret]: 'ROTATED' }) })).status, 200, `${name}: the new secret`);
    assert.equal(s.wallet(name).secretName, secret, name);
  }
  // Every other provider: the old credentials' auth string is refused, the new one's accepted.
  for (const c of PROVIDER_CASES.filter((c) => !http[c.name])) {
    const w = s.wallet(c.name);
    assert.equal((await post(s, `/_sim/wallets/${c.name}/key?value=ROTATED`)).status, 200, c.name);
    assert.equal(w.secretName, 'api_key', c.name);
    assert.equal(w.credentials.api_key, 'ROTATED', c.name);
    assert.equal(w.authorized(w.wire.expected(credentialsOf(c))), false, `${c.name}: the old credentials are revoked`);
    assert.equal(w.authorized(w.wire.expected(w.credentials)), true, `${c.name}: the new ones sign in`);
  }
});

test('a daily drain shape: the day averages burnPerHour, the peak hour burns faster than the trough', () => {
  const c = clock(); // midnight UTC
  const s = new Simulator({ wallets: [{ name: 'x', path: '/x', apiKey: 'k', balance: 10_000, burnPerHour: 10, shape: { kind: 'daily', amplitude: 0.5, peakHour: 12 } }], now: c.now });
  const w = s.wallet('x');
  c.advance(60 * 60_000); // 00:00-01:00, the trough: about 10 × (1 − 0.5)
  const trough = 10_000 - w.balance();
  assert.ok(trough > 4.9 && trough < 5.2, `trough hour ${trough}`);
  c.advance(11.5 * 3_600_000); // to 12:30
  const at = w.balance();
  assert.equal(w.balance(), at, 'reading twice at one instant changes nothing');
  c.advance(30 * 60_000); // 12:30-13:00 near the peak: about 15/h
  const peakHalfHour = at - w.balance();
  assert.ok(peakHalfHour > 7.2 && peakHalfHour < 7.5, `peak half hour ${peakHalfHour}`);
  c.advance(11 * 3_600_000); // back to midnight: one whole day
  assert.ok(Math.abs(10_000 - w.balance() - 240) < 1e-6, `one day burns 24 × 10, got ${10_000 - w.balance()}`);
  // and it is lazy: a month unobserved costs one evaluation, floored at 0
  c.advance(60 * 24 * 3_600_000);
  assert.equal(w.balance(), 0);
});

test('10,000 wallets from one server: every request finds its own wallet', async (t) => {
  const specs = fleetSpecs({ count: 10_000, balance: 1000, spread: 0.3 });
  const s = await sim(t, { wallets: specs, keepRequests: false });
  assert.equal(s.size, 10_000);
  for (const i of [1, 2, 4_999, 10_000]) {
    const spec = specs[i - 1]!;
    const r = await get(s, spec.path, spec.apiKey);
    assert.equal(r.status, 200, spec.name);
    assert.equal(r.json?.balance, spec.balance, spec.name);
  }
  assert.equal(s.requests.length, 0, 'keepRequests: false keeps no log');
  assert.equal(s.wallet('w10000').requests, 1);
});

test('writeWalletsFile: a contract-section-7 file with one key file per wallet, readable as YAML', () => {
  const dir = tempDir('ws-sim-file-');
  const specs = fleetSpecs({ count: 3, keyTemplate: 'secret "key" {i}' });
  const file = writeWalletsFile({
    file: join(dir, 'wallets.yaml'),
    keyDir: join(dir, 'keys'),
    apiUrl: 'http://127.0.0.1:1234',
    wallets: specs,
    defaults: { runway_warning_hours: 72 },
    extra: (name, i) => ({ low_balance_threshold: 100 + i, labels: { team: `t-${name}` } }),
  });
  const doc = YAML.parse(readFileSync(file, 'utf8')) as { defaults: object; wallets: Array<Record<string, unknown>> };
  assert.deepEqual(doc.defaults, { runway_warning_hours: 72 });
  assert.deepEqual(doc.wallets[1], {
    name: 'w2',
    api_url: 'http://127.0.0.1:1234',
    balance_path: '/t/2/v1/wallet/balance',
    api_key_file: join(dir, 'keys', 'w2'),
    low_balance_threshold: 101,
    labels: { team: 't-w2' },
  });
  assert.ok(!readFileSync(file, 'utf8').includes('secret'), 'no key in the file itself');
  assert.equal(readFileSync(join(dir, 'keys', 'w3'), 'utf8'), 'secret "key" 3\n');
  assert.equal(statSync(join(dir, 'keys', 'w3')).mode & 0o777, 0o600);
});
