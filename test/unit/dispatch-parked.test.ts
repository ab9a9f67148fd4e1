/**
 * A notification its channel refuses for good as configured (a refused SMTP login, a webhook's 401 or 404, a
 * bad routing key) is kept, not retried, until something may have fixed the setting: a reload, a restart, or
 * a reload that corrects the destination. Given up was wrong: the operator who fixed the password found
 * every alert of the outage gone, and nothing in Prometheus had said so (the owed age never grew).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { Notification } from '../../src/domain/alerts.js';
import { NotifyError } from '../../src/errors.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Dispatcher, MAX_DELIVERY_AGE_MS, type DispatcherDeps } from '../../src/notify/dispatch.js';
import type { Notifier } from '../../src/notify/notifier.js';
import type { Receiver } from '../../src/notify/registry.js';
import { waitFor } from '../helpers/daemon.js';
import { sampleNotification } from '../helpers/fixtures.js';
import { outboxIn } from '../helpers/state.js';

const note = (over: Partial<Notification> = {}) => sampleNotification(over);
const resolve = (id: string) => note({ id, status: 'resolved', reason: 'resolve' });
const ops = (...notifiers: Notifier[]): Receiver[] => [{ name: 'ops', severities: undefined, groupIntervalMs: 0, notifiers, alertmanagers: [] }];

/** A log that keeps its lines' messages. */
function recordingLog(): { log: DispatcherDeps['log']; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push((JSON.parse(s) as { msg: string }).msg) });
  return { log, lines };
}

function dispatcher(t: TestContext, receivers: Receiver[], over: Partial<DispatcherDeps> = {}, dir?: string): Dispatcher {
  const own = dir === undefined;
  const at = dir ?? mkdtempSync(join(tmpdir(), 'ws-parked-'));
  const d = new Dispatcher({ receivers, store: outboxIn(at, pino({ level: 'silent' })), metrics: createMetrics(), log: pino({ level: 'silent' }), retryBaseDelayMs: 20, ...over });
  t.after(async () => {
    await d.stop(100);
    if (own) rmSync(at, { recursive: true, force: true });
  });
  return d;
}

/**
 * A channel that refuses every attempt for good while `refuses` (a wrong password: a refusal of its settings,
 * or with `content` a refusal of the notification itself, as a 422), for the notifications `only` picks (all by
 * default), else takes it; when `hang` is set, an attempt waits for `land()` first. `got`: what it took; `tries`:
 * attempts started.
 */
function channel(key: string, o: { refuses: boolean; hang?: boolean; content?: boolean; only?: (n: Notification) => boolean }): Notifier & { got: string[]; tries: number; refuses: boolean; land: () => void } {
  const waiting: (() => void)[] = [];
  const ch = {
    channel: 'email' as const,
    key,
    label: key,
    got: [] as string[],
    tries: 0,
    refuses: o.refuses,
    land: () => waiting.shift()?.(),
    send: async (n: Notification) => {
      ch.tries++;
      if (o.hang) await new Promise<void>((r) => waiting.push(r));
      if (ch.refuses && (o.only?.(n) ?? true)) {
        if (o.content) throw new NotifyError('rejected', `${key}: the server answered 554 (permanent) to DATA`, { retryable: false });
        throw new NotifyError('config', `${key}: authentication failed (535); check the user and password in SMTP_URL`, { retryable: false });
      }
      ch.got.push(`${n.id}:${n.status}`);
    },
  };
  return ch;
}

const ids = (...xs: string[]) => xs.map((id) => note({ id }));

/** The email channel ops/email:a sending with `send` (a stand-in for the SMTP server's answers). */
const mailer = (send: Notifier['send']): Notifier => ({ channel: 'email', key: 'ops/email:a', label: 'ops/email:a', send });

/** One recipient's mailbox full (452, temporary), `reached` having the notification. */
const deferredOne = (reached: string): NotifyError =>
  new NotifyError('server', 'ops/email:a: the server deferred 1 of 2 recipients (452, temporary): 1 got it', { retryable: true, reached: [reached] });

