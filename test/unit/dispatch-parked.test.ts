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
 * A channel that refuses every attempt for good (a wrong password) while `refuses`, else takes it; when `hang`
 * is set, an attempt waits for `land()` first. `got`: what it took; `tries`: attempts started.
 */
function channel(key: string, o: { refuses: boolean; hang?: boolean }): Notifier & { got: string[]; tries: number; refuses: boolean; land: () => void } {
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
      if (ch.refuses) throw new NotifyError('config', `${key}: authentication failed (535); check the user and password in SMTP_URL`, { retryable: false });
      ch.got.push(`${n.id}:${n.status}`);
    },
  };
  return ch;
}

test('a refused login keeps the notification, untried, and its resolve behind it; a reload with the password fixed sends both, in order', async (t) => {
  const wrong = channel('ops/email:a', { refuses: true });
  const { log, lines } = recordingLog();
  const d = dispatcher(t, ops(wrong), { log });
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => wrong.tries === 1, 'the first attempt refused');
  await d.enqueue([resolve('a'), note({ id: 'b' })], ['ops']);
  await waitFor(() => wrong.tries === 2, "b's attempt refused (it waits for nothing)");
  assert.equal(d.pending, 3, "a's firing and b are kept; a's resolve waits behind its firing");
  assert.equal(d.owedByAlert().get('a'), 2);
  assert.ok(lines.some((l) => l.startsWith('notification kept until its channel is fixed: ops/email:a: authentication failed (535)')), lines.join('\n'));
  assert.ok(!lines.some((l) => l.startsWith('notification given up')), 'nothing given up');

  const fixed = channel('ops/email:a', { refuses: false }); // same destination, the sender built from the fixed SMTP_URL
  d.setReceivers(ops(fixed));
  await waitFor(() => d.pending === 0, 'all sent after the reload');
  assert.deepEqual(fixed.got.filter((g) => g.startsWith('a:')), ['a:firing', 'a:resolved']);
  assert.deepEqual(fixed.got.filter((g) => g.startsWith('b:')), ['b:firing']);
  assert.equal(wrong.tries, 2, 'the wrong sender was never retried');
  assert.ok(lines.some((l) => l.startsWith('a notification each channel refused for good tried again')), lines.join('\n'));
  assert.ok(lines.includes('a channel that had refused notifications for good took one: sending the ones it refused'), lines.join('\n'));
});

test('a reload that leaves the password wrong tries one kept notification, not each (a burst of refused logins locks mail accounts)', async (t) => {
  const wrong = channel('ops/email:a', { refuses: true });
  const d = dispatcher(t, ops(wrong));
  await d.start();
  await d.enqueue([note({ id: 'a' }), note({ id: 'b' }), note({ id: 'c' })], ['ops']);
  await waitFor(() => wrong.tries === 3, 'each refused once');
  const still = channel('ops/email:a', { refuses: true });
  d.setReceivers(ops(still));
  await waitFor(() => still.tries === 1, 'one tried again');
  d.setReceivers(ops(still)); // and a second reload: again one
  await waitFor(() => still.tries === 2, 'one tried again');
  assert.equal(d.pending, 3, 'all kept');
  const fixed = channel('ops/email:a', { refuses: false });
  d.setReceivers(ops(fixed));
  await waitFor(() => d.pending === 0, 'the probe taken, the rest follow');
  assert.deepEqual(fixed.got.sort(), ['a:firing', 'b:firing', 'c:firing']);
  assert.equal(fixed.tries, 3);
});

test('a channel fixed at its end (a webhook endpoint deployed) that takes a new notification gets the ones it refused', async (t) => {
  const hook = channel('ops/webhook:a', { refuses: true });
  const d = dispatcher(t, ops(hook));
  await d.start();
  await d.enqueue([note({ id: 'a' }), resolve('a')], ['ops']);
  await waitFor(() => hook.tries === 1, 'the firing refused');
  hook.refuses = false;
  await d.enqueue([note({ id: 'b' })], ['ops']);
  await waitFor(() => d.pending === 0, 'b taken, then what was kept');
  assert.deepEqual(hook.got, ['b:firing', 'a:firing', 'a:resolved']);
});

/** A state folder whose outbox keeps the alerts `ids`, each refused once by `ops/email:a` before the stop. */
async function keptAtStop(t: TestContext, ids: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ws-parked-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const wrong = channel('ops/email:a', { refuses: true });
  const first = dispatcher(t, ops(wrong), {}, dir);
  await first.start();
  for (const id of ids) await first.enqueue([note({ id })], ['ops']);
  await waitFor(() => wrong.tries === ids.length, 'each refused');
  await first.stop(100);
  return dir;
}

