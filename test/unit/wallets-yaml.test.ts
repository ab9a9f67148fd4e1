/**
 * A wallets file read three ways (src/config/wallets-yaml.ts): as one document (`whole`, the library's own
 * reading), in parts each read by the library (`parts`), and in parts with plain items read without it
 * (`fast`, the default). On tricky files all three must give the same values, and readWalletsFile the same
 * wallets, problems and warnings (problem lines come from the whole read: their line numbers are the file's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readWalletsYaml } from '../../src/config/wallets-yaml.js';
import { fastItem } from '../../src/config/wallets-fast.js';
import { readWalletsFile } from '../../src/config/wallets-file.js';

const TUNING = { topupMinCredits: 1, hysteresisPercent: 5, spendAnomalyFactor: 3, spendAnomalyMinCredits: 10 };

/** Name → file text. Every one goes through the three reads. */
const FILES: Record<string, string> = {
  plain: `# a fleet
defaults:
  runway_warning_hours: 48
wallets:
  - name: "w1"
    api_url: "http://127.0.0.1:9"
    api_key: "k1"
    low_balance_threshold: 100
    labels: {"team": "t1", "env": "prod"}
  - name: w2
    api_url: http://127.0.0.1:9   # a comment
    api_key: 'it''s'
    critical_balance_threshold: 0x40
    runway_warning_hours: 007
    runway_critical_hours: 1.10
    balance_scale: 1e-2
    labels: {code: 007, ver: 1.10, on: true, off: False, none: ~, empty: }
    receivers: [default, "default"]
`,
  numbersWhereTheyAreNotKept: `wallets:
  - name: 007
    api_key: 0123
    labels: 5
  - name: x
    api_key: "k"
    labels: [1, true]
    provider: true
    currency: 1.5
    credentials: {api_key: 0x1f, low_balance_threshold: 0x10}
`,
  nestedBlockMaps: `wallets:
  - name: a
    api_key: k
    labels:
      team: voice
      code: 007
      yes: True
    credentials:
      api_key_file: /nowhere
      low_balance_threshold: 0x10
  - name: b
    labels: # a comment
      x: "1"
    receivers:
      - default
  - name: c
    labels:
    api_key: k
`,
  duplicates: `wallets:
  - name: a
    name: b
  - name: c
    labels: {true: x, "true": y}
`,
  duplicateNames: `wallets:
  - name: a
    api_key: k
  - name: a
    api_key: k
`,
  duplicateLabelKeysInBlock: `wallets:
  - name: a
    labels:
      x: 1
      x: 2
`,
  anchorsAndAliases: `defaults:
  labels: &common {team: voice, code: 007}
wallets:
  - name: a
    api_key: k
    labels: *common
  - &b
    name: b
    api_key: k
  - name: c
    api_key: &key k2
  - name: d
    api_key: *key
`,
  mergeKeys: `wallets:
  - &base
    name: a
    api_key: k
  - <<: *base
    name: b
`,
  escapesAndQuotes: `wallets:
  - name: "caf\\u00e9"
    api_key: "a\\"b\\\\c\\/d"
    auth: header X-Api-Key
    balance_regex: "([0-9]+)*"
    labels: {'single': 'it''s', "d": "é ü"}
  - name: 'q'
    api_key: "line\\nbreak"
    currency_field: data.currency
`,
  blockScalarsAndMultiLine: `wallets:
  - name: a
    api_key: |
      k
  - name: b
    api_key: a long
      plain value
  - name: c
    balance_regex: >-
      folded
`,
  itemsAtColumnZeroAndTopKeysAfter: `wallets:
- name: a
  api_key: k
# a comment at column 0 inside the list

- name: b
  api_key: k
  labels: {x: y,}
receivers:
  oncall:
    webhook: [{url: "http://127.0.0.1:9/hook", secret: 0x10}]
defaults:
  runway_critical_hours: 12
`,
  oddItems: `wallets:
  -
  - name
  - []
  - {name: flow, api_key: k}
  -   name: spaced
      api_key: k
  - name: e
    labels: {a: , b: 1}
  - name: f
    receivers: [a, , b]
`,
  badAtTheEnd: `wallets:
  - name: a
    api_key: k
  - name: bad
    api_key: k
    low_balance_thresold: 5
    runway_warning_hours: soon
`,
  invalidYamlAtTheEnd: `wallets:
  - name: a
    api_key: k
  - name: "bad
`,
  tabIndented: 'wallets:\n  - name: a\n\tapi_key: k\n',
  crlf: 'wallets:\r\n  - name: a\r\n    api_key: k\r\n',
  bom: '\uFEFFwallets:\n  - name: a\n    api_key: k\n',
  documentMarkers: '%YAML 1.2\n---\nwallets:\n  - name: a\n    api_key: k\n...\n',
  twoDocuments: 'wallets:\n  - name: a\n    api_key: k\n---\nwallets:\n  - name: b\n',
  walletsTwice: 'wallets:\n  - name: a\nwallets:\n  - name: b\n',
  walletsQuotedTwice: 'wallets:\n  - name: a\n"wallets":\n  - name: b\n',
  walletsEmpty: 'wallets: []\n',
  walletsNull: 'wallets:\n',
  unknownTopKey: 'wallets:\n  - name: a\n    api_key: k\nwalets: x\n',
  lessIndented: 'wallets:\n    - name: a\n      api_key: k\n  - name: b\n',
  quotedSpanningColumnZero: 'defaults: "x\nwallets:\n  - name: a\n"\nwallets:\n  - name: b\n    api_key: k\n',
  protoKeys: 'wallets:\n  - name: a\n    api_key: k\n    labels: {__proto__: x}\n  - name: b\n    __proto__: {x: 1}\n',
  flowSpanningColumnZero: 'defaults: {a: 1,\nwallets: x}\nwallets:\n  - name: a\n',
  flowListSpanningColumnZero: 'defaults: [1,\nwallets:\n  - name: a\n]\n',
  commentsAroundItems: 'x: |\n  y\nwallets: # c\n  # c\n  - name: a\n    api_key: k\n  - # c\n    name: b\n  # trailing\n\n\nwallets2:\n  - x\n',
  complexKey: '? wallets\n: - name: a\n',
  yaml11: '%YAML 1.1\n---\nwallets:\n  - name: a\n    api_key: yes\n    labels: {x: on}\n',
  controlAndOddCharacters: 'wallets:\n  - name: a\n    api_key: "k\u0085"\n    labels: {x: "a\u2028b"}\n  - name: b\n    api_key: k#notacomment\n    currency: U:SD\n',
};

