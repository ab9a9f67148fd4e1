/** WALLETS_FILE `receivers:` (issue 11): what a good file gives, and each problem as an exact line. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { createReceivers } from '../../src/notify/registry.js';
import { retarget } from '../../src/notify/retarget.js';
import { newTarget, type Target } from '../../src/notify/target.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `receivers` YAML (indented under `receivers:`) and wallet lines; SECRET is replaced by a file holding a URL. */
function file(receivers: string, walletLines = '', env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ws-receivers-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'key'), 'k\n');
  writeFileSync(join(dir, 'secret'), 'https://hooks.example.com/services/T/B/x\n');
  const path = join(dir, 'wallets.yaml');
  const yaml = `wallets:\n  - name: w\n    api_key_file: ${join(dir, 'key')}\n${walletLines}receivers:\n${receivers}`;
  writeFileSync(path, yaml.replaceAll('SECRET', join(dir, 'secret')));
  const run = () => loadSettings({ WALLETS_FILE: path, ...env }, { cwd: dir });
  return { path, run };
}

function problems(receivers: string, walletLines = '', env: Record<string, string> = {}): string[] {
  const { path, run } = file(receivers, walletLines, env);
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => p.replace(path, 'FILE'));
  }
  assert.fail('expected a ConfigError');
}

