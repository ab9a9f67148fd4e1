/**
 * `npm run bench:soak`: a compressed weekend under faults. The simulator (N wallets, some draining to 402, some
 * healthy), an SMTP server and two webhook receivers in this process, and the REAL daemon (`node dist/main.js`,
 * a 5 s schedule, 60 s repeats) run for --minutes while a timeline breaks things: upstream 500/429/timeouts/garbage,
 * wallets running dry then topped up, a rotated key, SMTP down, a webhook answering 500 then hanging, a SIGHUP
 * adding and removing wallets, SIGTERM and SIGKILL restarts on the same STATE_DIR, STATE_DIR read-only for a while.
 * Then the faults stop, everything recovers, and the invariants are checked (a table, PASS/FAIL; exit 0 either way,
 * 64 on a bad option). Flags: --minutes N (10), --wallets N (200), --seed N, --keep (keep the temp dir and logs).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { table, type Row } from '../fleet/analysis.js';
import { parseMetrics } from '../../test/helpers/daemon.js';
import { promtoolCheckMetrics } from '../../test/helpers/promtool.js';
import { freePort, httpGet, sleep, startSimulator } from '../fleet/procs.js';
import { checkDelivered, checkDuplicates, checkExhausted, checkMetrics, checkSecrets, checkUpstream, fromHook, fromMail, type Decision, type Delivered } from './checks.js';
import { Supervised } from './daemon.js';
import { SoakHook, SoakMail } from './receivers.js';

const USAGE = 'usage: npm run bench:soak -- [--minutes N] [--wallets N] [--seed N] [--keep]';
let opts: { minutes: number; wallets: number; seed: number; keep: boolean };
try {
  const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, wallets: { type: 'string', default: '200' }, seed: { type: 'string', default: String(Date.now() % 100_000) }, keep: { type: 'boolean', default: false } }, allowPositionals: false });
  opts = { minutes: Number(values.minutes), wallets: Number(values.wallets), seed: Number(values.seed), keep: values.keep! };
  if (!(opts.minutes >= 2 && opts.minutes <= 24 * 60)) throw new Error('--minutes must be a number from 2');
  if (!(Number.isInteger(opts.wallets) && opts.wallets >= 20 && opts.wallets <= 5000)) throw new Error('--wallets must be a whole number in [20, 5000]');
  if (!Number.isInteger(opts.seed)) throw new Error('--seed must be a whole number');
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
  process.exit(64);
}

const T = opts.minutes * 60_000;
const INTERVAL = 5_000;
const REPEAT_MS = 60_000;
const t0 = Date.now();
const log = (s: string) => process.stderr.write(`[bench:soak +${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);
/** mulberry32: the seed decides which wallet gets which role. */
let rnd = opts.seed >>> 0;
const random = () => {
  rnd = (rnd + 0x6d2b79f5) >>> 0;
  let x = Math.imul(rnd ^ (rnd >>> 15), 1 | rnd);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};
const secret = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;

// ---- the wallets -----------------------------------------------------------------------------------------
type Kind = 'healthy' | 'drain' | 'slow' | 'flaky' | 'keyrot' | 'dry';
interface W { name: string; path: string; apiKey: string; kind: Kind; balance: number; burnPerHour: number; receivers: string[] }
/** `default` is the environment's email (one message per notification: ALERT_GROUP_INTERVAL=0); `digest` an email receiver that groups for 20 s. */
const ROUTES = [['default', 'hook-a'], ['hook-a', 'hook-b', 'digest'], ['default', 'hook-b', 'digest']];
const extraCount = Math.ceil(opts.wallets * 0.1);
const wallets: W[] = [];
for (let i = 1; i <= opts.wallets + extraCount; i++) {
  const r = random();
  const kind: Kind = i > opts.wallets ? (r < 0.5 ? 'drain' : 'healthy') : r < 0.35 ? 'healthy' : r < 0.6 ? 'drain' : r < 0.75 ? 'slow' : r < 0.87 ? 'flaky' : r < 0.93 ? 'keyrot' : 'dry';
  const [balance, burn] = kind === 'drain' ? [100 + Math.round(random() * 150), 1500 + Math.round(random() * 1500)] : kind === 'slow' ? [20_000, 600] : kind === 'healthy' ? [1_000_000, 10] : [100_000, 10];
  wallets.push({ name: `soak${String(i).padStart(4, '0')}`, path: `/t/${i}/v1/wallet/balance`, apiKey: secret('sk_soak_'), kind, balance, burnPerHour: burn, receivers: ROUTES[i % 3]! });
}
const initial = wallets.slice(0, opts.wallets);
const extra = wallets.slice(opts.wallets);
const of = (k: Kind) => initial.filter((w) => w.kind === k);

