/** WALLETS_FILE (contract section 7): the file's wallets, its problems as exact lines, and the environment as a one-wallet file. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { loadSettings, reloadWallets } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ws-wallets-'));
  dirs.push(d);
  return d;
}

/** A folder with `wallets.yaml` holding `yaml` and a key file `key` (`KEYFILE` in the yaml is replaced by its path). */
function walletsFile(yaml: string): { dir: string; file: string; keyFile: string } {
  const dir = freshDir();
  const keyFile = join(dir, 'key');
  writeFileSync(keyFile, 'sk_file_key_NeverPrinted\n');
  const file = join(dir, 'wallets.yaml');
  writeFileSync(file, yaml.replaceAll('KEYFILE', keyFile));
  return { dir, file, keyFile };
}

function load(yaml: string, env: Record<string, string> = {}) {
  const { dir, file } = walletsFile(yaml);
  return { file, ...loadSettings({ WALLETS_FILE: file, ...env }, { cwd: dir }) };
}

function problemsOf(yaml: string, env: Record<string, string> = {}): { file: string; problems: string[] } {
  const { dir, file } = walletsFile(yaml);
  try {
    loadSettings({ WALLETS_FILE: file, ...env }, { cwd: dir });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return { file, problems: [...err.problems] };
  }
  assert.fail('expected a ConfigError');
}

test('a file with defaults and two wallets: each wallet gets the defaults, its own values win', () => {
  const { settings, warnings } = load(`
defaults:
  runway_warning_hours: 48
  api_key_file: KEYFILE
  labels: {env: prod}
wallets:
  - name: acme-prod
    api_url: http://127.0.0.1:9/
    balance_path: /v2/balance
    balance_field: data.balance
    currency_field: data.currency
    low_balance_threshold: 100
    critical_balance_threshold: 30
    labels: {team: voice}
  - name: beta.eu_1
    runway_warning_hours: 96
    runway_critical_hours: "12"
`);
  assert.deepEqual(warnings, []);
  assert.equal(settings.walletsFile?.endsWith('wallets.yaml'), true);
  const [a, b] = settings.wallets;
  assert.equal(settings.wallets.length, 2);
  assert.equal(a!.name, 'acme-prod');
  assert.equal(a!.provider, 'telephony-io');
  const { names, ...api } = a!.api;
  assert.deepEqual([names?.balanceField, names?.where], ['balance_field', ' in WALLETS_FILE'], 'a failed poll names the key of the file');
  assert.deepEqual({ ...api, apiKey: a!.api.apiKey?.reveal(), credentials: Object.keys(a!.api.credentials) }, {
    baseUrl: 'http://127.0.0.1:9',
    balancePath: '/v2/balance',
    balanceField: 'data.balance',
    currencyField: 'data.currency',
    apiKey: 'sk_file_key_NeverPrinted',
    credentials: ['api_key'],
  });
  assert.equal(a!.rules.lowBalanceThreshold, 100);
  assert.equal(a!.rules.criticalBalanceThreshold, 30);
  assert.equal(a!.rules.runwayWarningHours, 48);
  assert.deepEqual(a!.labels, { env: 'prod', team: 'voice' });
  assert.equal(b!.name, 'beta.eu_1');
  assert.equal(b!.api.baseUrl, 'https://api.telephony.io');
  assert.equal(b!.rules.runwayWarningHours, 96);
  assert.equal(b!.rules.runwayCriticalHours, 12);
  assert.equal(b!.rules.lowBalanceThreshold, undefined);
  assert.deepEqual(b!.labels, { env: 'prod' });
  // the process-wide tuning reaches every wallet's rules
  assert.equal(b!.rules.topupMinCredits, 1);
  assert.ok(Object.isFrozen(settings.wallets) && Object.isFrozen(a!.labels));
});

test('label values YAML reads as numbers or true/false keep the text written (007, 1.10, 0x1F, 1e3), through defaults and aliases too', () => {
  const { settings } = load(
    'defaults: {labels: {tier: 1, ver: 1.10}}\nwallets:\n  - {name: a, api_key_file: KEYFILE, labels: &L {code: 007, hex: 0x1F, big: 1e3, on: true, quoted: "08"}}\n  - {name: b, api_key_file: KEYFILE, labels: *L}\n',
  );
  const [a, b] = settings.wallets;
  assert.deepEqual(a!.labels, { tier: '1', ver: '1.10', code: '007', hex: '0x1F', big: '1e3', on: 'true', quoted: '08' });
  assert.deepEqual(b!.labels, a!.labels);
});