test('a good file: receivers with their channels, severities and group interval; wallets name them; `default` is the environment', () => {
  const { run } = file(
    `  voice:\n    slack: [{url_file: SECRET}]\n  oncall:\n    severities: [critical]\n    group_interval: 90s\n    pagerduty: {routing_key: rk}\n    webhook: [{url: "http://127.0.0.1:9/a"}, {url_file: SECRET, secret: s}]\n`,
    '    receivers: [voice, default]\n',
    { ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/env,slack+http://127.0.0.1:9/s', ALERT_GROUP_INTERVAL: '2m' },
  );
  const { settings, warnings } = run();
  assert.deepEqual(settings.wallets[0]!.receivers, ['voice', 'default']);
  assert.deepEqual(
    settings.receivers.map((r) => [r.name, r.severities, r.groupIntervalMs, r.channels.map((c) => c.label)]),
    [
      ['voice', undefined, undefined, ['voice/slack#1 (hooks.example.com)']],
      ['oncall', ['critical'], 90_000, ['oncall/webhook#1 (127.0.0.1:9)', 'oncall/webhook#2 (hooks.example.com)', 'oncall/pagerduty#1 (events.pagerduty.com)']],
    ],
  );
  // literal secrets work but are warned about (a key or a URL written in the file)
  assert.equal(warnings.filter((w) => w.includes('a secret written in the file')).length, 3, warnings.join('\n'));
  const receivers = createReceivers(settings);
  // Keys name the destination by a digest (never the URL: it may be the credential), per receiver and kind.
  const h = '[0-9a-f]{16}';
  const keys = receivers.map((r) => [r.name, r.groupIntervalMs, r.notifiers.map((n) => n.key)] as const);
  assert.deepEqual(keys.map(([name, ms, k]) => [name, ms, k.length]), [['default', 120_000, 2], ['voice', 120_000, 1], ['oncall', 90_000, 3]]);
  const patterns = [[`^webhook:webhook:${h}$`, `^webhook:slack:${h}$`], [`^voice/slack:${h}$`], [`^oncall/webhook:${h}$`, `^oncall/webhook:${h}$`, `^oncall/pagerduty:${h}$`]];
  keys.forEach(([, , k], i) => k.forEach((key, j) => assert.match(key, new RegExp(patterns[i]![j]!))));
  assert.equal(new Set(keys.flatMap(([, , k]) => k)).size, 6, 'every sender its own key');
  assert.ok(!JSON.stringify(keys).includes('hooks.example.com') && !JSON.stringify(keys).includes('127.0.0.1'), 'no URL in a key');
  // what earlier builds stored owed deliveries under (by position) still finds each sender
  assert.deepEqual([...receivers[0]!.formerKeys!.entries()], [['webhook:webhook#1 (127.0.0.1:9)', keys[0]![2][0]], ['webhook:webhook#2/slack (127.0.0.1:9)', keys[0]![2][1]]]);
  assert.deepEqual([...receivers[2]!.formerKeys!.keys()], ['oncall/webhook#1', 'oncall/webhook#2', 'oncall/pagerduty#1']);
  assert.equal(typeof receivers[1]!.notifiers[0]!.sendDigest, 'function', 'Slack groups');
  assert.equal(receivers[2]!.notifiers[0]!.sendDigest, undefined, 'a webhook keeps one event per alert');
});

const cases: Array<[string, string, string, string[]]> = [
  ['an unknown channel kind', '  r:\n    teams: [{url: "http://x"}]\n', '', ["FILE: receiver 'r': unknown key 'teams' (expected email, webhook, slack, pagerduty, alertmanager, severities, group_interval)"]],
  ['an smtp_url that is not a URL (an unencoded "/" in the password)', '  r:\n    email: [{to: [a@b.io], from: c@d.io, smtp_url: "smtp://u:pass/word@127.0.0.1:25"}]\n', '', ["FILE: receiver 'r': email #1: smtp_url: is not a valid URL: a \"/\", \"#\" or \"?\" in the user or password must be percent-encoded (%2F, %23, %3F); an \"@\" or \":\" in the password works as it is"]],
  ['a receiver with no channel', '  r:\n    severities: [critical]\n', '', ["FILE: receiver 'r': has no channel (give at least one of email, webhook, slack, pagerduty, alertmanager)"]],
  ['a receiver named default', '  default:\n    webhook: [{url: "http://127.0.0.1:9/"}]\n', '', ["FILE: receiver 'default': 'default' is the receiver of the environment's channels (SMTP_URL, ALERT_WEBHOOK_URL, ALERTMANAGER_URL); choose another name"]],
  ['a bad severity and group interval', '  r:\n    severities: [page]\n    group_interval: soon\n    webhook: [{url: "http://127.0.0.1:9/"}]\n', '', ["FILE: receiver 'r': severities: must be a list of warning, critical", "FILE: receiver 'r': group_interval: is not a duration such as 5m or 300 (seconds)"]],
  ['a channel entry with an unknown key, both url and url_file, an unreadable file', '  r:\n    slack: [{url: "http://a/", url_file: SECRET, colour: red}]\n    pagerduty: [{routing_key_file: /nonexistent/pd}]\n', '', ["FILE: receiver 'r': slack #1: colour: unknown key (expected url, url_file)", "FILE: receiver 'r': slack #1: url: set both url and url_file; set only one", "FILE: receiver 'r': pagerduty #1: routing_key_file: cannot read the file it names (the name is not shown: it may be the secret itself): ENOENT"]],
  ['a group interval over a day', '  r:\n    group_interval: 25h\n    webhook: [{url: "http://127.0.0.1:9/"}]\n', '', ["FILE: receiver 'r': group_interval: must be at most 24h (one digest a day), got '25h'"]],
  ['a URL that is not http(s) (never quoted)', '  r:\n    webhook: [{url: "ftp://user:pw@host/"}]\n', '', ["FILE: receiver 'r': webhook #1: url: scheme ftp: is not http: or https:"]],
  ['an smtp_url with a line end inside (the URL parser would drop it and send another password)', '  r:\n    email: [{to: [a@b.io], from: c@d.io, smtp_url: "smtp://u:pa\\nss word@127.0.0.1:25"}]\n', '', ["FILE: receiver 'r': email #1: smtp_url: must be a single line"]],
  ['a webhook secret of spaces (sent, it would sign with a blank key)', '  r:\n    webhook: [{url: "http://127.0.0.1:9/", secret: "   "}]\n', '', ["FILE: receiver 'r': webhook #1: secret: holds only spaces: set it, or leave it unset"]],
  ['email without a mail server', '  r:\n    email: [{to: [a@example.com]}]\n', '', ["FILE: receiver 'r': email #1: from: is required (or set ALERT_EMAIL_FROM)", "FILE: receiver 'r': email #1: smtp_url: is required (or smtp_url_file, or SMTP_URL in the environment)"]],
  ['email whose smtp_url_file cannot be read: that one problem, not also "smtp_url: is required"', '  r:\n    email: [{to: [a@example.com], from: c@example.com, smtp_url_file: /nonexistent/smtp}]\n', '', ["FILE: receiver 'r': email #1: smtp_url_file: cannot read the file it names (the name is not shown: it may be the secret itself): ENOENT"]],
  ['email with an empty smtp_url_file and no SMTP_URL: still "is required"', '  r:\n    email: [{to: [a@example.com], from: c@example.com, smtp_url_file: ""}]\n', '', ["FILE: receiver 'r': email #1: smtp_url: is required (or smtp_url_file, or SMTP_URL in the environment)"]],
  ['a wallet naming an unknown receiver', '  r:\n    webhook: [{url: "http://127.0.0.1:9/"}]\n', '    receivers: [r, nobody]\n', ["FILE: wallet 'w' (#1): receivers: 'nobody' is not a receiver of the file (known: default, r)"]],
  ['receivers that is not a list', '  r:\n    webhook: [{url: "http://127.0.0.1:9/"}]\n', '    receivers: {r: 1}\n', ["FILE: wallet 'w' (#1): receivers: must be a list of receiver names, such as [voice-slack, oncall]"]],
];
for (const [name, receivers, walletLines, expected] of cases) {
  test(`a bad receiver: ${name} → exactly these lines`, () => {
    assert.deepEqual(problems(receivers, walletLines), expected.map((p) => `WALLETS_FILE: ${p}`));
  });
}

test('ALERT_WEBHOOK_URL keeps its syntax: the prefixes are the channels\' own, an unknown one is named', () => {
  assert.throws(() => loadSettings({ TELEPHONY_API_KEY: 'k', ALERT_WEBHOOK_URL: 'teams+https://x.example/' }, { cwd: mkdtempSync(join(tmpdir(), 'ws-r-')) }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.problems, ["ALERT_WEBHOOK_URL: URL #1: unknown format prefix 'teams+' (use slack+ or pagerduty+)"]);
    return true;
  });
});

