import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings, type Loaded } from '../../src/config/load.js';
import { fileSettled, loadSettled } from '../../src/config/settled.js';
import { ConfigError } from '../../src/errors.js';

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

test('loadSettled: a WALLETS_FILE written a moment before start is read again once whole, cut at a wallet or inside one; an older one is read once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-settled-start-'));
  const file = join(dir, 'wallets.yaml');
  const wallet = (n: string) => `  - name: ${n}\n    api_url: http://127.0.0.1:9\n    api_key: k-${n}\n`;
  const whole = `wallets:\n${['a', 'b', 'c', 'd'].map(wallet).join('')}`;
  const names = (l: Loaded) => l.settings.wallets.map((w) => w.name);
  for (const [what, cut] of [['cut at a wallet', `wallets:\n${wallet('a')}${wallet('b')}`], ['cut inside one', `wallets:\n${wallet('a')}  - name: b\n    api_u`]] as const) {
    writeFileSync(file, cut);
    let loads = 0;
    const loaded = await loadSettled(() => {
      loads++;
      try {
        return loadSettings({ WALLETS_FILE: file }, { dotenv: false });
      } finally {
        if (loads === 1) writeFileSync(file, whole); // the writer finishes just after the daemon's first read
      }
    });
    assert.deepEqual(names(loaded), ['a', 'b', 'c', 'd'], what);
    assert.equal(loads, 2, what);
  }
  const past = new Date(Date.now() - 60_000);
  utimesSync(file, past, past);
  let loads = 0;
  const loaded = await loadSettled(() => (loads++, loadSettings({ WALLETS_FILE: file }, { dotenv: false })));
  assert.deepEqual([names(loaded), loads], [['a', 'b', 'c', 'd'], 1], 'a file written a minute ago is read once, at once');
  writeFileSync(file, `wallets:\n  - name: a\n    api_url: ftp://x\n`);
  await assert.rejects(loadSettled(() => loadSettings({ WALLETS_FILE: file }, { dotenv: false })), ConfigError, 'still bad once settled: the configuration error');
});