test('with WALLETS_FILE, TELEPHONY_API_KEY is not required; wallet variables set anyway are ignored with a warning', () => {
  const { settings, warnings } = load('wallets: [{name: a, api_key_file: KEYFILE}]', { ACCOUNT_NAME: 'other', LOW_BALANCE_THRESHOLD: '5' });
  assert.deepEqual(settings.wallets.map((w) => w.name), ['a']);
  assert.deepEqual(warnings, ['ACCOUNT_NAME, LOW_BALANCE_THRESHOLD: ignored, WALLETS_FILE lists the wallets']);
});

test('api_key written in the file is accepted and warned about; the key itself is in no warning', () => {
  const { settings, warnings, file } = load('wallets:\n  - name: lit\n    api_key: sk_literal_InTheFile\n');
  assert.equal(settings.wallets[0]!.api.apiKey?.reveal(), 'sk_literal_InTheFile');
  assert.deepEqual(warnings, [`${file}: wallet 'lit' (#1): api_key: a key written in the file; prefer api_key_file`]);
  assert.ok(!inspect(settings, { depth: 10 }).includes('sk_literal_InTheFile'));
});

/** [name, yaml, problem lines after `WALLETS_FILE: <file>: `] */
const bad: Array<[string, string, string[]]> = [
  ['an unknown top-level key', 'wallet: []\nwallets: [{name: a, api_key_file: KEYFILE}]', ["unknown key 'wallet' (expected defaults, wallets, receivers)"]],
  ['no wallets', 'defaults: {}', ['wallets: must be a list of at least one wallet']],
  ['an empty list', 'wallets: []', ['wallets: must be a list of at least one wallet']],
  ['not a map', '- a\n- b', ["must be a map with 'wallets' (a list) and optionally 'defaults'"]],
  ['a typo in a wallet key', 'wallets: [{name: a, api_key_file: KEYFILE, low_balance_treshold: 5}]', ["wallet 'a' (#1): unknown key 'low_balance_treshold' (did you mean low_balance_threshold?)"]],
  ['an unknown default', 'defaults: {colour: red}\nwallets: [{name: a, api_key_file: KEYFILE}]', ["defaults: unknown key 'colour' (known keys: name, provider, api_url, balance_path, balance_field, currency_field, api_key_file, api_key, credentials, auth, balance_regex, balance_scale, balance_sign, currency, low_balance_threshold, critical_balance_threshold, runway_warning_hours, runway_critical_hours, labels, receivers)"]],
  ['a name in defaults', 'defaults: {name: x}\nwallets: [{name: a, api_key_file: KEYFILE}]', ['defaults: name: a name cannot be a default (each wallet has its own)']],
  ['a missing name', 'wallets: [{api_key_file: KEYFILE}]', ['wallet #1: name: is required']],
  ['a bad name', 'wallets: [{name: "a b", api_key_file: KEYFILE}]', ["wallet 'a b' (#1): name: use 1 to 64 letters, digits, dots, dashes or underscores"]],
  [
    'names of dots only (/wallets/.. is a path step, not a wallet page)',
    'wallets: [{name: ".", api_key_file: KEYFILE}, {name: "..", api_key_file: KEYFILE}, {name: "..a", api_key_file: KEYFILE}]',
    [
      "wallet '.' (#1): name: a name of dots only cannot be a path on the status page; add a letter or digit",
      "wallet '..' (#2): name: a name of dots only cannot be a path on the status page; add a letter or digit",
    ],
  ],
  [
    'a duplicate name',
    'wallets: [{name: a, api_key_file: KEYFILE}, {name: b, api_key_file: KEYFILE}, {name: a, api_key_file: KEYFILE}]',
    ["wallet 'a' (#3): name: 'a' is already the name of wallet #1"],
  ],
  ['an unknown provider', 'wallets: [{name: a, provider: nexmo, api_key_file: KEYFILE}]', ["wallet 'a' (#1): provider: unknown provider; supported: telephony-io, twilio, telnyx, plivo, vonage, messagebird, clicksend, textmagic, clickatell, africastalking, openrouter, deepseek, generic (see wallet-sentinel providers)"]],
  ['no key', 'wallets: [{name: a}]', ["wallet 'a' (#1): api_key: is required (or set api_key_file to a file holding it)"]],
  ['both key forms', 'wallets: [{name: a, api_key: k, api_key_file: KEYFILE}]', ["wallet 'a' (#1): api_key: set both api_key and api_key_file; set only one"]],
  [
    'keys YAML reads as numbers (01234567 would reach Vonage as 1234567, 0x1f2e3d4c as 523124044): refused, not quoted',
    'wallets: [{name: a, api_key: 01234567}, {name: v, provider: vonage, credentials: {api_key: 12345e67, api_secret: 0x1f2e3d4c}}, {name: t, api_key_file: true}]',
    [
      "wallet 'a' (#1): api_key: YAML reads this value as a number or true/false, which may not be the text written (a leading 0, 0x…, an exponent); put it in quotes",
      "wallet 'v' (#2): credentials: api_key: YAML reads this value as a number or true/false, which may not be the text written (a leading 0, 0x…, an exponent); put it in quotes",
      "wallet 'v' (#2): credentials: api_secret: YAML reads this value as a number or true/false, which may not be the text written (a leading 0, 0x…, an exponent); put it in quotes",
      "wallet 't' (#3): api_key_file: YAML reads this value as a number or true/false, which may not be the text written (a leading 0, 0x…, an exponent); put it in quotes",
    ],
  ],
  [
    'keys with a control or invisible character pasted in (the HTTP client dropped a zero-width space and sent another key): refused, the key never shown; letters outside ASCII are not refused here',
    'wallets: [{name: a, api_key: "SEKRIT\\u200bX"}, {name: b, provider: generic, api_url: "http://127.0.0.1:9", balance_path: /b, auth: basic, credentials: {username: u, password: "P\\u00e4sswort"}}, {name: t, provider: textmagic, credentials: {username: u, api_key: "SEKRIT\\tbell"}}]',
    [
      "wallet 'a' (#1): api_key: holds a control or invisible character (a tab, a zero-width or non-breaking space pasted with it?)",
      "wallet 't' (#3): credentials: api_key: holds a control or invisible character (a tab, a zero-width or non-breaking space pasted with it?)",
    ],
  ],
  [
    'names YAML reads as numbers or true/false (01 and 1 were both wallet "1", true and "true" both "true"): refused',
    'wallets: [{name: 01, api_key_file: KEYFILE}, {name: 1e3, api_key_file: KEYFILE}, {name: "007", api_key_file: KEYFILE}, {name: true, api_key_file: KEYFILE}, {name: "true", api_key_file: KEYFILE}]',
    [
      "wallet #1: name: YAML reads this value as a number or true/false, which may not be the text written (a leading 0, 0x…, an exponent); put it in quotes",
      "wallet #2: name: YAML reads this value as a number or true/false, which may not be the text written (a leading 0, 0x…, an exponent); put it in quotes",
      "wallet #4: name: YAML reads this value as a number or true/false, which may not be the text written (a leading 0, 0x…, an exponent); put it in quotes",
    ],
  ],
  ['a threshold not a number', 'wallets: [{name: a, api_key_file: KEYFILE, low_balance_threshold: ten}]', ["wallet 'a' (#1): low_balance_threshold: 'ten' is not a number"]],
  [
    'numbers in hex or octal, refused as the environment refuses them (YAML read 0x40 as 64)',
    'defaults: {runway_warning_hours: 0o110}\nwallets: [{name: a, api_key_file: KEYFILE, low_balance_threshold: 0x40}]',
    ["wallet 'a' (#1): low_balance_threshold: '0x40' is not a number", "wallet 'a' (#1): runway_warning_hours: '0o110' is not a number"],
  ],
  ['a threshold that is a list', 'wallets: [{name: a, api_key_file: KEYFILE, low_balance_threshold: [1]}]', ["wallet 'a' (#1): low_balance_threshold: must be a single value, not a list"]],
  [
    'critical above low, runway critical above warning (from defaults)',
    'defaults: {runway_warning_hours: 10}\nwallets: [{name: a, api_key_file: KEYFILE, low_balance_threshold: 5, critical_balance_threshold: 9, runway_critical_hours: 20}]',
    ["wallet 'a' (#1): critical_balance_threshold: (9) must not be above low_balance_threshold (5)", "wallet 'a' (#1): runway_critical_hours: (20) must not be above runway_warning_hours (10)"],
  ],
  ['an ftp api_url', 'wallets: [{name: a, api_key_file: KEYFILE, api_url: "ftp://x"}]', ["wallet 'a' (#1): api_url: scheme ftp: is not http: or https:"]],
  ['a bad balance_path', 'wallets: [{name: a, api_key_file: KEYFILE, balance_path: v1}]', ["wallet 'a' (#1): balance_path: must be a path starting with '/'"]],
  [
    'a label over two lines (it would forge a line of a message), labels wallet-sentinel sets itself',
    'wallets: [{name: a, api_key_file: KEYFILE, labels: {team: "voice\\nWhat to do: *ignore*", severity: low, alertname: x, service: y}}]',
    [
      "wallet 'a' (#1): labels: team: the value must be a single line (it is written into messages line by line)",
      "wallet 'a' (#1): labels: 'severity' is set by wallet-sentinel itself; choose another label name",
      "wallet 'a' (#1): labels: 'alertname' is set by wallet-sentinel itself; choose another label name",
      "wallet 'a' (#1): labels: 'service' is set by wallet-sentinel itself; choose another label name",
    ],
  ],
  [
    "a label broken by Unicode's other line ends (a mail or chat client breaks the line there too), or holding a control character",
    'wallets: [{name: a, api_key_file: KEYFILE, labels: {ls: "voice\\u2028What to do: ignore", nel: "a\\u0085b", vt: "a\\vb", ff: "a\\fb", nul: "a\\0b", esc: "\\e[31mred", c1: "a\\u009bb", tab: "a\\tb", rtl: "\\u05e9\\u05dc\\u05d5\\u05dd"}}]',
    [
      "wallet 'a' (#1): labels: ls: the value must be a single line (it is written into messages line by line)",
      "wallet 'a' (#1): labels: nel: the value must be a single line (it is written into messages line by line)",
      "wallet 'a' (#1): labels: vt: the value must be a single line (it is written into messages line by line)",
      "wallet 'a' (#1): labels: ff: the value must be a single line (it is written into messages line by line)",
      "wallet 'a' (#1): labels: nul: the value must not hold control characters (a NUL, an escape): it goes into messages, logs and /metrics as written",
      "wallet 'a' (#1): labels: esc: the value must not hold control characters (a NUL, an escape): it goes into messages, logs and /metrics as written",
      "wallet 'a' (#1): labels: c1: the value must not hold control characters (a NUL, an escape): it goes into messages, logs and /metrics as written",
    ],
  ],
  [
    'bad label names',
    'wallets: [{name: a, api_key_file: KEYFILE, labels: {team-x: a, account: b, __meta: c, ok: {x: 1}, whsec-ops-2024}}]',
    [
      "wallet 'a' (#1): labels: a key of 6 characters (not shown: it may hold a secret) is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)",
      "wallet 'a' (#1): labels: 'account' is set by wallet-sentinel itself; choose another label name",
      "wallet 'a' (#1): labels: a key of 6 characters (not shown: it may hold a secret) is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)",
      "wallet 'a' (#1): labels: ok: the value must be a single value",
      "wallet 'a' (#1): labels: a key of 14 characters (not shown: it may hold a secret) is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)",
    ],
  ],
  ['labels not a map', 'wallets: [{name: a, api_key_file: KEYFILE, labels: [a]}]', ["wallet 'a' (#1): labels: must be a map of label name to value, such as {team: voice}"]],
  [
    'two wallets, a problem each: both reported',
    'wallets: [{name: a, api_key_file: KEYFILE, runway_warning_hours: -1}, {name: b, api_key_file: /nonexistent/key}]',
    ["wallet 'a' (#1): runway_warning_hours: -1 is below the minimum 0", "wallet 'b' (#2): api_key_file: cannot read the file it names (the name is not shown: it may be the secret itself): ENOENT"],
  ],
];
for (const [name, yaml, expected] of bad) {
  test(`a bad wallets file: ${name} → exactly the lines naming file, wallet and key`, () => {
    const { file, problems } = problemsOf(yaml);
    assert.deepEqual(problems, expected.map((p) => `WALLETS_FILE: ${file}: ${p}`));
  });
}

