import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { loadSettings, type Loaded } from '../../src/config/load.js';
import { nodeCron } from '../../src/config/cron.js';
import { formatDuration, parseDuration } from '../../src/config/duration.js';
import type { Settings } from '../../src/config/settings.js';
import { ConfigError } from '../../src/errors.js';
import { selfSignedCert } from '../helpers/tls.js';

type Env = Record<string, string>;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh, empty folder: no real `.env` is ever read. */
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ws-config-'));
  dirs.push(d);
  return d;
}

/** A fresh folder holding `name` with `content`; returns the file's path. */
function tempFile(name: string, content: string): string {
  const path = join(freshDir(), name);
  writeFileSync(path, content);
  return path;
}

function load(env: Env, opts: { cwd?: string; requireApiKey?: boolean } = {}): Loaded {
  return loadSettings(env, { cwd: opts.cwd ?? freshDir(), requireApiKey: opts.requireApiKey });
}

/** The problems of the ConfigError that loading `env` throws (fails if it does not throw one). */
function problemsOf(env: Env, opts: { cwd?: string; requireApiKey?: boolean } = {}): string[] {
  try {
    load(env, opts);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.ok(err.problems.length > 0);
    return [...err.problems];
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const startsWithVar = (problems: string[], name: string): boolean => problems.some((p) => p.startsWith(`${name}:`));

const KEY = 'sk_live_K3yThatMustNotLeak';
const BASE: Env = { TELEPHONY_API_KEY: KEY };
const EMAIL: Env = { ALERT_EMAIL_FROM: 'sentinel@example.com', ALERT_EMAIL_TO: 'ops@example.com' };

// ---------------------------------------------------------------- defaults

test('defaults: every setting of contract section 2 when only the API key is set', () => {
  const { settings, warnings } = load(BASE);
  assert.equal(settings.wallets[0]!.name, 'default');
  assert.equal(settings.wallets[0]!.api.baseUrl, 'https://api.telephony.io');
  assert.equal(settings.wallets[0]!.api.balancePath, '/v1/wallet/balance');
  assert.equal(settings.wallets[0]!.api.balanceField, 'balance');
  assert.equal(settings.wallets[0]!.api.currencyField, 'currency');
  assert.equal(settings.requestTimeoutMs, 10_000);
  assert.equal(settings.wallets[0]!.api.apiKey?.reveal(), KEY);
  assert.equal(settings.poll.schedule, '* * * * *');
  assert.equal(settings.poll.timezone, undefined);
  assert.equal(settings.wallets[0]!.rules.runwayWarningHours, 72);
  assert.equal(settings.wallets[0]!.rules.runwayCriticalHours, 24);
  assert.equal(settings.wallets[0]!.rules.lowBalanceThreshold, undefined);
  assert.equal(settings.wallets[0]!.rules.criticalBalanceThreshold, undefined);
  assert.equal(settings.alerts.repeatIntervalMs, 14_400_000);
  assert.equal(settings.http.port, 9721);
  assert.equal(settings.http.host, '0.0.0.0');
  assert.equal(settings.stateDir, './data');
  assert.equal(settings.logLevel, 'info');
  assert.equal(settings.email, undefined);
  assert.equal(settings.webhook, undefined);
  assert.deepEqual(warnings, []);
});

const validCases: Array<[string, Env, (s: Settings) => unknown, unknown]> = [
  ['ACCOUNT_NAME', { ACCOUNT_NAME: 'prod-eu_1.a' }, (s) => s.wallets[0]!.name, 'prod-eu_1.a'],
  ['POLL_SCHEDULE with seconds', { POLL_SCHEDULE: '*/30 * * * * *' }, (s) => s.poll.schedule, '*/30 * * * * *'],
  ['POLL_TIMEZONE', { POLL_TIMEZONE: 'Europe/Berlin' }, (s) => s.poll.timezone, 'Europe/Berlin'],
  ['REQUEST_TIMEOUT_MS', { REQUEST_TIMEOUT_MS: '2500' }, (s) => s.requestTimeoutMs, 2500],
  ['ALERT_REPEAT_INTERVAL 30m', { ALERT_REPEAT_INTERVAL: '30m' }, (s) => s.alerts.repeatIntervalMs, 1_800_000],
  ['ALERT_REPEAT_INTERVAL in seconds', { ALERT_REPEAT_INTERVAL: '900' }, (s) => s.alerts.repeatIntervalMs, 900_000],
  ['thresholds', { LOW_BALANCE_THRESHOLD: '50', CRITICAL_BALANCE_THRESHOLD: '10.5' }, (s) => [s.wallets[0]!.rules.lowBalanceThreshold, s.wallets[0]!.rules.criticalBalanceThreshold], [50, 10.5]],
  ['METRICS_PORT', { METRICS_PORT: '9100' }, (s) => s.http.port, 9100],
  ['empty METRICS_PORT counts as unset', { METRICS_PORT: '' }, (s) => s.http.port, 9721],
  ['LOG_LEVEL', { LOG_LEVEL: 'debug' }, (s) => s.logLevel, 'debug'],
  ['TELEPHONY_API_URL trailing slash dropped', { TELEPHONY_API_URL: 'http://127.0.0.1:8080/' }, (s) => s.wallets[0]!.api.baseUrl, 'http://127.0.0.1:8080'],
  // a space pasted around the URL (a .env line, a YAML value in quotes) became %20 in the path: a 404 from the API
  ['METRICS_HOST IPv6 ::', { METRICS_HOST: '::' }, (s) => s.http.host, '::'],
  ['METRICS_HOST spaces around it dropped', { METRICS_HOST: '127.0.0.1 ' }, (s) => s.http.host, '127.0.0.1'],
  ['METRICS_HOST [::1] as URLs write it', { METRICS_HOST: '[::1]' }, (s) => s.http.host, '::1'],
  ['TELEPHONY_API_URL spaces around it dropped', { TELEPHONY_API_URL: ' http://127.0.0.1:8080/ \t' }, (s) => s.wallets[0]!.api.baseUrl, 'http://127.0.0.1:8080'],
];
for (const [name, env, get, expected] of validCases) {
  test(`valid setting: ${name}`, () => {
    assert.deepEqual(get(load({ ...BASE, ...env }).settings), expected);
  });
}

// ---------------------------------------------------------------- invalid values

const invalidCases: Array<{ name: string; env: Env; variable: string; secretInValue?: string }> = [
  { name: 'bad cron', env: { POLL_SCHEDULE: 'every minute' }, variable: 'POLL_SCHEDULE' },
  { name: 'cron with 4 fields', env: { POLL_SCHEDULE: '* * * *' }, variable: 'POLL_SCHEDULE' },
  { name: 'cron minute 61', env: { POLL_SCHEDULE: '61 * * * *' }, variable: 'POLL_SCHEDULE' },
  { name: 'timeout abc', env: { REQUEST_TIMEOUT_MS: 'abc' }, variable: 'REQUEST_TIMEOUT_MS' },
  { name: 'timeout 1.5', env: { REQUEST_TIMEOUT_MS: '1.5' }, variable: 'REQUEST_TIMEOUT_MS' },
  { name: 'timeout 50 (too short)', env: { REQUEST_TIMEOUT_MS: '50' }, variable: 'REQUEST_TIMEOUT_MS' },
  { name: 'port 70000', env: { METRICS_PORT: '70000' }, variable: 'METRICS_PORT' },
  { name: 'port -1', env: { METRICS_PORT: '-1' }, variable: 'METRICS_PORT' },
  { name: 'METRICS_HOST with a port', env: { METRICS_HOST: 'localhost:9721' }, variable: 'METRICS_HOST' },
  { name: 'METRICS_HOST [::1]:9721', env: { METRICS_HOST: '[::1]:9721' }, variable: 'METRICS_HOST' },
  { name: 'METRICS_HOST a URL', env: { METRICS_HOST: 'http://0.0.0.0' }, variable: 'METRICS_HOST' },
  { name: 'METRICS_HOST 256.1.1.1 (not an address: it went to DNS and failed at listen, exit 1)', env: { METRICS_HOST: '256.1.1.1' }, variable: 'METRICS_HOST' },
  { name: 'METRICS_HOST [not-v6]', env: { METRICS_HOST: '[localhost]' }, variable: 'METRICS_HOST' },
  { name: 'METRICS_HOST empty', env: { METRICS_HOST: ' ' }, variable: 'METRICS_HOST' },
  { name: 'STATE_DIR blank', env: { STATE_DIR: ' ' }, variable: 'STATE_DIR' },
  { name: 'STATE_DIR with a trailing space', env: { STATE_DIR: '/var/lib/wallet-sentinel ' }, variable: 'STATE_DIR' },
  { name: 'LOG_LEVEL verbose', env: { LOG_LEVEL: 'verbose' }, variable: 'LOG_LEVEL' },
  { name: 'ALERT_REPEAT_INTERVAL soon', env: { ALERT_REPEAT_INTERVAL: 'soon' }, variable: 'ALERT_REPEAT_INTERVAL' },
  {
    name: 'RUNWAY_CRITICAL_HOURS above RUNWAY_WARNING_HOURS',
    env: { RUNWAY_WARNING_HOURS: '10', RUNWAY_CRITICAL_HOURS: '20' },
    variable: 'RUNWAY_CRITICAL_HOURS',
  },
  {
    name: 'RUNWAY_CRITICAL_HOURS above the default RUNWAY_WARNING_HOURS',
    env: { RUNWAY_CRITICAL_HOURS: '100' },
    variable: 'RUNWAY_CRITICAL_HOURS',
  },
  {
    name: 'CRITICAL_BALANCE_THRESHOLD above LOW_BALANCE_THRESHOLD',
    env: { LOW_BALANCE_THRESHOLD: '5', CRITICAL_BALANCE_THRESHOLD: '10' },
    variable: 'CRITICAL_BALANCE_THRESHOLD',
  },
  { name: 'LOW_BALANCE_THRESHOLD not a number', env: { LOW_BALANCE_THRESHOLD: 'ten' }, variable: 'LOW_BALANCE_THRESHOLD' },
  // Number() reads these as 16, 16, 2 and 0: not what anyone meant
  { name: 'LOW_BALANCE_THRESHOLD in hexadecimal', env: { LOW_BALANCE_THRESHOLD: '0x10' }, variable: 'LOW_BALANCE_THRESHOLD' },
  { name: 'METRICS_PORT in octal', env: { METRICS_PORT: '0o20000' }, variable: 'METRICS_PORT' },
  { name: 'POLL_CONCURRENCY in binary', env: { POLL_CONCURRENCY: '0b10' }, variable: 'POLL_CONCURRENCY' },
  { name: 'TOPUP_MIN_CREDITS of a sign alone', env: { TOPUP_MIN_CREDITS: '+' }, variable: 'TOPUP_MIN_CREDITS' },
  { name: 'SMTP_URL http://x', env: { SMTP_URL: 'http://x', ...EMAIL }, variable: 'SMTP_URL' },
  { name: 'ACCOUNT_NAME with a space', env: { ACCOUNT_NAME: 'my account' }, variable: 'ACCOUNT_NAME' },
  { name: 'TELEPHONY_API_URL ftp://x', env: { TELEPHONY_API_URL: 'ftp://x' }, variable: 'TELEPHONY_API_URL' },
  {
    name: 'TELEPHONY_API_URL with user:pass@',
    env: { TELEPHONY_API_URL: 'https://user:Pa55wordInUrl@api.telephony.io' },
    variable: 'TELEPHONY_API_URL',
    secretInValue: 'Pa55wordInUrl',
  },
  { name: 'TELEPHONY_API_URL not a URL', env: { TELEPHONY_API_URL: 'api.telephony.io' }, variable: 'TELEPHONY_API_URL' },
  { name: 'TELEPHONY_API_URL with a query (a key in it)', env: { TELEPHONY_API_URL: 'http://127.0.0.1:8080/?api_key=QueryKeyNeverShown' }, variable: 'TELEPHONY_API_URL', secretInValue: 'QueryKeyNeverShown' },
  { name: 'TELEPHONY_API_URL with a fragment', env: { TELEPHONY_API_URL: 'http://127.0.0.1:8080/#x' }, variable: 'TELEPHONY_API_URL' },
  { name: 'POLL_TIMEZONE Mars/Base', env: { POLL_TIMEZONE: 'Mars/Base' }, variable: 'POLL_TIMEZONE' },
  { name: 'ALERT_EMAIL_TO not addresses', env: { SMTP_URL: 'smtp://h:25', ALERT_EMAIL_FROM: 'a@b.io', ALERT_EMAIL_TO: 'ops, x@y.io' }, variable: 'ALERT_EMAIL_TO' },
  { name: 'ALERT_WEBHOOK_URL not http(s)', env: { ALERT_WEBHOOK_URL: 'ftp://hooks.example.com/x' }, variable: 'ALERT_WEBHOOK_URL' },
  { name: 'ALERT_WEBHOOK_URL: a list written with a space, not a comma', env: { ALERT_WEBHOOK_URL: 'https://a.example.com/x https://b.example.com/y' }, variable: 'ALERT_WEBHOOK_URL' },
  { name: 'ALERT_REPEAT_INTERVAL of 400 digits (read as Infinity: never repeat)', env: { ALERT_REPEAT_INTERVAL: '9'.repeat(400) }, variable: 'ALERT_REPEAT_INTERVAL' },
  { name: 'ALERT_REPEAT_INTERVAL of 1e14 days (finite, but past what a time adds to exactly)', env: { ALERT_REPEAT_INTERVAL: '100000000000000d' }, variable: 'ALERT_REPEAT_INTERVAL' },
  { name: 'TELEPHONY_API_URL with a blank in its path (new URL() made it %20)', env: { TELEPHONY_API_URL: 'http://127.0.0.1:8080/v1 /balance' }, variable: 'TELEPHONY_API_URL' },
  { name: 'ALERTMANAGER_URL: a list written with a space, not a comma', env: { ALERTMANAGER_URL: 'http://am1.example.com:9093 http://am2.example.com:9093' }, variable: 'ALERTMANAGER_URL' },
  // Not a URL (an SES password with "/" unencoded; a "#" .env would cut): every send failed, and Node's
  // warning about it printed the password on stderr. Refused at start, the password in no message.
  { name: 'SMTP_URL with an unencoded "/" in the password', env: { ...EMAIL, SMTP_URL: 'smtp://AKIAEXAMPLE:BHx/abcSESpassWORD@127.0.0.1:2525' }, variable: 'SMTP_URL', secretInValue: 'SESpassWORD' },
];
for (const c of invalidCases) {
  test(`invalid: ${c.name} → a problem line starting with ${c.variable}`, () => {
    const problems = problemsOf({ ...BASE, ...c.env });
    assert.ok(startsWithVar(problems, c.variable), `no line starts with ${c.variable}: ${JSON.stringify(problems)}`);
    assert.ok(!problems.join('\n').includes(KEY), 'a problem line echoes the API key');
    if (c.secretInValue) assert.ok(!problems.join('\n').includes(c.secretInValue), 'a problem line echoes the credentials');
  });
}

test('with WALLETS_FILE, SMTP_URL and ALERT_EMAIL_FROM alone are the receivers\' mail defaults: ALERT_EMAIL_TO is not required (without it, it is)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-smtp-default-'));
  const file = join(dir, 'wallets.yaml');
  writeFileSync(join(dir, 'key'), 'k\n');
  writeFileSync(file, `receivers:\n  finance:\n    email: [{to: billing@example.com}]\nwallets:\n  - {name: a, api_key_file: ${join(dir, 'key')}, receivers: [finance]}\n`);
  const mail = { SMTP_URL: 'smtp://127.0.0.1:2525', ALERT_EMAIL_FROM: 'sentinel@example.com' };
  const { settings } = load({ WALLETS_FILE: file, ...mail });
  assert.deepEqual(settings.wallets.map((w) => w.name), ['a']);
  assert.ok(problemsOf({ ...BASE, ...mail }).some((p) => p.startsWith('ALERT_EMAIL_TO: is required when SMTP_URL is set')));
});