test('kept across a restart: saved as refused with its 24 h as its next attempt, tried at once by the next start', async (t) => {
  const dir = await keptAtStop(t, ['a']);
  const saved = await outboxIn(dir, pino({ level: 'silent' })).load(Date.now());
  assert.deepEqual(
    saved.deliveries.map((x) => [x.notification.id, x.parked, x.nextAttemptAt - x.createdAt]),
    [['a', true, MAX_DELIVERY_AGE_MS]],
  );

  const fixed = channel('ops/email:a', { refuses: false });
  const second = dispatcher(t, ops(fixed), {}, dir);
  await second.start();
  await waitFor(() => second.pending === 0, 'sent after the restart');
  assert.deepEqual(fixed.got, ['a:firing']);
});

test('a restart with the password still wrong tries the oldest kept notification only', async (t) => {
  const dir = await keptAtStop(t, ['a', 'b']);
  const still = channel('ops/email:a', { refuses: true });
  const second = dispatcher(t, ops(still), {}, dir);
  await second.start();
  await waitFor(() => still.tries === 1, 'the probe');
  await second.enqueue([note({ id: 'c' })], ['ops']); // a new alert is tried as it comes
  await waitFor(() => still.tries === 2, "c's attempt");
  await second.stop(100);
  const saved = await outboxIn(dir, pino({ level: 'silent' })).load(Date.now());
  assert.deepEqual(saved.deliveries.map((x) => [x.notification.id, x.parked, x.attempts]).sort(), [['a', true, 2], ['b', true, 1], ['c', true, 1]]);
});

test('a reload that corrects the destination (the only email of the receiver replaced) moves the kept notification there', async (t) => {
  const wrong = channel('ops/email:typo', { refuses: true });
  const d = dispatcher(t, ops(wrong));
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => wrong.tries === 1, 'refused');
  const right = channel('ops/email:right', { refuses: false });
  d.setReceivers(ops(right));
  await waitFor(() => d.pending === 0, 'sent to the corrected destination');
  assert.deepEqual(right.got, ['a:firing']);
});

test('a reload that removes the channel, with nothing in its place, gives up what it kept without trying it again (a login refused per notification)', async (t) => {
  const wrong = channel('ops/email:a', { refuses: true });
  const other = channel('ops/webhook:b', { refuses: false });
  const { log, lines } = recordingLog();
  const d = dispatcher(t, ops(wrong, other), { log });
  await d.start();
  await d.enqueue([note({ id: 'a' }), note({ id: 'b' })], ['ops']);
  await waitFor(() => wrong.tries === 2 && d.pending === 2, 'refused at a, taken at b');
  d.setReceivers(ops(other));
  await waitFor(() => d.pending === 0, 'given up');
  assert.equal(wrong.tries, 2);
  assert.equal(lines.filter((l) => l === 'notification given up: its channel refused it for good and a reload removed the channel').length, 2, lines.join('\n'));
});

test('a reload that changes the recipients while the login is still wrong tries one of what the old ones kept, not each', async (t) => {
  const wrong = channel('ops/email:old', { refuses: true });
  const d = dispatcher(t, ops(wrong));
  await d.start();
  await d.enqueue([note({ id: 'a' }), note({ id: 'b' }), note({ id: 'c' })], ['ops']);
  await waitFor(() => wrong.tries === 3, 'each refused');
  const still = channel('ops/email:new', { refuses: true }); // another `to`, the same SMTP_URL
  d.setReceivers(ops(still));
  await waitFor(() => still.tries === 1, 'one tried at the new destination');
  await d.enqueue([note({ id: 'd' })], ['ops']);
  await waitFor(() => still.tries === 2, "d's attempt");
  assert.equal(d.pending, 4);
  const fixed = channel('ops/email:new', { refuses: false });
  d.setReceivers(ops(fixed));
  await waitFor(() => d.pending === 0, 'all sent once the login is fixed');
  assert.deepEqual(fixed.got.sort(), ['a:firing', 'b:firing', 'c:firing', 'd:firing']);
});

test('a reload while the first attempt is out with the wrong password: its refusal is tried again at once with the new sender', async (t) => {
  const wrong = channel('ops/email:a', { refuses: true, hang: true });
  const d = dispatcher(t, ops(wrong));
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => wrong.tries === 1, 'the attempt is out');
  const fixed = channel('ops/email:a', { refuses: false });
  d.setReceivers(ops(fixed));
  wrong.land();
  await waitFor(() => d.pending === 0, 'sent with the fixed sender');
  assert.deepEqual(fixed.got, ['a:firing']);
});

