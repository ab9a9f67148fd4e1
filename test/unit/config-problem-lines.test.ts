/**
 * What a problem line says about what was written. It quotes at most the start of it: a setting or a
 * wallet name of 100,000 characters was echoed whole, one 100 KB "line" per problem on stderr (and in the
 * journal). A number written as one but out of range says so: `1e16` was "not a number".
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ws-long-'));
  dirs.push(d);
  return d;
}

function problemsOf(env: Record<string, string>, cwd = freshDir()): string[] {
  try {
    loadSettings({ TELEPHONY_API_KEY: 'sk_test_long_values', ...env }, { cwd });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return [...err.problems];
  }
  assert.fail('expected a ConfigError');
}

const LONG = 100_000;
/** Far more than the 80 characters quoted plus the sentence around them; far less than the value. */
const LINE_MAX = 600;

for (const [name, env, expected] of [
  ['a number', { LOW_BALANCE_THRESHOLD: 'x'.repeat(LONG) }, /^LOW_BALANCE_THRESHOLD: 'x{80}…' is not a number$/],
  ['a duration', { ALERT_REPEAT_INTERVAL: '9'.repeat(LONG) + 'x' }, /^ALERT_REPEAT_INTERVAL: '9{80}…' is not a duration/],
  ['a value with quotes, shown as JSON', { REQUEST_TIMEOUT_MS: '"'.repeat(LONG) }, /^REQUEST_TIMEOUT_MS: "(\\"){80}…" is not a number$/],
  ['a cron expression of too many fields', { POLL_SCHEDULE: 'x '.repeat(LONG / 2) }, /^POLL_SCHEDULE: "(x ){40}…" has 50000 field\(s\)/],
  // the number out of range is past the part quoted: still found and named
  ['a cron field whose bad number comes after the part quoted', { POLL_SCHEDULE: `${'1,'.repeat(LONG / 2)}70 * * * *` }, /^POLL_SCHEDULE: minute field (1,){40}… holds 70, out of range 0-59, in "(1,){40}…"$/],
  ['characters outside the BMP are not cut in half', { LOW_BALANCE_THRESHOLD: '\u{1F4B8}'.repeat(LONG) }, /^LOW_BALANCE_THRESHOLD: '(\u{1F4B8}){80}…' is not a number$/u],
] as const) {
  test(`a long value in the environment (${name}): one short problem line quoting its start`, () => {
    const problems = problemsOf(env);
    assert.equal(problems.length, 1, problems.map((p) => p.slice(0, 200)).join('\n'));
    assert.ok(problems[0]!.length < LINE_MAX, `a problem line of ${problems[0]!.length} characters`);
    assert.match(problems[0]!, expected);
  });
}

test('a wallet name of 100,000 characters in WALLETS_FILE: each problem line quotes its start only', () => {
  const dir = freshDir();
  const file = join(dir, 'wallets.yaml');
  writeFileSync(file, `wallets:\n  - name: ${'a'.repeat(LONG)}\n    api_key: k\n    colour: red\n`);
  const problems = problemsOf({ WALLETS_FILE: file }, dir);
  assert.ok(problems.length >= 2, problems.map((p) => p.slice(0, 200)).join('\n'));
  for (const p of problems) {
    assert.ok(p.length < LINE_MAX, `a problem line of ${p.length} characters`);
    assert.ok(p.includes(`wallet '${'a'.repeat(80)}…' (#1)`), p);
  }
});