test('defaults can name the receivers; a wallet\'s own list replaces them; no list anywhere = default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-receivers-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'key'), 'k\n');
  const path = join(dir, 'wallets.yaml');
  writeFileSync(
    path,
    `defaults:\n  api_key_file: ${join(dir, 'key')}\n  receivers: [team]\nwallets:\n  - name: a\n  - name: b\n    receivers: [oncall, default]\nreceivers:\n  team:\n    webhook: [{url: "http://127.0.0.1:9/t"}]\n  oncall:\n    webhook: [{url: "http://127.0.0.1:9/o"}]\n`,
  );
  const { settings } = loadSettings({ WALLETS_FILE: path }, { cwd: dir });
  assert.deepEqual(settings.wallets.map((w) => [w.name, w.receivers]), [['a', ['team']], ['b', ['oncall', 'default']]]);
  const env = loadSettings({ TELEPHONY_API_KEY: 'k' }, { cwd: dir }).settings;
  assert.deepEqual(env.wallets[0]!.receivers, ['default']);
  assert.deepEqual(env.receivers, []);
});

test('with WALLETS_FILE, ALERT_EMAIL_FROM (and SMTP_CA_FILE) alone are the default sender (and CA) of the receivers\' email entries, as documented; without it they still need SMTP_URL', () => {
  const { run } = file('  r:\n    email: [{to: [a@example.com], smtp_url: "smtp://127.0.0.1:2525"}]\n', '', { ALERT_EMAIL_FROM: 'ws@example.com' });
  const { settings } = run();
  assert.equal(settings.email, undefined, 'no email channel of the environment');
  assert.equal((settings.receivers[0]!.channels[0]!.config as { from: string }).from, 'ws@example.com');
  assert.throws(() => loadSettings({ TELEPHONY_API_KEY: 'k', ALERT_EMAIL_FROM: 'ws@example.com' }, { cwd: mkdtempSync(join(tmpdir(), 'ws-receivers-')) }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.problems, ['SMTP_URL: is required when ALERT_EMAIL_FROM is set (without WALLETS_FILE, whose receivers may use it as their sender)']);
    return true;
  });
});

