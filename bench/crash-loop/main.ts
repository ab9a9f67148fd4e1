/**
 * `npm run bench:crash-loop`: how often a daemon killed again and again (a memory limit start-up cannot fit,
 * or SIGKILL) sends the same notification. N simulated wallets all below their low-balance threshold, a real
 * webhook receiver and a real SMTP server (ALERT_GROUP_INTERVAL=0: one mail per notification), one STATE_DIR.
 * The daemon is started, killed (by the kernel under the memory limit, or by this script once the receivers
 * took --kill-after more since its start), started again after --pause, R times; then once more without a
 * limit until nothing is owed, and stopped with SIGTERM. Prints, per channel, what was received and how many
 * distinct notifications that was (webhook: the X-Wallet-Sentinel-Notification header; mail: the Message-ID),
 * and each start's share. Asserts nothing.
 *
 *   npm run bench:crash-loop -- --memory 85M                cgroup memory limit (root; cgroup v2 or v1)
 *   npm run bench:crash-loop -- --kill-after 300            SIGKILL once 300 more were received (no cgroup needed)
 *
 * Flags: --wallets N (2000), --restarts R (3), --pause MS (1000), --entry FILE (dist/main.js), --keep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { Notification } from '../../src/domain/alerts.js';
import { notificationKey } from '../../src/notify/notifier.js';
import { DB_FILE } from '../../src/store/db.js';
import { fleetSpecs } from '../../src/simulator/fleet.js';
import { writeWalletsFile } from '../../src/simulator/wallets-file.js';
import { MailCatcher, WebhookReceiver } from '../../test/helpers/receivers.js';
import { freePort, httpGet, procFigures, ROOT, sleep, startSimulator, until } from '../fleet/procs.js';

const { values: f } = parseArgs({
  options: {
    wallets: { type: 'string', default: '2000' },
    restarts: { type: 'string', default: '3' },
    memory: { type: 'string' },
    'kill-after': { type: 'string' },
    pause: { type: 'string', default: '1000' },
    entry: { type: 'string', default: 'dist/main.js' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(f.wallets);
const RESTARTS = Number(f.restarts);
const KILL_AFTER = f['kill-after'] === undefined ? undefined : Number(f['kill-after']);
if ((f.memory === undefined) === (KILL_AFTER === undefined)) throw new Error('give exactly one of --memory SIZE and --kill-after COUNT');
const entry = isAbsolute(f.entry) ? f.entry : join(ROOT, f.entry);
const log = (s: string) => process.stderr.write(`[bench:crash-loop ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

/** A memory cgroup of our own under the one this process is in (v2 `memory.max`, else v1 `memory.limit_in_bytes`). */
function makeCgroup(limit: string): { procs: string; remove(): void } {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  const v1 = lines.find((l) => /^\d+:memory:/.test(l));
  const [base, file] = v1 ? [join('/sys/fs/cgroup/memory', v1.split(':')[2]!), 'memory.limit_in_bytes'] : [join('/sys/fs/cgroup', lines.find((l) => l.startsWith('0::'))!.slice(3)), 'memory.max'];
  const dir = join(base, `ws-crash-loop-${process.pid}`);
  mkdirSync(dir);
  writeFileSync(join(dir, file), limit);
  return { procs: join(dir, 'cgroup.procs'), remove: () => existsSync(dir) && rmdirSync(dir) };
}

const tmp = mkdtempSync(join(tmpdir(), 'ws-bench-crash-loop-'));
const stateDir = join(tmp, 'state');
mkdirSync(stateDir);
const specs = fleetSpecs({ count: N, balance: 100, spread: 0.5 });
writeFileSync(join(tmp, 'spec.json'), JSON.stringify({ fleet: { count: N, balance: 100, spread: 0.5 } }));
const sim = await startSimulator(['--spec', join(tmp, 'spec.json')]);
const walletsFile = writeWalletsFile({ file: join(tmp, 'wallets.yaml'), keyDir: join(tmp, 'keys'), apiUrl: sim.url, wallets: specs, defaults: { low_balance_threshold: 1000 } });
const hook = new WebhookReceiver();
await hook.start();
const mail = new MailCatcher();
await mail.start();
const cgroup = f.memory === undefined ? undefined : makeCgroup(f.memory);
const port = await freePort();
const env = {
  PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', STATE_DIR: stateDir, WALLETS_FILE: walletsFile, METRICS_HOST: '127.0.0.1', METRICS_PORT: String(port),
  POLL_SCHEDULE: '* * * * *', LOG_LEVEL: 'warn', MALLOC_ARENA_MAX: '2', ALERT_WEBHOOK_URL: hook.url, SMTP_URL: mail.url(), ALERT_EMAIL_FROM: 'ws@example.test', ALERT_EMAIL_TO: 'ops@example.test',
  ALERT_GROUP_INTERVAL: '0', SMTP_REQUIRE_TLS: 'false',
};

let daemon: ChildProcess | undefined;
async function cleanUp(): Promise<void> {
  daemon?.kill('SIGKILL');
  await sim.child.stop();
  await hook.close();
  await mail.close();
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) await new Promise((r) => daemon!.once('exit', r)); // before its cgroup goes
  cgroup?.remove();
  if (!f.keep) rmSync(tmp, { recursive: true, force: true });
}
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

interface Run { label: string; exit: string; webhooks: number; mails: number; repeats: number; owedReceived: string }

/**
 * After a kill: the webhook rows the database still owes that the receiver had already taken (what the next
 * start sends again), by how long before the kill they arrived.
 */