/** Alias across parts: an anchor in the first item and its alias 2,500 items later (past one part). */
FILES.aliasAcrossParts = `wallets:\n  - name: w0\n    labels: &l {team: a}\n${Array.from({ length: 2_500 }, (_, i) => `  - name: w${i + 1}\n    api_key: "k"\n`).join('')}  - name: last\n    labels: *l\n`;
/** A long plain fleet with one bad wallet at the end, past a part's size. */
FILES.longWithBadEnd = `wallets:\n${Array.from({ length: 4_100 }, (_, i) => `  - name: "w${i}"\n    api_key: "k${i}"\n    low_balance_threshold: ${i}\n    labels: {"n": "${i % 3}"}\n`).join('')}  - name: "w1"\n    api_key: 5\n`;

for (const [name, text] of Object.entries(FILES)) {
  test(`wallets YAML read whole, in parts and fast agree: ${name}`, () => {
    const whole = readWalletsYaml(text, 'f.yaml', 'whole');
    assert.deepStrictEqual(readWalletsYaml(text, 'f.yaml', 'parts'), whole);
    assert.deepStrictEqual(readWalletsYaml(text, 'f.yaml', 'fast'), whole);
    const file = (read: 'whole' | 'fast') => {
      const r = readWalletsFile('f.yaml', { tuning: TUNING, requireApiKey: false, receivers: false, text, read });
      return { ...r, wallets: JSON.stringify(r.wallets) };
    };
    assert.deepStrictEqual(file('fast'), file('whole'));
  });
}

/**
 * Items one by one, each read by fastItem and, alone in a file, by the library: where fastItem reads one,
 * the values must be the library's (in a file, one item it declines sends its whole part to the library).
 */
