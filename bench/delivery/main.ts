/**
 * `npm run bench:delivery`: issue 11's delivery benchmark. Prints figures against the targets; asserts nothing.
 *
 *   1. 10,000 notifications (5,000 alerts × firing + resolved) to one webhook receiver that answers in 50 ms:
 *      the time until all are delivered (target < 2 min), how many were accepted more than once or never
 *      (target: exactly once each) and whether each alert's firing came before its resolve.
 *   2. 500 wallets crossing a threshold in the same minute, to one email receiver: how many emails reach
 *      the SMTP server within 10 minutes (target ≤ 3) and whether they list all 500. The clock of this
 *      part is scaled (--scale 60: the 5-minute group interval is 5 s, the minute 1 s, the 10 minutes 10 s),
 *      since only the ratio of the intervals decides how many emails there are.
 *   3. 10,000 owed notifications (10,000 alerts) to one webhook that refuses every attempt (503 at once),
 *      retried from a 1 s base: over 30 s, the CPU the process spent per attempt and the longest the event
 *      loop was held. What a fleet's dead receiver costs the daemon while its owed notifications wait.
 *   4. 1,000 notifications to an email channel whose SMTP password is wrong (535): the refused logins before
 *      and at a reload that leaves it wrong (one notification tried, not each: a burst locks mail accounts),
 *      then how long the reload that fixes it takes to mail them all.
 *
 * The parts are the real ones: the Dispatcher with WebhookNotifier / EmailNotifier (nodemailer), the outbox
 * in a real SQLite state database, a real HTTP server and a real SMTP server (smtp-server) on loopback.
 * Flags: --notifications N (10000), --delay-ms D (50), --wallets W (500), --scale S (60), --owed O (10000),
 * --owed-seconds S (30), --refused R (1000), --part 1|2|3|4 (default: all).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Secret } from '../../src/config/secret.js';
import type { Notification } from '../../src/domain/alerts.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Dispatcher } from '../../src/notify/dispatch.js';
import { EmailNotifier } from '../../src/notify/email/email.js';
import { OutboxStore } from '../../src/notify/outbox-store.js';
import { WebhookNotifier } from '../../src/notify/webhook/webhook.js';
import { StateDb } from '../../src/store/db.js';
import { MailCatcher, SlowWebhook } from '../../test/helpers/receivers.js';

const { values: f } = parseArgs({
  options: {
    notifications: { type: 'string', default: '10000' },
    'delay-ms': { type: 'string', default: '50' },
    wallets: { type: 'string', default: '500' },
    scale: { type: 'string', default: '60' },
    owed: { type: 'string', default: '10000' },
    'owed-seconds': { type: 'string', default: '30' },
    refused: { type: 'string', default: '1000' },
    part: { type: 'string' },
  },
});
const log = pino({ level: 'silent' });
const T0 = Date.now();
const note = (id: string, account: string, status: 'firing' | 'resolved'): Notification => ({
  id,
  account,
  alertname: 'low_balance',
  severity: 'warning',
  status,
  reason: status === 'firing' ? 'start' : 'resolve',
  startsAt: T0,
  decidedAt: T0,
  wallet: { balance: 42, currency: 'USD', burnRatePerHour: 3, runwaySeconds: 50_400 },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real Dispatcher with one webhook target and its outbox in a fresh state database. */
async function webhookDispatcher(hook: SlowWebhook, name: string): Promise<{ d: Dispatcher; db: StateDb; dir: string }> {
  const url = await hook.start();
  const dir = mkdtempSync(join(tmpdir(), `ws-bench-${name}-`));
  const db = new StateDb(dir, log);
  const d = new Dispatcher({
    notifiers: [new WebhookNotifier({ url: new Secret(url), label: 'bench' }, { secret: new Secret('bench-secret') })],
    store: new OutboxStore(db, log),
    metrics: createMetrics(),
    log,
    retryBaseDelayMs: 1000,
  });
  await d.start();
  return { d, db, dir };
}