test('SMTP_URL that is not a URL: the message says which part is wrong (the port, the host, or an unencoded character in the credentials), never the value', () => {
  const cases: Array<[string, RegExp]> = [
    ['smtp://u:secretpw@127.0.0.1:99999', /port after the host must be a number up to 65535/],
    ['smtp://127.0.0.1:2x5', /port after the host must be a number up to 65535/],
    ['smtp://exa mple.test:25', /host must be a host name or an IP address/],
    ['smtp://u:secretpw@exa mple.test:25', /host must be a host name or an IP address/],
    ['smtp://AKIA:pass/secretpw@127.0.0.1:2525', /must be percent-encoded/],
    // these parse, with part of the user as the host: the login went to "us" instead of 127.0.0.1
    ['smtp://us/er:secretpw@127.0.0.1:25', /must be percent-encoded/],
    ['smtp://us?er:secretpw@127.0.0.1:25', /must be percent-encoded/],
    ['smtp://us#er:secretpw@127.0.0.1:25', /must be percent-encoded/],
    // a line end or tab anywhere: the URL parser drops it (sending another password); with a space as
    // well, the message's own regex failed and the process crashed with exit 1
    ['smtp://u:secret\npw@127.0.0.1:25', /must be a single line/],
    ['smtp://u:sec ret\npw@127.0.0.1:25', /must be a single line/],
    ['smtp://u:secretpw@127.0.\t0.1:25', /one line without control characters/],
  ];
  for (const [url, message] of cases) {
    const problems = problemsOf({ ...BASE, ...EMAIL, SMTP_URL: url }).filter((p) => p.startsWith('SMTP_URL'));
    assert.equal(problems.length, 1, `${url}: ${JSON.stringify(problems)}`);
    assert.match(problems[0]!, message);
    assert.ok(!problems[0]!.includes('secretpw'), 'the credentials in a problem line');
  }
});

