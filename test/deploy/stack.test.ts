/**
 * The monitoring stack end to end with the real binaries, as docker-compose.yml wires it but on
 * loopback: the daemon against the simulator, Prometheus with deploy/prometheus/prometheus.yml and
 * rules.yml, Alertmanager with deploy/alertmanager/alertmanager.yml, and real SMTP and webhook
 * receivers. Proves that the rules evaluate without error on real data, that the recording rules
 * and alerts select real series, and that a Prometheus alert reaches email and webhook.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { Simulator } from '../../src/simulator/simulator.js';
import { CLI, Daemon, tempDir } from '../helpers/daemon.js';
import { requireBinary } from '../helpers/promtool.js';
import { startReceivers } from '../helpers/receivers.js';
import { allRules, freePort, PROMETHEUS_CONFIG, readYaml, RULES, startAlertmanager, startProcess, waitUntil } from './lib.js';

const KEY = 'sk_live_deploy_stack_8080';

interface PromConfig {
  global: Record<string, string>;
  rule_files: string[];
  alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
  scrape_configs: Array<{ job_name: string; scrape_interval?: string; static_configs: Array<{ targets: string[] }> }>;
}
interface RuleState {
  name: string;
  type: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
}
interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

test('daemon → Prometheus (rules.yml) → Alertmanager → email and webhook', { timeout: 240_000 }, async (t) => {
  if (!requireBinary(t, 'prometheus', 'prometheus')) return;
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  const dir = tempDir('ws-stack-');

  const { mail, hook } = await startReceivers(t);
  const am = await startAlertmanager(t, dir, mail.port, hook.url);
  if (!am) return;

  // 1000 credits burning 10 a second: the spend counter gets a rate and the runway is minutes, so the
  // daemon's depletion_forecast fires critical within seconds and TelephonyWalletRunwayLow, which reads
  // that decision, a minute later (its `for`). Then the wallet is emptied (TelephonyWalletExhausted fires
  // at once: it has no `for`).
  const sim = new Simulator({ apiKey: KEY, balance: 1000, burnPerHour: 36_000 });
  await sim.start();
  t.after(() => sim.close());
  const daemon = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY });
  t.after(() => daemon.kill());

  // prometheus.yml as shipped, but on loopback and every second; rules.yml itself, unchanged.
  const promPort = await freePort();
  const cfg = readYaml<PromConfig>(PROMETHEUS_CONFIG);
  cfg.global.scrape_interval = '1s';
  cfg.global.evaluation_interval = '1s';
  cfg.rule_files = [RULES];
  cfg.alerting.alertmanagers[0]!.static_configs[0]!.targets = [new URL(am).host];
  for (const job of cfg.scrape_configs) {
    job.scrape_interval = '1s';
    job.static_configs[0]!.targets = [job.job_name === 'wallet-sentinel' ? `127.0.0.1:${daemon.port}` : `127.0.0.1:${promPort}`];
  }
  assert.ok(cfg.scrape_configs.some((j) => j.job_name === 'wallet-sentinel'));
  const cfgFile = join(dir, 'prometheus.yml');
  writeFileSync(cfgFile, YAML.stringify(cfg));
  const prom = startProcess(t, 'prometheus', [`--config.file=${cfgFile}`, `--storage.tsdb.path=${join(dir, 'prom-data')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
  const api = `http://127.0.0.1:${promPort}/api/v1`;
  const logs = () => `\n--- prometheus ---\n${prom.output().slice(-3000)}`;
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${promPort}/-/ready`)).ok, () => `Prometheus ready${logs()}`);

  const query = async (q: string): Promise<Vector[]> => {
    const r = (await (await fetch(`${api}/query?query=${encodeURIComponent(q)}`)).json()) as { status: string; data: { result: Vector[] } };
    assert.equal(r.status, 'success', q);
    return r.data.result;
  };

  // every rule of rules.yml is loaded and evaluates without error on the daemon's real series
  const rules = await waitUntil(async () => {
    const r = (await (await fetch(`${api}/rules`)).json()) as { data: { groups: Array<{ rules: RuleState[] }> } };
    const list = r.data.groups.flatMap((g) => g.rules);
    return list.length > 0 && list.every((x) => !x.lastEvaluation.startsWith('0001')) && (await query('up{job="wallet-sentinel"} == 1')).length === 1 ? list : undefined;
  }, () => `rules evaluated and the target up${logs()}`);
  assert.equal(rules.length, allRules().length);
  for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError}`);

  // the recording rules compute from the real counter; Prometheus sees the balance and runway
  const rate = await waitUntil(async () => (await query('telephony:wallet_burn_rate_credits_per_hour:rate1h{account="default"} > 0'))[0], () => `a burn rate from the counter${logs()}`);
  assert.ok(Number(rate.value[1]) > 0);
  assert.deepEqual(Object.keys(rate.metric).sort(), ['__name__', 'account']);

  const firing = async (name: string, sev: string) => (await query(`ALERTS{account="default",alertname="${name}",alertstate="firing",severity="${sev}"}`)).length > 0;

  // TelephonyWalletRunwayLow follows the daemon's own decision: first depletion_forecast fires (critical)…
  await waitUntil(async () => (await query('telephony_alert_firing{account="default",alertname="depletion_forecast",severity="critical"} == 1')).length > 0, () => `the daemon's depletion_forecast critical${logs()}`, 60_000);
  // …then both severities of the rule fire, with the daemon's runway in the description
  await waitUntil(async () => (await firing('TelephonyWalletRunwayLow', 'critical')) && (await firing('TelephonyWalletRunwayLow', 'warning')), () => `TelephonyWalletRunwayLow firing${logs()}`, 120_000);
  const runwayRule = ((await (await fetch(`${api}/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> } }).data.alerts.find((a) => a.labels.alertname === 'TelephonyWalletRunwayLow' && a.labels.severity === 'critical');
  assert.match(runwayRule?.annotations.description ?? '', /its runway estimate now: \d[\d.hms ]*s;/, runwayRule?.annotations.description);

  sim.setBalance(0);

  // the exhausted one fires at once, and depletion_forecast stays as it was (the daemon leaves a firing one be)
  await waitUntil(async () => ((await firing('TelephonyWalletExhausted', 'critical')) ? true : undefined), () => `TelephonyWalletExhausted firing${logs()}`);
  assert.ok(await firing('TelephonyWalletRunwayLow', 'critical'));

  // …and Alertmanager delivers the critical one by webhook and email, runbook link included
  const delivered = await waitUntil(
    () => hook.bodies().flatMap((b) => (b.alerts as Array<{ labels: Record<string, string>; annotations: Record<string, string> }>)).find((a) => a.labels.alertname === 'TelephonyWalletExhausted'),
    () => `the webhook to receive TelephonyWalletExhausted (got ${hook.received.length})`,
  );
  assert.equal(delivered.labels.severity, 'critical');
  assert.equal(delivered.labels.account, 'default');
  assert.equal(delivered.annotations.runbook_url, 'https://github.com/wallet-sentinel/wallet-sentinel/blob/main/deploy/README.md#telephonywalletexhausted');
  await waitUntil(() => mail.mails.some((m) => m.subject.includes('TelephonyWalletExhausted')), () => `an email about TelephonyWalletExhausted (got ${mail.mails.map((m) => m.subject).join(' | ')})`);
});
