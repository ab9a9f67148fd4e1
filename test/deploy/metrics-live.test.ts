/**
 * The real daemon against the simulator: every telephony_* and wallet_sentinel_* metric that the
 * Grafana dashboard or the Prometheus rules use is on its /metrics page (histograms as
 * _bucket/_sum/_count), so no panel or alert silently selects nothing because of a typo or a renamed
 * metric.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { Simulator } from '../../src/simulator/simulator.js';
import { CLI, Daemon, waitFor } from '../helpers/daemon.js';
import { allRules, dashboardExprs, metricNames, sourceMetrics } from './lib.js';

const KEY = 'sk_live_deploy_metrics_4242';

test('every telephony_* and wallet_sentinel_* metric referenced by the dashboard and rules.yml is exported by the running daemon', { timeout: 60_000 }, async (t) => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  // Draining, so spend, burn rate and a finite runway appear; a low-balance threshold above the
  // balance, so an alert fires and telephony_alert_firing has a series.
  const sim = new Simulator({ apiKey: KEY, balance: 1000, burnPerHour: 36_000 });
  await sim.start();
  t.after(() => sim.close());
  const daemon = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, LOW_BALANCE_THRESHOLD: '5000' });
  t.after(() => daemon.kill());

  await waitFor(async () => {
    const m = await daemon.metrics();
    return m.get('telephony_api_up{account="default"}') === 1 && [...m.keys()].some((k) => k.startsWith('telephony_alert_firing{'));
  }, 'a successful poll and a firing alert', 20_000);
  const page = (await daemon.get('/metrics')).text;
  const live = new Set(page.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)![0]));

  const referenced = new Map<string, string>(); // name → where
  for (const expr of dashboardExprs()) for (const n of metricNames(expr)) referenced.set(n, 'the Grafana dashboard');
  for (const r of allRules()) for (const n of metricNames(r.expr)) referenced.set(n, `rules.yml ${r.alert ?? r.record}`);
  const telephony = [...referenced.keys()].filter((n) => n.startsWith('telephony_'));
  assert.ok(telephony.length >= 10, `only ${telephony.length} telephony_* names found: ${telephony.join(', ')}`);

  const histograms = [...sourceMetrics()].filter(([, type]) => type === 'Histogram').map(([n]) => n);
  const present = (name: string): boolean =>
    live.has(name) || (histograms.includes(name) && ['_bucket', '_sum', '_count'].every((s) => live.has(name + s)));
  // the daemon's own health (owed notifications, STATE_DIR writes) that the WalletSentinel* rules watch
  const own = [...referenced.keys()].filter((n) => n.startsWith('wallet_sentinel_'));
  assert.ok(own.length >= 2, `only ${own.length} wallet_sentinel_* names found: ${own.join(', ')}`);
  const missing = [...telephony, ...own].filter((n) => !present(n)).map((n) => `${n} (used by ${referenced.get(n)})`);
  assert.deepEqual(missing, [], `not on the live /metrics page:\n${missing.join('\n')}`);
});