test('invalid YAML: where, never the offending text (it may hold a key)', () => {
  const { file, problems } = problemsOf('wallets:\n  - name: a\n    api_key: "sk_unterminated_Secret\n');
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(problems[0]!, new RegExp(`^WALLETS_FILE: ${file}: not valid YAML at line \\d+, column \\d+ \\(\\w+\\)$`));
});

test('invalid YAML that the library finds wrong twice at one place (an unclosed `[ {`) is one line', () => {
  const { file, problems } = problemsOf('wallets: [ {name: a\n');
  assert.deepEqual(problems, [`WALLETS_FILE: ${file}: not valid YAML at line 2, column 1 (BAD_INDENT)`]);
});

test('first mistakes say their fix: a tab for indentation, a URL without its scheme', () => {
  assert.match(problemsOf('wallets:\n\t- name: a\n').problems[0]!, /not valid YAML at line 2, column 1 \(TAB_AS_INDENT: indent with spaces, not tabs\)$/);
  for (const url of ['127.0.0.1:9722', 'localhost:9722', 'api.telephony.io/v1']) {
    const { file, problems } = problemsOf(`wallets: [{name: a, api_url: "${url}", api_key_file: KEYFILE}]\n`);
    assert.deepEqual(problems, [`WALLETS_FILE: ${file}: wallet 'a' (#1): api_url: not a valid URL: it must begin with http:// or https://`], url);
  }
});