const tmp = mkdtempSync(join(tmpdir(), 'ws-bench-soak-'));
const stateDir = join(tmp, 'state');
mkdirSync(stateDir);
const keyDir = join(tmp, 'keys');
mkdirSync(keyDir, { mode: 0o700 });
const requestLog = join(tmp, 'requests.log');
const logFile = join(tmp, 'daemon.log');
const walletsFile = join(tmp, 'wallets.yaml');
const mount = (args: string[]) => spawnSync('mount', args, { encoding: 'utf8' });
const tmpfs = mount(['-t', 'tmpfs', '-o', 'size=256m,mode=0755', 'tmpfs', stateDir]);
const roSkip = tmpfs.status === 0 ? null : `cannot mount a tmpfs on STATE_DIR (${(tmpfs.stderr || String(tmpfs.error)).trim()}): needs root or CAP_SYS_ADMIN`;
log(`seed ${opts.seed}; ${opts.wallets} wallets (+${extraCount} added by SIGHUP) for ${opts.minutes} min; files in ${tmp}${roSkip ? `; ${roSkip}` : ''}`);

writeFileSync(join(tmp, 'spec.json'), JSON.stringify({ wallets: wallets.map((w) => ({ name: w.name, path: w.path, apiKey: w.apiKey, balance: w.balance, burnPerHour: w.burnPerHour, topupAmount: 5000 })) }));
const sim = await startSimulator(['--spec', join(tmp, 'spec.json'), '--request-log', requestLog]);
log(`simulator pid ${sim.child.pid} at ${sim.url}`);
const simPost = async (path: string, body?: unknown): Promise<void> => {
  const res = await fetch(`${sim.url}/_sim/${path}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`simulator ${path}: ${res.status} ${await res.text()}`);
};
const forEach = async (ws: readonly W[], f: (w: W) => Promise<void>) => { for (const w of ws) await f(w); };

// ---- receivers and secrets -------------------------------------------------------------------------------
const smtpPassword = secret('smtp_pw_');
const mail = new SoakMail('sentinel', smtpPassword);
await mail.start();
const hookA = new SoakHook('hook-a', secret('whsec_a_'), secret('tok_a_'));
const hookB = new SoakHook('hook-b', secret('whsec_b_'), secret('tok_b_'));
await hookA.start();
await hookB.start();
const secretOf = (h: SoakHook) => h.secret;
const tokenOf = (h: SoakHook) => h.token;
const files: Record<string, string> = { smtp: join(keyDir, 'smtp-url'), 'a-url': join(keyDir, 'a-url'), 'a-secret': join(keyDir, 'a-secret'), 'b-url': join(keyDir, 'b-url'), 'b-secret': join(keyDir, 'b-secret') };
writeFileSync(files.smtp!, `smtp://sentinel:${smtpPassword}@127.0.0.1:${mail.port}\n`, { mode: 0o600 });
writeFileSync(files['a-url']!, `${hookA.url}\n`, { mode: 0o600 });
writeFileSync(files['a-secret']!, `${secretOf(hookA)}\n`, { mode: 0o600 });
writeFileSync(files['b-url']!, `${hookB.url}\n`, { mode: 0o600 });
writeFileSync(files['b-secret']!, `${secretOf(hookB)}\n`, { mode: 0o600 });

const DIGEST_TO = 'finance@soak.invalid';
let watched: W[] = [...initial];
function writeWallets(list: readonly W[]): void {
  const q = JSON.stringify;
  const lines = ['defaults:', `  api_url: ${q(sim.url)}`, '  low_balance_threshold: 80', '  critical_balance_threshold: 30', 'receivers:'];
  for (const [name, u, s] of [['hook-a', 'a-url', 'a-secret'], ['hook-b', 'b-url', 'b-secret']] as const) lines.push(`  ${name}:`, `    webhook: [{url_file: ${q(files[u])}, secret_file: ${q(files[s])}}]`);
  lines.push('  digest:', '    group_interval: 20s', `    email: [{to: [${q(DIGEST_TO)}]}]`, 'wallets:');
  for (const w of list) {
    writeFileSync(join(keyDir, w.name), `${w.apiKey}\n`, { mode: 0o600 });
    lines.push(`  - name: ${q(w.name)}`, `    balance_path: ${q(w.path)}`, `    api_key_file: ${q(join(keyDir, w.name))}`, `    receivers: ${q(w.receivers)}`);
  }
  writeFileSync(`${walletsFile}.tmp`, `${lines.join('\n')}\n`);
  renameSync(`${walletsFile}.tmp`, walletsFile); // atomic, as a ConfigMap volume does
}
writeWallets(watched);
writeFileSync(join(tmp, 'wallets.json'), JSON.stringify(wallets.map(({ name, kind, receivers }) => ({ name, kind, receivers }))));

// ---- the daemon --------------------------------------------------------------------------------------------
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', WALLETS_FILE: walletsFile, STATE_DIR: stateDir,
  METRICS_HOST: '127.0.0.1', METRICS_PORT: String(port), POLL_SCHEDULE: `*/${INTERVAL / 1000} * * * * *`, LOG_LEVEL: 'info', REQUEST_TIMEOUT_MS: '2000',
  ALERT_REPEAT_INTERVAL: `${REPEAT_MS / 1000}s`, ALERT_RETRY_BASE_DELAY: '1s', ALERT_GROUP_INTERVAL: '0', SMTP_URL_FILE: files.smtp!,
  ALERT_EMAIL_FROM: 'wallet-sentinel@soak.invalid', ALERT_EMAIL_TO: 'oncall@soak.invalid',
};
const daemon = new Supervised(env, logFile, base);
// a bench that dies half-way leaves no daemon, simulator or mount behind
process.on('exit', () => {
  daemon.killNow();
  if (sim.child.running) sim.child.proc.kill('SIGKILL');
  if (!roSkip) spawnSync('umount', ['-l', stateDir]);
});
await daemon.start();
log(`daemon pid ${daemon.pid} listening at ${base}`);
daemon.startProbing();

const snapshots = new Map<string, string>();
const snap = async (tag: string) => {
  for (const p of ['/metrics', '/api/status', '/', `/wallets/${of('drain')[0]?.name ?? initial[0]!.name}`]) {
    const r = await httpGet(base + p, 30_000).catch(() => null);
    if (r) snapshots.set(`${p} (${tag})`, r.body);
  }
};
const metricValue = async (series: string): Promise<number | undefined> => parseMetrics((await httpGet(`${base}/metrics`, 30_000)).body).get(series);

// ---- the fault timeline ------------------------------------------------------------------------------------
const kills: number[] = [];
const removed: W[] = [];
const first402 = new Map<string, number>();
const notes: string[] = [];
const flaky = of('flaky');
const overrides: Array<{ status?: number; headers?: Record<string, string>; body?: string; delayMs?: number }> = [
  { status: 500 }, { status: 429, headers: { 'Retry-After': '20' } }, { delayMs: 4000 }, { status: 200, body: '<html><body>Service temporarily unavailable</body>' }, { status: 503 },
];
const roMs = Math.min(60_000, 0.1 * T);
let roReadyz: { during: string; after: number; pass: boolean } | undefined;
const steps: Array<[number, string, () => Promise<void>]> = [
  [0.08, 'snapshot', () => snap('early')],
  [0.1, `upstream faults on ${flaky.length} wallets (500, 429+Retry-After, timeouts, HTML bodies, 503); ${of('dry').length} wallets run dry (402)`, async () => {
    await forEach(flaky, (w) => simPost(`wallets/${w.name}/override`, overrides[flaky.indexOf(w) % overrides.length]));
    await forEach(of('dry'), (w) => simPost(`wallets/${w.name}/balance?value=0`));
  }],
  [0.15, 'SMTP server stopped (connections refused)', () => mail.stop()],
  [0.2, 'hook-b answers 500', async () => void (hookB.mode = '500')],
  [0.25, `keys rotated upstream for ${of('keyrot').length} wallets (401)`, async () => {
    await forEach(of('keyrot'), async (w) => {
      w.apiKey = secret('sk_soak_rot_');
      await simPost(`wallets/${w.name}/key?value=${w.apiKey}`);
    });
  }],
  [0.28, 'SMTP server back on its port', async () => void (await mail.start())],
  [0.3, 'hook-b hangs (accepts, never answers)', async () => void (hookB.mode = 'hang')],
  [0.35, 'SIGHUP: new key files, wallets added and removed', async () => {
    const drop = [...of('healthy').slice(0, Math.ceil(opts.wallets * 0.03)), ...of('drain').slice(0, Math.ceil(opts.wallets * 0.03))];
    removed.push(...drop);
    watched = [...watched.filter((w) => !drop.includes(w)), ...extra];
    writeWallets(watched);
    daemon.signal('SIGHUP');
    notes.push(`SIGHUP removed ${drop.length} (${drop.filter((w) => w.kind === 'drain').length} draining), added ${extra.length}`);
  }],
  [0.37, 'SIGTERM + restart on the same STATE_DIR while hook-b hangs (owed notifications must survive)', async () => {
    const exit = await daemon.stop('SIGTERM');
    notes.push(`SIGTERM exit: ${exit?.code ?? exit?.signal}`);
    await daemon.start();
  }],
  [0.42, 'hook-b answers again; dry wallets topped up', async () => {
    hookB.mode = 'ok';
    await forEach(of('dry'), (w) => simPost(`wallets/${w.name}/topup?amount=100000`));
  }],
  [0.5, 'upstream faults cleared; half the drained wallets topped up', async () => {
    await forEach(flaky, (w) => simPost(`wallets/${w.name}/override`, null));
    await forEach(of('drain').filter((_, i) => i % 2 === 0), (w) => simPost(`wallets/${w.name}/topup?amount=5000`));
  }],
  [0.55, 'SIGKILL + restart', async () => {
    kills.push(Date.now());
    await daemon.stop('SIGKILL');
    await daemon.start();
  }],
  [0.62, roSkip ? `STATE_DIR read-only phase skipped: ${roSkip}` : `STATE_DIR read-only for ${roMs / 1000} s`, async () => {
    if (roSkip) return;
    await remount('ro');
    await sleep(Math.min(15_000, roMs / 2));
    const during = await httpGet(`${base}/readyz`, 5000).catch(() => ({ status: 0, body: '' }));
    await sleep(roMs - Math.min(15_000, roMs / 2));
    await remount('rw');
    await sleep(2 * INTERVAL + 5000);
    const after = await httpGet(`${base}/readyz`, 5000).catch(() => ({ status: 0, body: '' }));
    roReadyz = { during: `${during.status} ${during.body.trim().slice(0, 70)}`, after: after.status, pass: during.status === 503 && after.status === 200 };
  }],
  [0.75, '402 scripted three times for 5 healthy wallets; SIGKILL the instant a receiver accepts the first wallet_exhausted firing, then restart', async () => {
    let fire!: () => void;
    const delivered = new Promise<void>((r) => (fire = r));
    const onAccept = (h: { body: { alertname?: string; status?: string } }) => {
      if (h.body.alertname !== 'wallet_exhausted' || h.body.status !== 'firing') return;
      hookA.onAccept = hookB.onAccept = undefined;
      kills.push(Date.now());
      daemon.askStop('SIGKILL'); // before the receiver's 200 goes out: a crash right after the send
      fire();
    };
    hookA.onAccept = hookB.onAccept = onAccept;
    await forEach(of('healthy').filter((w) => !removed.includes(w)).slice(-5), (w) => simPost(`wallets/${w.name}/script`, [1, 2, 3].map(() => ({ status: 402, body: { error: 'Insufficient credits', code: 'insufficient_balance', required_credits: 0.01, current_balance: 0 } }))));
    const late = await Promise.race([delivered.then(() => false), sleep(30_000).then(() => true)]);
    if (late) {
      hookA.onAccept = hookB.onAccept = undefined;
      notes.push('no wallet_exhausted firing within 30 s: plain SIGKILL instead');
      kills.push(Date.now());
    }
    await daemon.stop('SIGKILL');
    await daemon.start();
  }],
  [0.8, 'hook-a answers 429 (Retry-After 10)', async () => void (hookA.mode = '429')],
  [0.84, 'hook-a answers again', async () => void (hookA.mode = 'ok')],
  [0.85, 'snapshot', () => snap('late')],
  [0.9, 'faults over: every burn set to 0 (balances hold still for the final comparison)', async () => {
    await forEach(wallets, (w) => simPost(`wallets/${w.name}/burn?per_hour=0`));
  }],
];
async function remount(mode: 'ro' | 'rw'): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    const r = mount(['-o', `remount,${mode}`, stateDir]);
    if (r.status === 0) return;
    if (!/busy/i.test(r.stderr) || Date.now() > until) throw new Error(`mount -o remount,${mode}: ${r.stderr}`);
    await sleep(20);
  }
}