test('a problem line quotes a bad ALERT_EMAIL_TO or METRICS_PORT escaped: a value with a line end forged a second line on stderr', () => {
  const to = problemsOf({ ...BASE, SMTP_URL: 'smtp://127.0.0.1:25', ALERT_EMAIL_FROM: 's@example.com', ALERT_EMAIL_TO: 'ops@example.com\r\nconfig error: nothing wrong here' });
  assert.deepEqual(to, ['ALERT_EMAIL_TO: not a comma-separated list of email addresses: "ops@example.com\\r\\nconfig error: nothing wrong here"']);
  const port = problemsOf({ ...BASE, METRICS_PORT: 'tcp://10.0.0.1:9721\nforged' }).filter((p) => p.startsWith('METRICS_PORT'));
  assert.ok(port.length > 0 && port.every((p) => !/[\r\n]/.test(p)), JSON.stringify(port));
});

test('SMTP_URL: the message about unencoded characters does not ask for an "@" or ":" in the password to be encoded (they work as they are)', () => {
  const [problem] = problemsOf({ ...BASE, ...EMAIL, SMTP_URL: 'smtp://u:pass/secretpw@127.0.0.1:25' }).filter((p) => p.startsWith('SMTP_URL'));
  assert.match(problem!, /"\/", "#" or "\?" in the user or password must be percent-encoded/);
  assert.doesNotMatch(problem!, /%40|%3A/, 'the message asks to encode "@" or ":"');
  // what the message says works, does: a password with "@" and ":" as they are
  assert.equal(load({ ...BASE, ...EMAIL, SMTP_URL: 'smtp://u:p@ss:w@127.0.0.1:25' }).settings.email?.smtpUrl.reveal(), 'smtp://u:p@ss:w@127.0.0.1:25');
});

