/** The JSON helpers left from 0.1 (reading its files for the import) and the STATE_DIR probe. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeWritableDir, readJsonFile } from '../../src/store/json-file.js';

const NOW = Date.parse('2026-11-27T10:00:00.123Z');

function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'ws-store-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const corpses = (dir: string, base: string): string[] => readdirSync(dir).filter((f) => f.startsWith(`${base}.corrupt-`));

/** Parses anything shaped like `{ n: number }`, throwing otherwise. */
const parseN = (raw: unknown): { n: number } => {
  if (typeof raw !== 'object' || raw === null || typeof (raw as { n?: unknown }).n !== 'number') throw new Error('wrong shape');
  return raw as { n: number };
};

// ---------------------------------------------------------------- json-file

test('readJsonFile (0.1 files): a valid file → ok', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'x.json');
  writeFileSync(path, JSON.stringify({ n: 2, extra: ['a', null] }));
  assert.deepEqual(await readJsonFile(path, parseN, NOW), { status: 'ok', value: { n: 2, extra: ['a', null] } });
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


// ---------------------------------------------------------------- STATE_DIR probe

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