async function webhookPart(total: number, delayMs: number): Promise<void> {
  const hook = new SlowWebhook(delayMs);
  const { d, db, dir } = await webhookDispatcher(hook, 'delivery');
  const alerts = total / 2;
  const started = performance.now();
  // as polls hand them over: a batch per poll, each alert's firing in one batch and its resolve in a later one
  const batch = 100;
  for (let i = 0; i < alerts; i += batch) {
    const ids = Array.from({ length: Math.min(batch, alerts - i) }, (_, k) => `w${i + k}/low_balance/x`);
    void d.enqueue(ids.map((id) => note(id, id.split('/')[0]!, 'firing')));
  }
  for (let i = 0; i < alerts; i += batch) {
    const ids = Array.from({ length: Math.min(batch, alerts - i) }, (_, k) => `w${i + k}/low_balance/x`);
    void d.enqueue(ids.map((id) => note(id, id.split('/')[0]!, 'resolved')));
  }
  const enqueuedMs = performance.now() - started;
  while (d.pending > 0 && performance.now() - started < 600_000) await sleep(20);
  const seconds = (performance.now() - started) / 1000;
  await d.stop(1000);
  await db.close();
  await hook.close();
  rmSync(dir, { recursive: true, force: true });

  const times = new Map<string, number>();
  for (const k of hook.accepted) times.set(k, (times.get(k) ?? 0) + 1);
  const dupes = [...times.values()].filter((n) => n > 1).length;
  const missing = total - times.size;
  let outOfOrder = 0;
  const pos = new Map(hook.accepted.map((k, i) => [k, i]));
  for (let i = 0; i < alerts; i++) if ((pos.get(`w${i}/low_balance/x:firing`) ?? Infinity) > (pos.get(`w${i}/low_balance/x:resolved`) ?? -1)) outOfOrder++;
  console.log(`\n1. ${total} notifications (${alerts} alerts × firing + resolved) to one webhook answering in ${delayMs} ms`);
  console.log(`   handed over in                 ${(enqueuedMs / 1000).toFixed(2)} s`);
  console.log(`   all delivered after            ${seconds.toFixed(1)} s   (target < 120 s)   ${seconds < 120 ? 'OK' : 'MISSED'}`);
  console.log(`   throughput                     ${(total / seconds).toFixed(0)} /s; at most ${hook.maxInFlight} in flight at the receiver`);
  console.log(`   accepted more than once        ${dupes}   never accepted ${missing}   (target 0 and 0)   ${dupes === 0 && missing === 0 ? 'OK' : 'MISSED'}`);
  console.log(`   alerts whose resolve came first ${outOfOrder}   (target 0)   ${outOfOrder === 0 ? 'OK' : 'MISSED'}`);
}

async function emailPart(wallets: number, scale: number): Promise<void> {
  const mail = new MailCatcher();
  await mail.start();
  const dir = mkdtempSync(join(tmpdir(), 'ws-bench-digest-'));
  const db = new StateDb(dir, log);
  const minute = 60_000 / scale;
  const groupIntervalMs = 5 * 60_000 / scale;
  const email = new EmailNotifier({ smtpUrl: new Secret(mail.url()), from: 'sentinel@example.com', to: ['finance@example.com'], requireTls: false, caPem: undefined });
  const d = new Dispatcher({
    receivers: [{ name: 'finance', severities: undefined, groupIntervalMs, notifiers: [email], alertmanagers: [] }],
    store: new OutboxStore(db, log),
    metrics: createMetrics(),
    log,
    retryBaseDelayMs: 1000,
  });
  await d.start();
  const started = performance.now();
  const startedWall = Date.now();
  // 500 wallets cross their thresholds at moments spread over one minute, each as its own poll's notification
  const at = Array.from({ length: wallets }, (_, i) => (i / wallets) * minute);
  for (let i = 0; i < wallets; i++) {
    const wait = started + at[i]! - performance.now();
    if (wait > 0) await sleep(wait);
    void d.enqueue([note(`acct-${i}/low_balance/x`, `acct-${i}`, 'firing')], ['finance']);
  }
  const windowMs = 10 * 60_000 / scale;
  while (performance.now() - started < windowMs) await sleep(20);
  const mails = [...mail.mails];
  const firstAfterMs = mails.length > 0 ? mails[0]!.at - startedWall : NaN;
  await d.stop(1000);
  await db.close();
  await mail.close();
  rmSync(dir, { recursive: true, force: true });
  const listed = new Map<string, number>();
  for (const m of mails) for (const x of m.text.matchAll(/wallet '(acct-\d+)'/g)) listed.set(x[1]!, (listed.get(x[1]!) ?? 0) + 1);
  const once = [...listed.values()].filter((n) => n === 1).length;
  console.log(`\n2. ${wallets} wallets crossing a threshold within one minute, one email receiver (group interval 5 min; clock scaled 1:${scale})`);
  console.log(`   emails within 10 minutes       ${mails.length}   (target ≤ 3)   ${mails.length <= 3 ? 'OK' : 'MISSED'}`);
  console.log(`   wallets listed                 ${listed.size} of ${wallets}, ${once} exactly once   ${listed.size === wallets && once === wallets ? 'OK' : 'MISSED'}`);
  console.log(`   first email after              ${firstAfterMs} ms of real time (the first alert is not held for the group interval)`);
  console.log(`   emails: ${mails.map((m) => `"${m.subject.slice(0, 70)}"`).join(', ')}`);
}

