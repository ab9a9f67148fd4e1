/** deploy/README.md: every in-page link lands on a heading, and every file it names exists; README and config/ in step with the settings loader. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PRESETS } from '../../src/providers/index.js';
import { KNOWN_VARIABLES, loadSettings } from '../../src/config/load.js';
import { WALLET_KEYS } from '../../src/config/wallet.js';
import { DAEMON_ALERTS, DOCS, markdownAnchors, read, ROOT } from './lib.js';

test('every #anchor link in deploy/README.md lands on a heading', () => {
  const text = read(DOCS);
  const anchors = markdownAnchors(text);
  const links = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
  assert.ok(links.length >= 20, `${links.length} links`);
  for (const l of links) assert.ok(anchors.has(l), `#${l} has no heading`);
});

test('the runbooks section has one entry per alert, each saying what it means, what to check and what to do', () => {
  const text = read(DOCS);
  const runbooks = text.slice(text.indexOf('\n## Runbooks'));
  const sections = runbooks.split('\n### ').slice(1);
  const names = sections.map((s) => s.split('\n')[0]!.trim());
  for (const name of DAEMON_ALERTS) assert.ok(names.includes(name), `a runbook for ${name}`);
  assert.ok(names.length >= DAEMON_ALERTS.length + 8, names.join(', '));
  for (const s of sections) {
    const name = s.split('\n')[0];
    assert.match(s, /\*\*Means\*\*/, `${name}: what it means`);
    assert.match(s, /\*\*Check( \/ Do)?\*\*/, `${name}: what to check`);
    assert.match(s, /\*\*(Do|Check \/ Do)\*\*/, `${name}: what to do`);
  }
});

test('every repository path deploy/README.md names in backticks exists', () => {
  const paths = [...read(DOCS).matchAll(/`((?:deploy|config|test)\/[^`\s*{}]+|docker-compose(?:\.real)?\.yml|\.dockerignore)`/g)].map((m) => m[1]!);
  assert.ok(paths.length >= 10);
  for (const p of paths) assert.ok(existsSync(join(ROOT, p)), `${p} does not exist`);
});

// ---------------------------------------------------------------- settings docs in step with the loader

test('every variable the loader reads is in the README settings table and in config/example.env', () => {
  const readme = read(join(ROOT, 'README.md'));
  const table = readme.slice(readme.indexOf('\n## Settings'), readme.indexOf('\n## Many wallets'));
  const example = read(join(ROOT, 'config/example.env'));
  for (const v of KNOWN_VARIABLES) {
    const base = v.replace(/_FILE$/, '');
    assert.ok(table.includes(`\`${v}\``) || (v.endsWith('_FILE') && table.includes(`\`${base}\``)), `${v} in README's settings table`);
    assert.match(example, new RegExp(`^#?${v}=`, 'm'), `${v} in config/example.env`);
  }
});

