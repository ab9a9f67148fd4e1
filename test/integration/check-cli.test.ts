/** `wallet-sentinel check`: one poll, status JSON on stdout, Nagios exit codes, nothing written. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { Simulator } from '../../src/simulator/simulator.js';
import { runCli, tempDir, type StatusDoc } from '../helpers/daemon.js';

const KEY = 'sk_live_check_key_2468';

const cases: Array<{ name: string; sim: () => Simulator; env?: Record<string, string>; code: number; alert?: string }> = [
  { name: 'OK', sim: () => new Simulator({ apiKey: KEY, balance: 500 }), code: 0 },
  { name: 'WARNING below LOW_BALANCE_THRESHOLD', sim: () => new Simulator({ apiKey: KEY, balance: 80 }), env: { LOW_BALANCE_THRESHOLD: '100', CRITICAL_BALANCE_THRESHOLD: '10' }, code: 1, alert: 'low_balance' },
  { name: 'CRITICAL below CRITICAL_BALANCE_THRESHOLD', sim: () => new Simulator({ apiKey: KEY, balance: 5 }), env: { LOW_BALANCE_THRESHOLD: '100', CRITICAL_BALANCE_THRESHOLD: '10' }, code: 2, alert: 'low_balance' },
  { name: 'CRITICAL on a 402', sim: () => new Simulator({ apiKey: KEY, balance: 0 }), code: 2, alert: 'wallet_exhausted' },
  { name: 'UNKNOWN on a 401', sim: () => new Simulator({ apiKey: 'another-key' }), code: 3 },
];

for (const c of cases) {
  test(`check: ${c.name} → exit ${c.code}`, async (t) => {
    const sim = c.sim();
    await sim.start();
    t.after(() => sim.close());
    const stateDir = tempDir();
    const r = await runCli(['check'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, STATE_DIR: stateDir, ...c.env });
    assert.equal(r.code, c.code, r.stderr);
    const doc = JSON.parse(r.stdout) as StatusDoc;
    const s = doc.accounts[0]!;
    if (c.alert) assert.ok(s.alerts.some((a) => a.alertname === c.alert), JSON.stringify(s.alerts));
    assert.equal(sim.balanceRequests(), 1, 'one poll');
    assert.deepEqual(readdirSync(stateDir), [], 'check writes nothing');
  });
}

test('check: an unreachable API is UNKNOWN with the reason in the status', async () => {
  const r = await runCli(['check'], { TELEPHONY_API_URL: 'http://127.0.0.1:9', TELEPHONY_API_KEY: KEY, STATE_DIR: tempDir(), REQUEST_TIMEOUT_MS: '500' });
  assert.equal(r.code, 3);
  assert.equal((JSON.parse(r.stdout) as StatusDoc).accounts[0]!.last_error?.kind, 'network');
});

test('unknown command: usage and exit 64', async () => {
  const r = await runCli(['frobnicate'], {});
  assert.equal(r.code, 64);
  assert.match(r.stderr, /Usage:/);
});
