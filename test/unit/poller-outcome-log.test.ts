/** Repeats (src/poller/outcome-log.ts): a condition said when it starts or changes, then once an hour. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REMIND_MS, Repeats } from '../../src/poller/outcome-log.js';

test('said when it starts, quiet while it repeats, said again after an hour with the count not said, or at once when it changes', () => {
  const r = new Repeats();
  const MIN = 60_000;
  const seen = [0, 1, 2, 3].map((m) => r.next('timeout', m * MIN));
  assert.deepEqual(seen, [{ say: true, unsaid: 0 }, { say: false, unsaid: 1 }, { say: false, unsaid: 2 }, { say: false, unsaid: 3 }]);
  assert.deepEqual(r.next('timeout', REMIND_MS), { say: true, unsaid: 3 }, 'the hourly reminder counts the lines left out');
  assert.deepEqual(r.next('timeout', REMIND_MS + MIN), { say: false, unsaid: 1 });
  assert.deepEqual(r.next('auth', REMIND_MS + 2 * MIN), { say: true, unsaid: 0 }, 'another failure is said at once');
  assert.deepEqual(r.next('auth', REMIND_MS - 10 * MIN), { say: true, unsaid: 0 }, 'a clock stepped back does not silence it for the step');
  assert.equal(r.end(), 8, 'every occurrence since it began');
  assert.equal(r.end(), 0);
  assert.deepEqual(r.next('auth', REMIND_MS), { say: true, unsaid: 0 }, 'after its end, it starts afresh');
});

test('out of file descriptors: every wallet\'s EMFILE poll makes one error line for the process, the wallet\'s own at debug; one line when polls go through again', async () => {
  const { default: pino } = await import('pino');
  const { OutcomeLog, ProcessConditions } = await import('../../src/poller/outcome-log.js');
  const lines: { level: number; msg: string; account?: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as { level: number; msg: string }) });
  const shared = new ProcessConditions();
  const wallets = ['a', 'b', 'c'].map((name) => new OutcomeLog(log.child({ account: name }), true, shared));
  const emfile = (name: string) => ({ ok: false as const, kind: 'network' as const, message: `GET 127.0.0.1:1/${name}: network error (EMFILE)` });
  const ok = { ok: true as const, status: 200 as const, balance: 5, currency: 'USD', requiredCredits: null };
  wallets.forEach((w, i) => w.said(emfile('abc'[i]!), { topup: false, quiet: false, failuresInARow: 1, now: 1_000 + i }));
  const errors = lines.filter((l) => l.level >= 50);
  assert.equal(errors.length, 1, `one line for three wallets: ${JSON.stringify(errors)}`);
  assert.match(errors[0]!.msg, /^polls fail: this process has no file descriptor left \(EMFILE/);
  assert.equal(lines.filter((l) => l.level === 20 && l.msg.includes('EMFILE')).length, 3, 'each wallet\'s failure at debug');
  lines.length = 0;
  wallets.forEach((w, i) => w.said(ok, { topup: false, quiet: false, failuresInARow: 0, now: 2_000 + i }));
  assert.deepEqual(lines.filter((l) => l.level >= 30).map((l) => l.msg), ['file descriptors are available again: polls go through (3 failed for want of one)'], 'said once, not per wallet, and no "read again" per wallet');
  lines.length = 0;
  // an upstream's own failure is still each wallet's: a line each
  wallets.forEach((w) => w.said({ ok: false, kind: 'network', message: 'GET 127.0.0.1:1/x: network error (ECONNREFUSED)' }, { topup: false, quiet: false, failuresInARow: 1, now: 3_000 }));
  assert.equal(lines.filter((l) => l.level >= 50).length, 3);
});

test('openFilesLimit reads the soft limit of /proc/self/limits; "unlimited" or a missing line is unknown', async () => {
  const { openFilesLimit } = await import('../../src/fd-limit.js');
  const head = 'Limit                     Soft Limit           Hard Limit           Units     \n';
  assert.equal(openFilesLimit(`${head}Max open files            1024                 524288               files     \n`), 1024);
  assert.equal(openFilesLimit(`${head}Max open files            unlimited            unlimited            files     \n`), undefined);
  assert.equal(openFilesLimit(head), undefined);
});