test('at its 24 h a kept notification is tried once more, and given up if still refused', async (t) => {
  let clock = Date.parse('2026-12-07T08:00:00Z');
  const wrong = channel('ops/email:a', { refuses: true });
  const d = dispatcher(t, ops(wrong), { now: () => clock, monotonic: () => clock });
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => wrong.tries === 1, 'refused');
  clock += MAX_DELIVERY_AGE_MS - 1;
  await d.enqueue([note({ id: 'b' })], ['ops']); // something to wake the target
  await waitFor(() => wrong.tries === 2, "b's attempt");
  assert.equal(d.pending, 2, 'a not yet due: not tried');
  clock += 1;
  await d.enqueue([note({ id: 'c' })], ['ops']);
  await waitFor(() => wrong.tries === 4 && d.pending === 2, 'a tried once more and given up; c kept');
  assert.deepEqual([...d.owedByAlert().keys()].sort(), ['b', 'c']);
});

test('refused for good with some recipients reached (a typo among the addresses): given up, not kept, so the resolve is not held behind it', async (t) => {
  const got: string[] = [];
  const typo: Notifier = {
    channel: 'email',
    key: 'ops/email:a',
    label: 'ops/email:a',
    send: async (n: Notification, _signal: AbortSignal, reached: readonly string[] = []) => {
      if (reached.length === 0) throw new NotifyError('rejected', 'ops/email:a: the server refused 1 of 2 recipients for good (550): 1 got it', { retryable: false, reached: ['ops@example.com'] });
      got.push(`${n.id}:${n.status}`);
    },
  };
  const d = dispatcher(t, ops(typo));
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => d.pending === 0, 'given up');
  await d.enqueue([resolve('a')], ['ops']);
  await waitFor(() => d.pending === 0, 'the resolve tried at once');
  assert.deepEqual(got, []);
});

test('a final no to one notification (its content: a 422, an SMTP 5xx to its message) is given up, not kept: the channel would refuse it fixed or not', async (t) => {
  const got: string[] = [];
  const picky: Notifier = {
    channel: 'webhook',
    key: 'ops/webhook:a',
    label: 'ops/webhook:a',
    send: async (n: Notification) => {
      if (n.id === 'a' && n.status === 'firing') throw new NotifyError('rejected', 'ops/webhook:a answered 422; not retried', { retryable: false });
      got.push(`${n.id}:${n.status}`);
    },
  };
  const d = dispatcher(t, ops(picky));
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => d.pending === 0, 'given up');
  await d.enqueue([resolve('a'), note({ id: 'b' })], ['ops']);
  await waitFor(() => d.pending === 0, 'the rest sent');
  assert.deepEqual(got.sort(), ['a:resolved', 'b:firing']);
});

test('a notification the channel refuses for a setting after it took others is given up, not kept again: no resend after every send', async (t) => {
  let tries = 0;
  const got: string[] = [];
  let refuseAll = true;
  const odd: Notifier = {
    channel: 'webhook',
    key: 'ops/webhook:a',
    label: 'ops/webhook:a',
    send: async (n: Notification) => {
      if (n.id === 'x') tries++;
      if (refuseAll || n.id === 'x') throw new NotifyError('rejected', 'ops/webhook:a answered 404; not retried', { retryable: false, setting: true });
      got.push(n.id);
    },
  };
  const d = dispatcher(t, ops(odd));
  await d.start();
  await d.enqueue([note({ id: 'x' })], ['ops']);
  await waitFor(() => tries === 1, 'x refused and kept');
  assert.equal(d.pending, 1);
  refuseAll = false;
  for (const id of ['b', 'c', 'd']) {
    await d.enqueue([note({ id })], ['ops']);
    await waitFor(() => got.includes(id), `${id} sent`);
  }
  await waitFor(() => d.pending === 0, 'x given up');
  assert.equal(tries, 2, 'x: refused, kept, tried once after b was taken, given up');
});

test('an email that some recipients took, retried to the rest, and refused for good there is given up (its resolve reaches those who have it)', async (t) => {
  const got: string[] = [];
  const mail: Notifier = {
    channel: 'email',
    key: 'ops/email:a',
    label: 'ops/email:a',
    send: async (n: Notification, _s: AbortSignal, reached: readonly string[] = []) => {
      if (n.status === 'firing' && reached.length === 0) throw new NotifyError('server', 'ops/email:a: the server deferred 1 of 2 recipients (452, temporary): 1 got it', { retryable: true, reached: ['b@example.com'] });
      if (n.status === 'firing') throw new NotifyError('rejected', 'ops/email:a: the server refused the sender or recipients (550)', { retryable: false, setting: true });
      got.push(`${n.id}:${n.status}`);
    },
  };
  const d = dispatcher(t, ops(mail));
  await d.start();
  await d.enqueue([note({ id: 'a' })], ['ops']);
  await waitFor(() => d.pending === 0, 'given up after the retry');
  await d.enqueue([resolve('a')], ['ops']);
  await waitFor(() => d.pending === 0, 'the resolve sent');
  assert.deepEqual(got, ['a:resolved']);
});
