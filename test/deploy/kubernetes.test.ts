/**
 * deploy/kubernetes: every manifest parses; every wallet-sentinel container is locked down, probed,
 * sized and reads its key(s) from a file; the sharded StatefulSet derives its shard from the pod's
 * ordinal; the monitors find it under job="wallet-sentinel"; the
 * PrometheusRule carries exactly the groups of deploy/prometheus/rules.yml.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { loadSettings } from '../../src/config/load.js';
import { DEPLOY, loadRules, readYaml, readYamlDocs } from './lib.js';

const K8S = join(DEPLOY, 'kubernetes');

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  envFrom?: unknown[];
  ports?: Array<{ name?: string; containerPort: number }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
}
interface PodSpec {
  securityContext?: Record<string, unknown>;
  enableServiceLinks?: boolean;
  containers: Container[];
  volumes?: Array<{ name: string; secret?: { secretName: string; defaultMode?: number }; emptyDir?: unknown; persistentVolumeClaim?: { claimName: string } }>;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(f) ? [p] : [];
  });
}
const objects = (): Array<Obj & { file: string }> => yamlFiles(K8S).flatMap((file) => readYamlDocs(file).map((o) => ({ ...(o as Obj), file })));
const workloads = () => objects().filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'DaemonSet');
const podSpec = (o: Obj): PodSpec => (o.spec as { template: { spec: PodSpec } }).template.spec;
const sentinels = () =>
  workloads().flatMap((w) => podSpec(w).containers.filter((c) => c.image.includes('wallet-sentinel')).map((c) => ({ w, pod: podSpec(w), c, where: `${w.file.slice(K8S.length + 1)} ${w.metadata.name}/${c.name}` })));

test('every manifest parses (multi-document YAML) and names its kind, apiVersion and name', () => {
  const all = objects();
  assert.ok(all.length >= 8, `${all.length} objects`);
  for (const o of all) {
    assert.ok(o.apiVersion && o.kind, `${o.file}: apiVersion and kind`);
    if (o.kind !== 'Kustomization') assert.ok(o.metadata?.name, `${o.file}: metadata.name`);
  }
  const kinds = new Set(all.map((o) => o.kind));
  for (const k of ['Deployment', 'StatefulSet', 'ConfigMap', 'PersistentVolumeClaim', 'Service', 'PodMonitor', 'ServiceMonitor', 'PrometheusRule', 'Kustomization']) assert.ok(kinds.has(k), `a ${k}`);
});

test('every kustomization lists files and directories that exist', () => {
  for (const k of objects().filter((o) => o.kind === 'Kustomization')) {
    const dir = join(k.file, '..');
    for (const r of (k as { resources?: string[] }).resources ?? []) assert.ok(existsSync(join(dir, r)), `${k.file}: resource ${r} does not exist`);
  }
});

test('there is a sidecar example (with the application) and a standalone Deployment (1 replica, on a PVC)', () => {
  const list = sentinels();
  const sidecar = list.find((s) => s.pod.containers.length > 1);
  assert.ok(sidecar, 'a pod with wallet-sentinel next to another container');
  const stateVol = (s: (typeof list)[number]) => s.pod.volumes?.find((v) => v.name === s.c.volumeMounts?.find((m) => m.mountPath === '/var/lib/wallet-sentinel')?.name);
  assert.ok(stateVol(sidecar)?.emptyDir !== undefined, 'the sidecar keeps its state on an emptyDir');

  const standalone = list.find((s) => s.w.kind === 'Deployment' && s.pod.containers.length === 1);
  assert.ok(standalone, 'a pod with wallet-sentinel alone');
  assert.equal((standalone.w.spec as { replicas?: number }).replicas, 1, 'one poller per account');
  assert.equal((standalone.w.spec as { strategy?: { type: string } }).strategy?.type, 'Recreate', 'never two pollers, and the RWO volume moves');
  const claim = stateVol(standalone)?.persistentVolumeClaim?.claimName;
  assert.ok(claim && objects().some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === claim), `the state PVC ${claim} is defined`);
});

test('every wallet-sentinel container: non-root, read-only root, no privilege escalation, no capabilities, seccomp', () => {
  const list = sentinels();
  assert.ok(list.length >= 2);
  for (const { pod, c, where } of list) {
    // the container's own securityContext wins over the pod's
    const sc = { ...(pod.securityContext ?? {}), ...(c.securityContext ?? {}) } as Record<string, unknown> & { capabilities?: { drop?: string[] }; seccompProfile?: { type: string } };
    assert.equal(sc.runAsNonRoot, true, `${where}: runAsNonRoot`);
    assert.ok(typeof sc.runAsUser !== 'number' || sc.runAsUser > 0, `${where}: runAsUser is not root`);
    assert.equal(sc.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
    assert.equal(sc.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
    assert.ok(c.securityContext?.capabilities?.drop?.includes('ALL'), `${where}: capabilities.drop ALL`);
    assert.equal(sc.seccompProfile?.type, 'RuntimeDefault', `${where}: seccompProfile`);
    assert.equal(c.securityContext?.privileged ?? false, false, `${where}: not privileged`);
  }
});

test('every wallet-sentinel container is safe from service links (METRICS_PORT=tcp://… from a Service named metrics)', () => {
  for (const { pod, c, where } of sentinels()) {
    const own = (c.env ?? []).some((e: { name: string; value?: string }) => e.name === 'METRICS_PORT' && /^\d+$/.test(e.value ?? ''));
    assert.ok(pod.enableServiceLinks === false || own, `${where}: enableServiceLinks: false or an explicit METRICS_PORT`);
  }
  for (const { c, where } of sentinels().filter(({ where }) => where.includes('sidecar'))) {
    assert.ok((c.env ?? []).some((e: { name: string }) => e.name === 'METRICS_PORT'), `${where}: a sidecar's container carries METRICS_PORT itself (the pod-level switch does not travel with it)`);
  }
});

test('every wallet-sentinel container: liveness on /healthz on its metrics port; alone in its pod, readiness on /readyz', () => {
  const list = sentinels();
  assert.ok(list.some((s) => s.pod.containers.length === 1), 'a standalone wallet-sentinel');
  for (const { pod, c, where } of list) {
    const port = c.ports?.find((p) => p.containerPort === 9721);
    assert.ok(port?.name, `${where}: a named port 9721`);
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz', `${where}: liveness`);
    assert.ok([port.name, 9721].includes(c.livenessProbe.httpGet.port), `${where}: liveness port`);
    if (pod.containers.length > 1) continue; // a sidecar: see the next test
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz', `${where}: readiness`);
    assert.ok([port.name, 9721].includes(c.readinessProbe.httpGet.port), `${where}: readiness port`);
  }
});

test('a wallet-sentinel sidecar has no readiness probe: its readiness would gate the application it guards', () => {
  const sidecars = sentinels().filter((s) => s.pod.containers.length > 1);
  assert.ok(sidecars.length >= 1, 'a sidecar example');
  for (const { c, where } of sidecars) {
    // /readyz is 503 until the first poll ends and while STATE_DIR cannot be written; a pod is Ready
    // only when every container is, so either would take the application out of its Service.
    assert.notEqual(c.readinessProbe?.httpGet?.path, '/readyz', `${where}: a readiness probe on /readyz takes the application down with the guard`);
    assert.equal(c.readinessProbe, undefined, `${where}: no readinessProbe (liveness on /healthz restarts the sidecar alone)`);
    assert.equal((c as { startupProbe?: unknown }).startupProbe, undefined, `${where}: no startupProbe (until it passes, the container and so the pod are not Ready)`);
  }
});

test('every wallet-sentinel container: requests and limits for cpu and memory', () => {
  for (const { w, c, where } of sentinels()) {
    for (const kind of ['requests', 'limits'] as const) for (const r of ['cpu', 'memory']) assert.ok(c.resources?.[kind]?.[r], `${where}: resources.${kind}.${r}`);
    // one wallet: measured (standalone/deployment.yaml); a shard of many: sized by the target
    assert.equal(c.resources?.limits?.memory, w.kind === 'StatefulSet' ? '512Mi' : '192Mi', `${where}: memory limit (one wallet: ~100 MiB on the image's Node 24)`);
  }
});

/** The key files a container reads: TELEPHONY_API_KEY_FILE, or every api_key_file of its WALLETS_FILE (from a ConfigMap). */
function keyFilesOf(pod: PodSpec, c: Container, where: string): string[] {
  const env = new Map((c.env ?? []).map((e) => [e.name, e]));
  const walletsFile = env.get('WALLETS_FILE')?.value;
  if (walletsFile === undefined) return [env.get('TELEPHONY_API_KEY_FILE')?.value ?? assert.fail(`${where}: TELEPHONY_API_KEY_FILE or WALLETS_FILE`)];
  const mount = c.volumeMounts?.find((m) => walletsFile.startsWith(`${m.mountPath}/`));
  assert.ok(mount?.readOnly, `${where}: WALLETS_FILE on a read-only mount`);
  const cmName = (pod.volumes?.find((v) => v.name === mount.name) as { configMap?: { name: string } } | undefined)?.configMap?.name;
  const cm = objects().find((o) => o.kind === 'ConfigMap' && o.metadata.name === cmName) as (Obj & { data: Record<string, string> }) | undefined;
  const text = cm?.data[walletsFile.slice(mount.mountPath.length + 1)];
  assert.ok(text, `${where}: WALLETS_FILE comes from a ConfigMap in the same example`);
  const doc = YAML.parse(text) as { wallets: Array<{ name: string; api_key?: string; api_key_file?: string }> };
  for (const w of doc.wallets) assert.equal(w.api_key, undefined, `${where}: wallet ${w.name} has a key literal in the ConfigMap`);
  return doc.wallets.map((w) => w.api_key_file ?? assert.fail(`${where}: wallet ${w.name} has no api_key_file`));
}

