import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulator, type SimulatorOptions } from '../../src/simulator/simulator.js';
import { fleetSpecs } from '../../src/simulator/fleet.js';
import { waitFor } from '../helpers/daemon.js';

const AUTH = { Authorization: 'Bearer sim-key' };
const PATH = '/v1/wallet/balance';

async function sim(t: { after: (fn: () => Promise<void>) => void }, opts: SimulatorOptions = {}): Promise<Simulator> {
  const s = new Simulator(opts);
  await s.start();
  t.after(() => s.close());
  return s;
}
async function get(s: Simulator, headers: Record<string, string> = AUTH, path = PATH) {
  const res = await fetch(s.url + path, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}
const post = async (s: Simulator, path: string, body?: string) => {
  const res = await fetch(s.url + path, { method: 'POST', body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};
function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

test('auth: missing or wrong key is 401, the right key is 200', async (t) => {
  const s = await sim(t);
  for (const h of [{}, { Authorization: 'Bearer nope' }, { Authorization: 'sim-key' }] as Record<string, string>[]) {
    const r = await get(s, h);
    assert.equal(r.status, 401);
    assert.deepEqual(JSON.parse(r.text), { error: 'Invalid API key', code: 'unauthorized' });
  }
  const ok = await get(s, { ...AUTH, 'User-Agent': 'wallet-sentinel/0.1.0' });
  assert.equal(ok.status, 200);
  assert.deepEqual(s.requests.map((r) => r.served), [401, 401, 401, 200]);
  assert.equal(s.requests.at(-1)?.userAgent, 'wallet-sentinel/0.1.0');
  assert.equal(s.requests.at(-1)?.authorization, 'Bearer sim-key');
  assert.equal(s.balanceRequests(), 4);
});

test('body formats', async (t) => {
  const s = await sim(t, { balance: 42.5, currency: 'EUR' });
  assert.deepEqual(JSON.parse((await get(s)).text), { balance: 42.5, currency: 'EUR' });
  s.setFormat('string');
  assert.deepEqual(JSON.parse((await get(s)).text), { balance: '42.50', currency: 'EUR' });
  s.setFormat('nested');
  assert.deepEqual(JSON.parse((await get(s)).text), { data: { attributes: { balance: '42.50', currency: 'EUR' } } });
  s.setBalance(1 / 3);
  s.setFormat('number');
  assert.equal(JSON.parse((await get(s)).text).balance, 0.3333);
});

test('drain with an injected clock, floor at 0, then 402', async (t) => {
  const c = clock();
  const s = await sim(t, { balance: 100, burnPerHour: 10, now: c.now });
  c.advance(30 * 60_000);
  assert.equal(s.balance(), 95);
  assert.equal(JSON.parse((await get(s)).text).balance, 95);
  c.advance(100 * 3_600_000);
  assert.equal(s.balance(), 0);
  const r = await get(s);
  assert.equal(r.status, 402);
  assert.deepEqual(JSON.parse(r.text), {
    error: 'Insufficient credits to complete this request',
    code: 'insufficient_balance',
    required_credits: 0.01,
    current_balance: 0,
  });
  s.topUp(20);
  assert.equal((await get(s)).status, 200);
  s.setBurnPerHour(40);
  c.advance(15 * 60_000);
  assert.equal(s.balance(), 10);
});

test('automatic top-ups are computed lazily, interleaved with the drain', async (t) => {
  const c = clock();
  const s = await sim(t, { balance: 10, burnPerHour: 36, topupEverySeconds: 3600, topupAmount: 50, now: c.now });
  c.advance(1800_000);
  assert.equal(s.balance(), 0); // 10 - 18 floors at 0 before the first top-up
  c.advance(1800_000); // top-up at 1 h: 0 + 50
  assert.equal(s.balance(), 50);
  c.advance(2 * 3600_000); // two more top-ups, 72 drained
  assert.equal(s.balance(), 50 - 72 + 100);
});

test('a top-up interval under 1 s is refused wherever a wallet is made (at 1e-9 s the catch-up loop never ended)', () => {
  for (const every of [1e-9, 0.5, -1, Number.NaN]) {
    assert.throws(() => new Simulator({ topupEverySeconds: every }), /topupEverySeconds must be 0 \(no automatic top-ups\) or at least 1 s/, String(every));
    assert.throws(() => fleetSpecs({ count: 1, topupEverySeconds: every }), /topupEverySeconds must be 0/, String(every));
  }
  assert.doesNotThrow(() => new Simulator({ topupEverySeconds: 0 }));
  assert.doesNotThrow(() => new Simulator({ topupEverySeconds: 1 }));
});

test('top-ups over a long unobserved stretch are counted, not stepped: the same balance as one top-up at a time', () => {
  // The reference: every top-up in turn, its time first + k × interval (the drain floored at 0 between them).
  const reference = (o: { balance: number; burnPerHour: number; every: number; amount: number; amplitude: number; span: number; start: number }) => {
    const H = 3_600_000;
    const D = 24 * H;
    const w = (2 * Math.PI) / D;
    const used = (a: number, b: number) => (o.burnPerHour * (b - a)) / H + (o.burnPerHour * o.amplitude * ((Math.sin(w * b) - Math.sin(w * a)) / w)) / H;
    let v = o.balance;
    let at = o.start;
    for (let k = 1; o.start + k * o.every <= o.start + o.span; k++) {
      const t = o.start + k * o.every;
      v = Math.max(0, v - used(at, t)) + o.amount;
      at = t;
    }
    return Math.max(0, v - used(at, o.start + o.span));
  };
  const start = Date.UTC(2026, 0, 1);
  for (const [burnPerHour, amount, amplitude] of [[36, 50, 0], [100, 0.01, 0], [36, 50, 0.8], [500, 0.2, 0.5], [0, 3, 0]] as const) {
    const o = { balance: 10, burnPerHour, every: 7_000, amount, amplitude, span: 30 * 24 * 3_600_000 + 123, start };
    const c = clock(start);
    const s = new Simulator({ balance: o.balance, burnPerHour, topupEverySeconds: 7, topupAmount: amount, shape: amplitude ? { kind: 'daily', amplitude } : { kind: 'constant' }, now: c.now });
    c.advance(o.span / 2);
    s.balance(); // read once half-way: the next read starts part-way through the schedule
    c.advance(o.span / 2);
    const want = reference(o);
    assert.ok(Math.abs(s.balance() - want) <= 1e-6 * Math.max(1, want), `burn ${burnPerHour} top-up ${amount} amplitude ${amplitude}: ${s.balance()} vs ${want}`);
  }
});

test('enqueue is served in order, then normal behaviour; explicit statuses bypass auth', async (t) => {
  const s = await sim(t, { balance: 7 });
  s.enqueue(
    { status: 429, headers: { 'Retry-After': '5' } },
    { status: 500 },
    { body: '<html>oops</html>', headers: { 'Content-Type': 'text/html' } },
    { body: '{"balance": 4' },
    { status: 200, body: { balance: '1.00' }, delayMs: 30 },
  );
  const a = await get(s, {}); // no key, but the status is scripted
  assert.equal(a.status, 429);
  assert.equal(a.headers.get('retry-after'), '5');
  assert.equal(JSON.parse(a.text).code, 'rate_limit_exceeded');
  assert.equal((await get(s)).status, 500);
  assert.equal((await get(s, {})).status, 401); // no status scripted: auth first, script not consumed
  const html = await get(s);
  assert.equal(html.headers.get('content-type'), 'text/html');
  assert.equal(html.text, '<html>oops</html>');
  assert.equal((await get(s)).text, '{"balance": 4');
  const t0 = Date.now();
  assert.deepEqual(JSON.parse((await get(s)).text), { balance: '1.00' });
  assert.ok(Date.now() - t0 >= 25);
  assert.deepEqual(JSON.parse((await get(s)).text), { balance: 7, currency: 'USD' });
});

test('override applies to every request until cleared', async (t) => {
  const s = await sim(t);
  s.setOverride({ status: 503 });
  assert.equal((await get(s)).status, 503);
  assert.equal((await get(s, {})).status, 503);
  s.setOverride(null);
  assert.equal((await get(s)).status, 200);
  assert.equal((await get(s, {}, '/nope')).status, 404);
});

test('control API', async (t) => {
  const s = await sim(t, { balance: 10 });
  await get(s);
  const st = await fetch(`${s.url}/_sim/state`);
  assert.deepEqual(await st.json(), { balance: 10, currency: 'USD', burn_per_hour: 0, requests: 1 });
  assert.equal((await post(s, '/_sim/topup?amount=50')).json.balance, 60);
  assert.equal((await post(s, '/_sim/balance?value=12')).json.balance, 12);
  assert.equal((await post(s, '/_sim/burn?per_hour=100')).json.burn_per_hour, 100);
  const sc = await post(s, '/_sim/script', JSON.stringify([{ status: 502 }, { status: 429, headers: { 'Retry-After': '1' } }]));
  assert.equal(sc.status, 200);
  assert.equal((await get(s)).status, 502);
  assert.equal((await get(s)).status, 429);
  for (const bad of ['/_sim/topup?amount=abc', '/_sim/balance?value=', '/_sim/burn?per_hour=-1']) {
    const r = await post(s, bad);
    assert.equal(r.status, 400, bad);
    assert.equal(r.json.code, 'invalid_parameter');
  }
  assert.equal((await post(s, '/_sim/script', '{"status":500}')).status, 400);
  assert.equal((await post(s, '/_sim/script', '[{"status":"x"}]')).status, 400);
  assert.equal((await post(s, '/_sim/script', 'not json')).status, 400);
});

test('amounts past 1e15 and more than 100,000 wallets are refused: 1e308 was served as {"balance": null}, a top-up and a burn of 1e308 as NaN', async (t) => {
  const s = await sim(t, { balance: 10 });
  for (const bad of ['/_sim/balance?value=1e308', '/_sim/topup?amount=1e308', '/_sim/burn?per_hour=1e308', '/_sim/balance?value=1000000000000001']) {
    const r = await post(s, bad);
    assert.equal(r.status, 400, bad);
    assert.match(String(r.json.error), /must be a non-negative number up to 1000000000000000, got "1/, bad);
  }
  assert.deepEqual(JSON.parse((await get(s)).text), { balance: 10, currency: 'USD' }, 'nothing changed');
  assert.equal((await post(s, '/_sim/balance?value=1e15')).status, 200);
  assert.deepEqual(JSON.parse((await get(s)).text), { balance: 1e15, currency: 'USD' }, 'the maximum is served as a number');
  const over = await post(s, '/_sim/topup?amount=1');
  assert.equal(over.status, 400);
  assert.match(String(over.json.error), /the balance after a top-up of 1 must be a number of at most 1000000000000000 in size, got 1000000000000001/);
  assert.equal(s.balance(), 1e15);

  assert.throws(() => new Simulator({ balance: 1e308 }), /wallet default: balance must be a number of at most 1000000000000000 in size, got 1e\+308/);
  assert.throws(() => new Simulator({ burnPerHour: Infinity }), /burnPerHour must be/);
  assert.throws(() => s.setBurnPerHour(1e308), /burnPerHour must be/);
  assert.throws(() => s.topUp(1), /the balance after a top-up of 1 must be/);
  assert.throws(() => fleetSpecs({ count: 100_001 }), /count must be a whole number from 0 to 100000, got 100001/);
  assert.throws(() => fleetSpecs({ count: 1, balance: 1e308 }), /balance must be a number of at most/);
  assert.equal(fleetSpecs({ count: 3, balance: 1e15, spread: 0.9 }).every((w) => w.balance! <= 1e15), true, 'a spread never passes the maximum');
  const big = new Simulator({ wallets: fleetSpecs({ count: 100_000 }) });
  assert.throws(() => big.addWallets([{ name: 'one-more', path: '/one-more', apiKey: 'k' }]), /100001 wallets, more than the simulator's maximum 100000/);
});

test('scripts are checked: an unknown key or a delay past 2^31 - 1 ms is a 400 naming it, nothing is queued; hang and drip can be scripted', async (t) => {
  const s = await sim(t, { balance: 7 });
  for (const [body, msg] of [
    ['[{"hang":true},{"Status":500}]', /^\[1\]: unknown key "Status" \(a scripted response takes status, body, headers, delayMs, hang, drip\)$/],
    ['[{"status":503,"retryAfter":5,"delay":10}]', /^\[0\]: unknown keys "retryAfter", "delay"/],
    ['[{"delayMs":3000000000}]', /^\[0\]\.delayMs must be a number of milliseconds from 0 to 2147483647 \(about 24\.8 days\), got 3000000000$/],
    ['[{"hang":"yes"}]', /^\[0\]\.hang must be true or false$/],
    ['[{"drip":{"intervalMs":0}}]', /^\[0\]\.drip must be \{"intervalMs": N\}/],
    ['[{"drip":{"every":5}}]', /^\[0\]\.drip must be/],
    ['[{"hang":true,"drip":{"intervalMs":5}}]', /^\[0\]: hang and drip together/],
  ] as const) {
    const r = await post(s, '/_sim/script', body);
    assert.equal(r.status, 400, body);
    assert.equal(r.json.code, 'invalid_parameter', body);
    assert.match(String(r.json.error), msg, body);
  }
  const o = await post(s, '/_sim/override', '{"Status":500}');
  assert.equal(o.status, 400);
  assert.match(String(o.json.error), /^override: unknown key "Status"/);
  assert.equal((await get(s)).status, 200, 'nothing was queued or set');

  // the black hole and the slow drip, scripted over the control API
  assert.equal((await post(s, '/_sim/script', '[{"hang":true},{"drip":{"intervalMs":5}}]')).status, 200);
  const ac = new AbortController();
  const hung = fetch(s.url + PATH, { headers: AUTH, signal: ac.signal }).then(() => 'answered', () => 'aborted');
  await waitFor(() => s.requests.some((r) => r.served === 'hang'), 'the hung request');
  const drip = await fetch(s.url + PATH, { headers: AUTH, signal: ac.signal });
  assert.equal(drip.status, 200);
  const reader = drip.body!.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), ' ');
  ac.abort();
  assert.equal(await hung, 'aborted', 'never answered');
  await reader.cancel().catch(() => {});
  assert.deepEqual(s.requests.slice(-2).map((r) => r.served), ['hang', 'drip']);
});

test('a scripted Telephony.io 429 says Retry-After (60 s) unless the script sets one, as the error codes say every 429 does', async (t) => {
  const s = await sim(t, { wallets: [
    { name: 'tio', path: '/tio', apiKey: 'k' },
    { name: 'twilio', path: '/twilio', apiKey: 'x', provider: 'twilio', credentials: { account_sid: 'AC1', auth_token: 't' } },
  ] });
  const bearer = { Authorization: 'Bearer k' };
  assert.equal((await post(s, '/_sim/wallets/tio/script', '[{"status":429},{"status":429,"headers":{"retry-after":"5"}},{"status":429,"body":"slow down"}]')).status, 200);
  const a = await get(s, bearer, '/tio');
  assert.equal(a.status, 429);
  assert.equal(a.headers.get('retry-after'), '60');
  assert.equal(JSON.parse(a.text).code, 'rate_limit_exceeded');
  assert.equal((await get(s, bearer, '/tio')).headers.get('retry-after'), '5', 'the script\'s own (any letter case) is kept');
  assert.equal((await get(s, bearer, '/tio')).headers.get('retry-after'), '60');
  // Other providers' 429s stay as scripted: the promise of a Retry-After is Telephony.io's.
  await post(s, '/_sim/wallets/twilio/script', '[{"status":429}]');
  const tw = await get(s, {}, '/twilio');
  assert.equal(tw.status, 429);
  assert.equal(tw.headers.get('retry-after'), null);
});

test('hang and drip responses end when close() is called', async (t) => {
  const s = await sim(t); // close() is idempotent: t.after's second call is a no-op
  s.enqueue({ hang: true }, { drip: { intervalMs: 20 } });
  const ac = new AbortController();
  const hung = fetch(s.url + PATH, { headers: AUTH, signal: ac.signal }).then(
    () => 'answered',
    () => 'failed',
  );
  const drip = await fetch(s.url + PATH, { headers: AUTH, signal: ac.signal });
  assert.equal(drip.status, 200);
  const reader = drip.body!.getReader();
  const first = await reader.read();
  assert.equal(first.done, false);
  const rest = (async () => {
    try {
      while (!(await reader.read()).done);
      return 'ended';
    } catch {
      return 'failed';
    }
  })();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(s.requests.map((r) => r.served), ['hang', 'drip']);
  const guard = setTimeout(() => ac.abort(), 5000);
  await s.close();
  assert.equal(await hung, 'failed');
  assert.equal(await rest, 'failed');
  clearTimeout(guard);
  assert.equal(ac.signal.aborted, false, 'close() itself ended the responses');
});
