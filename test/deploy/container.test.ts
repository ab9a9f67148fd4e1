/**
 * deploy/Dockerfile, .dockerignore, docker-compose.yml and docker-compose.real.yml: read as text and
 * YAML (no Docker engine needed), `docker-compose config` for the compose files, and the inline
 * scripts (HEALTHCHECK, webhook-sink) run with the local node.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { Simulator } from '../../src/simulator/simulator.js';
import { CLI, Daemon, tempDir, waitFor } from '../helpers/daemon.js';
import { requireBinary } from '../helpers/promtool.js';
import { ALERTMANAGER_CONFIG, freePort, PROMETHEUS_CONFIG, read, readYaml, ROOT, run, waitUntil } from './lib.js';

interface Instruction {
  op: string;
  args: string;
}
/** Dockerfile → stages of instructions (continuation lines joined, comments dropped). */
function dockerStages(text: string): Instruction[][] {
  const joined = text.replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    const ins = { op: m[1]!.toUpperCase(), args: m[2]!.trim() };
    if (ins.op === 'FROM') stages.push([]);
    if (stages.length === 0) continue; // ARG before the first FROM
    stages.at(-1)!.push(ins);
  }
  return stages;
}
const dockerfile = () => dockerStages(read(join(ROOT, 'deploy/Dockerfile')));
const final = () => dockerfile().at(-1)!;
const jsonArgs = (i: Instruction | undefined): string[] => JSON.parse(i?.args ?? 'null') as string[];

test('Dockerfile: multi-stage, and the final stage gets only production dependencies', () => {
  const stages = dockerfile();
  assert.ok(stages.length >= 2, 'multi-stage');
  const fromStage = (name: string) => stages.find((s) => new RegExp(`\\bAS\\s+${name}\\b`, 'i').test(s[0]!.args));
  const copies = final().filter((i) => i.op === 'COPY');
  const modules = copies.find((i) => /node_modules/.test(i.args));
  assert.ok(modules, 'the final stage copies node_modules');
  const source = /--from=(\S+)/.exec(modules.args)?.[1];
  assert.ok(source, 'node_modules comes from another stage');
  const deps = fromStage(source);
  assert.ok(deps?.some((i) => i.op === 'RUN' && /npm ci\b.*--omit=dev/.test(i.args)), `stage ${source} installs with npm ci --omit=dev`);
  assert.ok(!final().some((i) => i.op === 'RUN' && /\bnpm\b/.test(i.args)), 'no npm in the final stage');
  assert.ok(copies.some((i) => /--from=\S+\s+\S*dist\b/.test(i.args)), 'dist is built in another stage');
});

