/**
 * `npm run demo`'s entry point: a newcomer with no API key sees a draining wallet within a minute, in plain
 * lines; a user with a real `.env` (or real channels exported) gets nothing on those channels; every run
 * starts fresh.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { baseEnv, parseMetrics, ROOT, tempDir, waitFor, type StatusDoc } from '../helpers/daemon.js';
import { MailCatcher, WebhookReceiver } from '../helpers/receivers.js';
import { freePort } from '../deploy/lib.js';

interface DemoRun {
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** The per-poll lines printed so far. */
  pollLines: () => string[];
  stop: () => Promise<number | null>;
}

async function startDemo(t: TestContext, cwd: string, env: Record<string, string>): Promise<DemoRun> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist/demo.js')], { cwd, env: baseEnv({ ...env, METRICS_PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(() => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => stdout.includes(`Open ${url}/`) || child.exitCode !== null, () => `the demo to print the URL to open\n${stdout}\n${stderr}`);
  return {
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    pollLines: () => stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d {2}/.test(l)),
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const status = async (url: string) => ((await (await fetch(`${url}/api/status`)).json()) as StatusDoc).accounts[0]!;

test(
  "the demo drains a simulated wallet in plain lines, never sends to the user's channels (.env or environment), and starts fresh each run",
  { timeout: 120_000 },
  async (t) => {
    // A user's real set-up: channels in ./.env and in the environment, pointing at receivers that record everything.
    const fromDotenv = new WebhookReceiver();
    const fromEnv = new WebhookReceiver();
    const mail = new MailCatcher();
    for (const r of [fromDotenv, fromEnv, mail]) {
      await r.start();
      t.after(() => r.close());
    }
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), `ALERT_WEBHOOK_URL=${fromDotenv.url}\nSMTP_URL=${mail.url()}\nALERT_EMAIL_FROM=a@example.com\nALERT_EMAIL_TO=b@example.com\n`);
    const userEnv = { ALERT_WEBHOOK_URL: fromEnv.url, ALERTMANAGER_URL: fromEnv.url.replace('/hook', ''), STATE_DIR: join(cwd, 'my-real-state') };

    const first = await startDemo(t, cwd, userEnv);
    assert.equal(first.stdout().split('\n')[0]!.split(' ')[1], `${first.url}/`, 'the first line says where the status page is');
    assert.equal((await fetch(`${first.url}/`)).status, 200);
    // An alert fires within a few polls (a 3 h warning horizon against a wallet that lasts about 8 minutes)…
    await waitFor(() => first.pollLines().some((l) => l.includes('FIRED')), () => `an alert to fire in the demo\n${first.stdout()}\n${first.stderr()}`, 60_000);
    // …and one poll later any delivery would long have happened.
    const linesAtFire = first.pollLines().length;
    await waitFor(() => first.pollLines().length > linesAtFire, () => `the next poll line\n${first.stdout()}`, 30_000);
    assert.equal(fromDotenv.received.length, 0, 'the webhook named in ./.env got nothing');
    assert.equal(fromEnv.received.length, 0, 'the webhook / Alertmanager named in the environment got nothing');
    assert.equal(mail.attempts, 0, 'the SMTP server named in ./.env got nothing');

    // The plain lines: balance, burn rate, runway, what fires.
    const line = first.pollLines().at(-1)!;
    assert.match(line, /^\d\d:\d\d:\d\d {2}balance \d+(\.\d)? USD {2}burn [\d.]+ credits\/h {2}runway (about \d+ minutes?|less than 2 minutes) {2}firing: depletion_forecast \((warning|critical)\)/, first.stdout());
    assert.match(first.stdout(), /FIRED depletion_forecast/);

    // The metrics and the status page move like a real wallet's.
    const m = parseMetrics(await (await fetch(`${first.url}/metrics`)).text());
    assert.ok(m.get('telephony_wallet_consumed_credits_total{account="default"}')! > 0);
    assert.ok(m.get('telephony_wallet_burn_rate_credits_per_hour{account="default",window="1h"}')! > 0);
    assert.ok(Number.isFinite(m.get('telephony_wallet_runway_seconds{account="default"}')));
    const s1 = await status(first.url);
    assert.ok(s1.balance! > 0 && s1.depletion_at !== null);
    assert.equal(await first.stop(), 0, first.stderr());

    // Second run, same folder: a fresh wallet and fresh daemon state (no fake top-up, no history, nothing resolved).
    const second = await startDemo(t, cwd, userEnv);
    await waitFor(() => second.pollLines().length > 0, () => `the first poll line of the second run\n${second.stdout()}\n${second.stderr()}`, 30_000);
    // The simulator starts at 500 and drains 1 credit/s: the first poll reads just under 500, with no history yet.
    const firstLine = second.pollLines()[0]!;
    assert.match(firstLine, /balance [\d.]+ USD {2}burn \? credits\/h .*firing: nothing$/, firstLine);
    assert.ok(Number(/balance ([\d.]+)/.exec(firstLine)![1]) > 490, firstLine);
    const s2 = await status(second.url);
    assert.equal(s2.topups_total, 0, 'a restart must not read the fresh simulator as a top-up');
    assert.ok(s2.samples <= 2, `history starts empty (${s2.samples} samples)`);
    assert.ok(!second.stdout().includes('RESOLVED'), second.stdout());
    assert.equal(await second.stop(), 0, second.stderr());

    assert.deepEqual(readdirSync(cwd).sort(), ['.env'], 'the demo writes nothing into the working folder');
    assert.ok(!existsSync(userEnv.STATE_DIR), "the user's STATE_DIR is not touched");
    assert.equal(fromDotenv.received.length + fromEnv.received.length + mail.attempts, 0);
  },
);