const cronMessages: Array<[string, string]> = [
  ['61 * * * *', 'POLL_SCHEDULE: minute field 61 is out of range 0-59 in "61 * * * *"'],
  ['0 25 * * *', 'POLL_SCHEDULE: hour field 25 is out of range 0-23 in "0 25 * * *"'],
  ['60 * * * * *', 'POLL_SCHEDULE: second field 60 is out of range 0-59 in "60 * * * * *"'],
  ['* * * 13 *', 'POLL_SCHEDULE: month field 13 is out of range 1-12 in "* * * 13 *"'],
  ['* * * * 8', 'POLL_SCHEDULE: weekday field 8 is out of range 0-7 in "* * * * 8"'],
  ['5,70 * * * *', 'POLL_SCHEDULE: minute field 5,70 holds 70, out of range 0-59, in "5,70 * * * *"'],
  ['* * 31 2 *', 'POLL_SCHEDULE: day-of-month 31 never occurs in the month(s) of "* * 31 2 *"'],
  ['* * * *', 'POLL_SCHEDULE: "* * * *" has 4 field(s): use 5 (minute hour day-of-month month weekday), or 6 with seconds first'],
  ['abc * * * *', 'POLL_SCHEDULE: minute field abc is not valid in "abc * * * *" (numbers 0-59, *, lists a,b, ranges a-b, steps */n)'],
  // accepted by node-cron, but surely not what was written: a step past the field (hourly, daily), a range backwards (wrapped around)
  ['*/90 * * * *', 'POLL_SCHEDULE: minute field */90 steps by 90 in "*/90 * * * *", but minutes run 0-59: it gives minute 0 only, not every 90 minutes (a step is at most 60)'],
  ['0 */25 * * *', 'POLL_SCHEDULE: hour field */25 steps by 25 in "0 */25 * * *", but hours run 0-23: it gives hour 0 only, not every 25 hours (a step is at most 24)'],
  ['0 0-10/20 * * *', 'POLL_SCHEDULE: hour field 0-10/20 steps by 20 over 0-10 in "0 0-10/20 * * *": it gives hour 0 only (a step over 0-10 is at most 10)'],
  ['5-1 * * * *', 'POLL_SCHEDULE: minute field 5-1 is a range written backwards (5 is after 1; minutes run 0-59) in "5-1 * * * *": node-cron would wrap it around to 5-59,0-1, 57 of the 60 minutes; write 5-59,0-1 if that is what you mean'],
  ['0 9 * * FRI-MON', 'POLL_SCHEDULE: weekday field FRI-MON is a range written backwards (5 is after 1; weekdays run 0-7) in "0 9 * * FRI-MON": node-cron would wrap it around to 5-6,0-1, 4 of the 7 weekdays; write 5-6,0-1 if that is what you mean'],
  ['*/5 *\u00a0* * *', 'POLL_SCHEDULE: "*/5 *\u00a0* * *" holds a no-break space (U+00A0), which a cron expression cannot (use digits, * , - / and names such as MON or JAN, fields separated by spaces)'],
  ['*/5 * *\n* *', 'POLL_SCHEDULE: "*/5 * *\\n* *" holds a line break (U+000A), which a cron expression cannot (use digits, * , - / and names such as MON or JAN, fields separated by spaces)'],
];
for (const [expr, expected] of cronMessages) {
  test(`POLL_SCHEDULE ${JSON.stringify(expr)}: the message quotes the value and names the field and its range`, () => {
    assert.deepEqual(problemsOf({ ...BASE, POLL_SCHEDULE: expr }), [expected]);
  });
}

test('POLL_SCHEDULE: fields apart by tabs or runs of spaces, as crontab reads them; the scheduler gets them one space apart (node-cron refuses a tab)', () => {
  // "*/5\t* * * *" was refused as holding "characters a cron expression cannot", without naming the tab
  for (const written of ['*/5\t* * * *', ' */5 *\t\t*   * *\t', '0\t9-17\t*\t*\tMON-FRI']) {
    assert.equal(load({ ...BASE, POLL_SCHEDULE: written }).settings.poll.schedule, written.trim().replace(/\s+/g, ' '));
  }
});

test('POLL_SCHEDULE: what a backwards range is said to do is what node-cron would have done with it', () => {
  const said = (expr: string) => /wrap it around to ([\d,-]+),/.exec(problemsOf({ ...BASE, POLL_SCHEDULE: expr })[0]!)![1]!;
  const expand = (list: string) => list.split(',').flatMap((r) => { const [a, b = a] = r.split('-').map(Number); return Array.from({ length: b! - a! + 1 }, (_, i) => a! + i); });
  const sorted = (ns: number[]) => [...ns].sort((x, y) => x - y);
  assert.deepEqual(sorted(expand(said('5-1 * * * *'))), sorted(nodeCron().parse('5-1 * * * *').minute as number[]));
  assert.deepEqual(sorted(expand(said('0 22-2 * * *'))), sorted(nodeCron().parse('0 22-2 * * *').hour as number[]));
  assert.deepEqual(sorted(expand(said('0 9 * * FRI-MON'))), sorted(nodeCron().parse('0 9 * * FRI-MON').dayOfWeek as number[]));
});

test('POLL_SCHEDULE: steps within their field and ranges written forwards are accepted as before', () => {
  // a step of the whole field is once a cycle, what it says (*/60 minutes: hourly; 0 */24: daily; */7 weekdays: weekly; */12 months: yearly);
  // Sunday closing a weekday range is its 7 (MON-SUN, FRI-SUN), not a range written backwards
  for (const ok of ['*/60 * * * *', '0 */24 * * *', '0 0 * * */7', '0 0 1 */12 *', '0 0 */31 * *', '0 0 * * MON-SUN', '0 9 * * FRI-SUN', '*/59 * * * *', '*/15 * * * *', '0-30/15 * * * *', '0 9-17 * * MON-FRI', '0 0 1 jan-mar *', '* * * * 5-7', '0 0 * * */6', '*/30 */2 * * * *', '0 0 ? * *', '@hourly']) {
    assert.equal(load({ ...BASE, POLL_SCHEDULE: ok }).settings.poll.schedule, ok);
  }
});