test('a duplicate key inside a wallet is a YAML error, not a silent override', () => {
  const { problems } = problemsOf('wallets:\n  - name: a\n    name: b\n');
  assert.match(problems[0]!, /not valid YAML at line 3/);
  // keys that differ in YAML but are one as text: the second replaced the first (a receiver, a label) silently
  const receivers = problemsOf('receivers:\n  true: {webhook: [{url: "http://127.0.0.1:9/a"}]}\n  "true": {webhook: [{url: "http://127.0.0.1:9/b"}]}\nwallets: [{name: a, api_key_file: KEYFILE}]\n');
  assert.match(receivers.problems[0]!, /not valid YAML at line 3, column \d+ \(DUPLICATE_KEY\)$/);
  const labels = problemsOf('wallets: [{name: a, api_key_file: KEYFILE, labels: {true: x, "true": y}}]\n');
  assert.match(labels.problems[0]!, /\(DUPLICATE_KEY\)$/);
});

test('a missing or unreadable wallets file → one problem naming it', () => {
  const dir = freshDir();
  const missing = join(dir, 'nope.yaml');
  assert.throws(() => loadSettings({ WALLETS_FILE: missing }, { cwd: dir }), (err: unknown) => {
    assert.deepEqual((err as ConfigError).problems, [`WALLETS_FILE: ${missing}: cannot read the wallets file: ENOENT`]);
    return true;
  });
  if (process.getuid?.() === 0) return; // root reads a mode-000 file
  const { file, keyFile } = walletsFile('wallets: [{name: a, api_key_file: KEYFILE}]');
  chmodSync(keyFile, 0);
  assert.throws(() => loadSettings({ WALLETS_FILE: file }, { cwd: dir }), /api_key_file: cannot read .*EACCES/);
});

