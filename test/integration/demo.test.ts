/** `npm run demo`'s entry point: a newcomer with no API key sees a draining wallet within a minute. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { baseEnv, parseMetrics, ROOT, tempDir, waitFor } from '../helpers/daemon.js';
import { freePort } from '../deploy/lib.js';

test('the demo drains a simulated wallet: balance, spend, burn rate and a finite runway on /metrics and /api/status', async (t) => {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist/demo.js')], { cwd: tempDir(), env: baseEnv({ METRICS_PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  t.after(() => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  const metrics = async () => parseMetrics(await (await fetch(`${url}/metrics`)).text());
  const m = await waitFor(async () => {
    const x = await metrics();
    return Number.isFinite(x.get('telephony_wallet_runway_seconds{account="default"}') ?? Infinity) ? x : undefined;
  }, () => `a finite runway from the demo\n${stderr}`, 60_000);
  assert.ok(m.get('telephony_wallet_consumed_credits_total{account="default"}')! > 0);
  assert.ok(m.get('telephony_wallet_burn_rate_credits_per_hour{account="default",window="1h"}')! > 0);
  const status = (await (await fetch(`${url}/api/status`)).json()) as { accounts: Array<{ balance: number; depletion_at: string | null }> };
  assert.ok(status.accounts[0]!.balance > 0 && status.accounts[0]!.depletion_at !== null);
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0, stderr);
});
