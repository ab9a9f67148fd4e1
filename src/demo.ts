/**
 * `npm run demo`: a simulated Telephony.io wallet on loopback, draining fast with a top-up now and then,
 * and the real daemon polling it every 5 s, printing one plain line per poll.
 *
 * The demo never touches real channels: it builds its settings from its own values only (no `.env`, no
 * SMTP_URL, ALERT_WEBHOOK_URL or any other variable of the environment except METRICS_PORT), so a user
 * with a real `.env` gets no simulated alert on their real webhook. It starts fresh each run: a new
 * simulator and a temporary STATE_DIR, removed at exit (a kept state would read the fresh simulator's
 * balance as a top-up and resolve alerts that never resolved).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from './app.js';
import { loadSettings } from './config/load.js';
import { humanDuration } from './domain/messages.js';
import { ConfigError } from './errors.js';
import { createLogger } from './log.js';
import { Simulator } from './simulator/simulator.js';
import type { AccountStatus } from './status.js';

const DEMO_KEY = 'demo-key-not-a-secret';
const out = (line: string) => process.stdout.write(`${line}\n`);

const stateDir = mkdtempSync(join(tmpdir(), 'wallet-sentinel-demo-'));
const sim = new Simulator({ apiKey: DEMO_KEY, balance: 500, burnPerHour: 3600, topupEverySeconds: 300, topupAmount: 300, currency: 'USD' });
const simUrl = await sim.start();
const cleanUp = () => rmSync(stateDir, { recursive: true, force: true });

let app: App;
try {
  const { settings } = loadSettings(
    {
      TELEPHONY_API_URL: simUrl,
      TELEPHONY_API_KEY: DEMO_KEY,
      POLL_SCHEDULE: '*/5 * * * * *',
      STATE_DIR: stateDir,
      LOW_BALANCE_THRESHOLD: '200',
      CRITICAL_BALANCE_THRESHOLD: '50',
      // Horizons scaled to a wallet that lasts minutes: its runway is under the 15 min page from the start, so
      // depletion_forecast pages critical at the third reading (the first-hour reading of critical counts the
      // hourly swings over an hour at least), without a 3 h warning first.
      RUNWAY_WARNING_HOURS: '3',
      RUNWAY_CRITICAL_HOURS: '0.25',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: process.env.METRICS_PORT,
      LOG_LEVEL: 'warn', // the plain lines below tell the story; warnings and errors still show
    },
    { dotenv: false },
  );
  app = new App(settings, createLogger(settings.logLevel), Date.now, { channelsExpected: false });
  const address = await app.start();
  if (address === undefined) throw new Error('stopped while starting'); // only asked by requestStop, which the demo never calls
  const base = `http://127.0.0.1:${address.port}`;
  // The first line says where to look: the status page draws what the lines below tell.
  out(`Open ${base}/ for the status page (wallet: ${base}/wallets/default, JSON: ${base}/api/wallets, metrics: ${base}/metrics).`);
  out(`wallet-sentinel demo: a simulated wallet (500 USD, spending 1 credit/s, +300 every 5 min), polled every 5 s. No alert leaves this machine. Ctrl-C stops.`);
} catch (err) {
  if (err instanceof ConfigError) for (const p of err.problems) process.stderr.write(`config error: ${p}\n`);
  else process.stderr.write(`demo: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
  await sim.close();
  cleanUp();
  process.exit(err instanceof ConfigError ? 78 : 1);
}

// One line per finished poll, read from the same status the daemon serves.
let lastPoll: string | null = null;
let lastAlerts = new Map<string, string>();
const watch = setInterval(() => {
  const s = app.accountStatuses()[0];
  if (!s || s.last_poll_at === null || s.last_poll_at === lastPoll) return;
  lastPoll = s.last_poll_at;
  const alerts = new Map(s.alerts.map((a) => [a.alertname, a.severity]));
  out(pollLine(s, alertChanges(lastAlerts, alerts)));
  lastAlerts = alerts;
}, 200);

/** `12:00:05  balance 480 USD  burn 3600 credits/h  runway about 8 minutes  fired: low_balance (warning)` */
function pollLine(s: AccountStatus, changes: string): string {
  const time = s.last_poll_at!.slice(11, 19);
  if (s.last_error) return `${time}  poll failed: ${s.last_error.message}`;
  const num = (n: number | null) => (n === null ? '?' : String(Math.round(n * 10) / 10));
  const rate = s.burn_rate_per_hour['1h'] ?? null;
  const runway = s.runway_seconds !== null ? humanDuration(s.runway_seconds) : s.forecast_method === 'none' ? 'not known yet' : 'not burning';
  const firing = s.alerts.map((a) => `${a.alertname} (${a.severity})`).join(', ') || 'nothing';
  return `${time}  balance ${num(s.balance)} ${s.currency ?? ''}  burn ${num(rate)} credits/h  runway ${runway}  firing: ${firing}${changes}`;
}

function alertChanges(before: Map<string, string>, after: Map<string, string>): string {
  const parts: string[] = [];
  for (const [name, severity] of after) {
    if (!before.has(name)) parts.push(`FIRED ${name} (${severity})`);
    else if (before.get(name) !== severity) parts.push(`${name} now ${severity}`);
  }
  for (const name of before.keys()) if (!after.has(name)) parts.push(`RESOLVED ${name}`);
  return parts.length === 0 ? '' : `  <- ${parts.join(', ')}`;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    clearInterval(watch);
    void app
      .stop()
      .then(() => sim.close())
      .finally(() => {
        cleanUp();
        process.exit(0);
      });
  });
}
