/** Shared by the test/deploy tests: paths, file loading, outside commands, PromQL metric names. */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import YAML from 'yaml';
import { ALERT_NAMES } from '../../src/domain/rules.js';
import { requireBinary } from '../helpers/promtool.js';
import { waitFor } from '../helpers/daemon.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const DEPLOY = join(ROOT, 'deploy');
export const RULES = join(DEPLOY, 'prometheus/rules.yml');
export const RULES_TEST = join(DEPLOY, 'prometheus/rules.test.yml');
export const PROMETHEUS_CONFIG = join(DEPLOY, 'prometheus/prometheus.yml');
export const ALERTMANAGER_CONFIG = join(DEPLOY, 'alertmanager/alertmanager.yml');
export const DASHBOARD = join(DEPLOY, 'grafana/dashboards/wallet-sentinel.json');
export const DOCS = join(DEPLOY, 'README.md');

/** The alerts wallet-sentinel decides itself, from the source: each needs a runbook section too. */
export const DAEMON_ALERTS: readonly string[] = ALERT_NAMES;

export const read = (path: string): string => readFileSync(path, 'utf8');
export const readYaml = <T = unknown>(path: string): T => YAML.parse(read(path)) as T;
/** Every document of a multi-document YAML file; a YAML error fails the test with the file's name. */
export function readYamlDocs(path: string): unknown[] {
  const docs = YAML.parseAllDocuments(read(path));
  for (const d of docs) if (d.errors.length > 0) throw new Error(`${path}: ${d.errors.map((e) => e.message).join('; ')}`);
  return docs.map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined);
}

export interface RuleFile {
  groups: Array<{ name: string; rules: Rule[] }>;
}
export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export const loadRules = (): RuleFile => readYaml<RuleFile>(RULES);
export const allRules = (f: RuleFile = loadRules()): Rule[] => f.groups.flatMap((g) => g.rules);

/** Runs a command to completion: exit status and both streams together. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string; timeoutMs?: number } = {}): { status: number | null; output: string; stdout: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, input: opts.input, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim(), stdout: (r.stdout ?? '').trim() };
}

/**
 * The first of `names` on PATH, or null (skipped, or failed under CI=true, by requireBinary). Debian
 * installs Alertmanager as `prometheus-alertmanager`, upstream tarballs as `alertmanager`.
 */
export function findBinary(t: TestContext, names: string[], debianPackage: string): string | null {
  for (const name of names) if (spawnSync('sh', ['-c', `command -v ${name}`]).status === 0) return name;
  return requireBinary(t, names.at(-1)!, debianPackage) ? names.at(-1)! : null;
}

/** A free TCP port on loopback (for binaries that cannot report a port they picked themselves). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePort(port));
    });
  });
}

/** A long-running outside process (Prometheus, Alertmanager) whose output is kept for failure messages. */
export function startProcess(t: TestContext, cmd: string, args: string[]): { output: () => string } {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { output: () => out };
}

// ---- PromQL ---------------------------------------------------------------------------------------

const NOT_METRICS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names an expression selects (good enough for our rules and panels, not a PromQL parser):
 * strings, label matchers, ranges, label lists and Grafana variables are removed; what remains and is
 * not a function call, a keyword or part of a number is a metric name.
 */