test('several problems at once: one line per problem, every one reported', () => {
  const problems = problemsOf({ ...BASE, POLL_SCHEDULE: 'nope', REQUEST_TIMEOUT_MS: 'abc', METRICS_PORT: '70000', LOG_LEVEL: 'verbose' });
  for (const v of ['POLL_SCHEDULE', 'REQUEST_TIMEOUT_MS', 'METRICS_PORT', 'LOG_LEVEL']) {
    assert.ok(startsWithVar(problems, v), `missing ${v}: ${JSON.stringify(problems)}`);
  }
  assert.equal(problems.length, 4, JSON.stringify(problems));
  for (const p of problems) assert.ok(!p.includes('\n'), 'one line per problem');
});

test('METRICS_PORT set by a Kubernetes service link (a Service named metrics): one problem that says so', () => {
  const problems = problemsOf({ ...BASE, METRICS_PORT: 'tcp://10.0.0.5:9090' });
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(problems[0]!, /^METRICS_PORT: .*Kubernetes service link.*enableServiceLinks: false/);
});

test('several problems at once: a missing API key is reported alongside other problems', () => {
  const problems = problemsOf({ POLL_SCHEDULE: 'nope', LOG_LEVEL: 'verbose' });
  for (const v of ['TELEPHONY_API_KEY', 'POLL_SCHEDULE', 'LOG_LEVEL']) assert.ok(startsWithVar(problems, v), `missing ${v}`);
});

const crossFieldWithFieldProblem: Array<[string, Env, string[]]> = [
  ['RUNWAY_CRITICAL_HOURS above warning + bad timeout', { RUNWAY_CRITICAL_HOURS: '100', REQUEST_TIMEOUT_MS: 'abc' }, ['RUNWAY_CRITICAL_HOURS', 'REQUEST_TIMEOUT_MS']],
  ['SMTP_URL without FROM/TO + bad port', { SMTP_URL: 'smtp://mail.example.com:25', METRICS_PORT: '70000' }, ['ALERT_EMAIL_FROM', 'ALERT_EMAIL_TO', 'METRICS_PORT']],
  ['CRITICAL above LOW threshold + bad repeat interval', { LOW_BALANCE_THRESHOLD: '5', CRITICAL_BALANCE_THRESHOLD: '10', ALERT_REPEAT_INTERVAL: 'soon' }, ['CRITICAL_BALANCE_THRESHOLD', 'ALERT_REPEAT_INTERVAL']],
];
for (const [name, env, vars] of crossFieldWithFieldProblem) {
  test(
    `several problems at once, cross-field included: ${name}`,
    () => {
      const problems = problemsOf({ ...BASE, ...env });
      for (const v of vars) assert.ok(startsWithVar(problems, v), `missing ${v}: ${JSON.stringify(problems)}`);
    },
  );
}

// ---------------------------------------------------------------- API key

test('missing API key → a problem naming TELEPHONY_API_KEY', () => {
  const problems = problemsOf({});
  assert.ok(startsWithVar(problems, 'TELEPHONY_API_KEY'), JSON.stringify(problems));
});

test('requireApiKey: false → no problem and no key', () => {
  const { settings } = load({}, { requireApiKey: false });
  assert.equal(settings.wallets[0]!.api.apiKey, undefined);
});

test('an API key with a newline in it is refused', () => {
  assert.ok(startsWithVar(problemsOf({ TELEPHONY_API_KEY: 'abc\ndef' }), 'TELEPHONY_API_KEY'));
});

// ---------------------------------------------------------------- .env

test('.env in cwd is read', () => {
  const cwd = freshDir();
  writeFileSync(join(cwd, '.env'), 'TELEPHONY_API_KEY=from-dotenv\nACCOUNT_NAME=dotenv-acct\nMETRICS_PORT=9100\n');
  const { settings } = load({}, { cwd });
  assert.equal(settings.wallets[0]!.api.apiKey?.reveal(), 'from-dotenv');
  assert.equal(settings.wallets[0]!.name, 'dotenv-acct');
  assert.equal(settings.http.port, 9100);
});

test('a value in env overrides .env', () => {
  const cwd = freshDir();
  writeFileSync(join(cwd, '.env'), 'TELEPHONY_API_KEY=from-dotenv\nACCOUNT_NAME=dotenv-acct\n');
  const { settings } = load({ TELEPHONY_API_KEY: 'from-env', ACCOUNT_NAME: 'env-acct' }, { cwd });
  assert.equal(settings.wallets[0]!.api.apiKey?.reveal(), 'from-env');
  assert.equal(settings.wallets[0]!.name, 'env-acct');
});

test('TELEPHONY_API_KEY="" in env with a key in .env → ConfigError naming TELEPHONY_API_KEY', () => {
  const cwd = freshDir();
  writeFileSync(join(cwd, '.env'), 'TELEPHONY_API_KEY=from-dotenv\n');
  const problems = problemsOf({ TELEPHONY_API_KEY: '' }, { cwd });
  assert.ok(startsWithVar(problems, 'TELEPHONY_API_KEY'), JSON.stringify(problems));
  assert.ok(!problems.join('\n').includes('from-dotenv'), 'the .env key is echoed');
});

test('an invalid value in .env is reported with its variable', () => {
  const cwd = freshDir();
  writeFileSync(join(cwd, '.env'), 'TELEPHONY_API_KEY=k\nLOG_LEVEL=loud\n');
  assert.ok(startsWithVar(problemsOf({}, { cwd }), 'LOG_LEVEL'));
});

// ---------------------------------------------------------------- *_FILE secrets

test('TELEPHONY_API_KEY_FILE: the trailing newline is trimmed', () => {
  for (const content of ['file-key\n', 'file-key\r\n', 'file-key']) {
    const { settings } = load({ TELEPHONY_API_KEY_FILE: tempFile('key', content) });
    assert.equal(settings.wallets[0]!.api.apiKey?.reveal(), 'file-key', JSON.stringify(content));
  }
});

test('TELEPHONY_API_KEY_FILE given in .env is read too', () => {
  const cwd = freshDir();
  writeFileSync(join(cwd, '.env'), `TELEPHONY_API_KEY_FILE=${tempFile('key', 'dotenv-file-key\n')}\n`);
  assert.equal(load({}, { cwd }).settings.wallets[0]!.api.apiKey?.reveal(), 'dotenv-file-key');
});