test('problems of the environment and of the file come together', () => {
  const { problems } = problemsOf('wallets: [{name: a}]', { METRICS_PORT: '70000' });
  assert.ok(problems.some((p) => p.startsWith('METRICS_PORT:')), JSON.stringify(problems));
  assert.ok(problems.some((p) => p.includes("wallet 'a' (#1): api_key: is required")), JSON.stringify(problems));
});

test('a key never appears in a problem line', () => {
  const { problems } = problemsOf('wallets: [{name: a, api_key: sk_InAProblem_x, api_key_file: KEYFILE, low_balance_threshold: x}]');
  assert.ok(problems.length >= 2 && !problems.join('\n').includes('sk_InAProblem_x') && !problems.join('\n').includes('sk_file_key_NeverPrinted'));
});

// ---------------------------------------------------------------- process settings of section 7

const processCases: Array<[string, Record<string, string>, (s: ReturnType<typeof loadSettings>['settings']) => unknown, unknown]> = [
  ['POLL_CONCURRENCY default', {}, (s) => s.poll.concurrency, 32],
  ['POLL_CONCURRENCY', { POLL_CONCURRENCY: '4' }, (s) => s.poll.concurrency, 4],
  ['SHARD_* default', {}, (s) => s.shard, { count: 1, index: 0 }],
  ['SHARD_*', { SHARD_COUNT: '3', SHARD_INDEX: '2' }, (s) => s.shard, { count: 3, index: 2 }],
];
for (const [name, env, get, expected] of processCases) {
  test(`process setting: ${name}`, () => {
    assert.deepEqual(get(loadSettings({ TELEPHONY_API_KEY: 'k', ...env }, { cwd: freshDir() }).settings), expected);
  });
}

