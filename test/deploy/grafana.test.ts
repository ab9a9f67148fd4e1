/**
 * deploy/grafana: the dashboard parses, has the `datasource` and `account` variables, queries only
 * metrics that exist, and is wired to the provisioning files that docker-compose.yml mounts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { accountMetrics, allRules, DEPLOY, loadDashboard, metricNames, panelsOf, read, readYaml, ROOT, sourceMetrics } from './lib.js';

/** Series every Prometheus has: the scrape health and the alert states of rules.yml. */
const STANDARD = new Set(['up', 'ALERTS']);
/** prom-client derives these series from one histogram. */
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

test('the dashboard JSON parses and has the datasource and account variables', () => {
  const d = loadDashboard();
  assert.equal(d.uid, 'wallet-sentinel');
  const ds = d.templating.list.find((v) => v.name === 'datasource');
  assert.ok(ds, 'a datasource variable');
  assert.equal(ds.type, 'datasource');
  assert.equal(ds.query, 'prometheus');
  const account = d.templating.list.find((v) => v.name === 'account');
  assert.ok(account, 'an account variable');
  assert.equal(account.type, 'query');
  const q = typeof account.query === 'string' ? account.query : account.query.query;
  // From a series every wallet has from its first poll: a wallet whose key is wrong has no balance, and is
  // the one to look at.
  assert.equal(q, 'label_values(telephony_api_up, account)');
  assert.equal(account.datasource?.uid, '${datasource}');
});

test('every panel and target queries through ${datasource}, and panel ids are unique', () => {
  const panels = panelsOf(loadDashboard()).filter((p) => p.type !== 'row');
  assert.ok(panels.length >= 12, `${panels.length} panels`);
  const ids = new Set<unknown>();
  for (const p of panels) {
    assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, `panel "${p.title}"`);
    assert.ok((p.targets ?? []).length > 0, `panel "${p.title}" has queries`);
    for (const t of p.targets ?? []) assert.equal(t.datasource?.uid, '${datasource}', `panel "${p.title}": ${t.expr}`);
    const id = (p as { id?: unknown }).id;
    assert.ok(!ids.has(id), `duplicate panel id ${String(id)}`);
    ids.add(id);
  }
});

test('every metric in a panel is exported by src/metrics/metrics.ts, recorded by rules.yml, or standard (up, ALERTS)', () => {
  const exported = sourceMetrics();
  const histograms = [...exported].filter(([, type]) => type === 'Histogram').map(([n]) => n);
  const recorded = new Set(allRules().flatMap((r) => (r.record ? [r.record] : [])));
  const known = (name: string): boolean =>
    exported.has(name) || recorded.has(name) || STANDARD.has(name) || HISTOGRAM_SUFFIXES.some((s) => name.endsWith(s) && histograms.includes(name.slice(0, -s.length)));
  for (const p of panelsOf(loadDashboard())) {
    for (const t of p.targets ?? []) {
      const names = metricNames(t.expr);
      assert.ok(names.size > 0, `panel "${p.title}": no metric found in ${t.expr}`);
      for (const n of names) assert.ok(known(n), `panel "${p.title}": unknown metric ${n} in ${t.expr}`);
    }
  }
});

test('the panels the issue asks for are there', () => {
  const exprs = panelsOf(loadDashboard()).flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const has = (re: RegExp, what: string) => assert.ok(exprs.some((e) => re.test(e)), `a panel with ${what}`);
  has(/^telephony_wallet_balance_credits\{/, 'the balance');
  has(/rate\(telephony_wallet_consumed_credits_total/, 'the spend rate from the counter');
  has(/telephony:wallet_burn_rate_credits_per_hour:rate1h/, 'the 1h burn-rate recording rule');
  has(/^telephony_wallet_runway_seconds\{/, 'the runway');
  has(/time\(\) \+ telephony_wallet_runway_seconds/, 'the forecast depletion time');
  has(/^telephony_api_up\{/, 'API up');
  has(/sum by \(code\) \(rate\(telephony_api_requests_total/, 'the request rate by code');
  has(/time\(\) - telephony_poll_last_success_timestamp_seconds/, 'the age of the last successful poll');
  has(/histogram_quantile\(0\.9, .*telephony_api_request_duration_seconds_bucket/, 'poll latency quantiles');
  has(/telephony_alert_firing/, 'the alerts firing');
  has(/telephony_alert_notifications_total/, 'the notifications');
  has(/wallet_sentinel_notification_oldest_owed_age_seconds/, 'the age of the oldest owed notification');
  has(/wallet_sentinel_notifications_owed/, 'the notifications owed');
  has(/wallet_sentinel_state_write_healthy/, 'whether STATE_DIR is writable');
});

test('wallet-level series are merged across processes with max/min, never summed (every sidecar replica reports the whole wallet)', () => {
  const perAccount = new Set(accountMetrics());
  for (const p of panelsOf(loadDashboard())) {
    for (const t of p.targets ?? []) {
      const summed = [...t.expr.matchAll(/sum by \(account\) \(([^]*)\)/g)].flatMap((m) => [...metricNames(m[1]!)]).filter((n) => perAccount.has(n));
      assert.deepEqual(summed, [], `panel "${p.title}": ${t.expr}`);
    }
  }
});

test('panels on per-account metrics filter by $account', () => {
  const perAccount = [...accountMetrics()];
  // the parse finds the per-account metrics, and not the daemon's own (no account label)
  assert.ok(perAccount.includes('telephony_wallet_balance_credits') && perAccount.includes('telephony_api_up') && !perAccount.includes('telephony_api_request_duration_seconds'), perAccount.join(', '));
  for (const own of ['telephony_alert_notifications_total', 'wallet_sentinel_notifications_owed', 'wallet_sentinel_state_write_healthy']) assert.ok(!perAccount.includes(own), own);
  for (const p of panelsOf(loadDashboard())) {
    for (const t of p.targets ?? []) {
      for (const n of metricNames(t.expr)) {
        const base = n.replace(/_(bucket|sum|count)$/, '');
        if (perAccount.includes(base) || n.startsWith('telephony:')) assert.match(t.expr, new RegExp(`${n}\\{[^}]*account=~"\\$account"`), `panel "${p.title}": ${n} without account=~"$account"`);
      }
    }
  }
});

test('the provisioning files point Grafana at Prometheus and at the directory compose mounts the dashboard in', () => {
  const ds = readYaml<{ datasources: Array<{ type: string; url: string }> }>(join(DEPLOY, 'grafana/provisioning/datasources/prometheus.yml'));
  assert.equal(ds.datasources[0]!.type, 'prometheus');
  assert.equal(ds.datasources[0]!.url, 'http://prometheus:9090');
  const providers = readYaml<{ providers: Array<{ type: string; options: { path: string } }> }>(join(DEPLOY, 'grafana/provisioning/dashboards/wallet-sentinel.yml'));
  const path = providers.providers[0]!.options.path;

  const compose = readYaml<{ services: { grafana: { volumes: string[] } } }>(join(ROOT, 'docker-compose.yml'));
  const mounts = new Map(compose.services.grafana.volumes.map((v) => [v.split(':')[1]!, v.split(':')[0]!]));
  assert.equal(mounts.get('/etc/grafana/provisioning'), './deploy/grafana/provisioning');
  assert.equal(mounts.get(path), './deploy/grafana/dashboards', `compose must mount the dashboards at the provider's path ${path}`);
  JSON.parse(read(join(DEPLOY, 'grafana/dashboards/wallet-sentinel.json')));
});