test('every wallet-sentinel container reads its key(s) from a Secret mounted as a file, never from an env literal or a ConfigMap', () => {
  for (const { pod, c, where } of sentinels()) {
    const env = new Map((c.env ?? []).map((e) => [e.name, e]));
    assert.ok(!env.has('TELEPHONY_API_KEY'), `${where}: TELEPHONY_API_KEY must not be set`);
    assert.equal(c.envFrom, undefined, `${where}: no envFrom (it could carry the key)`);
    for (const file of keyFilesOf(pod, c, where)) {
      const mount = c.volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
      assert.ok(mount, `${where}: ${file} is on a mounted volume`);
      assert.equal(mount.readOnly, true, `${where}: the key volume is read-only`);
      const vol = pod.volumes?.find((v) => v.name === mount.name);
      assert.ok(vol?.secret?.secretName, `${where}: the key volume is a Secret`);
    }
    assert.equal(env.get('STATE_DIR')?.value, '/var/lib/wallet-sentinel', `${where}: STATE_DIR`);
    assert.ok(c.volumeMounts?.some((m) => m.mountPath === '/var/lib/wallet-sentinel' && !m.readOnly), `${where}: a writable state volume`);
    // the image's entry point runs node directly; a command override must not bring npm back
    assert.ok(!(c.command ?? []).some((a) => /\bnpm\b|\bnpx\b/.test(a)), `${where}: no npm/npx`);
  }
});