const ITEMS = [
  '  - name: "w1"\n    api_key_file: "/k/w1"\n    low_balance_threshold: 100\n    labels: {"team": "t1", "env": "prod"}',
  '  - name: w2\n    critical_balance_threshold: 0x40\n    runway_warning_hours: 007\n    balance_scale: 1e-2\n    runway_critical_hours: true',
  '  - name: w3\n    labels: {code: 007, ver: 1.10, on: true, off: False, none: ~, empty: , null: x}',
  '  - name: w3b\n    labels: {code: 007, ver: 1.10, on: true, off: False, none: ~, "q": "007"}',
  '  - name: w4\n    labels:\n      code: 007\n      yes: True\n      n: null\n    credentials:\n      api_key: k\n      low_balance_threshold: 0x10',
  '  - name: w5\n    labels: # c\n      x: "1"\n    api_key: k',
  '  - name: w6\n    labels:\n    api_key: k',
  '  - name: w7\n    labels:',
  '  - name: w8\n    credentials: {api_key: "k", low_balance_threshold: 1.50}\n    receivers: [a, "b", ~]',
  "  - name: 'it''s'\n    api_key: \"a\\\"b\\\\c\\/d\\u00e9\"\n    auth: header X-Api-Key  # c\n    api_url: http://127.0.0.1:9/x",
  '  - name: w9\n    null: x\n    True: y\n    Null: z',
  '  - name: w10\n    labels: {null: x, True: y, "false": z}',
  '  - name: w11\n    labels: 5\n    receivers: [1, true]',
  '  - name: w12\n    labels: [1, true]',
  '  - name: w13\n    api_key: k#x\n    currency: U:SD\n    balance_field: data.a b',
  '  - name: w14\n    labels: {a: , b: 1,}\n    receivers: []',
  '  - name: w15\n    api_key: "k\u0085"',
  '  - name: w16\n    labels:\n      a: x\n     b: y',
  '  - name: w17\n    labels:\n      a: {b: c}',
  '  - name: w19\n    labels: {a: x, a: y}',
  '  - name: w20\n    labels: {u: a:b}',
  '  - name: w21\n    labels: {v: c #d}',
  '  - name: w22\n    receivers: [a, , b]',
  '  - name: w23\n    api_key: "k" x',
  '  - name: w24\n    api_key: a #b\n    api_url: x # y',
  '  - name: w25\n    credentials:\n      x: {a: 007, low_balance_threshold: 007}\n      labels: {b: 007}',
  '  - name: w18\n    __proto__: x\n    labels: {__proto__: y}',
];

for (const item of ITEMS) {
  test(`an item fastItem reads has the library's values: ${JSON.stringify(item.slice(0, 60))}`, () => {
    const fast = fastItem(item.split('\n'), 2);
    const whole = readWalletsYaml(`wallets:\n${item}\n`, 'f.yaml', 'whole');
    if (fast !== undefined) assert.deepStrictEqual(fast, 'top' in whole ? (whole.top as { wallets: unknown[] }).wallets[0] : whole);
  });
}

test('the plain shape a fleet is written in is read without the library, the rest is left to it', () => {
  const item = (s: string) => fastItem(s.split('\n'), 2);
  assert.deepStrictEqual(item('  - name: "w1"\n    api_key_file: "/k/w1"\n    low_balance_threshold: 100\n    labels: {"team": "t1", code: 007}'), {
    name: 'w1', api_key_file: '/k/w1', low_balance_threshold: '100', labels: { team: 't1', code: '007' },
  });
  assert.deepStrictEqual(item('  - name: w2  # c\n    labels:\n      on: true\n    receivers: [a, b]'), { name: 'w2', labels: { on: 'true' }, receivers: ['a', 'b'] });
  for (const s of ['  - name: a\n    name: b', '  - name: *x', '  - name: &x a', '  - api_key: 0123', '  - labels: 5', '  - api_key: |\n      k', '  - name: a\n    receivers:\n      - x', '  -', '  - name: "a\\x41"']) {
    assert.equal(item(s), undefined, s);
  }
});