async function owedPart(owed: number, seconds: number): Promise<void> {
  let attempts = 0;
  const hook = new SlowWebhook(0, () => (attempts++, 503));
  const { d, db, dir } = await webhookDispatcher(hook, 'owed');
  for (let i = 0; i < owed; i += 100) {
    const ids = Array.from({ length: Math.min(100, owed - i) }, (_, k) => `w${i + k}/low_balance/x`);
    void d.enqueue(ids.map((id) => note(id, id.split('/')[0]!, 'firing')));
  }
  const warm = performance.now();
  while (attempts < owed && performance.now() - warm < 600_000) await sleep(20); // each refused once
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const attempts0 = attempts;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) await sleep(100);
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - started) / 1000;
  loop.disable();
  const made = attempts - attempts0;
  const stillOwed = d.pending;
  await d.stop(1000);
  await db.close();
  await hook.close();
  rmSync(dir, { recursive: true, force: true });
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(`\n3. ${owed} owed notifications to one webhook refusing every attempt (503), retried from a 1 s base; ${wallS.toFixed(0)} s measured after each was refused once`);
  console.log(`   attempts in the window         ${made}   (${(made / wallS).toFixed(0)} /s); still owed at the end ${stillOwed}`);
  console.log(`   CPU of the process             ${cpuS.toFixed(1)} s of ${wallS.toFixed(0)} s   (${((cpuS * 1000) / Math.max(1, made)).toFixed(2)} ms per attempt, the receiver's side included)`);
  console.log(`   event loop held at most        ${(loop.max / 1e6).toFixed(0)} ms   (p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms)`);
}

async function refusedPart(owed: number): Promise<void> {
  const mail = new MailCatcher();
  mail.password = 'right';
  await mail.start();
  const dir = mkdtempSync(join(tmpdir(), 'ws-bench-refused-'));
  const db = new StateDb(dir, log);
  const receiver = (password: string) => [{ name: 'ops', severities: undefined, groupIntervalMs: 0, alertmanagers: [], notifiers: [new EmailNotifier({ smtpUrl: new Secret(mail.url('alerts', password)), from: 'sentinel@example.com', to: ['ops@example.com'], requireTls: false, caPem: undefined }, 'ops/email:x', 'ops/email')] }];
  const d = new Dispatcher({ receivers: receiver('wrong'), store: new OutboxStore(db, log), metrics: createMetrics(), log, retryBaseDelayMs: 1000 });
  await d.start();
  for (let i = 0; i < owed; i += 100) {
    const ids = Array.from({ length: Math.min(100, owed - i) }, (_, k) => `w${i + k}/low_balance/x`);
    await d.enqueue(ids.map((id) => note(id, id.split('/')[0]!, 'firing')), ['ops']);
  }
  while (d.troubled().length === 0) await sleep(20);
  await sleep(2000); // what is out lands
  const refusedLogins = mail.logins;
  d.setReceivers(receiver('still-wrong')); // a reload that does not fix it
  while (mail.logins === refusedLogins) await sleep(20);
  await sleep(2000);
  const reloadLogins = mail.logins - refusedLogins;
  const fixedAt = performance.now();
  d.setReceivers(receiver('right'));
  while (d.pending > 0 && performance.now() - fixedAt < 600_000) await sleep(20);
  const drainS = (performance.now() - fixedAt) / 1000;
  const mails = mail.mails.length;
  await d.stop(1000);
  await db.close();
  await mail.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`\n4. ${owed} notifications to an email channel whose SMTP password is wrong (a real smtp-server answering 535), then two reloads`);
  console.log(`   refused logins before the first reload   ${refusedLogins}   (target 1: a channel that has taken nothing has one attempt out; the rest wait)`);
  console.log(`   refused logins at a reload still wrong   ${reloadLogins}   (target 1: one notification tried, not each)`);
  console.log(`   after the reload that fixes it           ${mails} of ${owed} mailed in ${drainS.toFixed(1)} s, ${d.pending} still owed`);
}

console.log(`bench:delivery — node ${process.version}, ${new Date().toISOString()}`);
const part = f.part;
if (part !== undefined && !['1', '2', '3', '4'].includes(part)) {
  console.error('--part is 1, 2, 3 or 4');
  process.exit(64);
}
if (part === undefined || part === '1') await webhookPart(Number(f.notifications), Number(f['delay-ms']));
if (part === undefined || part === '2') await emailPart(Number(f.wallets), Number(f.scale));
if (part === undefined || part === '3') await owedPart(Number(f.owed), Number(f['owed-seconds']));
if (part === undefined || part === '4') await refusedPart(Number(f.refused));
