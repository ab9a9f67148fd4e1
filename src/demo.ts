/**
 * `npm run demo`: a simulated Telephony.io wallet on loopback, draining fast with a top-up now and then,
 * and the real daemon polling it every 5 s. No API key needed. Honours METRICS_PORT (and any other
 * setting you export, except the API URL and key, which point at the simulator).
 */
import { App } from './app.js';
import { loadSettings } from './config/load.js';
import { ConfigError } from './errors.js';
import { createLogger } from './log.js';
import { Simulator } from './simulator/simulator.js';

const DEMO_KEY = 'demo-key-not-a-secret';
const sim = new Simulator({ apiKey: DEMO_KEY, balance: 500, burnPerHour: 3600, topupEverySeconds: 300, topupAmount: 300, currency: 'USD' });
const simUrl = await sim.start();

let app: App;
try {
  const { settings } = loadSettings({
    POLL_SCHEDULE: '*/5 * * * * *',
    STATE_DIR: './data-demo',
    LOW_BALANCE_THRESHOLD: '200',
    CRITICAL_BALANCE_THRESHOLD: '50',
    RUNWAY_WARNING_HOURS: '0.25',
    RUNWAY_CRITICAL_HOURS: '0.05',
    ...process.env,
    TELEPHONY_API_URL: simUrl,
    TELEPHONY_API_KEY: DEMO_KEY,
    TELEPHONY_API_KEY_FILE: undefined,
  });
  const log = createLogger(settings.logLevel);
  app = new App(settings, log);
  const address = await app.start();
  const base = `http://127.0.0.1:${address.port}`;
  log.info(`demo: simulated wallet at ${simUrl} drains 1 credit/s and gets +300 every 5 min`);
  log.info(`demo: open ${base}/api/status and ${base}/metrics (Ctrl-C to stop)`);
} catch (err) {
  if (err instanceof ConfigError) for (const p of err.problems) process.stderr.write(`config error: ${p}\n`);
  else process.stderr.write(`demo: cannot start: ${String(err)}\n`);
  await sim.close();
  process.exit(err instanceof ConfigError ? 78 : 1);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void app.stop().then(() => sim.close()).then(() => process.exit(0));
  });
}
