import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/load.js';
import { readConfigFile, withReadBudget } from '../../src/config/read-file.js';
import { ConfigError } from '../../src/errors.js';
import { waitFor } from '../helpers/daemon.js';
import { fileSettled, RECENT_WRITE_MS, settledTextSync, writtenSince } from '../../src/config/settled.js';

/** A sleep that runs `during` (the writer's next step) instead of waiting, and counts the waits. */
function steps(during: Array<() => void>) {
  let waits = 0;
  return { sleep: async () => void during[waits++]?.(), waits: () => waits };
}

test('fileSettled: a file read the same twice is settled at once; one still being written is read once the writer stops', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'ws-settle-')), 'wallets.yaml');
  writeFileSync(file, 'wallets:\n  - name: a\n');
  const still = steps([]);
  assert.deepEqual(await fileSettled(file, { sleep: still.sleep }), { settled: true, text: 'wallets:\n  - name: a\n' });
  assert.equal(still.waits(), 1);
  // cut at a wallet's boundary when the reload began; the writer finishes during the first wait
  writeFileSync(file, 'wallets:\n  - name: a\n');
  const writer = steps([() => writeFileSync(file, 'wallets:\n  - name: a\n  - name: b\n')]);
  assert.deepEqual(await fileSettled(file, { sleep: writer.sleep }), { settled: true, text: 'wallets:\n  - name: a\n  - name: b\n' }, 'the text seen settled: the writer\'s whole file');
  assert.equal(writer.waits(), 2, 'a second wait after the change');
});

test('fileSettled: a file that keeps changing past the limit is not settled; a missing file or a FIFO is read once by the reload itself (which says why it cannot)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-settle-'));
  const file = join(dir, 'wallets.yaml');
  let n = 0;
  writeFileSync(file, 'wallets:\n');
  const busy = steps(Array.from({ length: 100 }, () => () => writeFileSync(file, `wallets: # ${n++}\n`)));
  assert.deepEqual(await fileSettled(file, { quietMs: 200, limitMs: 1_000, sleep: busy.sleep }), { settled: false });
  assert.equal(busy.waits(), 5);
  const none = steps([]);
  assert.deepEqual(await fileSettled(join(dir, 'absent.yaml'), { sleep: none.sleep }), { settled: true, text: undefined });
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  assert.deepEqual(await fileSettled(join(dir, 'fifo'), { sleep: none.sleep }), { settled: true, text: undefined }, 'not read here: that would take its text, or block');
  assert.equal(none.waits(), 0);
});

test('fileSettled: a file past the wallets file\'s 64 MiB bound is not read here (the reload refuses it): two whole reads of 400 MiB took 1.3 GB', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'ws-settle-')), 'wallets.yaml');
  writeFileSync(file, '');
  truncateSync(file, 65 * 1024 * 1024); // sparse: no disk used
  const none = steps([]);
  assert.deepEqual(await fileSettled(file, { sleep: none.sleep }), { settled: true, text: undefined });
  assert.equal(none.waits(), 0);
});

test('writtenSince: a regular file modified at or after the time given (a start-up that may have read it mid-write); not an older one, a FIFO or a missing file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-settle-'));
  const file = join(dir, 'wallets.yaml');
  writeFileSync(file, 'wallets:\n');
  const since = Date.now() - RECENT_WRITE_MS;
  assert.equal(writtenSince(file, since), true);
  assert.equal(writtenSince(file, Date.now() + 60_000), false, 'written before the time given');
  utimesSync(file, new Date(since - 60_000), new Date(since - 60_000));
  assert.equal(writtenSince(file, since), true, "its mtime set back to its source's (rsync -t, cp -p): the ctime cannot be");
  utimesSync(file, new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
  assert.equal(writtenSince(file, Date.now() + 60_000), true, 'an mtime in the future: one more read');
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  assert.equal(writtenSince(join(dir, 'fifo'), since), false);
  assert.equal(writtenSince(join(dir, 'absent'), since), false);
});

test('settledTextSync: the text once two reads 20 ms apart agree; nothing for a missing file, a FIFO, or a budget shorter than the wait (not reported as changing)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-settle-'));
  const file = join(dir, 'wallets.yaml');
  writeFileSync(file, 'wallets:\n  - name: a\n');
  assert.deepEqual(settledTextSync(file, 1_000, 20), { settled: true, text: 'wallets:\n  - name: a\n' });
  assert.deepEqual(settledTextSync(file, 10, 20), { settled: true, text: undefined }, 'no time for a second read: nothing known but the first, not "still changing"');
  assert.deepEqual(settledTextSync(join(dir, 'absent'), 1_000, 20), { settled: true, text: undefined });
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  assert.deepEqual(settledTextSync(join(dir, 'fifo'), 1_000, 20), { settled: true, text: undefined }, 'not read: that would take its text, or block');
});

