/**
 * The fast reader of wallets-file items (src/config/wallets-fast.ts) against the YAML library, on items made at
 * random from the pieces YAML reads in more than one way: numbers in every notation, the core schema's words,
 * quotes and escapes, `:` and `#` inside values, flow collections, nested maps, odd indentation. Where fastItem
 * reads an item, its values must be the library's; and a whole file read fast must give what the library gives.
 * Seeded: a failure names its seed and item, and reruns the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastItem } from '../../src/config/wallets-fast.js';
import { readWalletsYaml } from '../../src/config/wallets-yaml.js';
import { mulberry32 as rng } from '../helpers/fixtures.js';

const KEYS = ['name', 'api_key', 'api_key_file', 'api_url', 'low_balance_threshold', 'critical_balance_threshold', 'runway_warning_hours', 'runway_critical_hours', 'balance_scale', 'currency', 'provider', 'auth', 'balance_field', 'x-y', 'null', 'True', 'on', '_k'];
const SCALARS = [
  '0', '007', '-1', '+1', '1.10', '.5', '5.', '1e3', '1E-2', '0x1F', '0o17', '0b1', '1_000', '.inf', '-.Inf', '.nan', '1:30', '2026-01-01', '12:00:00',
  'true', 'False', 'TRUE', 'yes', 'No', 'on', 'OFF', 'y', 'null', 'Null', '~', '', 'a', 'a b', 'a  b', 'a:b', 'a: b', 'a #b', 'a#b', 'a:', 'http://127.0.0.1:9/x?y=1#f',
  '"q"', '"a\\"b"', '"\\u00e9"', '"\\x41"', '"a\\nb"', '"#"', '"a: b"', "'s'", "'it''s'", "'#x'", "''", '""', '-', '- a', '? a', '@a', '`a', '%a', '!a', '!!str 5', '&a x', '*a',
  '|', '>', '[a, b]', '[]', '[a, , b]', '[1, true, ~]', '{a: 1}', '{}', '{a: , b: 007}', '{a: x, a: y}', '{"k": "v"}', '{a: b: c}', '{a: [b]}', '{a: "x", b: 1.10,}', '{v: c #d}', '{v: c#d}', '[a #b]', '{on: true, n: 007, f: False, z: ~}', '{k: yes, e: }',
  'é', 'a\tb', ' a', 'a ', '0123', '-0', '+.5', '1e', 'e1', '12e3', '0.0.1', '١', '# only',
];
/** What a generator writes: most lines are these, so that most items reach the fast path and the tricky pieces sit among them. */
const PLAIN = ['w1', '"w2"', "'w3'", 'acme-eu', '"k-123"', '/run/keys/a', 'http://127.0.0.1:9', '"http://127.0.0.1:9/v1"', '100', '"100"', '25.5', 'EUR', 'telnyx', '{team: voice}', '{"env": "prod", tier: 1}', '[default]', '[a, "b"]'];
const NESTED_KEYS = ['team', 'code', 'yes', 'null', 'low_balance_threshold', 'api_key', 'a-b', 'True'];

function item(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const value = () => (r() < 0.75 ? pick(PLAIN) : pick(SCALARS));
  const lines: string[] = [];
  const n = 1 + Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const pad = r() < 0.04 ? ' '.repeat(pick([3, 5, 6])) : '    ';
    const key = r() < 0.2 ? pick(['labels', 'credentials', 'receivers']) : pick(KEYS);
    const comment = r() < 0.1 ? pick([' # c', '  #c', ' #']) : '';
    if (r() < 0.15) {
      lines.push(`${pad}${key}:${comment}`);
      const m = Math.floor(r() * 3);
      const inner = ' '.repeat(pad.length + (r() < 0.9 ? 2 : pick([1, 3, 4])));
      for (let j = 0; j < m; j++) lines.push(`${inner}${r() < 0.05 ? '- ' : ''}${pick(NESTED_KEYS)}: ${value()}`);
    } else {
      lines.push(`${pad}${key}: ${value()}${comment}`);
    }
    if (r() < 0.05) lines.push(pick(['', '    # note', '  ', '#x']));
  }
  lines[0] = `  - ${lines[0]!.trimStart()}`;
  return lines.join('\n');
}

const SEEDS = 40;
const PER_SEED = 250;

test(`fastItem reads what the YAML library reads, on ${SEEDS * PER_SEED} random items (${SEEDS} seeds)`, () => {
  let read = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = rng(seed);
    for (let i = 0; i < PER_SEED; i++) {
      const text = item(r);
      const fast = fastItem(text.split('\n'), 2);
      if (fast === undefined) continue;
      read++;
      const whole = readWalletsYaml(`wallets:\n${text}\n`, 'f.yaml', 'whole');
      assert.ok('top' in whole, `seed ${seed} item ${i}: fastItem read an item the library refuses:\n${text}`);
      assert.deepStrictEqual(fast, (whole.top as { wallets: unknown[] }).wallets[0], `seed ${seed} item ${i}:\n${text}`);
    }
  }
  // the generator must reach the fast path often, or this test proves nothing
  assert.ok(read > (SEEDS * PER_SEED) / 5, `only ${read} items were read by fastItem`);
});

test(`whole files of random items read fast give what the library gives (${SEEDS} seeds)`, () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = rng(1000 + seed);
    // past one part (2,000 items) now and then, so that parts meet the library's reading
    const count = seed % 10 === 0 ? 2_100 : 30;
    const text = `wallets:\n${Array.from({ length: count }, () => item(r)).join('\n')}\n`;
    assert.deepStrictEqual(readWalletsYaml(text, 'f.yaml', 'fast'), readWalletsYaml(text, 'f.yaml', 'whole'), `seed ${seed}`);
  }
});