test('config/example.env copied to .env as it is, then with the WALLETS_FILE line it offers uncommented: each loads without a warning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-docs-'));
  const example = read(join(ROOT, 'config/example.env'));
  writeFileSync(join(dir, 'key'), 'sk_test\n');
  writeFileSync(join(dir, '.env'), `${example}TELEPHONY_API_KEY_FILE=${join(dir, 'key')}\n`);
  assert.deepEqual(loadSettings({}, { cwd: dir }).warnings, []);
  writeFileSync(join(dir, 'wallets.yaml'), `wallets:\n  - {name: a, api_key_file: ${join(dir, 'key')}}\n`);
  assert.match(example, /^#WALLETS_FILE=/m);
  writeFileSync(join(dir, '.env'), example.replace(/^#WALLETS_FILE=.*$/m, `WALLETS_FILE=${join(dir, 'wallets.yaml')}`));
  const { settings, warnings } = loadSettings({}, { cwd: dir });
  assert.deepEqual(settings.wallets.map((w) => w.name), ['a']);
  assert.deepEqual(warnings, [], 'a line of the template itself is "ignored, WALLETS_FILE lists the wallets" at every start');
});

/** The YAML with every /run/secrets/… key file replaced by a readable one. */
function withKeyFiles(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ws-docs-'));
  return yaml.replace(/\/run\/secrets\/([\w.-]+)/g, (_, name: string) => {
    // a file named *-url holds a URL (a receiver's webhook), pagerduty-* a routing key (32 letters and digits), any other a key
    const text = name.endsWith('-url') ? `https://hooks.example.com/services/${name}` : name.startsWith('pagerduty') ? 'R0UTING'.padEnd(32, '0') : `sk_${name}`;
    writeFileSync(join(dir, name), `${text}\n`);
    return join(dir, name);
  });
}

function loadWallets(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'ws-docs-'));
  writeFileSync(join(dir, 'wallets.yaml'), withKeyFiles(yaml));
  // email receivers use the environment's mail server unless they name their own
  const mail = { SMTP_URL: 'smtp://127.0.0.1:25', ALERT_EMAIL_FROM: 'sentinel@example.com', ALERT_EMAIL_TO: 'ops@example.com' };
  return loadSettings({ WALLETS_FILE: join(dir, 'wallets.yaml'), ...mail }, { cwd: dir });
}

test('config/wallets.example.yaml loads, uses every wallet key, and warns about nothing', () => {
  const text = read(join(ROOT, 'config/wallets.example.yaml'));
  const { settings, warnings } = loadWallets(text);
  assert.deepEqual(settings.wallets.map((w) => w.name), ['acme-prod', 'acme-eu', 'globex', 'acme-twilio', 'acme-telnyx', 'other-api', 'llm']);
  assert.equal(settings.wallets[3]!.api.baseUrl, 'https://api.twilio.com', "the defaults' Telephony.io URL does not reach the Twilio wallet");
  assert.deepEqual(settings.receivers.map((r) => [r.name, r.channels.map((c) => c.kind)]), [
    ['voice-slack', ['slack']],
    ['oncall', ['pagerduty', 'alertmanager']],
    ['finance', ['email', 'webhook']],
  ]);
  assert.deepEqual(warnings, []);
  for (const key of WALLET_KEYS) assert.match(text, new RegExp(`^\\s*(- |# )?${key}:`, 'm'), `the example shows ${key}`);
});

test("README's WALLETS_FILE example loads, and its key table lists every wallet key", () => {
  const readme = read(join(ROOT, 'README.md'));
  const section = readme.slice(readme.indexOf('\n## Many wallets'), readme.indexOf('\n## How it reads the API'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
  const { settings } = loadWallets(yaml);
  assert.deepEqual(settings.wallets.map((w) => w.name), ['acme-prod', 'acme-eu']);
  assert.deepEqual(settings.receivers.map((r) => r.name), ['voice-slack', 'oncall']);
  for (const key of WALLET_KEYS) assert.ok(section.includes(`\`${key}\``), `README documents ${key}`);
});

test("README's providers table: one row per preset, each minimal entry loads as that provider", () => {
  const readme = read(join(ROOT, 'README.md'));
  const section = readme.slice(readme.indexOf('\n### Providers'), readme.indexOf('\n## How it reads the API'));
  const rows = [...section.matchAll(/^\| `([a-z-]+)` \| `(\{.*\})` \|/gm)].map((m) => [m[1]!, m[2]!] as const);
  assert.deepEqual(rows.map(([p]) => p), PRESETS.map((p) => p.name), 'a row per preset, in the order `providers` lists them');
  const yaml = `wallets:\n${rows.map(([, entry]) => `  - ${entry}`).join('\n')}\n`;
  const { settings, warnings } = loadWallets(yaml);
  assert.deepEqual(warnings, []);
  assert.deepEqual(settings.wallets.map((w) => w.provider), rows.map(([p]) => p));
  assert.match(section, /none was checked against a live account/);
});
