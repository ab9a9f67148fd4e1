/**
 * The real Prometheus (with deploy/prometheus/prometheus.yml and rules.yml, pointed at the test's daemons)
 * and the real Alertmanager, on loopback: Prometheus scrapes our series, and an alert from
 * wallet-sentinel's Alertmanager channel shows up in Alertmanager once, even with two replicas sending.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { Simulator } from '../../src/simulator/simulator.js';
import { Daemon, tempDir, waitFor } from '../helpers/daemon.js';
import { requireBinary } from '../helpers/promtool.js';
import { DEPLOY, PROMETHEUS_CONFIG, freePort, readYaml, startProcess } from './lib.js';

const KEY = 'sk_live_prometheus_e2e';

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

test('Prometheus scrapes both replicas; Alertmanager holds their alert once', async (t) => {
  if (!requireBinary(t, 'prometheus', 'prometheus') || !requireBinary(t, 'prometheus-alertmanager', 'prometheus-alertmanager')) return;
  const dir = tempDir('ws-prom-');

  const amPort = await freePort();
  writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: devnull\n  group_wait: 1s\nreceivers:\n  - name: devnull\n');
  mkdirSync(join(dir, 'am-data'));
  const am = startProcess(t, 'prometheus-alertmanager', [
    `--config.file=${join(dir, 'am.yml')}`,
    `--storage.path=${join(dir, 'am-data')}`,
    `--web.listen-address=127.0.0.1:${amPort}`,
    '--cluster.listen-address=',
  ]);
  const amUrl = `http://127.0.0.1:${amPort}`;
  await waitFor(async () => (await fetch(`${amUrl}/-/ready`)).ok, () => `alertmanager ready (${am.output()})`, 20_000);

  const sim = new Simulator({ apiKey: KEY, balance: 50, burnPerHour: 0 });
  await sim.start();
  t.after(() => sim.close());
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, LOW_BALANCE_THRESHOLD: '100', ALERTMANAGER_URL: amUrl, ACCOUNT_NAME: 'e2e' };
  const replicas = [await Daemon.start(env), await Daemon.start(env)];
  for (const d of replicas) t.after(() => d.kill());

  // Our scrape config and rules, pointed at the test's daemons and Alertmanager, scraping every second.
  const config = readYaml<{
    global: Record<string, string>;
    rule_files: string[];
    alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    scrape_configs: Array<{ job_name: string; scrape_interval?: string; static_configs: Array<{ targets: string[] }> }>;
  }>(PROMETHEUS_CONFIG);
  config.global.scrape_interval = '1s';
  config.global.evaluation_interval = '1s';
  config.rule_files = config.rule_files.map((f) => join(DEPLOY, 'prometheus', f));
  config.alerting.alertmanagers = [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }];
  const job = config.scrape_configs.find((j) => j.job_name === 'wallet-sentinel');
  assert.ok(job, 'deploy/prometheus/prometheus.yml scrapes job wallet-sentinel');
  job.scrape_interval = '1s';
  job.static_configs = [{ targets: replicas.map((d) => `127.0.0.1:${d.port}`) }];
  config.scrape_configs = [job];
  writeFileSync(join(dir, 'prometheus.yml'), YAML.stringify(config));
  const promPort = await freePort();
  const prom = startProcess(t, 'prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'prom-data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
  ]);
  const promUrl = `http://127.0.0.1:${promPort}`;
  await waitFor(async () => (await fetch(`${promUrl}/-/ready`)).ok, () => `prometheus ready (${prom.output().slice(-2000)})`, 30_000);

  type Vector = { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  const query = (q: string) => getJson<Vector>(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const series = await waitFor(async () => {
    const r = await query('telephony_wallet_balance_credits{job="wallet-sentinel"}');
    return r.data.result.length === 2 ? r.data.result : undefined;
  }, 'Prometheus to scrape both replicas', 30_000);
  for (const s of series) {
    assert.equal(s.metric.account, 'e2e');
    assert.equal(Number(s.value[1]), 50);
  }
  const up = await query('up{job="wallet-sentinel"}');
  assert.deepEqual(up.data.result.map((r) => r.value[1]), ['1', '1']);
  const recorded = await waitFor(async () => (await query('telephony_wallet_consumed_credits_total')).data.result.length === 2, 'the counters');
  assert.ok(recorded);

  type AmAlert = { labels: Record<string, string>; annotations: Record<string, string>; status: { state: string } };
  const alerts = await waitFor(async () => {
    const list = await getJson<AmAlert[]>(`${amUrl}/api/v2/alerts?filter=${encodeURIComponent('service="wallet-sentinel"')}`);
    return list.length > 0 ? list : undefined;
  }, 'the alert in Alertmanager', 30_000);
  // Both replicas post it (each counts a sent notification), Alertmanager holds it once.
  await waitFor(async () => {
    for (const d of replicas) if (!((await d.metric('wallet_sentinel_alertmanager_posts_total{outcome="sent"}')) ?? 0)) return false;
    return true;
  }, 'both replicas to post');
  const again = await getJson<AmAlert[]>(`${amUrl}/api/v2/alerts?filter=${encodeURIComponent('service="wallet-sentinel"')}`);
  assert.equal(again.length, 1, JSON.stringify(again.map((a) => a.labels)));
  assert.equal(alerts[0]!.labels.alertname, 'low_balance');
  assert.equal(alerts[0]!.labels.account, 'e2e');
  assert.equal(alerts[0]!.labels.severity, 'warning');
  assert.match(alerts[0]!.annotations.summary ?? '', /low/);
  assert.match(alerts[0]!.annotations.runbook_url ?? '', /deploy\/README\.md#low_balance$/);
  assert.equal(alerts[0]!.status.state, 'active');

  // A top-up resolves it in Alertmanager too.
  sim.setBalance(1000);
  await waitFor(async () => {
    const list = await getJson<AmAlert[]>(`${amUrl}/api/v2/alerts?active=true&filter=${encodeURIComponent('service="wallet-sentinel"')}`);
    return list.length === 0;
  }, 'the alert to resolve in Alertmanager', 30_000);
});