const secretFiles: Array<{ name: string; base: Env; value: string; read: (s: Settings) => string | undefined }> = [
  { name: 'TELEPHONY_API_KEY', base: {}, value: 'key-from-file', read: (s) => s.wallets[0]!.api.apiKey?.reveal() },
  { name: 'SMTP_URL', base: { ...BASE, ...EMAIL }, value: 'smtp://user:pw@mail.example.com:25', read: (s) => s.email?.smtpUrl.reveal() },
  {
    name: 'ALERT_WEBHOOK_SECRET',
    base: { ...BASE, ALERT_WEBHOOK_URL: 'https://hooks.example.com/x' },
    value: 'whsec_from_file',
    read: (s) => s.webhook?.secret?.reveal(),
  },
];
for (const c of secretFiles) {
  const fileVar = `${c.name}_FILE`;

  test(`${fileVar}: read, trailing \\n, \\r\\n and a lone \\r trimmed, a leading byte-order mark dropped`, () => {
    for (const [bom, eol] of [['', '\n'], ['', '\r\n'], ['', '\r'], ['\uFEFF', '\n'], ['\uFEFF', '\r\n']] as const) {
      const { settings } = load({ ...c.base, [fileVar]: tempFile('secret', bom + c.value + eol) });
      assert.equal(c.read(settings), c.value, JSON.stringify(bom + eol));
    }
  });

  test(`${c.name} from the environment: a trailing line end is trimmed (a secret made with --from-file keeps it), one inside is refused without echoing it`, () => {
    for (const eol of ['\n', '\r\n']) assert.equal(c.read(load({ ...c.base, [c.name]: c.value + eol }).settings), c.value, JSON.stringify(eol));
    for (const inside of [`${c.value.slice(0, 9)}\n${c.value.slice(9)}`, `${c.value}\nsecond-line`]) {
      const problems = problemsOf({ ...c.base, [c.name]: inside });
      assert.ok(startsWithVar(problems, c.name), JSON.stringify(problems));
      assert.ok(problems.every((p) => !p.includes(c.value.slice(9)) && !p.includes('second-line')), JSON.stringify(problems));
    }
  });

  test(`${fileVar} holding two lines → refused (a second line is no part of a one-line secret)`, () => {
    const problems = problemsOf({ ...c.base, [fileVar]: tempFile('secret', `${c.value}\nsecond-line\n`) });
    assert.ok(startsWithVar(problems, c.name) || startsWithVar(problems, fileVar), JSON.stringify(problems));
    assert.ok(problems.every((p) => !p.includes('second-line')), JSON.stringify(problems));
  });

  test(`${c.name} in the environment replaces a ${fileVar} that only .env sets, and the other way round (the environment wins)`, () => {
    const cwd = freshDir();
    writeFileSync(join(cwd, '.env'), `${fileVar}=${tempFile('secret', 'from-dotenv-file\n')}\n`);
    assert.equal(c.read(load({ ...c.base, [c.name]: c.value }, { cwd }).settings), c.value);
    const cwd2 = freshDir();
    writeFileSync(join(cwd2, '.env'), `${c.name}=from-dotenv\n`);
    assert.equal(c.read(load({ ...c.base, [fileVar]: tempFile('secret', `${c.value}\n`) }, { cwd: cwd2 }).settings), c.value);
  });

  test(`${c.name} and ${fileVar} both set → a problem naming both`, () => {
    const problems = problemsOf({ ...c.base, [c.name]: c.value, [fileVar]: tempFile('secret', c.value) });
    assert.ok(
      problems.some((p) => p.includes(`${c.name}:`) || p.includes(`${c.name} `)) && problems.some((p) => p.includes(fileVar)),
      JSON.stringify(problems),
    );
  });

  test(`${fileVar} pointing at a missing file → a problem starting with ${fileVar}`, () => {
    const problems = problemsOf({ ...c.base, [fileVar]: join(freshDir(), 'does-not-exist') });
    assert.ok(startsWithVar(problems, fileVar), JSON.stringify(problems));
  });

  test(`${fileVar} holding the secret itself instead of a path → a problem that does not print it`, () => {
    for (const slip of [c.value, 'sk_live_Ab3/x+Yz9Q==', '/Qk9/x+Yz9Q=='])  {
      const problems = problemsOf({ ...c.base, [fileVar]: slip });
      assert.ok(startsWithVar(problems, fileVar), JSON.stringify(problems));
      assert.ok(problems.every((p) => !p.includes(slip)), JSON.stringify(problems));
    }
    // a real path still names itself: a missing file in a folder that exists, and a folder where a file belongs
    const missing = join(freshDir(), 'does-not-exist');
    assert.ok(problemsOf({ ...c.base, [fileVar]: missing }).some((p) => p.includes(missing)));
    const folder = freshDir();
    assert.ok(problemsOf({ ...c.base, [fileVar]: folder }).some((p) => p.includes(folder) && p.includes('EISDIR')));
  });
}

// ---------------------------------------------------------------- alert channels

test('SMTP_URL without ALERT_EMAIL_FROM / ALERT_EMAIL_TO → a problem for each', () => {
  const problems = problemsOf({ ...BASE, SMTP_URL: 'smtp://mail.example.com:25' });
  assert.ok(startsWithVar(problems, 'ALERT_EMAIL_FROM'), JSON.stringify(problems));
  assert.ok(startsWithVar(problems, 'ALERT_EMAIL_TO'), JSON.stringify(problems));
});

test('SMTP_URL with only ALERT_EMAIL_FROM → a problem for ALERT_EMAIL_TO only', () => {
  const problems = problemsOf({ ...BASE, SMTP_URL: 'smtp://mail.example.com:25', ALERT_EMAIL_FROM: 'a@b.io' });
  assert.ok(startsWithVar(problems, 'ALERT_EMAIL_TO'));
  assert.ok(!startsWithVar(problems, 'ALERT_EMAIL_FROM'));
});

test('ALERT_EMAIL_TO: a comma list is split and trimmed', () => {
  const { settings } = load({ ...BASE, SMTP_URL: 'smtps://mail.example.com:465', ALERT_EMAIL_FROM: 'sentinel@example.com', ALERT_EMAIL_TO: 'a@x.io, b@y.io ,c@z.io' });
  assert.deepEqual(settings.email?.to, ['a@x.io', 'b@y.io', 'c@z.io']);
  assert.equal(settings.email?.from, 'sentinel@example.com');
  assert.equal(settings.email?.smtpUrl.reveal(), 'smtps://mail.example.com:465');
});

test('ALERT_WEBHOOK_URL: a comma list is split and trimmed', () => {
  const { settings } = load({ ...BASE, ALERT_WEBHOOK_URL: 'https://a.example.com/hook, http://127.0.0.1:9000/x' });
  assert.deepEqual(
    settings.webhook?.targets.map((t) => t.url.reveal()),
    ['https://a.example.com/hook', 'http://127.0.0.1:9000/x'],
  );
  assert.deepEqual(settings.webhook?.targets.map((t) => t.format), ['json', 'json']);
  assert.equal(settings.webhook?.secret, undefined);
});

