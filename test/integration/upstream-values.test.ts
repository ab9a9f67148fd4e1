/**
 * Hostile or broken values from the upstream, end to end: the real daemon polls the simulator and sends to
 * real receivers. A currency is data, never markup or a label breaker; a number that is not a normal finite
 * decimal is a failed poll, never a balance.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Simulator } from '../../src/simulator/simulator.js';
import { Daemon, waitFor } from '../helpers/daemon.js';
import { WebhookReceiver } from '../helpers/receivers.js';

const KEY = 'sk_live_upstream_values_1357';
const HOSTILE = '<!channel><https://ev.il|TOP UP>';

test('a hostile currency: Slack text escaped, the metric label is unknown, the balance recorded, one warning', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 80, currency: HOSTILE, format: 'string' });
  await sim.start();
  t.after(() => sim.close());
  const slack = new WebhookReceiver();
  const hook = new WebhookReceiver();
  await slack.start();
  await hook.start();
  t.after(() => slack.close());
  t.after(() => hook.close());
  const d = await Daemon.start({
    TELEPHONY_API_URL: sim.url,
    TELEPHONY_API_KEY: KEY,
    LOW_BALANCE_THRESHOLD: '100',
    ALERT_WEBHOOK_URL: `slack+${slack.url},${hook.url}`,
  });
  t.after(() => d.kill());

  await waitFor(() => slack.received.length > 0 && hook.received.length > 0, () => `low_balance at both receivers\n${d.stderr}`);
  const text = String(slack.bodies()[0]!.text);
  assert.match(text, /low_balance/);
  assert.ok(!text.includes('<!channel>') && !text.includes('<https://'), text);
  assert.ok(!/[<>]/.test(text), `no raw < or > at all: ${text}`);
  assert.equal(hook.bodies()[0]!.currency, null, 'the webhook body says unknown (null)');
  assert.equal(hook.bodies()[0]!.balance, 80);

  const metrics = (await d.get('/metrics')).text;
  assert.match(metrics, /^telephony_wallet_balance_credits\{account="default",currency="unknown"\} 80$/m);
  assert.ok(!metrics.includes('!channel') && !metrics.includes('ev.il'), 'nothing of the value reaches /metrics');
  const s = await d.status();
  assert.equal(s.balance, 80);
  assert.equal(s.currency, null);

  await waitFor(() => d.logs().filter((l) => l.msg === 'poll ok').length >= 3, 'three polls');
  const warnings = d.logs().filter((l) => l.level === 'warn' && /not a plain currency code/.test(l.msg));
  assert.equal(warnings.length, 1, 'warned once, not on every poll');
  assert.match(warnings[0]!.msg, /TELEPHONY_CURRENCY_FIELD/);
  assert.ok(!d.stderr.includes('ev.il'), 'the log never repeats the value');
});

test('a balance that is not a normal finite decimal is a failed poll, never a balance', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const bad = ['1e-320', '1e-400', '1e300', '0x10', '1_000'];
  // and as JSON numbers: 1e-400 is 0 once parsed (the text is what tells it apart)
  const rawBad = ['1e-320', '1e-400', '-1e-400'];
  sim.enqueue(...bad.map((b) => ({ status: 200, body: { balance: b, currency: 'USD' } })), ...rawBad.map((b) => ({ status: 200, body: `{"balance":${b},"currency":"USD"}` })));
  const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY });
  t.after(() => d.kill());

  // after the scripted bodies, the simulator's own 500 USD: the first balance ever recorded
  await waitFor(async () => (await d.status()).balance === 500, () => `a good poll after the bad ones\n${d.stderr}`);
  const failed = d.logs().filter((l) => /^poll failed: .*balance field "balance" .*TELEPHONY_BALANCE_FIELD/.test(l.msg));
  assert.equal(failed.length, bad.length + rawBad.length, d.stderr);
  // 0x10 and 1_000 fail alike ("not a plain decimal number"): the same failure again is logged at debug, as are -1e-400 after 1e-400
  assert.deepEqual(failed.map((l) => l.level), ['error', 'error', 'error', 'error', 'debug', 'error', 'error', 'debug'], d.stderr);
  const okPolls = d.logs().filter((l) => l.msg === 'poll ok');
  assert.deepEqual(
    okPolls.map((l) => l.balance),
    okPolls.map(() => 500),
    'no subnormal, zero (from 1e-400) or absurd balance was ever recorded',
  );
  assert.ok(!d.logs().some((l) => /exhausted/.test(l.msg)), '1e-400 never read as an empty wallet');
});

test('the currency label follows each body: `unknown` while the body has none, the code again when it comes back (the history and the notifications keep the last known code)', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY });
  t.after(() => d.kill());
  let last: string | undefined;
  const balanceLine = async () => (last = /^telephony_wallet_balance_credits\{[^}]*\} .*$/m.exec((await d.get('/metrics')).text)?.[0]);
  await waitFor(async () => (await balanceLine())?.includes('currency="USD"'), 'the USD label');
  sim.enqueue(...Array.from({ length: 30 }, () => ({ status: 200, body: { balance: 470 } })));
  await waitFor(async () => (await balanceLine()) === 'telephony_wallet_balance_credits{account="default",currency="unknown"} 470', () => `the unknown label (last: ${last})`);
  assert.equal((await d.status()).currency, 'USD', 'the status keeps the last known code');
  await waitFor(async () => (await balanceLine())?.includes('currency="USD"'), 'the USD label again once the body has it', 60_000);
  assert.equal(await d.stop(), 0);
});

test('one wild reading (1e15) and then the true balance: the top-up it looked like is taken back, not counted as spend', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  sim.enqueue({ status: 200, body: { balance: 500, currency: 'USD' } }, { status: 200, body: { balance: 1e15, currency: 'USD' } });
  const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY });
  t.after(() => d.kill());

  await waitFor(() => d.logs().filter((l) => l.msg === 'poll ok').length >= 4, () => `four polls\n${d.stderr}`);
  const metrics = (await d.get('/metrics')).text;
  assert.match(metrics, /^telephony_wallet_consumed_credits_total\{account="default"\} 0$/m, 'nothing was spent: the drop back from 1e15 is the top-up taken back');
  assert.match(metrics, /^telephony_wallet_topups_total\{account="default"\} 1$/m, 'the rise was a top-up when it came');
  const taken = d.logs().filter((l) => l.level === 'warn' && /top-up taken back/.test(l.msg));
  assert.equal(taken.length, 1, d.stderr);
  assert.equal(taken[0]!.reversed, 1e15 - 500);
  assert.equal((await d.status()).balance, 500);
  assert.equal(await d.stop(), 0);
});