test('the PodMonitor and ServiceMonitor scrape the metrics port and label the job wallet-sentinel', () => {
  type Endpoint = { port: string; path?: string; relabelings?: Array<{ targetLabel?: string; replacement?: string; sourceLabels?: string[] }> };
  const relabelsJob = (eps: Endpoint[]) => eps.every((e) => e.relabelings?.some((r) => r.targetLabel === 'job' && r.replacement === 'wallet-sentinel' && !r.sourceLabels));
  const pm = objects().find((o) => o.kind === 'PodMonitor')!;
  const pmEps = (pm.spec as { podMetricsEndpoints: Endpoint[] }).podMetricsEndpoints;
  assert.ok(relabelsJob(pmEps), 'PodMonitor: job=wallet-sentinel (rules.yml selects it)');
  const sidecar = sentinels().find((s) => s.pod.containers.length > 1)!;
  assert.equal(pmEps[0]!.port, sidecar.c.ports![0]!.name, 'PodMonitor scrapes the sidecar port');
  const podLabels = (sidecar.w.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
  for (const [k, v] of Object.entries((pm.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels)) assert.equal(podLabels[k], v, `PodMonitor selects the sidecar pods (${k})`);

  const sm = objects().find((o) => o.kind === 'ServiceMonitor')!;
  const smEps = (sm.spec as { endpoints: Endpoint[] }).endpoints;
  assert.ok(relabelsJob(smEps), 'ServiceMonitor: job=wallet-sentinel');
  const svc = objects().find((o) => o.kind === 'Service')!;
  assert.ok((svc.spec as { ports: Array<{ name: string }> }).ports.some((p) => p.name === smEps[0]!.port), 'ServiceMonitor scrapes a port the Service has');
});

test('the PrometheusRules carry the groups of deploy/prometheus/rules.yml: all of them, and the watcher group alone', () => {
  const prs = objects().filter((o) => o.kind === 'PrometheusRule');
  assert.deepEqual(prs.map((p) => p.metadata.name).sort(), ['wallet-sentinel', 'wallet-sentinel-self']);
  for (const p of prs) assert.equal(p.apiVersion, 'monitoring.coreos.com/v1');
  const groups = (name: string) => (prs.find((p) => p.metadata.name === name)!.spec as { groups: Array<{ name: string }> }).groups;
  const stale = 'out of date: run node deploy/kubernetes/rules/generate.mjs';
  assert.deepEqual(groups('wallet-sentinel'), loadRules().groups, stale);
  const self = (loadRules().groups as Array<{ name: string }>).filter((g) => g.name === 'wallet-sentinel.self');
  assert.equal(self.length, 1);
  assert.deepEqual(groups('wallet-sentinel-self'), self, stale);
  // the watcher group is what its name says: no wallet rule (Telephony*) in it
  for (const r of (self[0] as unknown as { rules: Array<{ alert?: string }> }).rules) assert.match(r.alert ?? '', /^WalletSentinel/);
});

test('the sharded StatefulSet: SHARD_COUNT = replicas, SHARD_INDEX = the pod ordinal, a volume per pod, Alertmanager for all', () => {
  const sts = workloads().filter((w) => w.kind === 'StatefulSet');
  assert.equal(sts.length, 1);
  const s = sts[0]!;
  const spec = s.spec as { replicas: number; serviceName: string; volumeClaimTemplates?: Array<{ metadata: { name: string } }> };
  const c = podSpec(s).containers.find((x) => x.image.includes('wallet-sentinel'))!;
  const env = new Map((c.env ?? []).map((e) => [e.name, e]));
  assert.equal(env.get('SHARD_COUNT')?.value, String(spec.replicas), 'SHARD_COUNT equals replicas');
  assert.deepEqual(env.get('SHARD_INDEX')?.valueFrom, { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } }, 'SHARD_INDEX from the pod-index label (0-based ordinal)');
  assert.ok(env.get('WALLETS_FILE')?.value, 'one WALLETS_FILE for all shards');
  assert.match(env.get('ALERTMANAGER_URL')?.value ?? '', /^http:\/\/alertmanager/, 'every shard posts to Alertmanager');
  const state = c.volumeMounts!.find((m) => m.mountPath === '/var/lib/wallet-sentinel')!;
  assert.ok(spec.volumeClaimTemplates?.some((t) => t.metadata.name === state.name), 'STATE_DIR on a volumeClaimTemplate: a volume per pod');
  assert.ok(!podSpec(s).volumes?.some((v) => v.name === state.name), 'not a volume shared by the pods');
  const svc = objects().find((o) => o.kind === 'Service' && o.metadata.name === spec.serviceName);
  assert.equal((svc?.spec as { clusterIP?: string } | undefined)?.clusterIP, 'None', 'a headless governing Service');
});

test("the sharded example's wallets file (ConfigMap) passes wallet-sentinel's own validation", () => {
  const cm = objects().find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'wallet-sentinel-wallets') as unknown as { data: Record<string, string> };
  const dir = mkdtempSync(join(tmpdir(), 'ws-k8s-'));
  // the Secret's files, stood in for by readable ones
  const text = cm.data['wallets.yaml']!.replace(/\/run\/secrets\/wallets\/([\w.-]+)/g, (_, name: string) => {
    writeFileSync(join(dir, name), `sk_${name}\n`);
    return join(dir, name);
  });
  writeFileSync(join(dir, 'wallets.yaml'), text);
  const { settings, warnings } = loadSettings({ WALLETS_FILE: join(dir, 'wallets.yaml'), SHARD_COUNT: '3', SHARD_INDEX: '2' }, { cwd: dir });
  assert.equal(settings.wallets.length, 3);
  assert.deepEqual(warnings, []);
});