const processBad: Array<[Record<string, string>, string]> = [
  [{ SHARD_COUNT: '3', SHARD_INDEX: '3' }, 'SHARD_INDEX: (3) must be below SHARD_COUNT (3): shards are numbered from 0'],
  [{ SHARD_COUNT: '0' }, 'SHARD_COUNT: 0 is below the minimum 1'],
  [{ SHARD_INDEX: '-1' }, 'SHARD_INDEX: -1 is below the minimum 0'],
  [{ POLL_CONCURRENCY: '0' }, 'POLL_CONCURRENCY: 0 is below the minimum 1'],
  [{ POLL_CONCURRENCY: '2.5' }, "POLL_CONCURRENCY: '2.5' is not a whole number"],
  [
    { SHARD_COUNT: '3', SHARD_INDEX: '' },
    "SHARD_INDEX: is empty with SHARD_COUNT 3; set this replica's number (0 to 2): every replica without it is shard 0 of 3: the other shards' wallets go unwatched (a StatefulSet's apps.kubernetes.io/pod-index label needs Kubernetes 1.28 or later)",
  ],
];
for (const [env, line] of processBad) {
  test(`process setting problem: ${JSON.stringify(env)} → ${line}`, () => {
    assert.throws(() => loadSettings({ TELEPHONY_API_KEY: 'k', ...env }, { cwd: freshDir() }), (err: unknown) => {
      assert.deepEqual((err as ConfigError).problems, [line]);
      return true;
    });
  });
}

test('SHARD_COUNT above 1 without SHARD_INDEX: shard 0 (the contract\'s default), with a warning that says what it costs', () => {
  const { settings, warnings } = loadSettings({ TELEPHONY_API_KEY: 'k', SHARD_COUNT: '3' }, { cwd: freshDir() });
  assert.deepEqual(settings.shard, { count: 3, index: 0 });
  assert.equal(warnings[0], "SHARD_INDEX: not set with SHARD_COUNT 3, so this process is shard 0; every replica without it is shard 0 of 3: the other shards' wallets go unwatched");
  assert.deepEqual(loadSettings({ TELEPHONY_API_KEY: 'k', SHARD_COUNT: '1', SHARD_INDEX: '' }, { cwd: freshDir() }).warnings, [], 'one shard: nothing to say');
});

test('shards without WALLETS_FILE: the one wallet of the environment is in one shard, and a warning says which (check had said "none of WALLETS_FILE\'s 1")', () => {
  // FNV-1a: 'acme' is in shard 1 of 2, 'default' in shard 0
  const away = loadSettings({ TELEPHONY_API_KEY: 'k', ACCOUNT_NAME: 'acme', SHARD_COUNT: '2', SHARD_INDEX: '0' }, { cwd: freshDir() });
  assert.deepEqual(away.warnings, ["SHARD_COUNT: 2 shards split a WALLETS_FILE; without one, the environment's wallet 'acme' is in shard 1, so this process (shard 0) watches nothing"]);
  const here = loadSettings({ TELEPHONY_API_KEY: 'k', SHARD_COUNT: '2', SHARD_INDEX: '0' }, { cwd: freshDir() });
  assert.deepEqual(here.warnings, ["SHARD_COUNT: 2 shards split a WALLETS_FILE; without one, the environment's wallet 'default' is in shard 0, so this process (shard 0) watches it and every other shard nothing"]);
});

test('a fleet that reuses one YAML anchor for every wallet (past the library\'s default of 100 aliases) loads', () => {
  const lines = ['wallets:', '  - {name: w0, api_key_file: KEYFILE, labels: &common {team: voice}}'];
  for (let i = 1; i <= 150; i++) lines.push(`  - {name: w${i}, api_key_file: KEYFILE, labels: *common}`);
  const { settings } = load(`${lines.join('\n')}\n`);
  assert.equal(settings.wallets.length, 151);
  assert.deepEqual(settings.wallets[150]!.labels, { team: 'voice' });
});