/** A dispatcher over `sender` is sent alert a's firing and, once that is done with (sent or given up), its resolve; returns when that is done with too. */
async function firingThenResolve(t: TestContext, sender: Notifier): Promise<void> {
  const d = dispatcher(t, ops(sender));
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => d.pending === 0, 'the firing sent or given up');
  await d.enqueue([resolve('a')], ['ops']);
  await waitFor(() => d.pending === 0, 'the resolve tried at once, and done with');
}

/** Sends `first` to `d`'s receiver ops, waits for its channel to refuse its settings, then sends `rest` (they wait behind it). */
async function refusedThen(d: Dispatcher, first: string, ...rest: Notification[]): Promise<void> {
  await d.enqueue(ids(first), ['ops']);
  await waitFor(() => d.troubled().length === 1, `${first} refused`);
  if (rest.length > 0) await d.enqueue(rest, ['ops']);
}

test('a refused login keeps the notification; what follows waits untried behind the channel; a reload with the password fixed sends it all, in order', async (t) => {
  const wrong = channel('ops/email:a', { refuses: true });
  const { log, lines } = recordingLog();
  const d = dispatcher(t, ops(wrong), { log });
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => d.troubled().length === 1, 'the first attempt refused');
  await d.enqueue([resolve('a'), note({ id: 'b' })], ['ops']);
  assert.equal(wrong.tries, 1, 'nothing else tried against the refused settings');
  assert.equal(d.pending, 3);
  assert.deepEqual(d.troubled().map((c) => c.owed), [3]);
  assert.ok(lines.some((l) => l.startsWith('notification kept until its channel is fixed: ops/email:a: authentication failed (535)')), lines.join('\n'));
  assert.ok(!lines.some((l) => /given up/.test(l)), 'nothing given up');

  const fixed = channel('ops/email:a', { refuses: false }); // same destination, the sender built from the fixed SMTP_URL
  d.setReceivers(ops(fixed));
  await waitFor(() => d.pending === 0, 'all sent after the reload');
  assert.deepEqual(fixed.got.filter((g) => g.startsWith('a:')), ['a:firing', 'a:resolved']);
  assert.deepEqual(fixed.got.filter((g) => g.startsWith('b:')), ['b:firing']);
  assert.equal(wrong.tries, 1);
  assert.ok(lines.some((l) => l.startsWith('channels whose settings were refused are tried again')), lines.join('\n'));
  assert.ok(lines.includes('a channel that had refused its settings took a notification: sending the ones it refused'), lines.join('\n'));
  assert.deepEqual(d.troubled(), []);
});

test('a reload that leaves the password wrong tries one notification, not each (a burst of refused logins locks mail accounts)', async (t) => {
  const wrong = channel('ops/email:a', { refuses: true });
  const d = dispatcher(t, ops(wrong));
  await d.start();
  await refusedThen(d, 'a', ...ids('b', 'c'));
  const still = channel('ops/email:a', { refuses: true });
  d.setReceivers(ops(still));
  await waitFor(() => still.tries === 1, 'one tried again');
  await waitFor(() => (d.troubled()[0]?.retryAt ?? 0) > Date.now(), 'refused: the next try later');
  d.setReceivers(ops(still)); // a second reload: one more
  await waitFor(() => still.tries === 2, 'one tried again');
  assert.equal(d.pending, 3, 'all kept');
  const fixed = channel('ops/email:a', { refuses: false });
  d.setReceivers(ops(fixed));
  await waitFor(() => d.pending === 0, 'the probe taken, the rest follow');
  assert.deepEqual(fixed.got.sort(), ['a:firing', 'b:firing', 'c:firing']);
  assert.equal(fixed.tries, 3);
});

test('a channel that worked, then refuses (a token revoked at its end): the attempts out when the first refusal comes do not count as tries, the next is still 5 min later', async (t) => {
  const clock = Date.parse('2026-12-07T08:00:00Z');
  const wrong = channel('ops/email:a', { refuses: false });
  const d = dispatcher(t, ops(wrong), { now: () => clock, monotonic: () => clock });
  await d.start();
  await d.enqueue(ids('p'), ['ops']);
  await waitFor(() => d.pending === 0, 'taken: the channel is proven');
  wrong.refuses = true;
  await d.enqueue(ids('a', 'b', 'c'), ['ops']); // three out at once
  await waitFor(() => wrong.tries === 4 && d.pending === 3 && d.troubled().length === 1, 'each refused');
  assert.equal(d.troubled()[0]!.retryAt, clock + 5 * 60_000);
});

