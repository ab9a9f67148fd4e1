/**
 * The /api/status document in parts (src/status.ts statusDocument): byte for byte the one-go document, and
 * the event loop turns between parts, so /healthz and the polls go on while 10,000 wallets are written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATUS_ACCOUNTS_PER_PART, statusDocument } from '../../src/status.js';

const account = (i: number) => ({ account: `w-${i}`, balance: i === 1 ? null : i * 1.5, note: 'a "quoted"\nline', alerts: i % 2 ? [] : [{ alertname: 'low_balance', severity: 'warning' }], burn: {} });

async function text(parts: AsyncGenerator<string>): Promise<string> {
  let s = '';
  for await (const p of parts) s += p;
  return s;
}

test('statusDocument writes what JSON.stringify(doc, null, 2) writes, for no, one and several parts of accounts', async () => {
  const heads = [{ version: '1.2.3', generated_at: '2026-12-02T00:00:00.000Z' }, {}];
  const tails = [{ notifications_owed: 3 }, {}];
  for (const n of [0, 1, 2, STATUS_ACCOUNTS_PER_PART, STATUS_ACCOUNTS_PER_PART * 2 + 7]) {
    for (const head of heads) {
      for (const tail of tails) {
        const accounts = Array.from({ length: n }, (_, i) => i);
        const got = await text(statusDocument(head, accounts, account, () => tail));
        const want = `${JSON.stringify({ ...head, accounts: accounts.map(account), ...tail }, null, 2)}\n`;
        assert.equal(got, want, `${n} accounts, head ${JSON.stringify(head)}, tail ${JSON.stringify(tail)}`);
      }
    }
  }
});

test('statusDocument lets the event loop turn between parts, and reads each account once, when its part is made', async () => {
  const n = STATUS_ACCOUNTS_PER_PART * 3 + 5;
  let read = 0;
  let readWhenLoopTurned = -1;
  setImmediate(() => (readWhenLoopTurned = read));
  const doc = await text(statusDocument({ version: 'x' }, Array.from({ length: n }, (_, i) => i), (i) => (read++, account(i)), () => ({})));
  assert.ok(readWhenLoopTurned > 0 && readWhenLoopTurned < n, `the loop turned mid-document (after ${readWhenLoopTurned} of ${n} accounts)`);
  assert.equal(read, n);
  assert.equal((JSON.parse(doc) as { accounts: unknown[] }).accounts.length, n);
});