function owedReceived(killedAt: number): string {
  const db = new Database(join(stateDir, DB_FILE), { readonly: true, fileMustExist: true });
  let bodies: string[];
  try {
    bodies = (db.prepare('SELECT body FROM outbox').all() as { body: string }[]).map((r) => r.body);
  } finally {
    db.close();
  }
  const lastAt = new Map(hook.received.map((r) => [String(r.headers['x-wallet-sentinel-notification']), r.at]));
  const ages: number[] = [];
  for (const b of bodies) {
    const d = JSON.parse(b) as { target: string; notification: Notification };
    const at = d.target.startsWith('webhook') ? lastAt.get(notificationKey(d.notification)) : undefined;
    if (at !== undefined) ages.push(killedAt - at);
  }
  const within = (ms: number) => ages.filter((a) => a <= ms).length;
  return ages.length === 0 ? '0' : `${ages.length} (≤100 ms before the kill ${within(100)}, ≤500 ms ${within(500)}, ≤1 s ${within(1000)}, oldest ${Math.max(...ages)} ms)`;
}
const runs: Run[] = [];
const received = () => hook.received.length + mail.mails.length;
const hookKey = (r: (typeof hook.received)[number]) => `webhook ${String(r.headers['x-wallet-sentinel-notification'])}`;
const keys = () => [...hook.received.map(hookKey), ...mail.mails.map((m) => `mail ${m.messageId}`)];
/** How many of what arrived since `from` (received()) had arrived before it. */
function repeatsSince(from: { webhooks: number; mails: number }): number {
  const before = new Set([...hook.received.slice(0, from.webhooks).map(hookKey), ...mail.mails.slice(0, from.mails).map((m) => `mail ${m.messageId}`)]);
  const since = [...hook.received.slice(from.webhooks).map(hookKey), ...mail.mails.slice(from.mails).map((m) => `mail ${m.messageId}`)];
  return since.filter((k) => before.has(k)).length;
}

async function run(label: string, limited: boolean): Promise<ChildProcess> {
  const at = { webhooks: hook.received.length, mails: mail.mails.length };
  const argv = [process.execPath, entry, 'start'];
  const child = limited && cgroup ? spawn('/bin/sh', ['-c', `echo $$ > ${cgroup.procs} && exec "$@"`, 'sh', ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
  daemon = child;
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
  let killedAt = 0;
  const exited = new Promise<string>((r) => child.on('exit', (code, signal) => ((killedAt = Date.now()), r(signal ?? `exit ${code}`))));
  if (limited && KILL_AFTER !== undefined) {
    const from = received();
    void until(() => received() - from >= KILL_AFTER || child.exitCode !== null, 'receipts', 600_000, 5).then(() => child.kill('SIGKILL'));
  }
  let exit: string;
  if (limited) {
    const hung = setTimeout(() => child.kill('SIGKILL'), 120_000); // neither killed nor done: counted as a kill
    exit = await exited;
    clearTimeout(hung);
  }
  else {
    await until(async () => (await httpGet(`http://127.0.0.1:${port}/readyz`, 2000)).status === 200, 'the unlimited start to be ready', 300_000);
    await until(async () => /^wallet_sentinel_notifications_owed 0$/m.test((await httpGet(`http://127.0.0.1:${port}/metrics`, 5000)).body), 'nothing owed', 300_000, 250);
    const { cpuMs, writeBytes } = procFigures(child.pid!);
    log(`${label}: until nothing was owed, CPU ${cpuMs} ms, ${(writeBytes / 2 ** 20).toFixed(1)} MiB written`);
    child.kill('SIGTERM');
    exit = await exited;
  }
  runs.push({ label, exit, webhooks: hook.received.length - at.webhooks, mails: mail.mails.length - at.mails, repeats: repeatsSince(at), owedReceived: limited ? owedReceived(killedAt) : '' });
  log(`${label}: ${exit}, ${hook.received.length - at.webhooks} webhook(s) and ${mail.mails.length - at.mails} mail(s) received${exit.startsWith('exit') && exit !== 'exit 0' ? `\n${stderr}` : ''}`);
  return child;
}

try {
  log(`${N} wallets all below threshold, ${RESTARTS} kill(s) ${cgroup ? `under memory limit ${f.memory}` : `after ${KILL_AFTER} receipts each`}; files in ${tmp}`);
  for (let i = 1; i <= RESTARTS; i++) {
    await run(`start ${i} (${cgroup ? `limit ${f.memory}` : `kill after ${KILL_AFTER}`})`, true);
    await sleep(Number(f.pause)); // the supervisor's restart delay
  }
  await run('final start (no limit), SIGTERM once nothing is owed', false);
  const distinct = (xs: string[]) => new Set(xs).size;
  const all = keys();
  const hookKeys = all.filter((k) => k.startsWith('webhook '));
  const mailKeys = all.filter((k) => k.startsWith('mail '));
  console.log(`| run | exit | webhooks | mails | of them received before | webhooks received and still owed after it |\n|---|---|---|---|---|---|\n${runs.map((r) => `| ${r.label} | ${r.exit} | ${r.webhooks} | ${r.mails} | ${r.repeats} | ${r.owedReceived} |`).join('\n')}`);
  console.log(`\nwebhook: ${hookKeys.length} received, ${distinct(hookKeys)} distinct (${hookKeys.length - distinct(hookKeys)} repeats)`);
  console.log(`mail:    ${mailKeys.length} received, ${distinct(mailKeys)} distinct (${mailKeys.length - distinct(mailKeys)} repeats)`);
} finally {
  await cleanUp();
}
