/**
 * deploy/prometheus: the config and the rules pass promtool, the rule unit tests pass and cover every
 * alert both firing and not firing, and every alert carries a summary, a description and a runbook
 * link that lands on a section of deploy/README.md.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireBinary } from '../helpers/promtool.js';
import { allRules, DAEMON_ALERTS, DOCS, loadRules, markdownAnchors, metricNames, PROMETHEUS_CONFIG, read, readYaml, RULES, RULES_TEST, run, sourceMetrics } from './lib.js';

const RUNBOOK_BASE = 'https://github.com/wallet-sentinel/wallet-sentinel/blob/main/deploy/README.md#';

test('promtool check config accepts prometheus.yml (and finds rules.yml next to it)', (t) => {
  if (!requireBinary(t, 'promtool', 'prometheus')) return;
  const r = run('promtool', ['check', 'config', PROMETHEUS_CONFIG]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS: 1 rule files found/);
});

test('promtool check rules accepts rules.yml', (t) => {
  if (!requireBinary(t, 'promtool', 'prometheus')) return;
  const r = run('promtool', ['check', 'rules', RULES]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, new RegExp(`SUCCESS: ${allRules().length} rules found`));
});

test('promtool test rules: the unit tests in rules.test.yml pass', (t) => {
  if (!requireBinary(t, 'promtool', 'prometheus')) return;
  const r = run('promtool', ['test', 'rules', RULES_TEST]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /SUCCESS/);
});

test('rules.test.yml covers every alert of rules.yml, each at least once firing and once not firing', () => {
  interface AlertTest {
    alertname: string;
    exp_alerts?: unknown[];
  }
  const tests = readYaml<{ rule_files: string[]; tests: Array<{ alert_rule_test?: AlertTest[] }> }>(RULES_TEST);
  assert.deepEqual(tests.rule_files, ['rules.yml']);
  const cases = tests.tests.flatMap((g) => g.alert_rule_test ?? []);
  const alerts = new Set(allRules().flatMap((r) => (r.alert ? [r.alert] : [])));
  assert.ok(alerts.size >= 8, `expected the full set of alerts, found ${[...alerts].join(', ')}`);
  for (const name of alerts) {
    const mine = cases.filter((c) => c.alertname === name);
    assert.ok(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${name}: no test where it fires (a non-empty exp_alerts)`);
    assert.ok(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${name}: no test where it does not fire (exp_alerts: [])`);
  }
  // every severity an alert has is seen firing
  const fired = new Set(cases.flatMap((c) => (c.exp_alerts ?? []).map((a) => `${c.alertname}/${(a as { exp_labels?: Record<string, string> }).exp_labels?.severity}`)));
  for (const r of allRules()) if (r.alert) assert.ok(fired.has(`${r.alert}/${r.labels?.severity}`), `${r.alert} (${r.labels?.severity}) never fires in a test`);
  // and no test names an alert that does not exist
  for (const c of cases) assert.ok(alerts.has(c.alertname), `rules.test.yml tests an unknown alert ${c.alertname}`);
});

test('every alert has a severity, a summary, a description and a runbook_url that lands on a heading of deploy/README.md', () => {
  const anchors = markdownAnchors(read(DOCS));
  for (const r of allRules()) {
    if (!r.alert) continue;
    assert.ok(['warning', 'critical'].includes(r.labels?.severity ?? ''), `${r.alert}: severity warning or critical`);
    assert.ok(r.annotations?.summary, `${r.alert}: summary`);
    assert.ok(r.annotations?.description, `${r.alert}: description`);
    const url = r.annotations?.runbook_url ?? '';
    assert.ok(url.startsWith(RUNBOOK_BASE), `${r.alert}: runbook_url ${url} must start with ${RUNBOOK_BASE}`);
    const anchor = url.slice(RUNBOOK_BASE.length);
    assert.equal(anchor, r.alert.toLowerCase(), `${r.alert}: the anchor is the alert's name`);
    assert.ok(anchors.has(anchor), `${r.alert}: deploy/README.md has no heading with anchor #${anchor}`);
  }
});

test("deploy/README.md's table of the Prometheus alerts lists every alert of rules.yml, and only those", () => {
  const text = read(DOCS);
  const start = text.indexOf('**Alerts**');
  assert.ok(start > 0, 'the **Alerts** table of the Prometheus section');
  const table = text.slice(start, text.indexOf('\n\n', text.indexOf('\n|', start)));
  const listed = new Set([...table.matchAll(/^\| \[(\w+)\]\(#(\w+)\)/gm)].map((m) => m[1]!));
  const alerts = new Set(allRules().flatMap((r) => (r.alert ? [r.alert] : [])));
  for (const name of alerts) assert.ok(listed.has(name), `${name} is in rules.yml but not in the alerts table of deploy/README.md`);
  for (const name of listed) assert.ok(alerts.has(name), `the alerts table of deploy/README.md lists ${name}, which rules.yml does not have`);
});

test("deploy/README.md has a runbook section for each of wallet-sentinel's own alerts", () => {
  const anchors = markdownAnchors(read(DOCS));
  for (const name of DAEMON_ALERTS) assert.ok(anchors.has(name), `deploy/README.md: no heading "${name}" (anchor #${name})`);
});

test('the rules use only metrics wallet-sentinel exports, their own recording rules and up', () => {
  const exported = sourceMetrics();
  assert.ok(exported.size >= 12, `found ${exported.size} metrics in src/metrics/metrics.ts`);
  const recorded = new Set(allRules().flatMap((r) => (r.record ? [r.record] : [])));
  for (const r of allRules()) {
    for (const name of metricNames(r.expr)) {
      assert.ok(exported.has(name) || recorded.has(name) || name === 'up', `${r.alert ?? r.record}: unknown metric ${name}`);
    }
  }
  assert.ok(recorded.has('telephony:wallet_burn_rate_credits_per_hour:rate1h'));
  assert.ok(recorded.has('telephony:wallet_burn_rate_credits_per_hour:rate6h'));
  // the burn rate comes from the spend counter, never from the balance gauge
  for (const r of allRules()) if (r.record?.includes('burn_rate')) assert.deepEqual([...metricNames(r.expr)], ['telephony_wallet_consumed_credits_total']);
});

test('rules.yml is what prometheus.yml loads, and it alerts to Alertmanager', () => {
  const cfg = readYaml<{ rule_files: string[]; alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> }; scrape_configs: Array<{ job_name: string }> }>(PROMETHEUS_CONFIG);
  assert.deepEqual(cfg.rule_files, ['rules.yml']);
  assert.ok(cfg.alerting.alertmanagers[0]!.static_configs[0]!.targets.includes('alertmanager:9093'));
  // WalletSentinelDown/Absent select up{job="wallet-sentinel"}
  assert.ok(cfg.scrape_configs.some((s) => s.job_name === 'wallet-sentinel'));
  assert.ok(loadRules().groups.length > 0);
});

test('metricNames finds the metrics of an expression and nothing else', () => {
  const cases: Array<[string, string[]]> = [
    ['max by (account) (rate(telephony_wallet_consumed_credits_total[1h]) * 3600)', ['telephony_wallet_consumed_credits_total']],
    ['absent(up{job="wallet-sentinel"} == 1)', ['up']],
    ['a:b:c / (x_total{code=~"401|403"} > 0) < 72 * 3600', ['a:b:c', 'x_total']],
    ['histogram_quantile(0.9, sum by (le) (rate(h_bucket{account=~"$account"}[$__rate_interval])))', ['h_bucket']],
    ['sum(rate(m[5m] offset 1h)) without (instance) or on(account) vector(1e3)', ['m']],
    ['time() - last_seconds{a="b"}', ['last_seconds']],
  ];
  for (const [expr, want] of cases) assert.deepEqual([...metricNames(expr)].sort(), want.sort(), expr);
});