test('loadSettings with settleFresh: a wallets file with problems that a writer keeps changing is reported as still changing once the load\'s read budget is spent', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-settle-'));
  const file = join(dir, 'wallets.yaml');
  writeFileSync(file, 'wallets:\n  - name: a\n    bogus_key: 1\n');
  // no sleep between appends: a busy machine stalled a forked `sleep 0.05` past the load's 200 ms between reads
  const writer = spawn('sh', ['-c', `while :; do echo '# more' >> '${file}'; done`], { stdio: 'ignore' });
  t.after(() => writer.kill('SIGKILL'));
  // the writer at work before the load (on a busy machine its shell started after the load's reads agreed)
  await waitFor(() => readFileSync(file, 'utf8').includes('# more'), 'the writer appending');
  let problems: readonly string[] = [];
  try {
    loadSettings({ WALLETS_FILE: file }, { cwd: dir, requireApiKey: false, settleFresh: true });
  } catch (err) {
    if (err instanceof ConfigError) problems = err.problems;
  }
  assert.ok(problems.some((p) => /unknown key 'bogus_key'/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /still changing 4 s into start-up/.test(p)), problems.join('\n'));
});

test('loadSettings with settleFresh: a stable fresh wallets file with problems, read when other files spent the read budget, is not said to be still changing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-settle-'));
  const file = join(dir, 'wallets.yaml');
  writeFileSync(file, 'wallets:\n  - name: a\n    bogus_key: 1\n');
  let problems: readonly string[] = [];
  try {
    withReadBudget(50, () => loadSettings({ WALLETS_FILE: file }, { cwd: dir, requireApiKey: false, settleFresh: true }));
  } catch (err) {
    if (err instanceof ConfigError) problems = err.problems;
  }
  assert.ok(problems.some((p) => /unknown key 'bogus_key'/.test(p)), problems.join('\n'));
  assert.ok(!problems.some((p) => /still changing/.test(p)), problems.join('\n'));
});

test('loadSettings with settleFresh: a key in a pipe, named by a wallets file fixed while the load waited on that pipe, is read once (the second read of the file gets what the pipe gave)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-settle-'));
  const [file, fifo, fixed] = [join(dir, 'wallets.yaml'), join(dir, 'key'), join(dir, 'fixed.yaml')];
  execFileSync('mkfifo', [fifo]);
  writeFileSync(file, `wallets:\n  - {name: a, api_key_file: ${fifo}, bogus_key: 1}\n`);
  writeFileSync(fixed, `wallets:\n  - {name: a, api_key_file: ${fifo}}\n`);
  // The writer's open of the pipe returns once the load opens it to read, after the file was read with its typo:
  // then the file is fixed in place (a deploy tool at work), then the key is written.
  const writer = spawn('sh', ['-c', 'exec 3>"$1"; cat "$2" > "$3"; printf sk_live_from_a_pipe >&3', 'sh', fifo, fixed, file], { stdio: 'ignore' });
  try {
    const { settings } = loadSettings({ WALLETS_FILE: file }, { cwd: dir, requireApiKey: true, settleFresh: true });
    assert.deepEqual(settings.wallets.map((w) => [w.name, w.api.apiKey?.reveal()]), [['a', 'sk_live_from_a_pipe']]);
  } catch (err) {
    assert.fail(err instanceof ConfigError ? err.problems.join('\n') : String(err));
  } finally {
    writer.kill('SIGKILL');
  }
});

test('readConfigFile in a load: a pipe read again gives what it gave, within the limit of each read (not the first read\'s)', () => {
  const fifo = join(mkdtempSync(join(tmpdir(), 'ws-pipe-')), 'bundle');
  execFileSync('mkfifo', [fifo]);
  /** The pipe, written by `sh` once, read twice in one load: under `first`'s limit, then under `second`'s. */
  const twice = (first: number, second: number, sh: string) => {
    const writer = spawn('sh', ['-c', sh, 'sh', fifo], { stdio: 'ignore' });
    try {
      return withReadBudget(4_000, () => [readConfigFile(fifo, first), readConfigFile(fifo, second)] as const);
    } finally {
      writer.kill('SIGKILL');
    }
  };
  const twoKiB = 'head -c 2048 /dev/zero | tr "\\0" x > "$1"';
  const [whole, tooLarge] = twice(16 * 1024 * 1024, 1024, twoKiB);
  assert.deepEqual(whole, { text: 'x'.repeat(2048) }, 'read once, whole, under the larger limit');
  assert.equal('code' in tooLarge && tooLarge.code, 'EFBIG', 'the same text is too large for the smaller limit');
  // the other way round: too large for the first reader's limit, it is not said to be too large for the second's
  const [small, large] = twice(1024, 16 * 1024 * 1024, twoKiB);
  assert.deepEqual(small, { code: 'EFBIG', problem: 'it is larger than 1024 bytes' });
  assert.ok('problem' in large && /the setting that read it first/.test(large.problem!), JSON.stringify(large));
  // bytes counted as read, not as the text decoded: 600 bytes that are not UTF-8 (each decodes to a 3-byte U+FFFD)
  const [, fits] = twice(16 * 1024 * 1024, 1000, 'head -c 600 /dev/zero | tr "\\0" "\\377" > "$1"');
  assert.ok('text' in fits, `600 bytes fit a limit of 1000: ${JSON.stringify(fits)}`);
});