test('a refusing channel is tried again with one notification 5 min later, then 15 min, then hourly; one fixed at its end (an endpoint deployed) gets everything then', async (t) => {
  let clock = Date.parse('2026-12-07T08:00:00Z');
  const hook = channel('ops/webhook:a', { refuses: true });
  const d = dispatcher(t, ops(hook), { now: () => clock, monotonic: () => clock });
  await d.start();
  const at = (ms: number) => d.troubled()[0]?.retryAt === clock + ms;
  await d.enqueue(ids('a'), ['ops']);
  await waitFor(() => at(5 * 60_000), 'refused: next try in 5 min');
  const nudge = async (id: string) => d.enqueue(ids(id), ['ops']); // pumps the target (the timer runs on the real clock)
  clock += 5 * 60_000 - 1;
  await nudge('b');
  assert.equal(hook.tries, 1, 'not before 5 min');
  clock += 1;
  await nudge('c');
  await waitFor(() => hook.tries === 2 && at(15 * 60_000), 'tried at 5 min (b, not yet refused), next in 15 min');
  clock += 15 * 60_000;
  await nudge('d');
  await waitFor(() => hook.tries === 3 && at(60 * 60_000), 'tried at 15 min, next in an hour');
  hook.refuses = false; // the receiver fixed at its end
  clock += 60 * 60_000;
  await nudge('e');
  await waitFor(() => d.pending === 0, 'the hourly try taken, the rest follow');
  assert.deepEqual(hook.got.sort(), ['a:firing', 'b:firing', 'c:firing', 'd:firing', 'e:firing']);
  assert.equal(hook.tries, 8);
});

test('a temporary answer to a try (454 "too many logins", a 5xx) keeps the schedule: the others are not tried back to back', async (t) => {
  let clock = Date.parse('2026-12-07T08:00:00Z');
  let temporary = false;
  let tries = 0;
  const ch = mailer(async () => {
    tries++;
    if (temporary) throw new NotifyError('server', 'ops/email:a: the server answered 454 (temporary)', { retryable: true });
    throw new NotifyError('config', 'ops/email:a: authentication failed (535)', { retryable: false });
  });
  const d = dispatcher(t, ops(ch), { now: () => clock, monotonic: () => clock });
  await d.start();
  await refusedThen(d, 'a', ...ids('b', 'c'));
  temporary = true;
  clock += 5 * 60_000;
  await d.enqueue(ids('d'), ['ops']);
  await waitFor(() => tries === 2 && d.troubled()[0]?.retryAt === clock + 5 * 60_000, 'tried at 5 min, answered 454: the next in 5 min');
  clock += 60_000; // b's retry would be due; c, d and the kept a are not tried meanwhile
  await d.enqueue(ids('e'), ['ops']);
  assert.equal(tries, 2);
});

test('a wall-clock step moves the next try with it', async (t) => {
  let clock = Date.parse('2026-12-07T08:00:00Z');
  const mono = clock;
  const wrong = channel('ops/email:a', { refuses: true });
  const d = dispatcher(t, ops(wrong), { now: () => clock, monotonic: () => mono });
  await d.start();
  await refusedThen(d, 'a');
  clock -= 2 * 3_600_000; // NTP steps it back 2 h
  await d.enqueue(ids('b'), ['ops']); // the dispatcher reads its clock
  assert.equal(d.troubled()[0]!.retryAt, clock + 5 * 60_000);
});

test('a reload that breaks the password again while the kept ones drain: the first refused is kept, not given up as its own problem', async (t) => {
  const wrong = channel('ops/email:a', { refuses: true });
  const { log, lines } = recordingLog();
  const d = dispatcher(t, ops(wrong), { log });
  await d.start();
  await refusedThen(d, 'a', ...ids('b', 'c')); // a kept, b and c waiting
  const fixed = channel('ops/email:a', { refuses: false, hang: true });
  d.setReceivers(ops(fixed));
  await waitFor(() => fixed.tries === 1, 'the probe out with the fixed password');
  const rotated = channel('ops/email:a', { refuses: true });
  d.setReceivers(ops(rotated)); // the password changed again, the probe still out
  fixed.land(); // taken: b and c are due, and meet the new wrong password
  await waitFor(() => rotated.tries >= 1 && d.troubled()[0]?.retryAt !== undefined && d.pending === 2, 'b refused with the new sender');
  assert.ok(!lines.some((l) => /given up/.test(l)), lines.join('\n'));
});

