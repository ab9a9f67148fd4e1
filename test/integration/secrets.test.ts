/**
 * The API key, the SMTP password and the webhook secret never appear in a log line, an error, a metric,
 * the status page or the state file — on every path we can drive (AssertNotifyLeaksNoSecret, our way).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Simulator, type ScriptedResponse } from '../../src/simulator/simulator.js';
import { Daemon, runCli, waitFor } from '../helpers/daemon.js';

const KEY = 'sk_live_NEVER_PRINT_ME_7f3a9c';
const SMTP_PASSWORD = 'smtp-pw-NEVER_PRINT_ME_51b2';
const WEBHOOK_SECRET = 'whsec-NEVER_PRINT_ME_0d4e';
const SECRETS = [KEY, SMTP_PASSWORD, WEBHOOK_SECRET, 'NEVER_PRINT_ME'];

function assertNoSecret(where: string, text: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} contains a secret (${s})`);
}

test('no secret in logs, errors, /metrics, /api/status or the state file on any upstream path', async (t) => {
  const sim = new Simulator({ apiKey: KEY, balance: 300, burnPerHour: 3600 });
  await sim.start();
  t.after(() => sim.close());
  const secretEnv = {
    TELEPHONY_API_URL: sim.url,
    TELEPHONY_API_KEY: KEY,
    SMTP_URL: `smtp://alerts:${SMTP_PASSWORD}@127.0.0.1:9`,
    ALERT_EMAIL_FROM: 'sentinel@example.com',
    ALERT_EMAIL_TO: 'ops@example.com',
    ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/hook',
    ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    REQUEST_TIMEOUT_MS: '300',
    LOG_LEVEL: 'debug',
  };
  const d = await Daemon.start(secretEnv);
  t.after(() => d.kill());
  const paths: ScriptedResponse[] = [
    { status: 401 },
    { status: 500 },
    { status: 429, headers: { 'Retry-After': '1' } },
    { status: 200, body: '<html>oops</html>' },
    { status: 302, headers: { Location: 'http://127.0.0.1:9/elsewhere' } },
    { status: 402 },
    { hang: true },
    { status: 400 },
  ];
  for (const p of paths) {
    const before = sim.balanceRequests();
    sim.setOverride(p);
    await waitFor(() => sim.balanceRequests() > before + 1, `a poll answered ${JSON.stringify(p)}`);
  }
  sim.setOverride(null);
  await waitFor(async () => (await d.metric('telephony_api_up{account="default"}')) === 1, 'recovery');

  assertNoSecret('/metrics', (await d.get('/metrics')).text);
  assertNoSecret('/api/status', (await d.get('/api/status')).text);
  assertNoSecret('/', (await d.get('/')).text);
  assert.equal(await d.stop(), 0);
  assertNoSecret('stdout', d.stdout);
  assertNoSecret('stderr', d.stderr);
  assert.ok(d.stderr.includes('poll failed'), 'the failure paths were logged');
  for (const f of readdirSync(d.stateDir)) assertNoSecret(f, readFileSync(join(d.stateDir, f), 'utf8'));

  const check = await runCli(['check'], { ...secretEnv, STATE_DIR: d.stateDir });
  assertNoSecret('check stdout', check.stdout);
  assertNoSecret('check stderr', check.stderr);
  const bad = await runCli(['start'], { ...secretEnv, REQUEST_TIMEOUT_MS: 'x', SMTP_URL: `http://alerts:${SMTP_PASSWORD}@x` });
  assert.equal(bad.code, 78);
  assertNoSecret('config errors', bad.stderr);
});