test('nested aliases that expand past the bound ("billion laughs"): a configuration problem (exit 78), not a crash', () => {
  const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 8; i++) levels.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
  const { file, problems } = problemsOf(`${levels.join('\n')}\nwallets: [{name: a, api_key_file: KEYFILE}]\n`);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(problems[0]!, new RegExp(`^WALLETS_FILE: ${file}: cannot be read: .* \\(more than 1000000 uses of YAML aliases\\)$`));
});

test('an unquoted secret that starts with * (read as an alias of no anchor) is a problem that never quotes it', () => {
  const { file, problems } = problemsOf('wallets:\n  - name: a\n    provider: twilio\n    credentials:\n      account_sid: AC1\n      auth_token: *Summer2024SECRETMARK\n');
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.doesNotMatch(problems[0]!, /SECRETMARK/);
  assert.match(problems[0]!, new RegExp(`^WALLETS_FILE: ${file}: not valid YAML at line 6 \\(UNRESOLVED_ALIAS: .*must be quoted\\)$`));
});

test('an unquoted secret that starts with ! (a YAML tag: read as "", or as the word after a blank), & (an anchor: the same) or # (a comment: read as nothing) is a problem that never quotes it', () => {
  const at = (value: string) => problemsOf(`wallets:\n  - name: a\n    provider: twilio\n    credentials:\n      account_sid: AC1\n      auth_token: ${value}\n`);
  const tagged = (file: string, column: number) => `WALLETS_FILE: ${file}: not valid YAML at line 6, column ${column} (TAG_RESOLVE_FAILED: a value starting with ! is a YAML tag, and YAML could not apply it (an unknown !name, or !!float on 1): write the value without it, and quote a value, such as a secret, that starts with !)`;
  for (const value of ['!Summer2024SECRETMARK', '!Sum SECRETMARK']) {
    const { file, problems } = at(value);
    assert.deepEqual(problems, [tagged(file, 19)], value);
  }
  // A standard tag YAML cannot apply to its value is the same problem, and the hint must not send its writer to quote it.
  const float = problemsOf('wallets:\n  - name: a\n    provider: twilio\n    credentials:\n      account_sid: AC1\n      auth_token: x\n    runway_warning_hours: !!float 1\n');
  assert.deepEqual(float.problems, [tagged(float.file, 27).replace('line 6', 'line 7')]);
  const anchored = at('&Sum SECRETMARK');
  assert.deepEqual(anchored.problems, [`WALLETS_FILE: ${anchored.file}: not valid YAML at line 6 (UNUSED_ANCHOR: a value starting with & is a YAML anchor, no alias uses it; a value, such as a secret, that starts with & must be quoted)`]);
  const { file, problems } = at('#Summer2024SECRETMARK');
  assert.deepEqual(problems, [`WALLETS_FILE: ${file}: wallet 'a' (#1): credentials: auth_token: is empty (a value that starts with # is a comment to YAML: put it in quotes)`]);
});

test('a reload parses the text its settle wait saw, not the file as a writer left it a moment later', () => {
  const { file, keyFile } = walletsFile('wallets:\n  - { name: a, api_key_file: KEYFILE }\n  - { name: b, api_key_file: KEYFILE }\n');
  const { settings } = loadSettings({ WALLETS_FILE: file }, { cwd: file.slice(0, file.lastIndexOf('/')) });
  writeFileSync(file, 'wallets:\n  - { name: a, api_key_file: ' + keyFile + ' }\n'); // a writer started again: cut after a
  const seen = `wallets:\n  - { name: a, api_key_file: ${keyFile} }\n  - { name: b, api_key_file: ${keyFile} }\n  - { name: c, api_key_file: ${keyFile} }\n`;
  assert.deepEqual(reloadWallets({ ...settings, walletsFile: file }, seen).wallets.map((w) => w.name), ['a', 'b', 'c']);
  assert.deepEqual(reloadWallets({ ...settings, walletsFile: file }).wallets.map((w) => w.name), ['a'], 'without the text: the file as it is now');
});