test('numbers under receivers: are read as written: a webhook secret 0x10 signs with the key "0x10" (YAML read 16), a PagerDuty key 0123456789 keeps its 0; an interval of 300 is still 300 s', () => {
  const { run } = file('  r:\n    group_interval: 300\n    webhook: [{url: "http://127.0.0.1:9/", secret: 0x10}]\n    pagerduty: [{routing_key: 0123456789}]\n');
  const r = run().settings.receivers.find((x) => x.name === 'r')!;
  const secretOf = (kind: string, key: string) => (r.channels.find((c) => c.kind === kind)!.config as Record<string, { reveal(): string }>)[key]!.reveal();
  assert.equal(secretOf('webhook', 'secret'), '0x10');
  assert.equal(secretOf('pagerduty', 'routingKey'), '0123456789');
  assert.equal(r.groupIntervalMs, 300_000);
});

test('an Alertmanager URL with a query or fragment is refused (/api/v2/alerts is appended to it: every post went to a wrong path)', () => {
  const why = 'is a base URL (such as http://alertmanager:9093, or with its --web.route-prefix path): no query or fragment, /api/v2/alerts is appended to it';
  assert.deepEqual(problems('  r:\n    alertmanager: [{url: "http://127.0.0.1:9093/?tenant=x"}]\n'), [`WALLETS_FILE: FILE: receiver 'r': alertmanager #1: url: ${why}`]);
  assert.deepEqual(problems('  r:\n    alertmanager: [{url: "http://127.0.0.1:9093/#x"}]\n'), [`WALLETS_FILE: FILE: receiver 'r': alertmanager #1: url: ${why}`]);
  const env = (url: string) => file('  r:\n    alertmanager: [{url: "http://127.0.0.1:9093/am"}]\n', '', { ALERTMANAGER_URL: url });
  assert.throws(() => env('http://127.0.0.1:9093,http://127.0.0.1:9094?x').run(), (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p === `ALERTMANAGER_URL: URL #2: ${why}`));
  assert.equal(env('http://127.0.0.1:9093/').run().settings.alertmanager[0]!.baseUrl, 'http://127.0.0.1:9093');
});

test('a secret written in the file with a line break in it is refused, as the environment refuses one: it never reads as it was meant', () => {
  const found = problems('  pd: {pagerduty: [{routing_key: "R0UTING\\nKEY"}]}\n  hook: {webhook: [{url: "http://127.0.0.1:9/a\\r\\nb"}]}\n', '    receivers: [pd, hook]\n');
  assert.ok(found.some((p) => /pd.*routing_key: must be a single line/.test(p)), found.join('\n'));
  assert.ok(found.some((p) => /hook.*url: must be a single line/.test(p)), found.join('\n'));
  assert.ok(!found.join('\n').includes('R0UTING'), 'the secret itself is not quoted');
});