/** A state folder whose outbox keeps the alerts `names`, refused by `ops/email:a`'s settings before the stop. */
async function keptAtStop(t: TestContext, names: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ws-parked-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const wrong = channel('ops/email:a', { refuses: true });
  const first = dispatcher(t, ops(wrong), {}, dir);
  await first.start();
  await refusedThen(first, names[0]!, ...ids(...names.slice(1)));
  await first.stop(100);
  return dir;
}

test('kept across a restart: saved as refused, its next attempt its 24 h; a start with the password fixed sends it all', async (t) => {
  const dir = await keptAtStop(t, ['a', 'b']);
  const saved = await outboxIn(dir, pino({ level: 'silent' })).load(Date.now());
  assert.deepEqual(
    saved.deliveries.map((x) => [x.notification.id, x.parked ?? false, x.parked ? x.nextAttemptAt - x.createdAt : 0]).sort(),
    [['a', true, MAX_DELIVERY_AGE_MS], ['b', false, 0]],
  );
  const fixed = channel('ops/email:a', { refuses: false, hang: true });
  const second = dispatcher(t, ops(fixed), {}, dir);
  await second.start();
  await waitFor(() => fixed.tries === 1, 'one tried at the start');
  assert.deepEqual(second.troubled().map((c) => [c.error, c.owed]), [['ops/email:a: authentication failed (535); check the user and password in SMTP_URL', 2]], 'the status page says so from the start');
  fixed.land();
  await waitFor(() => fixed.tries === 2, 'then the rest');
  fixed.land();
  await waitFor(() => second.pending === 0, 'sent after the restart');
  assert.deepEqual(fixed.got.sort(), ['a:firing', 'b:firing']);
});

test('a start with the password still wrong tries one notification only', async (t) => {
  const dir = await keptAtStop(t, ['a', 'b', 'c']);
  const still = channel('ops/email:a', { refuses: true });
  const second = dispatcher(t, ops(still), {}, dir);
  await second.start();
  await waitFor(() => still.tries === 1 && second.troubled().length === 1, 'the probe refused');
  await second.enqueue(ids('d'), ['ops']);
  assert.equal(still.tries, 1, 'a new alert waits behind the refusal');
  assert.equal(second.pending, 4);
});

test('a reload that removes a refusing channel gives up what it owes, the resolves behind its kept firings too, without trying any', async (t) => {
  const wrong = channel('ops/email:a', { refuses: true });
  const other = channel('ops/webhook:b', { refuses: false });
  const { log, lines } = recordingLog();
  const d = dispatcher(t, ops(wrong, other), { log });
  await d.start();
  await refusedThen(d, 'a', ...ids('b'));
  await waitFor(() => other.got.length === 2, 'taken at b');
  await d.enqueue([resolve('a'), resolve('b')], ['ops']);
  await waitFor(() => other.got.length === 4, 'the resolves taken at b');
  d.setReceivers(ops(other));
  await waitFor(() => d.pending === 0, 'given up');
  assert.equal(wrong.tries, 1);
  assert.equal(lines.filter((l) => l === 'owed notification given up: its channel refused its settings and a reload removed it').length, 4, lines.join('\n'));
});

test('a reload that changes the recipients while the login is still wrong tries one of what moved, not each', async (t) => {
  const wrong = channel('ops/email:old', { refuses: true });
  const d = dispatcher(t, ops(wrong));
  await d.start();
  await refusedThen(d, 'a', ...ids('b', 'c'));
  const still = channel('ops/email:new', { refuses: true }); // another `to`, the same SMTP_URL
  d.setReceivers(ops(still));
  await waitFor(() => still.tries === 1 && d.troubled()[0]?.label === 'ops/email:new', 'one tried at the new destination, refused');
  await d.enqueue(ids('d'), ['ops']);
  assert.equal(still.tries, 1);
  const fixed = channel('ops/email:new', { refuses: false });
  d.setReceivers(ops(fixed));
  await waitFor(() => d.pending === 0, 'all sent once the login is fixed');
  assert.deepEqual(fixed.got.sort(), ['a:firing', 'b:firing', 'c:firing', 'd:firing']);
});

