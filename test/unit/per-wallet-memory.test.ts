/**
 * What a fleet keeps per wallet for its whole life, shared where wallets are alike (bench/fleet/README.md,
 * 2026-12-06: 10,000 wallets in < 400 MB). Each test checks a sharing that a heap snapshot showed missing:
 * V8's own view (`%HaveSameMap`, natives syntax turned on for this process) or object identity.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import pino from 'pino';
import { readWalletsFile } from '../../src/config/wallets-file.js';
import { endpointFor } from '../../src/providers/index.js';
import { lazyChild, type Logger } from '../../src/log.js';
import { flat, shared } from '../../src/strings.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';

setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const TUNING = { topupMinCredits: DEFAULT_RULES.topupMinCredits, hysteresisPercent: DEFAULT_RULES.hysteresisPercent, spendAnomalyFactor: DEFAULT_RULES.spendAnomalyFactor, spendAnomalyMinCredits: DEFAULT_RULES.spendAnomalyMinCredits };

/** A fleet's wallets file as the simulator writes one: the same API, a key file and a label each. */
function fleet(n: number, provider = 'telephony-io', credentials = (i: number) => `api_key: key-${i}-abcdefghijklmnop`) {
  const dir = mkdtempSync(join(tmpdir(), 'ws-per-wallet-'));
  const file = join(dir, 'wallets.yaml');
  const items = Array.from({ length: n }, (_, i) => `  - name: wallet-${String(i).padStart(5, '0')}\n    provider: ${provider}\n    api_url: http://127.0.0.1:9/some/prefix\n    ${credentials(i)}\n    labels: {team: voice-operations}\n`);
  writeFileSync(file, `wallets:\n${items.join('')}`);
  const r = readWalletsFile(file, { tuning: TUNING, requireApiKey: true });
  assert.deepEqual(r.problems, []);
  return r.wallets;
}


test('every wallet\'s balance request has one hidden class (a spread object given a function got one per wallet)', () => {
  for (const [provider, credentials] of [
    ['telephony-io', (i: number) => `api_key: key-${i}-abcdefghijklmnop`],
    ['twilio', (i: number) => `credentials: {account_sid: AC${i}abcdef, auth_token: token-${i}-abcdefghij}`],
  ] as const) {
    const endpoints = fleet(40, provider, credentials).map(endpointFor);
    for (const e of endpoints) assert.ok(sameMap(endpoints[0]!, e), `${provider}: every endpoint has the first one's map`);
    // and it still names every secret the request sends
    assert.ok(endpoints[7]!.secrets!().some((s) => s.includes('7')));
  }
});

test('wallets of a file share their setting names and hints', () => {
  const wallets = fleet(3);
  const [a, b] = [wallets[0]!, wallets[2]!];
  assert.equal(a.api.names, b.api.names, 'one names object');
  assert.equal(a.api.names!.balanceField, 'balance_field');
  const [ea, eb] = [endpointFor(a), endpointFor(b)];
  assert.equal(ea.hints, eb.hints, 'one hints object');
  assert.equal(ea.hints.request, 'check api_url and balance_path in WALLETS_FILE');
  const telnyx = fleet(2, 'telnyx').map(endpointFor);
  assert.equal(telnyx[0]!.hints, telnyx[1]!.hints, 'a preset\'s standard hints: one object');
  assert.equal(a.labels.team, 'voice-operations');
});

test('shared gives one copy for equal text, flat an equal string', () => {
  const parts = ['http://127.0.0.1:', '8080'];
  const x = shared(parts.join(''));
  const y = shared(`${parts[0]}${parts[1]}`);
  assert.equal(x, 'http://127.0.0.1:8080');
  assert.equal(x, y);
  for (const s of ['', 'a', 'account="w00001",currency="USD"', '\u2028\ud800 lone', 'é'.repeat(40)]) assert.equal(flat(s), s);
});

test('a wallet\'s logger is a pino child made at its first line the level lets through', () => {
  const lines: string[] = [];
  const out = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const parent = pino({ level: 'info', base: { service: 'wallet-sentinel' } }, out);
  let children = 0;
  const child = parent.child.bind(parent);
  (parent as { child: Logger['child'] }).child = ((...args: Parameters<Logger['child']>) => (children++, child(...args))) as Logger['child'];
  const log = lazyChild(parent, { component: 'poller', account: 'w1' });
  log.debug({ balance: 3 }, 'poll ok');
  assert.equal(children, 0, 'no child for a line the level drops');
  assert.equal(lines.length, 0);
  log.warn({ balance: 3 }, 'wallet exhausted');
  log.info('again');
  assert.equal(children, 1, 'one child, made once');
  const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(first!.component, 'poller');
  assert.equal(first!.account, 'w1');
  assert.equal(first!.balance, 3);
  assert.equal(first!.msg, 'wallet exhausted');
  assert.equal(second!.account, 'w1');
  assert.equal(log.isLevelEnabled('debug'), false);
});