export function metricNames(expr: string): Set<string> {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  s = s.replace(/\{[^}]*\}/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  s = s.replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  s = s.replace(/\boffset\s+-?[0-9a-z]+/gi, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = m[0];
    const before = s[m.index - 1] ?? ' ';
    const after = s.slice(m.index + name.length).trimStart();
    if (/[0-9.]/.test(before)) continue; // 1e3, 0x1f
    if (after.startsWith('(')) continue; // a function or an aggregation
    if (NOT_METRICS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return names;
}

/** Names of the metrics src/metrics/metrics.ts registers, with their types. */
export function sourceMetrics(): Map<string, string> {
  const src = read(join(ROOT, 'src/metrics/metrics.ts'));
  const out = new Map<string, string>();
  for (const m of src.matchAll(/new (Gauge|Counter|Histogram|Summary)\(\{\s*name: '([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) out.set(m[2]!, m[1]!);
  return out;
}

/** The metrics of src/metrics/metrics.ts that carry an `account` label (the daemon's own health metrics do not). */
export function accountMetrics(): Set<string> {
  const src = read(join(ROOT, 'src/metrics/metrics.ts'));
  const out = new Set<string>();
  for (const block of src.split(/new (?:Gauge|Counter|Histogram|Summary)\(\{/).slice(1)) {
    const name = /^\s*name: '([a-zA-Z_:][a-zA-Z0-9_:]*)'/.exec(block)?.[1];
    if (name && /labelNames: \[[^\]]*'account'/.test(block.split(/\n {4}\}\),?\n/)[0]!)) out.add(name);
  }
  return out;
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Array<{ title: string; type: string; datasource?: { type: string; uid: string }; targets?: Array<{ expr: string; datasource?: { uid: string } }>; panels?: Dashboard['panels'] }>;
  templating: { list: Array<{ name: string; type: string; query: string | { query: string }; definition?: string; datasource?: { type: string; uid: string } }> };
}
export const loadDashboard = (): Dashboard => JSON.parse(read(DASHBOARD)) as Dashboard;

/** Every panel, rows' nested panels included. */
export function panelsOf(d: Dashboard): Dashboard['panels'] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** Every PromQL expression of the dashboard: panel targets and the metric of label_values() queries. */
export function dashboardExprs(d: Dashboard = loadDashboard()): string[] {
  const exprs = panelsOf(d).flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  for (const v of d.templating.list) {
    const q = typeof v.query === 'string' ? v.query : v.query.query;
    const m = /label_values\(\s*([^,)]+)\s*,/.exec(q ?? '');
    if (m) exprs.push(m[1]!);
  }
  return exprs;
}

/** The GitHub anchor of a Markdown heading: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
export function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of every heading of a Markdown file (outside code fences). */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m) anchors.add(githubAnchor(m[1]!));
  }
  return anchors;
}

// ---- Alertmanager --------------------------------------------------------------------------------

interface AlertmanagerConfig {
  global: Record<string, unknown>;
  route: { group_wait?: string; [k: string]: unknown };
  receivers: Array<{ name: string; email_configs?: Array<Record<string, unknown>>; webhook_configs?: Array<{ url: string }> }>;
  [k: string]: unknown;
}

/**
 * Starts the real Alertmanager with deploy/alertmanager/alertmanager.yml, changed only where a test
 * must: the SMTP relay and webhook URLs point at loopback receivers, and group_wait is 1 s instead of
 * 30 s. Routes, receivers' channels and inhibit rules are the file's own. Returns the base URL, or
 * null when the binary is missing (skipped, or failed under CI=true).
 */
export async function startAlertmanager(t: TestContext, dir: string, smtpPort: number, webhookUrl: string): Promise<string | null> {
  const bin = findBinary(t, ['alertmanager', 'prometheus-alertmanager'], 'prometheus-alertmanager');
  if (!bin) return null;
  const cfg = readYaml<AlertmanagerConfig>(ALERTMANAGER_CONFIG);
  cfg.global.smtp_smarthost = `127.0.0.1:${smtpPort}`;
  for (const r of cfg.receivers) for (const w of r.webhook_configs ?? []) w.url = webhookUrl;
  cfg.route.group_wait = '1s';
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, YAML.stringify(cfg));
  const port = await freePort();
  const proc = startProcess(t, bin, [
    `--config.file=${file}`,
    `--storage.path=${join(dir, 'am-data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=', // no HA gossip port
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/-/ready`)).ok, () => `Alertmanager ready\n${proc.output()}`);
  return url;
}

/** waitFor with the longer deadline that outside binaries need. */
export const waitUntil = <T>(check: () => T | Promise<T>, what: () => string, timeoutMs = 30_000): Promise<NonNullable<T>> =>
  waitFor(check, what, timeoutMs);
