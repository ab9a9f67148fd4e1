/** Typo warnings for the environment, and the stable hashes behind sharding and the schedule's offsets. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { distance } from '../../src/config/typos.js';
import { fnv1a, shardOf, slotFraction, walletsOfShard } from '../../src/fleet/shard.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ws-typos-'));
  dirs.push(d);
  return d;
}
const warningsOf = (env: Record<string, string>, cwd = freshDir()) => loadSettings({ TELEPHONY_API_KEY: 'k', ...env }, { cwd }).warnings;

test('a misspelt variable that makes start-up fail is named with the problems it caused (the warnings are never printed then)', () => {
  assert.throws(
    () => loadSettings({ TELEPHONY_API_KEY_FIEL: '/etc/hostname' }, { cwd: freshDir() }),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => /^TELEPHONY_API_KEY: is required/.test(p)) && e.problems.includes('TELEPHONY_API_KEY_FIEL: unknown variable, ignored (did you mean TELEPHONY_API_KEY_FILE?)'),
  );
});

const typos: Array<[string, string]> = [
  ['LOW_BALANCE_THRESHHOLD', 'LOW_BALANCE_THRESHOLD'],
  ['POLL_SHEDULE', 'POLL_SCHEDULE'],
  ['SMTP_ULR', 'SMTP_URL'],
  ['METRIC_PORT', 'METRICS_PORT'],
  ['TELEPHONE_API_KEY', 'TELEPHONY_API_KEY'],
  ['RUNWAY_WARN_HOURS', 'RUNWAY_WARNING_HOURS'],
  ['WALLET_FILE', 'WALLETS_FILE'],
  ['SHARDS_COUNT', 'SHARD_COUNT'],
  ['STATE_DIRS', 'STATE_DIR'],
  ['REQUEST_TIMEOUT', 'REQUEST_TIMEOUT_MS'], // a unit left off: three letters, a quarter of the name
];
for (const [typo, meant] of typos) {
  test(`${typo} → a warning that names ${meant}`, () => {
    assert.deepEqual(warningsOf({ [typo]: 'x' }), [`${typo}: unknown variable, ignored (did you mean ${meant}?)`]);
  });
}

test('one of our prefixes with no known name within 3 edits: warned, without a guess', () => {
  // RUNWAY_WARN_HRS is 5 edits from RUNWAY_WARNING_HOURS: no name is offered; SMTP_REQUIRE_SSL is 2 from SMTP_REQUIRE_TLS.
  assert.deepEqual(warningsOf({ RUNWAY_WARN_HRS: '72', SMTP_REQUIRE_SSL: 'true' }), [
    'RUNWAY_WARN_HRS: unknown variable, ignored (a typo?)',
    'SMTP_REQUIRE_SSL: unknown variable, ignored (did you mean SMTP_REQUIRE_TLS?)',
  ]);
});

test('the thresholds\' and top-up\'s first words are ours too: a threshold under another name is warned about', () => {
  assert.deepEqual(warningsOf({ LOW_BALANCE_LIMIT_CREDITS: '50', CRITICAL_BALANCE_CREDITS: '10', TOPUP_MINIMUM_AMOUNT: '5' }), [
    'LOW_BALANCE_LIMIT_CREDITS: unknown variable, ignored (a typo?)',
    'CRITICAL_BALANCE_CREDITS: unknown variable, ignored (a typo?)',
    'TOPUP_MINIMUM_AMOUNT: unknown variable, ignored (a typo?)',
  ]);
});

test('one of our variables in lower case (the wallets file\'s spelling) is warned about, naming the upper-case one; a near miss in another case too', () => {
  assert.deepEqual(warningsOf({ low_balance_threshold: '1e9', Poll_Schedule: '* * * * *', smtp_ulr: 'smtp://127.0.0.1' }), [
    'low_balance_threshold: unknown variable, ignored (did you mean LOW_BALANCE_THRESHOLD? variable names are upper case)',
    'Poll_Schedule: unknown variable, ignored (did you mean POLL_SCHEDULE? variable names are upper case)',
    'smtp_ulr: unknown variable, ignored (did you mean SMTP_URL?)',
  ]);
});

test('a typo in .env is warned about too', () => {
  const cwd = freshDir();
  writeFileSync(join(cwd, '.env'), 'POLL_SHEDULE=*/5 * * * *\n');
  assert.deepEqual(warningsOf({}, cwd), ['POLL_SHEDULE: unknown variable, ignored (did you mean POLL_SCHEDULE?)']);
});

test("other programs' variables are left alone", () => {
  const env = { PATH: '/bin', HOME: '/root', HOSTNAME: 'pod-0', NODE_ENV: 'production', POD_NAME: 'ws-0', NODE_VERSION: '20', LANG: 'C', TZ: 'UTC', KUBERNETES_PORT: 'tcp://10.0.0.1:443',
    // Kubernetes service links for a Service named wallet-sentinel
    WALLET_SENTINEL_PORT: 'tcp://10.0.0.2:9721', WALLET_SENTINEL_SERVICE_HOST: '10.0.0.2', WALLET_SENTINEL_PORT_9721_TCP_PORT: '9721', NPM_CONFIG_CACHE: '/tmp', SHLVL: '1', PWD: '/', TERM: 'xterm', NO_COLOR: '1', LOG_FORMAT: 'json',
    // lower-case ones: proxies, and what `npm run` sets
    http_proxy: 'http://127.0.0.1:3128', no_proxy: '127.0.0.1', npm_config_cache: '/tmp', npm_lifecycle_event: 'demo', npm_package_name: 'wallet-sentinel', npm_command: 'run-script' };
  assert.deepEqual(warningsOf(env), []);
});

test('distance: an adjacent swap is one edit', () => {
  assert.equal(distance('SMTP_ULR', 'SMTP_URL'), 1);
  assert.equal(distance('abc', 'abc'), 0);
  assert.equal(distance('', 'abc'), 3);
  assert.equal(distance('kitten', 'sitting'), 3);
});

// ---------------------------------------------------------------- hashes

test('fnv1a: the published FNV-1a 32-bit values (the hash is part of the contract between replicas)', () => {
  assert.equal(fnv1a(''), 0x811c9dc5);
  assert.equal(fnv1a('a'), 0xe40c292c);
  assert.equal(fnv1a('foobar'), 0xbf9cf968);
});

test('shardOf: every wallet in exactly one shard, shards roughly even', () => {
  const names = Array.from({ length: 3000 }, (_, i) => `wallet-${i}`);
  const shards = [0, 1, 2].map((index) => walletsOfShard(names.map((name) => ({ name })), { count: 3, index }).map((w) => w.name));
  assert.equal(shards.flat().length, names.length);
  assert.equal(new Set(shards.flat()).size, names.length);
  for (const s of shards) assert.ok(s.length > 800 && s.length < 1200, `shard of ${s.length}`);
  assert.equal(shardOf('acme-prod', 1), 0);
});

test('slotFraction: stable, in [0, 1), spread evenly over the interval even inside one shard', () => {
  assert.equal(slotFraction('acme-prod'), slotFraction('acme-prod'));
  const names = Array.from({ length: 4000 }, (_, i) => `w${i}`).filter((n) => shardOf(n, 4) === 1);
  const buckets = new Array<number>(10).fill(0);
  for (const n of names) {
    const f = slotFraction(n);
    assert.ok(f >= 0 && f < 1);
    buckets[Math.floor(f * 10)]!++;
  }
  for (const b of buckets) assert.ok(b > names.length / 10 / 2 && b < (names.length / 10) * 2, `buckets ${buckets.join(',')}`);
});