test('the kustomizations of every pattern include the rules, one alert path each: the watcher rules alone where the daemons alert (ALERTMANAGER_URL)', () => {
  for (const dir of ['standalone', 'sidecar', 'sharded']) {
    const k = readYaml<{ resources: string[] }>(join(K8S, dir, 'kustomization.yaml'));
    const own = k.resources.filter((r) => !r.startsWith('..')).flatMap((r) => readYamlDocs(join(K8S, dir, r)) as Obj[]);
    const alerting = own
      .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
      .some((w) => podSpec(w).containers.some((c) => c.image.includes('wallet-sentinel') && (c.env ?? []).some((e) => e.name === 'ALERTMANAGER_URL')));
    const rules = k.resources.filter((r) => r === '../rules' || r === '../rules-self');
    // both would page twice for every wallet problem (deploy/README.md "Choosing an alert path")
    assert.deepEqual(rules, [alerting ? '../rules-self' : '../rules'], `${dir}/kustomization.yaml: ${alerting ? 'its daemons post to Alertmanager, so only ../rules-self' : '../rules'}`);
  }
  // as shipped: the sidecar and sharded examples alert through the daemons, the standalone one through Prometheus
  assert.deepEqual(
    ['standalone', 'sidecar', 'sharded'].map((d) => readYaml<{ resources: string[] }>(join(K8S, d, 'kustomization.yaml')).resources.find((r) => r.startsWith('../rules'))),
    ['../rules', '../rules-self', '../rules-self'],
  );
});