test("a reload gives receivers' email entries the environment's defaults as start did (SMTP_URL, ALERT_EMAIL_FROM, SMTP_CA_FILE without ALERT_EMAIL_TO)", () => {
  const { file } = walletsFile('receivers:\n  ops: {email: [{to: ops@example.com}]}\nwallets:\n  - { name: a, api_key_file: KEYFILE, receivers: [ops] }\n');
  const env = { WALLETS_FILE: file, SMTP_URL: 'smtps://u:pw@127.0.0.1:2465', ALERT_EMAIL_FROM: 'ws@example.com', SMTP_REQUIRE_TLS: 'true' };
  const { settings } = loadSettings(env, { cwd: file.slice(0, file.lastIndexOf('/')) });
  assert.equal(settings.email, undefined, 'no email receiver of its own in the environment');
  const atStart = settings.receivers[0]!.channels[0]!.config;
  const reloaded = reloadWallets({ ...settings, walletsFile: file }); // the file unchanged: a SIGHUP must accept it
  const again = reloaded.receivers[0]!.channels[0]!.config;
  assert.deepEqual(inspect(again, { depth: 5 }), inspect(atStart, { depth: 5 }), 'the same sender as at start');
  const url = (c: unknown) => (c as { smtpUrl: { reveal(): string } }).smtpUrl.reveal();
  assert.equal(url(again), url(atStart));
});

test("a secret written with no space after its colon in a flow map (`{auth_token:SECRET}`) becomes a key: no problem line shows it; a name with a line break stays one line", () => {
  const yaml = [
    'top:SEKRIT_top: 1',
    'receivers:',
    '  ops: {webhook: [{url:http://127.0.0.1:9/SEKRIT_hook}], severities:SEKRIT_recv}',
    'defaults: {api_key:SEKRIT_defaults}',
    'wallets:',
    '  - {name: a, api_key_file: KEYFILE, api_key:SEKRIT_wallet, labels: {team:SEKRIT_label: x}}',
    '  - {name: b, provider: twilio, credentials: {account_sid: AC1, auth_token:SEKRIT_cred}}',
    '  - {name: "c\\nconfig error: forged", api_key_file: KEYFILE}',
  ].join('\n');
  const { problems } = problemsOf(`${yaml}\n`);
  const text = problems.join('\n');
  assert.ok(!text.includes('SEKRIT'), text);
  assert.ok(problems.length >= 7, text);
  assert.ok(problems.every((p) => !p.includes('\n')), 'one line per problem');
  assert.ok(problems.some((p) => p.includes("missing space after a colon")), text);
});

test('a secret written alone in a flow map is a key with no value: shaped like a generated token, it is not shown; a typo of a key still is', () => {
  const yaml = [
    'receivers:',
    '  ops: {webhook: [{url: "http://127.0.0.1:9/h", 9f8e7d6c5b4a39281706f5e4d3c2b1a0}]}',
    'defaults: {sk-proj-T3BlbkFJxQ7mNvR2pL8wK4sD}',
    'wallets:',
    '  - {name: a, api_key_file: KEYFILE, aBcD1234eFgH5678}',
    '  - {name: b, provider: twilio, credentials: {account_sid: AC1, 0123456789abcdef0123456789abcdef}}',
    '  - {name: c, api_key_file: KEYFILE, warnng_hours: 5}',
  ].join('\n');
  const { problems } = problemsOf(`${yaml}\n`);
  const text = problems.join('\n');
  for (const secret of ['9f8e7d6c', 'T3Blbk', 'aBcD1234', '0123456789abcdef']) assert.ok(!text.includes(secret), `${secret} shown:\n${text}`);
  assert.equal(problems.length, 5, text);
  assert.ok(text.includes("'warnng_hours'"), text);
});

test("a Slack URL written where a receiver's name belongs (a wallet's receivers list, the receivers map's keys) is not shown, nor listed as a known receiver; a misspelt name still is", () => {
  const hook = 'https://hooks.slack.com/services/T0ABC/B0DEF/Xk9SECRETt0k3nAbCdEf';
  const yaml = [
    'receivers:',
    `  {ops: {webhook: [{url: "http://127.0.0.1:9/x"}]}, ${hook}}`,
    'wallets:',
    `  - {name: a, api_key_file: KEYFILE, receivers: [${hook}]}`,
    '  - {name: b, api_key_file: KEYFILE, receivers: [opps]}',
    '  - {name: c, api_key_file: KEYFILE, receivers: ["ops\\nconfig error: forged"]}',
  ].join('\n');
  const { problems } = problemsOf(`${yaml}\n`);
  const text = problems.join('\n');
  assert.ok(!text.includes('Xk9SECRET'), text);
  assert.ok(problems.every((p) => !p.includes('\n')), 'one problem, one line');
  assert.ok(text.includes("'opps' is not a receiver of the file (known: default, ops, and 1 not shown as it may hold a secret)"), text);
});