test("a routing key PagerDuty would refuse at every page (not 32 letters and digits) is warned about at load, by its length, never its text; not for a relay's own URL", () => {
  const good = 'a'.repeat(16) + '0123456789ABCDEF';
  const shapeWarnings = (receivers: string, env: Record<string, string> = {}) => {
    const { path, run } = file(receivers, '', env);
    return run().warnings.filter((w) => w.includes('Events API v2')).map((w) => w.replace(`${path}: `, 'FILE: '));
  };
  assert.deepEqual(shapeWarnings('  oncall:\n    pagerduty: {routing_key: "u+DISTINCT-do-not-leak"}\n'), [
    `FILE: receiver 'oncall': pagerduty #1: routing_key: is 22 characters with some not letters or digits, not the 32 letters and digits of an Events API v2 integration key (a service's Integrations tab, "Events API V2"): PagerDuty will refuse every event`,
  ]);
  assert.deepEqual(shapeWarnings(`  oncall:\n    pagerduty: {routing_key: ${good}}\n`), [], 'a key of the right shape');
  assert.deepEqual(shapeWarnings('  oncall:\n    pagerduty: {routing_key: short, url: "http://127.0.0.1:9/relay"}\n'), [], 'a relay');
  const env = (key: string, url = 'pagerduty+http://127.0.0.1:9/relay,pagerduty+https://events.eu.pagerduty.com/v2/enqueue') => shapeWarnings('  r:\n    webhook: [{url: "http://127.0.0.1:9/a"}]\n', { ALERT_WEBHOOK_URL: url, ALERT_PAGERDUTY_ROUTING_KEY: key });
  assert.deepEqual(env('short'), [
    `ALERT_PAGERDUTY_ROUTING_KEY: is 5 characters, not the 32 letters and digits of an Events API v2 integration key (a service's Integrations tab, "Events API V2"): PagerDuty will refuse every event`,
  ]);
  assert.deepEqual(env(good), []);
  assert.deepEqual(env('short', 'pagerduty+http://127.0.0.1:9/relay'), []);
});

test("a reload that leaves a channel's settings as they were keeps what its sender proved (all its attempts at once); a changed password makes the new sender prove itself with one", () => {
  const mail = (password: string) => `  ops:\n    email: [{to: [a@example.com], from: c@example.com, smtp_url: "smtp://u:${password}@127.0.0.1:2525"}]\n`;
  const { path, run } = file(mail('right'));
  const senderOf = (): Target['notifier'] => createReceivers(run().settings).find((r) => r.name === 'ops')!.notifiers[0]!;
  const first = senderOf();
  const targets = new Map<string, Target>([[first.key, { ...newTarget(first, 0, false), proven: true }]]);
  retarget(targets, createReceivers(run().settings), () => 0); // a SIGHUP: every sender made again
  assert.equal(targets.get(first.key)!.proven, true, 'the same settings: still proven');
  assert.notEqual(targets.get(first.key)!.notifier, first, 'the new sender in place');
  writeFileSync(path, readFileSync(path, 'utf8').replace(':right@', ':wrong@'));
  retarget(targets, createReceivers(run().settings), () => 0);
  const t = targets.get(first.key)!;
  assert.equal(t.notifier.key, first.key, 'the same destination (the password is not part of it)');
  assert.equal(t.proven, false, 'another password: not proven');
});

test('sameSettings: equal plain settings with equal secrets are the same; another secret, or a value it cannot read (a URL object), is not', async () => {
  const { madeFrom, sameSettings } = await import('../../src/notify/channel.js');
  const { Secret } = await import('../../src/config/secret.js');
  const sender = () => ({ channel: 'webhook' as const, key: 'k', label: 'l', send: async () => {} });
  const made = (config: unknown) => madeFrom(sender(), config);
  assert.ok(sameSettings(made({ url: new Secret('u'), to: ['a'] }), made({ to: ['a'], url: new Secret('u') })));
  assert.ok(!sameSettings(made({ url: new Secret('u') }), made({ url: new Secret('v') })));
  assert.ok(!sameSettings(made({ url: new Secret('u') }), made({ url: 'u' })), 'a secret is not its text');
  assert.ok(!sameSettings(made({ url: new URL('http://127.0.0.1/a') }), made({ url: new URL('http://127.0.0.1/a') })), 'unreadable: proves itself again');
  assert.ok(!sameSettings(sender(), sender()), 'senders the registry did not make');
});