for (const [at, what, run] of steps) {
  const due = t0 + at * T;
  if (Date.now() < due) await sleep(due - Date.now());
  log(what);
  notes.push(`+${((Date.now() - t0) / 1000).toFixed(0)} s ${what}`);
  await run().catch((e: unknown) => {
    log(`step failed: ${String(e)}`);
    notes.push(`step failed: ${String(e)}`);
  });
}
if (Date.now() < t0 + T) await sleep(t0 + T - Date.now());

// ---- recovery: two intervals, then until nothing is owed (5 min at most) -------------------------------------
log('recovering: waiting until nothing is owed');
await sleep(2 * INTERVAL);
const recoverFrom = Date.now();
let owed = await metricValue('wallet_sentinel_notifications_owed').catch(() => undefined);
while ((owed === undefined || owed > 0) && Date.now() - recoverFrom < 300_000) {
  await sleep(2000);
  owed = await metricValue('wallet_sentinel_notifications_owed').catch(() => undefined);
}
const recoveredMs = Date.now() - recoverFrom;
log(`owed ${owed} after ${(recoveredMs / 1000).toFixed(0)} s`);
await sleep(2 * INTERVAL); // a last poll of every wallet
const cutoff = Date.now() - 2 * INTERVAL;

// the final scrape: /metrics and /api/status back to back (balances hold still: every burn is 0)
const finalMetrics = (await httpGet(`${base}/metrics`, 30_000)).body;
const finalStatusText = (await httpGet(`${base}/api/status`, 30_000)).body;
const readyz = await httpGet(`${base}/readyz`, 5000).catch(() => ({ status: 0, body: '' }));
await snap('final');
const rssEnd = daemon.rss();
await daemon.stopProbing();
const lastExit = await daemon.stop('SIGTERM');
await daemon.closeLog();