test('Dockerfile: non-root USER, EXPOSE 9721, HEALTHCHECK on /healthz, state volume, OCI labels', () => {
  const f = final();
  const user = f.filter((i) => i.op === 'USER').at(-1)?.args;
  assert.ok(user, 'a USER');
  assert.ok(!/^(root|0)(:|$)/.test(user), `USER ${user} is not root`);
  assert.match(user, /^\d+(:\d+)?$/, "numeric, so Kubernetes' runAsNonRoot can verify it");
  assert.ok(f.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('9721')), 'EXPOSE 9721');
  const hc = f.find((i) => i.op === 'HEALTHCHECK');
  assert.ok(hc && /\bCMD\b/.test(hc.args) && hc.args.includes('/healthz'), 'HEALTHCHECK … CMD … /healthz');
  assert.ok(f.some((i) => i.op === 'ENV' && /STATE_DIR=\/var\/lib\/wallet-sentinel\b/.test(i.args)), 'STATE_DIR=/var/lib/wallet-sentinel');
  assert.ok(f.some((i) => i.op === 'VOLUME' && i.args.includes('/var/lib/wallet-sentinel')), 'VOLUME for the state');
  const labels = f.filter((i) => i.op === 'LABEL').map((i) => i.args).join(' ');
  for (const k of ['title', 'description', 'source', 'licenses', 'version', 'revision', 'created']) assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${k}=`), `label org.opencontainers.image.${k}`);
});

test('the image and the systemd unit run node with the memory settings bench:fleet measures (few malloc arenas, a small young generation)', () => {
  const env = final().filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
  const unit = read('deploy/systemd/wallet-sentinel.service');
  for (const [name, value] of [['MALLOC_ARENA_MAX', '2'], ['NODE_OPTIONS', '--max-semi-space-size=4']] as const) {
    assert.match(env, new RegExp(`\\b${name}=${value}(\\s|$)`), `Dockerfile ENV ${name}=${value}`);
    assert.match(unit, new RegExp(`^Environment=${name}=${value}$`, 'm'), `unit Environment=${name}=${value}`);
  }
});

test('Dockerfile: tini is PID 1 and runs node dist/main.js directly (never npm or npx)', () => {
  const f = final();
  assert.ok(f.some((i) => i.op === 'RUN' && /apt-get install\b.*\btini\b/.test(i.args)), 'tini is installed');
  const entry = jsonArgs(f.find((i) => i.op === 'ENTRYPOINT'));
  assert.ok(Array.isArray(entry), 'ENTRYPOINT in exec (JSON) form, so no shell sits between tini and the signal');
  assert.match(entry[0]!, /(^|\/)tini$/);
  assert.deepEqual(entry.slice(entry.indexOf('node')), ['node', 'dist/main.js']);
  const cmd = jsonArgs(f.find((i) => i.op === 'CMD'));
  assert.deepEqual(cmd, ['start']);
  for (const i of f.filter((x) => ['ENTRYPOINT', 'CMD'].includes(x.op))) assert.ok(!/\bnpm\b|\bnpx\b/.test(i.args), `${i.op} ${i.args}`);
});

test('Dockerfile: the native addon (better-sqlite3 12) is compiled from source in the deps stage and only its result reaches the final image', () => {
  const stages = dockerfile();
  const modules = final().find((i) => i.op === 'COPY' && /node_modules/.test(i.args))!;
  const source = /--from=(\S+)/.exec(modules.args)![1]!;
  const deps = stages.find((s) => new RegExp(`\\bAS\\s+${source}\\b`, 'i').test(s[0]!.args))!;
  const runs = deps.filter((i) => i.op === 'RUN').map((i) => i.args);
  assert.ok(runs.some((r) => /apt-get install\b.*\bpython3\b/.test(r) && /\bmake\b/.test(r) && /\bg\+\+/.test(r)), `stage ${source} installs python3, make and g++ for node-gyp`);
  const build = runs.find((r) => /npm ci\b/.test(r))!;
  const scriptsRun = !/--ignore-scripts/.test(build) || /npm rebuild better-sqlite3\b/.test(build) || runs.some((r) => /npm rebuild better-sqlite3\b/.test(r));
  assert.ok(scriptsRun, 'better-sqlite3 runs its install script (npm ci --ignore-scripts alone would leave it without its addon)');
  assert.match(runs.join(' '), /--build-from-source/, 'built from source: no prebuilt download from GitHub');
  assert.match(runs.join(' '), /require\('better-sqlite3'\)/, 'the stage proves the addon loads');
  for (const i of final().filter((x) => x.op === 'RUN')) assert.doesNotMatch(i.args, /\b(g\+\+|make|python3|build-essential)\b/, 'no compiler in the final image');
  const pkg = JSON.parse(read(join(ROOT, 'package.json'))) as { dependencies: Record<string, string>; allowScripts?: Record<string, boolean> };
  assert.match(pkg.dependencies['better-sqlite3'] ?? '', /^[~^]?12\./, 'better-sqlite3 12.x (13 needs Node 22)');
  assert.equal(pkg.allowScripts?.['better-sqlite3'], true, 'npm 11 runs its install script only when package.json allows it');
  const lock = JSON.parse(read(join(ROOT, 'package-lock.json'))) as { packages: Record<string, { version: string }> };
  assert.match(lock.packages['node_modules/better-sqlite3']!.version, /^12\./);
  assert.match(read(join(ROOT, '.ci/run')), /apt-get install\b.*\bpython3\b.*\bmake\b.*\bg\+\+/, '.ci/run installs the compiler');
});

/**
 * The shipped image leaves out the simulator and the demo (test and demo tools: less code in production,
 * no fake API to start by mistake); the `simulator` stage carries only the simulator, for compose and
 * load tests. Checked by doing what the Dockerfile does: the build stage's commands run on a copy of the
 * real dist/, the stages' COPY --from=build take their parts, and each result is started.
 */
test('Dockerfile: the shipped dist has no simulator or demo and still runs; the simulator stage runs alone, without node_modules', { timeout: 60_000 }, async (t) => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  const stages = dockerfile();
  const build = stages.find((s) => /\bAS\s+build\b/i.test(s[0]!.args))!;
  const simStage = stages.find((s) => /\bAS\s+simulator\b/i.test(s[0]!.args));
  assert.ok(simStage, 'a stage named simulator');
  assert.notEqual(simStage, final(), 'the simulator stage is not the default (last) target');
  assert.equal(build.find((i) => i.op === 'WORKDIR')?.args, '/app');
  const run = build.find((i) => i.op === 'RUN' && /npm run build/.test(i.args))!.args;

  // the build stage's commands after `npm run build`, on a copy of dist/, with / mapped to a temp dir
  const root = tempDir('ws-image-');
  mkdirSync(join(root, 'app'));
  cpSync(join(ROOT, 'dist'), join(root, 'app/dist'), { recursive: true });
  const after = run.split('&&').map((c) => c.trim()).filter((c) => c !== 'npm run build').map((c) => c.replace(/(^|\s)\//g, `$1${root}/`));
  for (const c of after) {
    const r = spawnSync('sh', ['-c', c], { cwd: join(root, 'app'), encoding: 'utf8' });
    assert.equal(r.status, 0, `${c}: ${r.stderr}`);
  }
  /** An image's /app: what its stage COPYs --from=build (package.json from the context), plus node_modules if it copies them. */
  const assemble = (stage: Instruction[], name: string): string => {
    const app = join(root, name);
    mkdirSync(app);
    for (const i of stage.filter((x) => x.op === 'COPY')) {
      const [src, dest] = i.args.replace(/--\S+\s+/g, '').split(/\s+/);
      if (/--from=build\b/.test(i.args)) cpSync(join(root, src!), join(app, dest!), { recursive: true });
      else if (/--from=/.test(i.args) && /node_modules/.test(src!)) symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
      else if (!/--from=/.test(i.args)) for (const f of i.args.split(/\s+/).slice(0, -1)) copyFileSync(join(ROOT, f), join(app, f));
    }
    return app;
  };

  const image = assemble(final(), 'image');
  assert.ok(existsSync(join(image, 'dist/main.js')));
  assert.ok(!existsSync(join(image, 'dist/simulator')), 'no dist/simulator in the shipped image');
  assert.deepEqual(readdirSync(join(image, 'dist')).filter((f) => f.startsWith('demo')), [], 'no dist/demo.js in the shipped image');
  // every module the daemon imports is there: it loads, and stops at the missing key (78), not at a missing file
  const check = spawnSync(process.execPath, ['dist/main.js', 'check'], { cwd: image, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 20_000 });
  assert.equal(check.status, 78, check.stderr);
  assert.match(check.stderr, /TELEPHONY_API_KEY/);

  const simImage = assemble(simStage, 'simulator-image');
  assert.ok(!existsSync(join(simImage, 'node_modules')), 'the simulator image has no node_modules');
  assert.deepEqual(readdirSync(join(simImage, 'dist')), ['simulator']);
  const entry = jsonArgs(simStage.find((i) => i.op === 'ENTRYPOINT'));
  assert.equal(entry[0], 'node');
  const sim = spawn(process.execPath, [...entry.slice(1), '--port', '0', '--wallets', '3'], { cwd: simImage, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => sim.kill('SIGKILL'));
  let err = '';
  sim.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await waitFor(() => /listening on (\S+)/.exec(err)?.[1], () => `the simulator image to listen: ${err}`);
  assert.equal((await fetch(`${url}/t/3/v1/wallet/balance`, { headers: { Authorization: 'Bearer sim-key-3' } })).status, 200);
  const user = simStage.filter((i) => i.op === 'USER').at(-1)?.args;
  assert.match(user ?? '', /^[1-9]\d*(:\d+)?$/, 'the simulator image runs as a numeric non-root USER too');
});

test('package.json files: the npm package ships dist/ without the simulator and the demo', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
  assert.ok(files.includes('dist/main.js'), 'dist/main.js is shipped');
  assert.ok(files.includes('dist/app.js'));
  assert.deepEqual(files.filter((f) => /^dist\/(simulator\/|demo\.)/.test(f)), []);
});

/**
 * Node.js release lines and the day each stops getting security fixes (https://nodejs.org/en/about/previous-releases).
 * A line missing here fails the test below until someone looks its date up.
 */
const NODE_END_OF_LIFE: Record<number, string> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30' };

test('Dockerfile: every stage runs on a Node.js LTS line that still gets security fixes; engines still allows Node 20', () => {
  const text = read(join(ROOT, 'deploy/Dockerfile'));
  const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1];
  assert.ok(image, 'ARG NODE_IMAGE=<image> names the base image');
  for (const from of text.split('\n').filter((l) => /^FROM\s/i.test(l))) assert.match(from, /^FROM \$\{NODE_IMAGE\}(\s|$)/, `${from}: every stage uses NODE_IMAGE`);
  const m = /^node:(\d+)(?:\.\d+)*-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/.exec(image);
  assert.ok(m, `${image}: an official node:<major>-<debian>-slim image`);
  const major = Number(m[1]);
  assert.equal(major % 2, 0, `Node ${major} is not an LTS line (odd majors never are)`);
  const eol = NODE_END_OF_LIFE[major];
  assert.ok(eol, `Node ${major}: add its end-of-life date to NODE_END_OF_LIFE`);
  assert.ok(Date.now() < Date.parse(eol), `Node ${major} reached end of life on ${eol}: move the image to a supported line`);
  const pkg = JSON.parse(read(join(ROOT, 'package.json'))) as { engines: { node: string }; license: string };
  assert.equal(pkg.engines.node, '>=20', 'the code keeps supporting Node 20 (these machines run it)');
  assert.equal(pkg.license, 'Apache-2.0');
  assert.match(read(join(ROOT, 'LICENSE')), /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/, 'LICENSE holds the full Apache-2.0 text');
});

/** .dockerignore semantics for the plain patterns we use: the last matching line wins. */
function ignored(patterns: string[], path: string): boolean {
  let out = false;
  for (const raw of patterns) {
    const neg = raw.startsWith('!');
    const p = (neg ? raw.slice(1) : raw).replace(/\/$/, '');
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    if (re.test(path)) out = !neg;
  }
  return out;
}

test('.dockerignore sends only what the build copies: no secrets, .env, state, node_modules or .git', () => {
  const patterns = read(join(ROOT, '.dockerignore'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const p of ['.env', 'secrets/telephony_api_key', 'node_modules/axios/index.js', 'dist/main.js', 'data/default.json', 'data-demo/x.json', '.git/config', 'deploy/demo-api-key.txt', 'test/unit/x.test.ts', 'docker-compose.yml']) {
    assert.ok(ignored(patterns, p), `${p} must not be in the build context`);
  }
  // everything the Dockerfile COPYs from the context
  const fromContext = dockerfile()
    .flat()
    .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  assert.ok(fromContext.length >= 4);
  for (const p of fromContext) assert.ok(!ignored(patterns, p) && !ignored(patterns, `${p}/main.ts`), `${p} is copied by the Dockerfile but ignored`);
});

interface Compose {
  services: Record<string, { image?: string; build?: unknown; init?: boolean; entrypoint?: string[]; command?: string[]; environment?: Record<string, string>; secrets?: string[]; volumes?: string[]; read_only?: boolean; ports?: string[] }>;
  secrets: Record<string, { file: string }>;
}
const compose = () => readYaml<Compose>(join(ROOT, 'docker-compose.yml'));

test('docker-compose config accepts docker-compose.yml, alone and with the real-API override', (t) => {
  if (!requireBinary(t, 'docker-compose', 'docker-compose')) return;
  let r = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q']);
  assert.equal(r.status, 0, r.output);
  r = run('docker-compose', ['-f', 'docker-compose.yml', '-f', 'docker-compose.real.yml', 'config']);
  assert.equal(r.status, 0, r.output);
  const merged = YAML.parse(r.stdout) as Compose;
  const ws = merged.services['wallet-sentinel']!;
  assert.equal(ws.environment?.TELEPHONY_API_URL, 'https://api.telephony.io');
  assert.equal(ws.environment?.TELEPHONY_API_KEY_FILE, '/run/secrets/telephony_api_key');
  assert.equal(merged.secrets.telephony_api_key!.file, join(ROOT, 'secrets/telephony_api_key'));
});

test('compose: the whole stack, with the key as a secret file and every alert path wired to mailpit', () => {
  const c = compose();
  for (const s of ['simulator', 'wallet-sentinel', 'prometheus', 'alertmanager', 'grafana', 'mailpit']) assert.ok(c.services[s], `service ${s}`);
  const ws = c.services['wallet-sentinel']!;
  const env = ws.environment ?? {};
  assert.equal(env.TELEPHONY_API_URL, 'http://simulator:9722');
  assert.equal(env.TELEPHONY_API_KEY_FILE, '/run/secrets/telephony_api_key');
  assert.equal(env.TELEPHONY_API_KEY, undefined, 'the key never as an environment value');
  assert.ok(ws.secrets?.includes('telephony_api_key'));
  assert.equal(c.secrets.telephony_api_key!.file, './deploy/demo-api-key.txt');
  assert.equal(env.ALERTMANAGER_URL, 'http://alertmanager:9093');
  assert.match(env.SMTP_URL ?? '', /^smtp:\/\/mailpit:1025$/);
  assert.equal(ws.read_only, true, 'read-only root filesystem');
  assert.ok(ws.volumes?.some((v) => v.endsWith(':/var/lib/wallet-sentinel')), 'state in a volume');

  // the simulator: its own image from the Dockerfile's simulator stage, an init in front of node, the demo key
  const sim = c.services.simulator!;
  assert.notEqual(sim.image, ws.image, 'the shipped image has no simulator');
  assert.deepEqual(sim.build, { context: '.', dockerfile: 'deploy/Dockerfile', target: 'simulator' });
  assert.equal(sim.init, true, 'init: true, so SIGTERM reaches node');
  assert.deepEqual(sim.entrypoint, ['node', 'dist/simulator/main.js']);
  assert.equal(sim.environment?.SIM_API_KEY, read(join(ROOT, 'deploy/demo-api-key.txt')).trim());
  for (const k of ['SIM_HOST', 'SIM_PORT', 'SIM_BALANCE', 'SIM_BURN_PER_HOUR', 'SIM_TOPUP_EVERY_SECONDS', 'SIM_TOPUP_AMOUNT']) assert.ok(sim.environment?.[k], k);

  // nothing runs through npm or npx
  for (const [name, s] of Object.entries(c.services)) for (const a of [...(s.entrypoint ?? []), ...(s.command ?? [])]) assert.ok(!/^(npm|npx)$/.test(a), `${name}: ${a}`);

  // every bind mount and secret file exists
  for (const [name, s] of Object.entries(c.services)) for (const v of s.volumes ?? []) if (v.startsWith('./')) assert.ok(existsSync(join(ROOT, v.split(':')[0]!)), `${name}: ${v}`);
  for (const [name, s] of Object.entries(c.secrets)) assert.ok(existsSync(join(ROOT, s.file)), `secret ${name}: ${s.file}`);
});

test('compose and the config files agree on names and ports', () => {
  const c = compose();
  // Prometheus loads deploy/prometheus/prometheus.yml, which scrapes wallet-sentinel and alerts Alertmanager
  assert.ok(c.services.prometheus!.volumes?.includes('./deploy/prometheus:/etc/prometheus:ro'));
  assert.ok(c.services.prometheus!.command?.includes('--config.file=/etc/prometheus/prometheus.yml'));
  const prom = read(PROMETHEUS_CONFIG);
  assert.match(prom, /"wallet-sentinel:9721"/);
  assert.match(prom, /"alertmanager:9093"/);
  assert.ok(c.services['wallet-sentinel']!.ports?.includes('127.0.0.1:9721:9721'));
  // Published on loopback only: Alertmanager's open API (a silence mutes every page), Prometheus's lifecycle
  // endpoint, mailpit's mails and the daemon's connections are not the network's.
  for (const [name, svc] of Object.entries(c.services)) for (const port of svc.ports ?? []) assert.match(port, /^127\.0\.0\.1:/, `${name}: ${port}`);
  // Alertmanager loads deploy/alertmanager/alertmanager.yml: email to mailpit, webhook to the sink
  assert.ok(c.services.alertmanager!.volumes?.includes('./deploy/alertmanager:/etc/alertmanager:ro'));
  const am = readYaml<{ global: { smtp_smarthost: string }; receivers: Array<{ webhook_configs?: Array<{ url: string }> }> }>(ALERTMANAGER_CONFIG);
  assert.equal(am.global.smtp_smarthost, 'mailpit:1025');
  const hooks = am.receivers.flatMap((r) => r.webhook_configs ?? []).map((w) => new URL(w.url));
  for (const u of hooks) {
    assert.ok(c.services[u.hostname], `Alertmanager posts to ${u.hostname}, a compose service`);
    assert.ok((c.services[u.hostname]!.entrypoint ?? []).join(' ').includes(`listen(${u.port}`), `${u.hostname} listens on ${u.port}`);
  }
  assert.ok(c.services.mailpit!.ports?.includes('127.0.0.1:8025:8025'), 'the mail UI is published (on loopback)');
});

test("the image's HEALTHCHECK command and compose's webhook-sink script work when run with node", { timeout: 60_000 }, async (t) => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  const hc = final().find((i) => i.op === 'HEALTHCHECK')!;
  const argv = JSON.parse(hc.args.slice(hc.args.indexOf('CMD') + 3).trim()) as string[];
  assert.equal(argv[0], 'node');
  const sim = new Simulator({ apiKey: 'k' });
  await sim.start();
  t.after(() => sim.close());
  const daemon = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: 'k' });
  t.after(() => daemon.kill());
  const check = (port: number) => spawnSync(process.execPath, argv.slice(1), { env: { ...process.env, METRICS_PORT: String(port) }, timeout: 10_000 }).status;
  assert.equal(check(daemon.port), 0, 'healthy daemon: exit 0');
  await daemon.stop();
  assert.equal(check(daemon.port), 1, 'nothing listening: exit 1');

  // webhook-sink: the script from docker-compose.yml, on a free port instead of 8080
  const entry = compose().services['webhook-sink']!.entrypoint!;
  const script = entry[entry.indexOf('-e') + 1]!;
  assert.match(script, /listen\(8080,/);
  const port = await freePort();
  const sink = spawn(process.execPath, ['-e', script.replace('listen(8080,', `listen(${port},`)], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => sink.kill('SIGKILL'));
  let out = '';
  sink.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitUntil(() => out.includes('listening'), () => `webhook-sink to start: ${out}`);
  const res = await fetch(`http://127.0.0.1:${port}/alertmanager`, { method: 'POST', body: '{"status":"firing"}' });
  assert.equal(res.status, 200);
  await waitUntil(() => out.includes('POST /alertmanager {"status":"firing"}'), () => `the sink to print the body: ${out}`);
});