for (const [name, env, expected] of [
  ['a threshold past 2^53 − 1', { LOW_BALANCE_THRESHOLD: '1e16' }, "LOW_BALANCE_THRESHOLD: '1e16' is beyond ±9007199254740991 (2^53 − 1), the largest number read"],
  ['a port of 20 digits', { METRICS_PORT: '99999999999999999999' }, "METRICS_PORT: '99999999999999999999' is beyond ±9007199254740991 (2^53 − 1), the largest number read"],
  ['an overflow to Infinity', { RUNWAY_WARNING_HOURS: '1e309' }, "RUNWAY_WARNING_HOURS: '1e309' is beyond ±9007199254740991 (2^53 − 1), the largest number read"],
  ['an underflow to 0', { LOW_BALANCE_THRESHOLD: '1e-400' }, "LOW_BALANCE_THRESHOLD: '1e-400' is too close to 0 to be read"],
  ['a subnormal number', { LOW_BALANCE_THRESHOLD: '1e-320' }, "LOW_BALANCE_THRESHOLD: '1e-320' is too close to 0 to be read"],
  ['not written as a number', { LOW_BALANCE_THRESHOLD: '0x10' }, "LOW_BALANCE_THRESHOLD: '0x10' is not a number"],
  ['a decimal comma', { LOW_BALANCE_THRESHOLD: '1,5' }, "LOW_BALANCE_THRESHOLD: '1,5' is not a number"],
] as const) {
  test(`a number setting (${name}): the problem says why it is not read`, () => {
    assert.deepEqual(problemsOf(env), [expected]);
  });
}

test("a YAML merge key (<<: *common) in WALLETS_FILE is named as one, not hidden as a possible secret", () => {
  const dir = freshDir();
  const file = join(dir, 'wallets.yaml');
  writeFileSync(file, 'defaults: &common {api_key: k}\nwallets:\n  - <<: *common\n    name: a\n');
  const problems = problemsOf({ WALLETS_FILE: file }, dir);
  assert.ok(
    problems.some((p) => p.includes("wallet 'a' (#1): unknown key '<<' (a YAML merge key: these files do not merge maps; shared wallet keys go under defaults)")),
    problems.join('\n'),
  );
  assert.ok(!problems.some((p) => /not shown(: it| as it) may hold a secret/.test(p)), problems.join('\n'));
});

test("a secret written alone where a key is expected (a flow map's `{username: ops, Summer2024}`, a password pasted as a line) is not printed, however human its shape; a misspelt settings key still is", () => {
  const dir = freshDir();
  const secrets = ['Summer2024', 'correct-horse-battery-staple', 'whsec-ops-2024', 'hunter2', 'deadbeef12', 'sk_test_acme_voice_prod_2026'];
  const file = join(dir, 'wallets.yaml');
  const wallets = secrets.map((s, i) => `  - {name: w${i}, provider: generic, api_url: "http://127.0.0.1:9", balance_path: /b, auth: basic, credentials: {username: ops, ${s}}}`);
  writeFileSync(file, `wallets:\n${wallets.join('\n')}\n  - name: block\n    api_key: k\n    ${secrets[0]}-BLOCK:\n    colour: red\nreceivers:\n  ops:\n    webhook: [{url: "http://127.0.0.1:9/h", ${secrets[2]}}]\n`);
  const problems = problemsOf({ WALLETS_FILE: file }, dir);
  const text = problems.join('\n');
  for (const s of secrets) assert.ok(!text.includes(s), `${s} printed:\n${text}`);
  assert.ok(problems.filter((p) => /not shown(: it| as it) may hold a secret/.test(p)).length >= secrets.length + 2, text);
  assert.ok(text.includes("unknown key 'colour'"), text);
  assert.ok(problems.some((p) => /: an unknown key of \d+ characters \(not shown: it may hold a secret\)/.test(p)), `said once, not "unknown key a key of":\n${text}`);
});

test('a key of spaces, written or in its file, is a problem: it was sent as "Authorization: Bearer " with no key, and the poll read as a refused key', () => {
  assert.deepEqual(problemsOf({ TELEPHONY_API_KEY: '   ' }), ['TELEPHONY_API_KEY: holds only spaces: set it, or leave it unset']);
  assert.ok(problemsOf({ ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/h', ALERT_WEBHOOK_SECRET: '  ' }).includes('ALERT_WEBHOOK_SECRET: holds only spaces: set it, or leave it unset'));
  const dir = freshDir();
  writeFileSync(join(dir, 'key'), '   \n');
  const problems = problemsOf({ TELEPHONY_API_KEY: '', TELEPHONY_API_KEY_FILE: join(dir, 'key') }, dir);
  assert.ok(problems.some((p) => p.includes('holds only spaces')), problems.join('\n'));
});
