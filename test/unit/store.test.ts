import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { INITIAL_ACCOUNT_STATE, applyPoll, type AccountState } from '../../src/domain/account.js';
import type { AlertBook } from '../../src/domain/alerts.js';
import { AccountStore } from '../../src/store/account-store.js';
import { probeWritableDir, readJsonFile, writeJsonFileAtomic } from '../../src/store/json-file.js';
import { sampleCount } from '../../src/domain/packed.js';
import { accountStateToPlain, type PlainAccountState } from '../../src/domain/plain.js';

const NOW = Date.parse('2026-11-27T10:00:00.123Z');
const MIN = 60_000;
const log = pino({ level: 'silent' });

function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'ws-store-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const tmpFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const corpses = (dir: string, base: string): string[] => readdirSync(dir).filter((f) => f.startsWith(`${base}.corrupt-`));

/** A state with some history, an error and every field set. */
function sampleState(polls = 5, offset = 0): AccountState {
  let s = INITIAL_ACCOUNT_STATE;
  for (let i = 0; i < polls; i++) {
    s = applyPoll(s, { ok: true, status: 200, balance: 1000 - offset - i * 1.5, currency: 'EUR', requiredCredits: null }, NOW + i * MIN, 1).state;
  }
  const failed = applyPoll(s, { ok: false, kind: 'rate_limited', message: 'HTTP 429', retryAfterMs: 30_000 }, NOW + polls * MIN, 1).state;
  const alerts: AlertBook = {
    low_balance: { id: `low-${offset}`, alertname: 'low_balance', severity: 'warning', startsAt: NOW, lastNotifiedAt: NOW + MIN },
  };
  return { ...failed, alerts };
}

/** Parses anything shaped like `{ n: number }`, throwing otherwise. */
const parseN = (raw: unknown): { n: number } => {
  if (typeof raw !== 'object' || raw === null || typeof (raw as { n?: unknown }).n !== 'number') throw new Error('wrong shape');
  return raw as { n: number };
};

// ---------------------------------------------------------------- json-file

test('writeJsonFileAtomic + readJsonFile round-trip, creating the folder, no .tmp left', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'nested', 'deeper', 'x.json');
  await writeJsonFileAtomic(path, { n: 1 });
  await writeJsonFileAtomic(path, { n: 2, extra: ['a', null] });
  assert.deepEqual(await readJsonFile(path, parseN, NOW), { status: 'ok', value: { n: 2, extra: ['a', null] } });
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { n: 2, extra: ['a', null] });
  assert.deepEqual(tmpFiles(join(dir, 'nested', 'deeper')), []);
});

test('readJsonFile: a missing file → missing', async (t) => {
  const dir = tempDir(t);
  assert.deepEqual(await readJsonFile(join(dir, 'nope.json'), parseN, NOW), { status: 'missing' });
  assert.deepEqual(readdirSync(dir), [], 'nothing created');
});

const corruptContents: Array<[string, string]> = [
  ['truncated JSON', '{"trunc'],
  ['empty file', ''],
  ['not JSON at all', '<html>oops</html>'],
  ['valid JSON of the wrong shape', '{"m": 1}'],
  ['valid JSON, an array', '[1, 2, 3]'],
  ['valid JSON, null', 'null'],
];
for (const [name, content] of corruptContents) {
  test(`readJsonFile: ${name} → corrupt, the file is set aside`, async (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'x.json');
    writeFileSync(path, content);
    const r = await readJsonFile(path, parseN, NOW);
    assert.equal(r.status, 'corrupt');
    assert.ok(r.status === 'corrupt' && r.setAsideTo !== undefined, 'setAsideTo given');
    assert.ok(r.setAsideTo.startsWith(`${path}.corrupt-`), r.setAsideTo);
    assert.ok(r.reason.length > 0);
    assert.equal(existsSync(path), false, 'the original path is free');
    assert.equal(existsSync(r.setAsideTo), true, 'the corrupt file was kept for inspection');
    assert.equal(readFileSync(r.setAsideTo, 'utf8'), content);
    assert.equal(corpses(dir, 'x.json').length, 1);
  });

  test(`readJsonFile readOnly: ${name} → corrupt, the file stays where it is`, async (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'x.json');
    writeFileSync(path, content);
    const r = await readJsonFile(path, parseN, NOW, { readOnly: true });
    assert.equal(r.status, 'corrupt');
    assert.equal(r.status === 'corrupt' && r.setAsideTo, undefined);
    assert.equal(readFileSync(path, 'utf8'), content);
    assert.deepEqual(corpses(dir, 'x.json'), []);
  });
}

test('writeJsonFileAtomic into a folder that cannot be created rejects', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a-regular-file');
  writeFileSync(file, 'x');
  await assert.rejects(writeJsonFileAtomic(join(file, 'sub', 'x.json'), { n: 1 }));
});

// ---------------------------------------------------------------- AccountStore

test('AccountStore: save then load round-trips the state', async (t) => {
  const dir = tempDir(t);
  const store = new AccountStore(dir, 'prod', log);
  const state = sampleState();
  await store.save(state);
  assert.equal(store.path, join(dir, 'account-prod.json'));
  const loaded = await new AccountStore(dir, 'prod', log).load(NOW + 10 * MIN);
  assert.deepEqual(loaded, state);
  assert.equal(sampleCount(loaded.history.samples), 5);
  assert.deepEqual(tmpFiles(dir), []);
});

