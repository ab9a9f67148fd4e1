/** The command line (parseArgs) and `check --format nagios` (nagiosLine): pure, as tables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, USAGE, type ParsedArgs } from '../../src/cli/args.js';
import { nagiosLine, type NagiosInput } from '../../src/cli/nagios.js';
import { plainDecimal } from '../../src/domain/round.js';
import { webhookBody } from '../../src/notify/webhook/body.js';

test('parseArgs: what runs', () => {
  const cases: Array<[string[], ParsedArgs]> = [
    [[], { kind: 'run', command: { name: 'start' } }],
    [['start'], { kind: 'run', command: { name: 'start' } }],
    [['check'], { kind: 'run', command: { name: 'check', format: 'json' } }],
    [['check', '--format', 'json'], { kind: 'run', command: { name: 'check', format: 'json' } }],
    [['check', '--format', 'nagios'], { kind: 'run', command: { name: 'check', format: 'nagios' } }],
    [['check', '--format=nagios'], { kind: 'run', command: { name: 'check', format: 'nagios' } }],
    [['test-alert'], { kind: 'run', command: { name: 'test-alert' } }],
    [['backtest', 'h.csv'], { kind: 'run', command: { name: 'backtest', file: 'h.csv' } }],
    [['backtest', '--', '--odd-name.csv'], { kind: 'run', command: { name: 'backtest', file: '--odd-name.csv' } }],
    [['backtest', '-'], { kind: 'run', command: { name: 'backtest', file: '-' } }],
  ];
  for (const [argv, expected] of cases) assert.deepEqual(parseArgs(argv), expected, argv.join(' '));
});

test('parseArgs: --help prints the usage of the command it follows; exit 0', () => {
  const help = (argv: string[]) => {
    const r = parseArgs(argv);
    assert.equal(r.kind, 'print', argv.join(' '));
    return (r as { text: string }).text;
  };
  assert.equal(help(['--help']), USAGE);
  assert.equal(help(['-h']), USAGE);
  assert.equal(help(['help']), USAGE);
  for (const command of ['start', 'check', 'test-alert', 'backtest']) {
    for (const argv of [[command, '--help'], [command, '-h'], ['help', command]]) {
      const text = help(argv);
      assert.match(text, new RegExp(`^Usage: wallet-sentinel ${command === 'start' ? '\\[start\\]' : command}`), argv.join(' '));
      assert.notEqual(text, USAGE);
    }
  }
  assert.match(help(['check', '--help']), /--format nagios/);
  // README's command table: UNKNOWN is also an unreadable state database or an empty shard, and bad settings exit 78
  assert.match(help(['check', '--help']), /3 UNKNOWN \(the poll failed, or no wallet falls in this shard\); 78 on\s+bad settings/);
  assert.match(help(['backtest', '--help']), /65 bad input/);
  assert.match(help(['backtest', 'file.csv', '--help']), /^Usage: wallet-sentinel backtest FILE/);
  assert.match(help(['check', '--format', 'bogus', '--help']), /^Usage: wallet-sentinel check/, '--help wins over a bad value');
  assert.match(help(['--version']), /^\d+\.\d+\.\d+/);
  assert.match(help(['help', 'providers']), /providers/);
  const unknown = parseArgs(['help', 'bogus']);
  assert.equal(unknown.kind, 'usage-error', 'help for an unknown command is a usage error (exit 64), not the general help with exit 0');
  assert.match((unknown as { message: string }).message, /unknown command: bogus/);
});

test('parseArgs: usage errors name the problem and carry the command usage (exit 64)', () => {
  const cases: Array<[string[], RegExp, RegExp]> = [
    [['frobnicate'], /^unknown command: frobnicate$/, /^wallet-sentinel \S+: guards/],
    [['--bogus'], /^unknown option: --bogus$/, /^wallet-sentinel \S+: guards prepaid API wallets/],
    [['backtest'], /^backtest: missing FILE/, /^Usage: wallet-sentinel backtest FILE/],
    [['backtest', 'a.csv', 'b.csv'], /^backtest: one FILE only, got 2$/, /^Usage: wallet-sentinel backtest/],
    [['backtest', '--format', 'nagios', 'a.csv'], /^backtest: unknown option --format$/, /^Usage: wallet-sentinel backtest/],
    [['check', '--format'], /^check: --format needs a value: json or nagios$/, /^Usage: wallet-sentinel check/],
    [['check', '--format='], /^check: --format needs a value/, /^Usage: wallet-sentinel check/],
    [['check', '--format', 'xml'], /^check: --format must be json or nagios, not "xml"$/, /^Usage: wallet-sentinel check/],
    [['check', '--format=NAGIOS'], /^check: --format must be json or nagios, not "NAGIOS"$/, /^Usage: wallet-sentinel check/],
    [['check', '--verbose'], /^check: unknown option --verbose$/, /^Usage: wallet-sentinel check/],
    [['check', '-x'], /^check: unknown option -x$/, /^Usage: wallet-sentinel check/],
    [['check', 'extra'], /^check: unexpected argument extra$/, /^Usage: wallet-sentinel check/],
    [['start', 'now'], /^start: unexpected argument now$/, /^Usage: wallet-sentinel \[start\]/],
    [['test-alert', '--format', 'json'], /^test-alert: unknown option --format$/, /^Usage: wallet-sentinel test-alert/],
    [['check', '--format', 'json', '--format', 'nagios'], /^check: --format given twice; give it once$/, /^Usage: wallet-sentinel check/],
    [['providers', '--help', '--bogus'], /^providers: unexpected argument --bogus$/, /^Usage: wallet-sentinel providers/],
    [['--version', 'extra'], /^--version: unexpected argument extra$/, /\nUsage:\n {2}wallet-sentinel \[start\]/],
    [['help', 'check', 'extra'], /^help: one command at a time, got also extra$/, /\nUsage:\n {2}wallet-sentinel \[start\]/],
  ];
  for (const [argv, message, usage] of cases) {
    const r = parseArgs(argv);
    assert.equal(r.kind, 'usage-error', argv.join(' '));
    if (r.kind !== 'usage-error') continue;
    assert.match(r.message, message, argv.join(' '));
    assert.match(r.usage, usage, argv.join(' '));
  }
});

const RULES = { lowBalanceThreshold: 100, criticalBalanceThreshold: 50, runwayWarningHours: 72, runwayCriticalHours: 24 };
const base: NagiosInput = {
  account: 'default',
  code: 1,
  error: null,
  balance: 80,
  currency: 'USD',
  runwaySeconds: 200_000,
  burnRatePerHour: 1.44,
  conditions: { low_balance: 'warning' },
  rules: RULES,
};

test('nagiosLine: status text and performance data in the plugin syntax', () => {
  const cases: Array<[string, Partial<NagiosInput>, string]> = [
    [
      'warning',
      {},
      "WALLET WARNING - wallet 'default' balance 80 USD, runway about 2 days: low_balance (warning) | balance=80;100:;50: runway=200000s;259200:;86400:;0 burn_rate=1.44;;;0",
    ],
    [
      'ok, not burning',
      { code: 0, balance: 500, runwaySeconds: Infinity, burnRatePerHour: null, conditions: {} },
      "WALLET OK - wallet 'default' balance 500 USD, not burning | balance=500;100:;50: runway=U;259200:;86400:;0 burn_rate=U;;;0",
    ],
    [
      'ok, a first poll: the runway is not known yet, not "not burning"',
      { code: 0, balance: 500, runwaySeconds: Infinity, runwayUnknown: true, burnRatePerHour: null, conditions: {} },
      "WALLET OK - wallet 'default' balance 500 USD, runway not known yet | balance=500;100:;50: runway=U;259200:;86400:;0 burn_rate=U;;;0",
    ],
    [
      'critical, two alerts, no currency, overdraft',
      { code: 2, balance: -3.25, currency: null, runwaySeconds: 0, burnRatePerHour: 12.345678, conditions: { low_balance: 'critical', wallet_exhausted: 'critical' } },
      "WALLET CRITICAL - wallet 'default' balance -3.25, runway less than 2 minutes: low_balance (critical), wallet_exhausted (critical) | balance=-3.25;100:;50: runway=0s;259200:;86400:;0 burn_rate=12.3457;;;0",
    ],
    [
      'unknown: the reason, every value U',
      { code: 3, error: 'poll failed: GET 127.0.0.1:9/v1/wallet/balance: network error (ECONNREFUSED)', conditions: {} },
      "WALLET UNKNOWN - wallet 'default': poll failed: GET 127.0.0.1:9/v1/wallet/balance: network error (ECONNREFUSED) | balance=U;100:;50: runway=U;259200:;86400:;0 burn_rate=U;;;0",
    ],
    [
      'thresholds off: empty warn/crit fields',
      { code: 0, conditions: {}, rules: { ...RULES, lowBalanceThreshold: undefined, criticalBalanceThreshold: undefined } },
      "WALLET OK - wallet 'default' balance 80 USD, runway about 2 days | balance=80 runway=200000s;259200:;86400:;0 burn_rate=1.44;;;0",
    ],
    [
      'tiny and huge values never use an exponent',
      { code: 0, conditions: {}, balance: 1e-7, burnRatePerHour: 1234567890.5 },
      "WALLET OK - wallet 'default' balance 0.0000001 USD, runway about 2 days | balance=0.0000001;100:;50: runway=200000s;259200:;86400:;0 burn_rate=1234567890.5;;;0",
    ],
    [
      'below 1: 4 significant digits, as the webhook body has them (4 places said "balance 0 BTC", balance=0;0.0001:;0:)',
      { balance: 0.00004, currency: 'BTC', runwaySeconds: Infinity, burnRatePerHour: 0.0000012345678, rules: { ...RULES, lowBalanceThreshold: 0.0001, criticalBalanceThreshold: 0.00002 } },
      "WALLET WARNING - wallet 'default' balance 0.00004 BTC, not burning: low_balance (warning) | balance=0.00004;0.0001:;0.00002: runway=U;259200:;86400:;0 burn_rate=0.000001235;;;0",
    ],
  ];
  for (const [name, over, expected] of cases) assert.equal(nagiosLine({ ...base, ...over }), expected, name);
});

test('nagiosLine: one line, one "|", whatever the error message holds', () => {
  const line = nagiosLine({ ...base, code: 3, error: 'poll failed: bad | thing\r\nsecond line\u0000' });
  assert.ok(!/[\r\n\u0000]/.test(line), line);
  assert.equal(line.split('|').length, 2, line);
  assert.match(line, /^WALLET UNKNOWN - wallet 'default': poll failed: bad thing second line \| balance=U/);
});

test('nagiosLine: perfdata grammar — label=value[UOM];[warn];[crit];[min];[max], ranges as [@][start:][end]', () => {
  const value = '(?:-?\\d+(?:\\.\\d+)?|U)';
  const range = '(?:@?(?:~|-?\\d+(?:\\.\\d+)?)?:?(?:-?\\d+(?:\\.\\d+)?)?)';
  const item = new RegExp(`^[a-z_]+=${value}(?:s|ms|us|%|B|KB|MB|TB|c)?(?:;${range}(?:;${range}(?:;${value}?(?:;${value}?)?)?)?)?$`);
  for (const over of [{}, { code: 3 as const }, { rules: { ...RULES, lowBalanceThreshold: 12.5 } }, { balance: -0.5 }, { balance: 0.00004, rules: { ...RULES, lowBalanceThreshold: 0.0001 } }, { balance: -4.5e-9 }, { balance: 1.5e22 }]) {
    const perf = nagiosLine({ ...base, ...over }).split(' | ')[1]!;
    for (const p of perf.split(' ')) assert.match(p, item, p);
  }
});

test('nagiosLine rounds balances as the webhook body does, written without an exponent however small or large', () => {
  for (const balance of [0.00004, 0.123456, 1.23456, 99.99999, 1e-7, -0.5, 123456.654321]) {
    const wallet = { balance, currency: null, burnRatePerHour: null, runwaySeconds: null };
    const body = webhookBody({ id: 'x', account: 'default', alertname: 'low_balance', severity: 'warning', status: 'firing', reason: 'start', startsAt: 0, decidedAt: 0, wallet }, 0);
    assert.equal(Number(/ \| balance=([^;]+);/.exec(nagiosLine({ ...base, balance }))![1]), body.balance, String(balance));
  }
  const cases: Array<[number, string]> = [[0, '0'], [-0, '0'], [4e-5, '0.00004'], [-4.5e-7, '-0.00000045'], [1e21, '1000000000000000000000'], [1.5e22, '15000000000000000000000'], [80, '80']];
  for (const [n, plain] of cases) assert.equal(plainDecimal(n), plain, String(n));
});