test('a reload while the first attempt is out with the wrong password: its refusal is tried again at once with the new sender', async (t) => {
  const wrong = channel('ops/email:a', { refuses: true, hang: true });
  const d = dispatcher(t, ops(wrong));
  await d.start();
  await d.enqueue(ids('a'), ['ops']);
  await waitFor(() => wrong.tries === 1, 'the attempt is out');
  const fixed = channel('ops/email:a', { refuses: false });
  d.setReceivers(ops(fixed));
  wrong.land();
  await waitFor(() => d.pending === 0, 'sent with the fixed sender');
  assert.deepEqual(fixed.got, ['a:firing']);
});

test('past their 24 h, what a refusing channel owes is given up without an attempt (no burst of refused logins)', async (t) => {
  let clock = Date.parse('2026-12-07T08:00:00Z');
  const wrong = channel('ops/email:a', { refuses: true });
  const d = dispatcher(t, ops(wrong), { now: () => clock, monotonic: () => clock });
  await d.start();
  await refusedThen(d, 'a', ...ids('b', 'c'));
  clock += MAX_DELIVERY_AGE_MS;
  await d.enqueue(ids('d'), ['ops']);
  await waitFor(() => wrong.tries === 2 && d.pending === 1, 'a, b, c given up untried; d tried and kept');
  assert.deepEqual([...d.owedByAlert().keys()], ['d']);
});

test("a probe refused for its content shows the settings work: the rest is sent, the channel's note is gone", async (t) => {
  const wrong = channel('ops/email:a', { refuses: true });
  const d = dispatcher(t, ops(wrong));
  await d.start();
  await refusedThen(d, 'a', ...ids('b', 'c'));
  const picky = channel('ops/email:a', { refuses: true, content: true, only: (n) => n.id === 'a' }); // the password fixed; a's message refused (554)
  d.setReceivers(ops(picky));
  await waitFor(() => d.pending === 0, 'a given up, the rest sent');
  assert.deepEqual(picky.got.sort(), ['b:firing', 'c:firing']);
  assert.deepEqual(d.troubled(), []);
});

test('a final no to one notification (its content: a 422, an SMTP 5xx to its message) is given up, not kept; the channel goes on', async (t) => {
  const picky = channel('ops/webhook:a', { refuses: true, content: true, only: (n) => n.id === 'a' && n.status === 'firing' });
  const d = dispatcher(t, ops(picky));
  await d.start();
  await d.enqueue(ids('a'), ['ops']);
  await waitFor(() => d.pending === 0, 'given up');
  await d.enqueue([resolve('a'), note({ id: 'b' })], ['ops']);
  await waitFor(() => d.pending === 0, 'the rest sent');
  assert.deepEqual(picky.got.sort(), ['a:resolved', 'b:firing']);
});

test('after the channel takes a notification, one refused for its settings alone is given up; a second refused is the channel again, and the rest wait (no burst)', async (t) => {
  const ch = channel('ops/webhook:a', { refuses: true });
  const d = dispatcher(t, ops(ch), { concurrency: 1 });
  await d.start();
  await d.enqueue(ids('a', 'b', 'c', 'd', 'e'), ['ops']);
  await waitFor(() => d.troubled().length === 1, 'a refused');
  ch.refuses = false;
  let sent = 0;
  const flaky: Notifier = { ...ch, send: async (n, s) => (n.id === 'x' ? ch.send(n, s) : sent++ === 0 ? ch.send(n, s) : Promise.reject(new NotifyError('rejected', 'ops/webhook:a answered 403; not retried', { retryable: false, setting: true }))) };
  await d.enqueue(ids('x'), ['ops']);
  d.setReceivers(ops(flaky)); // the probe (b) is taken; then the channel starts refusing again
  await waitFor(() => sent === 3 && d.troubled().length === 1, 'refusing again');
  // b taken; a (made due by it) refused: given up alone; c refused: the channel again
  assert.deepEqual([...d.owedByAlert().keys()].sort(), ['c', 'd', 'e', 'x'], 'c kept, the rest wait');
  assert.ok(d.troubled()[0]!.retryAt !== undefined, 'refusing');
});