test('AccountStore: the initial state round-trips too', async (t) => {
  const dir = tempDir(t);
  const store = new AccountStore(dir, 'default', log);
  await store.save(INITIAL_ACCOUNT_STATE);
  assert.deepEqual(await store.load(NOW), INITIAL_ACCOUNT_STATE);
});

test('AccountStore: a missing file → the initial state', async (t) => {
  const dir = tempDir(t);
  assert.deepEqual(await new AccountStore(join(dir, 'not-yet'), 'default', log).load(NOW), INITIAL_ACCOUNT_STATE);
});

const badStateFiles: Array<[string, string]> = [
  ['truncated JSON', '{"trunc'],
  ['valid JSON of the wrong shape', JSON.stringify({ version: 1, account: 'default', state: { balance: 'lots' } })],
  ['a future version', JSON.stringify({ version: 2, account: 'default', state: INITIAL_ACCOUNT_STATE })],
  ['a negative consumed total', JSON.stringify({ version: 1, account: 'default', state: { ...INITIAL_ACCOUNT_STATE, history: { ...INITIAL_ACCOUNT_STATE.history, consumedTotal: -1 } } })],
];
for (const [name, content] of badStateFiles) {
  test(`AccountStore: ${name} → initial state, the file is renamed <file>.corrupt-…`, async (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'account-default.json');
    writeFileSync(path, content);
    const store = new AccountStore(dir, 'default', log);
    assert.deepEqual(await store.load(NOW), INITIAL_ACCOUNT_STATE);
    assert.equal(existsSync(path), false, 'the original path no longer exists');
    const aside = corpses(dir, 'account-default.json');
    assert.equal(aside.length, 1, JSON.stringify(readdirSync(dir)));
    assert.equal(readFileSync(join(dir, aside[0]!), 'utf8'), content);
    // The daemon can go on saving at the original path.
    await store.save(sampleState(2));
    assert.deepEqual(await store.load(NOW + 1), sampleState(2));
  });

  test(`AccountStore readOnly: ${name} → initial state, the corrupt file stays in place`, async (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'account-default.json');
    writeFileSync(path, content);
    assert.deepEqual(await new AccountStore(dir, 'default', log).load(NOW, { readOnly: true }), INITIAL_ACCOUNT_STATE);
    assert.equal(readFileSync(path, 'utf8'), content);
    assert.deepEqual(corpses(dir, 'account-default.json'), []);
  });
}

test('AccountStore: a file written for another account is not used', async (t) => {
  const dir = tempDir(t);
  await new AccountStore(dir, 'other', log).save(sampleState());
  writeFileSync(join(dir, 'account-mine.json'), readFileSync(join(dir, 'account-other.json')));
  assert.deepEqual(await new AccountStore(dir, 'mine', log).load(NOW), INITIAL_ACCOUNT_STATE);
});

test('AccountStore: 20 concurrent saves → the file holds the last one, parses, no .tmp left', async (t) => {
  const dir = tempDir(t);
  const store = new AccountStore(dir, 'default', log);
  // Earlier states are much bigger, so an unserialized earlier write would finish (and rename) last.
  const states = Array.from({ length: 20 }, (_, i) => sampleState(i === 19 ? 2 : (20 - i) * 100, i * 10));
  await Promise.all(states.map((s) => store.save(s)));
  const text = readFileSync(store.path, 'utf8');
  const doc = JSON.parse(text) as { version: number; account: string; state: PlainAccountState };
  assert.equal(doc.version, 1);
  assert.equal(doc.account, 'default');
  assert.deepEqual(doc.state, accountStateToPlain(states.at(-1)!), 'the file holds the plain form (arrays of objects)');
  assert.deepEqual(await store.load(NOW), states.at(-1));
  assert.deepEqual(tmpFiles(dir), []);
  assert.deepEqual(readdirSync(dir), ['account-default.json']);
});

test('AccountStore: a save into a STATE_DIR that cannot be created rejects; once it can, the same store saves again', async (t) => {
  const dir = tempDir(t);
  const blocker = join(dir, 'a-regular-file');
  writeFileSync(blocker, 'x');
  const store = new AccountStore(join(blocker, 'state'), 'default', log);
  await assert.rejects(store.save(sampleState()));
  await assert.rejects(store.save(sampleState()), 'each failing save rejects');

  rmSync(blocker);
  await store.save(sampleState(4));
  assert.deepEqual(await store.load(NOW), sampleState(4));
});

test('probeWritableDir: creates the folder, leaves no probe behind, removes temp files a killed run left (only ours)', async (t) => {
  const dir = join(tempDir(t), 'state');
  await probeWritableDir(dir);
  assert.deepEqual(readdirSync(dir), []);
  writeFileSync(join(dir, 'outbox.json.4242.0a1b2c3d.tmp'), '');
  writeFileSync(join(dir, 'account-default.json.17.deadbeef.tmp'), '{"ver');
  writeFileSync(join(dir, 'someone-elses.tmp'), 'keep');
  await probeWritableDir(dir);
  assert.deepEqual(readdirSync(dir), ['someone-elses.tmp']);
});

test('probeWritableDir rejects with the cause when the folder cannot be made (a path under a file: ENOTDIR)', async (t) => {
  const blocker = join(tempDir(t), 'a-regular-file');
  writeFileSync(blocker, 'x');
  await assert.rejects(probeWritableDir(join(blocker, 'state')), { code: 'ENOTDIR' });
});