// ---- what the daemon decided (its state database) and what the receivers got --------------------------------
const db = new Database(join(stateDir, 'wallet-sentinel.db'), { readonly: true, fileMustExist: true });
const names = new Map(db.prepare<[], { id: number; name: string }>('SELECT id, name FROM accounts').all().map((r) => [r.id, r.name]));
const decisions: Decision[] = db.prepare<[], { account_id: number; event: string }>('SELECT account_id, event FROM alert_events ORDER BY t, seq').all().map((r) => {
  const e = JSON.parse(r.event) as Omit<Decision, 'account'>;
  return { ...e, account: names.get(r.account_id) ?? `#${r.account_id}` };
});
db.close();
const requests = readFileSync(requestLog, 'utf8').split('\n').filter(Boolean).map((line) => {
  const [at, wallet, status] = line.split('\t');
  return { at: Number(at), wallet: wallet!, status: status! };
});
for (const { at, wallet, status } of requests) if (status === '402' && at < cutoff && !first402.has(wallet)) first402.set(wallet, at);
const routing = new Map(wallets.map((w) => [w.name, w.receivers.map((r) => (r === 'default' ? 'email' : r))]));
const got = new Map<string, Delivered[]>([
  ['email', mail.mails.filter((m) => !m.to.includes(DIGEST_TO)).flatMap((m) => fromMail(m, decisions))],
  ['digest', mail.mails.filter((m) => m.to.includes(DIGEST_TO)).flatMap((m) => fromMail(m, decisions))],
  ['hook-a', hookA.accepted.map(fromHook)],
  ['hook-b', hookB.accepted.map(fromHook)],
]);
const details: string[] = [];
const rows: Row[] = [];
rows.push(...checkDelivered(decisions, routing, got, owed ?? NaN, details));
rows.push(...checkDuplicates(got, REPEAT_MS, kills, details));
rows.push(...checkExhausted(first402, decisions, routing, got, details));

