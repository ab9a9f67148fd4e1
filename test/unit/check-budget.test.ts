/**
 * `check` polls within one budget in all: a monitoring plugin is killed at 60 s and prints nothing then.
 * Real sockets: an upstream on 127.0.0.1 that accepts and never answers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { runCheck } from '../../src/cli/check.js';
import { loadSettings } from '../../src/config/load.js';
import { BlackHole } from '../helpers/receivers.js';

test('check: wallets still polling a hanging API when its budget ends are UNKNOWN, saying so, instead of the command outliving the plugin timeout', async (t) => {
  const hole = new BlackHole();
  const url = new URL(await hole.start()).origin;
  t.after(() => hole.close());
  const dir = mkdtempSync(join(tmpdir(), 'ws-check-budget-'));
  writeFileSync(join(dir, 'wallets.yaml'), `wallets:\n${[1, 2, 3, 4].map((i) => `  - {name: w${i}, api_url: "${url}", api_key: k${i}}`).join('\n')}\n`);
  // One at a time, 3 attempts of 1 s each: 12 s in all without a budget.
  const { settings } = loadSettings({ WALLETS_FILE: join(dir, 'wallets.yaml'), STATE_DIR: join(dir, 'state'), REQUEST_TIMEOUT_MS: '1000', POLL_CONCURRENCY: '1' }, { cwd: dir });
  const lines: string[] = [];
  const code = await runCheck(settings, pino({ level: 'silent' }), (l) => lines.push(l), 'nagios', 1_500);
  assert.equal(code, 3);
  assert.match(lines[0]!, /^WALLET UNKNOWN - 4 wallets: 4 UNKNOWN/);
  const stopped = lines.filter((l) => /check stops every poll after 1\.5 s, within a monitoring plugin's usual 60 s limit/.test(l));
  assert.ok(stopped.length >= 3, `the wallets the budget cut say so:\n${lines.join('\n')}`);
});

test('check: the budget shared by many polls at once is no "possible memory leak" warning on stderr (12 wallets printed MaxListenersExceededWarning)', async (t) => {
  const hole = new BlackHole();
  const url = new URL(await hole.start()).origin;
  t.after(() => hole.close());
  const dir = mkdtempSync(join(tmpdir(), 'ws-check-budget-'));
  writeFileSync(join(dir, 'wallets.yaml'), `wallets:\n${Array.from({ length: 12 }, (_, i) => `  - {name: w${i}, api_url: "${url}", api_key: k${i}}`).join('\n')}\n`);
  const { settings } = loadSettings({ WALLETS_FILE: join(dir, 'wallets.yaml'), STATE_DIR: join(dir, 'state'), REQUEST_TIMEOUT_MS: '1000' }, { cwd: dir });
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(w.name);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  assert.equal(await runCheck(settings, pino({ level: 'silent' }), () => {}, 'nagios', 1_500), 3);
  await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  assert.deepEqual(warnings.filter((w) => w === 'MaxListenersExceededWarning'), []);
});