// ---------------------------------------------------------------- shape of the result

test('the returned Settings are deeply frozen', () => {
  const { settings } = load({ ...BASE, ...EMAIL, SMTP_URL: 'smtp://h:25', ALERT_WEBHOOK_URL: 'https://a/x' });
  assert.ok(settings.email && settings.webhook, 'email and webhook are configured (Object.isFrozen(undefined) is true)');
  for (const o of [settings, settings.wallets[0]!.api, settings.poll, settings.wallets[0]!.rules, settings.http, settings.email, settings.email?.to, settings.webhook, settings.webhook?.targets, settings.webhook?.targets[0]]) {
    assert.ok(Object.isFrozen(o));
  }
  // ESM modules are strict: assigning to a frozen property throws.
  assert.throws(() => {
    (settings.wallets[0] as { name: string }).name = 'changed';
  }, TypeError);
  assert.throws(() => {
    (settings.http as { port: number }).port = 1;
  }, TypeError);
  assert.throws(() => (settings.email!.to as string[]).push('evil@example.com'), TypeError);
  assert.equal(settings.wallets[0]!.name, 'default');
});

test('unknown TELEPHONY_* / ALERT_* variables → a warning, not an error; others are ignored', () => {
  const { warnings } = load({ ...BASE, TELEPHONY_FOO: '1', ALERT_WEBHOOK_URLS: 'https://x', HOME: '/root', SOME_OTHER: 'x' });
  assert.equal(warnings.length, 2, JSON.stringify(warnings));
  assert.ok(warnings.some((w) => w.startsWith('TELEPHONY_FOO')));
  assert.ok(warnings.some((w) => w.startsWith('ALERT_WEBHOOK_URLS')));
});