test('refused for good with some recipients reached (a typo among the addresses): given up, not kept, so the resolve is not held behind it', async (t) => {
  const got: string[] = [];
  const typo = mailer(async (n: Notification, _signal: AbortSignal, reached: readonly string[] = []) => {
    if (reached.length === 0) throw new NotifyError('rejected', 'ops/email:a: the server refused 1 of 2 recipients for good (550): 1 got it', { retryable: false, reached: ['ops@example.com'] });
    got.push(`${n.id}:${n.status}`);
  });
  await firingThenResolve(t, typo);
  assert.deepEqual(got, []);
});

test('an email that some recipients took, retried to the rest, and refused for good there is given up (its resolve reaches those who have it)', async (t) => {
  const got: string[] = [];
  const mail = mailer(async (n: Notification, _s: AbortSignal, reached: readonly string[] = []) => {
    if (n.status === 'firing' && reached.length === 0) throw deferredOne('b@example.com');
    if (n.status === 'firing') throw new NotifyError('rejected', 'ops/email:a: the server refused the sender or recipients (550)', { retryable: false, setting: true });
    got.push(`${n.id}:${n.status}`);
  });
  await firingThenResolve(t, mail);
  assert.deepEqual(got, ['a:resolved']);
});

test('a channel not yet proven (a start, a reload that gave it a new sender) has one attempt out until it takes one: a wrong password is refused once, not by 16 logins at once', async (t) => {
  const wrong = channel('ops/email:a', { refuses: true, hang: true });
  const d = dispatcher(t, ops(wrong));
  await d.start();
  await d.enqueue(ids(...Array.from({ length: 20 }, (_, i) => `w${i}`)), ['ops']);
  await waitFor(() => wrong.tries > 0, 'the first attempt out');
  assert.equal(wrong.tries, 1, 'one attempt out before the channel has taken any');
  wrong.land();
  await waitFor(() => d.troubled().length === 1, 'refused for its settings');
  assert.equal(wrong.tries, 1, 'the other 19 wait behind the refusal, untried');

  const fixed = channel('ops/email:a', { refuses: false, hang: true });
  d.setReceivers(ops(fixed));
  await waitFor(() => fixed.tries > 0, 'the reload tries one');
  assert.equal(fixed.tries, 1);
  fixed.land();
  await waitFor(() => fixed.tries === 17, 'taken: the rest go out 16 at a time');
  await waitFor(() => (fixed.land(), d.pending === 0), 'all sent');

  const replaced = channel('ops/email:a', { refuses: false, hang: true }); // a reload with another password
  d.setReceivers(ops(replaced));
  await d.enqueue(ids('n1', 'n2', 'n3'), ['ops']);
  await waitFor(() => replaced.tries > 0, "the new sender's first attempt out");
  assert.equal(replaced.tries, 1, 'a new sender is not proven by the one it replaced');
  replaced.land();
  await waitFor(() => replaced.tries === 3, 'taken: the other two together');
  await waitFor(() => (replaced.land(), d.pending === 0), 'all sent');
});

test('an email some recipients took while another was deferred (a full mailbox) proves the channel: the rest go out together, not one at a time behind the retries', async (t) => {
  const waiting: (() => void)[] = [];
  let out = 0;
  const mail = mailer(async (n: Notification, _s: AbortSignal, reached: readonly string[] = []) => {
    // p: one recipient's mailbox stays full (every retry deferred again)
    if (n.id === 'p') throw deferredOne('ops@example.com');
    out++;
    await new Promise<void>((r) => waiting.push(r));
  });
  const d = dispatcher(t, ops(mail));
  await d.start();
  await d.enqueue([note({ id: 'p' })], ['ops']);
  await waitFor(() => d.troubled().length === 1, 'p deferred for one recipient');
  await d.enqueue(ids(...Array.from({ length: 20 }, (_, i) => `w${i}`)), ['ops']);
  await waitFor(() => out === 16, 'sixteen out at once');
  await waitFor(() => (waiting.shift()?.(), d.pending === 1), 'all sent but p');
});