// 4: /healthz within 1 s except while down on purpose; no exit on its own
const outside = daemon.probes.filter((p) => !p.ok && !daemon.deliberatelyDown(p.at, 0));
const slowest = Math.max(...daemon.probes.filter((p) => p.ok).map((p) => p.ms));
const unasked = daemon.incarnations.filter((i) => i.exit && !i.stopAsked);
const sigterms = daemon.incarnations.filter((i) => i.stopAsked?.signal === 'SIGTERM');
details.push(...outside.slice(0, 20).map((p) => `/healthz failed at ${new Date(p.at).toISOString()}: status ${p.status} in ${p.ms.toFixed(0)} ms`));
rows.push(
  { what: '4a /healthz 200 within 1 s (outside deliberate downtime)', figure: `${daemon.probes.length - outside.length - daemon.probes.filter((p) => !p.ok && daemon.deliberatelyDown(p.at)).length} ok, ${outside.length} failed outside downtime; slowest ok ${slowest.toFixed(0)} ms`, target: '0 failed', pass: outside.length === 0 },
  { what: '4b daemon never exited on its own; SIGTERM exits 0', figure: `${daemon.incarnations.length} incarnations, ${unasked.length} unasked exits; SIGTERM exit codes ${sigterms.map((i) => i.exit?.code).join(', ')}`, target: '0; all 0', pass: unasked.length === 0 && sigterms.every((i) => i.exit?.code === 0) },
  { what: '4c /readyz while STATE_DIR read-only, then after', figure: roReadyz ? `${roReadyz.during}; after: ${roReadyz.after}` : roSkip ?? 'not measured', target: '503 then 200', pass: roReadyz?.pass ?? null },
  { what: '4d /readyz at the end', figure: `${readyz.status} ${readyz.body.trim().slice(0, 80)}`, target: '200', pass: readyz.status === 200 },
);
// 5: RSS of each incarnation that ran long enough: after warm-up vs its last sample
for (const [i, inc] of daemon.incarnations.entries()) {
  const last = i === daemon.incarnations.length - 1 ? (rssEnd ?? inc.rssLastKiB) : inc.rssLastKiB;
  const ran = ((inc.exit?.at ?? Date.now()) - (inc.startedAt ?? inc.spawnedAt)) / 60_000;
  if (inc.rssWarmKiB === null || last === null || ran < 3) continue;
  const growth = last / inc.rssWarmKiB - 1;
  rows.push({ what: `5 RSS incarnation ${i + 1} (pid ${inc.pid}, ${ran.toFixed(1)} min)`, figure: `${(inc.rssWarmKiB / 1024).toFixed(0)} MiB after warm-up → ${(last / 1024).toFixed(0)} MiB (${(growth * 100).toFixed(0)} %)`, target: '≤ +30 %', pass: growth <= 0.3 });
}
// 6: secrets
const secrets = new Map<string, string>([['SMTP password', smtpPassword], ['hook-a secret', secretOf(hookA)], ['hook-b secret', secretOf(hookB)], ['hook-a URL token', tokenOf(hookA)], ['hook-b URL token', tokenOf(hookB)]]);
for (const w of wallets) secrets.set(`API key #${wallets.indexOf(w)}`, w.apiKey);
const places = new Map<string, string>([['daemon stdout/stderr', readFileSync(logFile, 'utf8')], ...snapshots]);
places.set('webhook bodies', [...hookA.accepted, ...hookB.accepted].map((h) => h.raw).join('\n'));
places.set('emails', mail.mails.map((m) => m.raw).join('\n'));
rows.push(checkSecrets(secrets, places, details));
// 7: metrics
rows.push(...checkMetrics(finalMetrics, JSON.parse(finalStatusText) as { accounts: Array<{ account: string; balance: number | null }> }, new Set(watched.map((w) => w.name)), details));
const promtool = spawnSync('sh', ['-c', 'command -v promtool']).status === 0 ? promtoolCheckMetrics(finalMetrics) : undefined;
rows.push({ what: '7d promtool check metrics (final page)', figure: promtool ? `exit ${promtool.status}${promtool.output ? `: ${promtool.output.split('\n').slice(0, 2).join(' | ')}` : ', no problem'}` : 'promtool not installed', target: 'exit 0, no problem', pass: promtool ? promtool.status === 0 && promtool.output === '' : null });
// 8: upstream politeness; pairs across a restart are two daemons' requests
rows.push(checkUpstream(requests, 20_000, INTERVAL, daemon.incarnations.map((i) => i.spawnedAt), details));
// figures for reference
const counts = (list: readonly Delivered[]) => `${list.filter((x) => x.status === 'firing').length} firing / ${list.filter((x) => x.status === 'resolved').length} resolved`;
rows.push(
  { what: 'ref: decisions in alert_events', figure: ['start', 'escalation', 'repeat', 'resolve', 'unwatched'].map((r) => `${r} ${decisions.filter((d) => d.reason === r).length}`).join(', '), target: '(reference)', pass: null },
  { what: 'ref: accepted', figure: [...got].map(([r, l]) => `${r} ${counts(l)}`).join('; '), target: '(reference)', pass: null },
  { what: 'ref: refused / hung / unsigned', figure: `hook-a ${hookA.refused} refused, hook-b ${hookB.refused} refused, ${hookB.hung} still hung; unsigned ${[...hookA.accepted, ...hookB.accepted].filter((h) => !h.signed).length}; SMTP auth failures ${mail.authFailures}`, target: '(reference)', pass: null },
  { what: 'ref: recovery until nothing owed', figure: `${(recoveredMs / 1000).toFixed(0)} s; last exit ${lastExit?.code ?? lastExit?.signal}`, target: '(reference)', pass: null },
);

console.log(`\nbench:soak — seed ${opts.seed}, ${opts.wallets} wallets, ${opts.minutes} min, schedule every ${INTERVAL / 1000} s, repeat ${REPEAT_MS / 1000} s\n`);
console.log(notes.map((n) => `  ${n}`).join('\n'));
console.log(`\n${table(rows)}\n`);
if (details.length) console.log(`details (${details.length}):\n${details.slice(0, 60).map((d) => `  ${d}`).join('\n')}${details.length > 60 ? `\n  … ${details.length - 60} more` : ''}\n`);
writeFileSync(join(tmp, 'details.txt'), `${details.join('\n')}\n`);

await sim.child.stop();
await hookA.close();
await hookB.close();
await mail.stop();
if (opts.keep) spawnSync('cp', ['-a', stateDir, join(tmp, 'state-copy')]);
if (!roSkip) spawnSync('umount', ['-l', stateDir]); // before the temp dir goes (the exit hook's umount then finds none)
if (opts.keep) console.log(`kept ${tmp}`);
else rmSync(tmp, { recursive: true, force: true });
process.exit(0);