test('ALERT_PAGERDUTY_ROUTING_KEY without a pagerduty+ URL: a warning (nothing would go to PagerDuty), never showing the key; with one, none', () => {
  const key = 'R0utingKeyNotShown0000000000000a';
  const { warnings } = load({ ...BASE, ALERT_PAGERDUTY_ROUTING_KEY: key });
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(warnings[0]!, /^ALERT_PAGERDUTY_ROUTING_KEY: set, but no pagerduty\+ URL in ALERT_WEBHOOK_URL uses it: no event is sent with this key .*receiver's pagerduty channel takes a routing key of its own\)$/);
  assert.ok(!warnings[0]!.includes(key));
  assert.deepEqual(load({ ...BASE, ALERT_PAGERDUTY_ROUTING_KEY: key, ALERT_WEBHOOK_URL: 'pagerduty+https://events.pagerduty.com/v2/enqueue' }).warnings, []);
});

test('secrets never appear in JSON or util.inspect of the settings, nor in problems; reveal() gives them', () => {
  const smtpPw = 'S3cretPw';
  const whSecret = 'whsec_D0ntPrintMe';
  const hookToken = 'T0kenInHookUrl'; // a webhook URL is often the credential itself (Slack)
  const env: Env = {
    ...BASE,
    ...EMAIL,
    SMTP_URL: `smtp://user:${smtpPw}@host:25`,
    ALERT_WEBHOOK_URL: `https://hooks.example.com/${hookToken}`,
    ALERT_WEBHOOK_SECRET: whSecret,
  };
  const loaded = load(env);
  const { settings } = loaded;
  for (const out of [JSON.stringify(loaded), inspect(loaded, { depth: 10 }), inspect(settings, { depth: 10, showHidden: true }), String(settings.wallets[0]!.api.apiKey)]) {
    for (const secret of [KEY, smtpPw, whSecret, hookToken]) assert.ok(!out.includes(secret), `${secret} leaked in ${out}`);
  }
  assert.equal(settings.wallets[0]!.api.apiKey?.reveal(), KEY);
  assert.equal(settings.email?.smtpUrl.reveal(), `smtp://user:${smtpPw}@host:25`);
  assert.equal(settings.webhook?.secret?.reveal(), whSecret);
  assert.equal(settings.webhook?.targets[0]?.url.reveal(), `https://hooks.example.com/${hookToken}`);

  try {
    load({ ...env, LOG_LEVEL: 'verbose' });
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    for (const text of [err.message, inspect(err), JSON.stringify(err.problems)]) {
      for (const secret of [KEY, smtpPw, whSecret, hookToken]) assert.ok(!text.includes(secret), `${secret} leaked in the error`);
    }
  }
});

// ---------------------------------------------------------------- durations

const durations: Array<[string, number | undefined]> = [
  ['30m', 1_800_000],
  ['4h', 14_400_000],
  ['1h30m', 5_400_000],
  ['90s', 90_000],
  ['250ms', 250],
  ['1d', 86_400_000],
  ['900', 900_000],
  ['1.5', 1500],
  [' 4h ', 14_400_000],
  ['soon', undefined],
  ['', undefined],
  ['-5m', undefined],
  ['4 h', undefined],
  ['4x', undefined],
  ['h', undefined],
];
for (const [text, expected] of durations) {
  test(`parseDuration(${JSON.stringify(text)}) → ${expected}`, () => {
    assert.equal(parseDuration(text), expected);
  });
}

const formats: Array<[number, string]> = [
  [90_000, '1m30s'],
  [14_400_000, '4h'],
  [5_400_000, '1h30m'],
  [86_400_000 + 1000, '1d1s'],
  [0, '0s'],
  [Infinity, 'never'],
];
for (const [ms, expected] of formats) {
  test(`formatDuration(${ms}) → ${expected}`, () => {
    assert.equal(formatDuration(ms), expected);
  });
}

test('a value with a line break is shown escaped: one problem stays one line (it cannot forge a second)', () => {
  const problems = problemsOf({ TELEPHONY_API_KEY: 'k', LOW_BALANCE_THRESHOLD: '1\nconfig error: forged', ALERT_REPEAT_INTERVAL: "4h'\r" });
  assert.ok(problems.length >= 2, problems.join('|'));
  assert.ok(problems.every((p) => !/[\r\n]/.test(p)), JSON.stringify(problems));
  assert.ok(problems.some((p) => p.startsWith('LOW_BALANCE_THRESHOLD: "1\\nconfig error: forged" is not a number')), JSON.stringify(problems));
});

test("a secret put where its file's path belongs is never printed, even one starting with '/' (its directory would be '/', which exists)", () => {
  for (const value of ['/sk_live_SEKRIT_slash', 'sk_live/SEKRIT_mid', 'sk_live_SEKRIT_plain']) {
    const problems = problemsOf({ TELEPHONY_API_KEY_FILE: value });
    assert.ok(problems.some((p) => p.startsWith('TELEPHONY_API_KEY_FILE: cannot read the file it names (the name is not shown')), JSON.stringify(problems));
    assert.ok(!problems.join('\n').includes('SEKRIT'), JSON.stringify(problems));
  }
  assert.deepEqual(problemsOf({ TELEPHONY_API_KEY_FILE: '/tmp/no-such-key-file' }), ['TELEPHONY_API_KEY_FILE: cannot read /tmp/no-such-key-file: ENOENT'], 'a path in a real folder is named');
});

test("a secret's _FILE that cannot be read is one problem: the rules needing that secret count it as set (no 'SMTP_URL: is required' beside it)", (t) => {
  const missing = join(freshDir(), 'missing');
  assert.deepEqual(
    problemsOf({ TELEPHONY_API_KEY: 'k', SMTP_URL_FILE: missing, ALERT_EMAIL_FROM: 'a@example.com', ALERT_EMAIL_TO: 'b@example.com' }),
    [`SMTP_URL_FILE: cannot read ${missing}: ENOENT`],
  );
  assert.deepEqual(
    problemsOf({ TELEPHONY_API_KEY: 'k', ALERT_WEBHOOK_URL: 'pagerduty+https://events.pagerduty.com/v2/enqueue', ALERT_PAGERDUTY_ROUTING_KEY_FILE: missing }),
    [`ALERT_PAGERDUTY_ROUTING_KEY_FILE: cannot read ${missing}: ENOENT`],
  );
  // Nor 'SMTP_CA_FILE: is set but SMTP_URL is not': SMTP_URL is set, through a file that cannot be read.
  const ca = selfSignedCert(t)?.certFile;
  if (ca) assert.deepEqual(problemsOf({ TELEPHONY_API_KEY: 'k', SMTP_URL_FILE: missing, SMTP_CA_FILE: ca }), [`SMTP_URL_FILE: cannot read ${missing}: ENOENT`]);
  // A rule about another variable still holds.
  assert.deepEqual(problemsOf({ TELEPHONY_API_KEY: 'k', SMTP_URL_FILE: missing, ALERT_WEBHOOK_SECRET: 's' }), [
    `SMTP_URL_FILE: cannot read ${missing}: ENOENT`,
    'ALERT_WEBHOOK_URL: is required when ALERT_WEBHOOK_SECRET is set',
  ]);
});

test('ALERT_WEBHOOK_URL_FILE: the webhook URL (a Slack URL is the credential) read from a file, newline trimmed; with ALERT_WEBHOOK_URL too, refused; unreadable, one problem', () => {
  const file = join(freshDir(), 'hook');
  writeFileSync(file, 'slack+https://hooks.slack.com/services/T0/B0/SEKRITtoken\n');
  const { settings } = load({ TELEPHONY_API_KEY: 'k', ALERT_WEBHOOK_URL_FILE: file });
  assert.deepEqual(settings.webhook?.targets.map((w) => [w.format, w.url.reveal()]), [['slack', 'https://hooks.slack.com/services/T0/B0/SEKRITtoken']]);
  assert.deepEqual(problemsOf({ TELEPHONY_API_KEY: 'k', ALERT_WEBHOOK_URL_FILE: file, ALERT_WEBHOOK_URL: 'https://x.example.com/h' }), ['ALERT_WEBHOOK_URL: set both ALERT_WEBHOOK_URL and ALERT_WEBHOOK_URL_FILE; set only one']);
  const missing = join(freshDir(), 'missing');
  assert.deepEqual(problemsOf({ TELEPHONY_API_KEY: 'k', ALERT_WEBHOOK_URL_FILE: missing, ALERT_WEBHOOK_SECRET: 's' }), [`ALERT_WEBHOOK_URL_FILE: cannot read ${missing}: ENOENT`]);
});

test('TELEPHONY_API_KEY with a zero-width space pasted in: refused (the HTTP client dropped it and sent another key), the key not shown', () => {
  const problems = problemsOf({ TELEPHONY_API_KEY: 'SEKRIT\u200bX' });
  assert.deepEqual(problems, ['TELEPHONY_API_KEY: holds a control or invisible character (a tab, a zero-width or non-breaking space pasted with it?)']);
});

test('RUNWAY_WARNING_HOURS below the critical default: the problem names the variable that was set, and the default it meets', () => {
  assert.deepEqual(problemsOf({ TELEPHONY_API_KEY: 'k', RUNWAY_WARNING_HOURS: '12' }), ['RUNWAY_WARNING_HOURS: (12) must not be below RUNWAY_CRITICAL_HOURS (24, its default)']);
  assert.deepEqual(problemsOf({ TELEPHONY_API_KEY: 'k', RUNWAY_CRITICAL_HOURS: '80' }), ['RUNWAY_CRITICAL_HOURS: (80) must not be above RUNWAY_WARNING_HOURS (72, its default)']);
  assert.deepEqual(problemsOf({ TELEPHONY_API_KEY: 'k', RUNWAY_WARNING_HOURS: '12', RUNWAY_CRITICAL_HOURS: '20' }), ['RUNWAY_CRITICAL_HOURS: (20) must not be above RUNWAY_WARNING_HOURS (12)']);
});

test('a retry base over 5 min is used as 5 min and warned about (it worked so before); a group interval over a day is refused', () => {
  assert.deepEqual(problemsOf({ TELEPHONY_API_KEY: 'k', ALERT_GROUP_INTERVAL: '30d' }), ["ALERT_GROUP_INTERVAL: must be at most 24h (one digest a day), got '30d'"]);
  assert.deepEqual(problemsOf({ TELEPHONY_API_KEY: 'k', LOG_LEVEL: 'trace' }), ["LOG_LEVEL: must be one of debug, info, warn, error, got 'trace'"], 'the value given, as a number setting says it');
  const { settings, warnings } = load({ TELEPHONY_API_KEY: 'k', ALERT_RETRY_BASE_DELAY: '10m', ALERT_GROUP_INTERVAL: '24h' });
  assert.equal(settings.alerts.retryBaseDelayMs, 5 * 60_000);
  assert.equal(settings.alerts.groupIntervalMs, 24 * 3_600_000);
  assert.ok(warnings.includes('ALERT_RETRY_BASE_DELAY: above 5m, the longest wait between retries; 5m is used'), warnings.join('|'));
});