test('a login refused at the retry of an email some recipients have (the password changed since) is the channel\'s refusal: one login, not a burst of them', async (t) => {
  let clock = Date.parse('2026-12-07T08:00:00Z');
  let mode: 'partial' | 'wrong' = 'partial';
  let logins = 0;
  const mail = mailer(async () => {
    if (mode === 'partial') throw deferredOne('a@example.com');
    logins++;
    throw new NotifyError('config', 'ops/email:a: authentication failed (535); check the user and password in SMTP_URL', { retryable: false });
  });
  const d = dispatcher(t, ops(mail), { now: () => clock, monotonic: () => clock, retryBaseDelayMs: 60_000 });
  await d.start();
  await d.enqueue(ids('p'), ['ops']);
  await waitFor(() => d.troubled().length === 1, 'p deferred for one recipient (a@ has it), retried in a minute or two');
  mode = 'wrong';
  await refusedThen(d, 'w0', ...ids(...Array.from({ length: 19 }, (_, i) => `w${i + 1}`)));
  assert.equal(logins, 1);
  clock += 10 * 60_000; // p's retry is due, and the channel's next try
  await d.enqueue(ids('x'), ['ops']); // pumps: the try is p's retry (first in the queue)
  await waitFor(() => logins === 2 && d.pending === 21, "p's retry refused (p given up: a@ has it, its resolve must not wait)");
  await d.enqueue(ids('y'), ['ops']); // lets any burst start
  assert.ok(d.troubled()[0]?.retryAt !== undefined, 'still refusing');
  assert.equal(logins, 2, `one refused login at a time (${logins})`);
});

test('a try that some recipients take (another mailbox full) ends the refusal and says so, as a full take does', async (t) => {
  const wrong = channel('ops/email:a', { refuses: true });
  const { log, lines } = recordingLog();
  const d = dispatcher(t, ops(wrong), { log });
  await d.start();
  await refusedThen(d, 'a', ...ids('b'));
  const fixed = mailer(async (_n: Notification, _s: AbortSignal, reached: readonly string[] = []) => {
    if (reached.length === 0) throw deferredOne('a@example.com');
  });
  d.setReceivers(ops(fixed));
  await waitFor(() => d.pending === 0, 'all sent once the full mailbox takes them');
  assert.ok(lines.includes('a channel that had refused its settings took a notification: sending the ones it refused'), lines.join('\n'));
});

test('a channel that gave notifications up is no longer named in trouble once some recipients take one (another mailbox full), as after a full take', async (t) => {
  const mail = mailer(async (n: Notification, _s: AbortSignal, reached: readonly string[] = []) => {
    if (n.id === 'bad') throw new NotifyError('server', 'ops/email:a: the server refused the message (554 content rejected)', { retryable: false });
    if (reached.length === 0) throw deferredOne('a@example.com');
  });
  const d = dispatcher(t, ops(mail), { retryBaseDelayMs: 3_600_000 }); // the deferred recipient's retry stays far off
  await d.start();
  await d.enqueue(ids('bad'), ['ops']);
  await waitFor(() => d.pending === 0 && d.troubled()[0]?.givenUp === 1, 'bad given up, and said');
  await d.enqueue(ids('ok'), ['ops']);
  await waitFor(() => d.troubled()[0]?.givenUp === undefined, 'ok taken by a@ (b@ deferred): the channel reaches people');
  assert.equal(d.pending, 1, 'ok still owed to b@');
});

test('a mail some recipients took, then refused for good to the others (550), is not counted as given up: the channel reaches people', async (t) => {
  const mail = mailer(async (_n: Notification, _s: AbortSignal, reached: readonly string[] = []) => {
    if (reached.length === 0) throw deferredOne('a@example.com');
    throw new NotifyError('server', 'ops/email:a: b@example.com refused (550 no such user)', { retryable: false });
  });
  const d = dispatcher(t, ops(mail));
  await d.start();
  await d.enqueue(ids('ok'), ['ops']);
  await waitFor(() => d.pending === 0, 'a@ has it; b@ refused for good');
  assert.deepEqual(d.troubled(), []);
});
