/**
 * deploy/systemd/wallet-sentinel.service: systemd-analyze verify accepts it, and it has the settings
 * the deployment relies on (node directly, credential file, state directory, stop behaviour, hardening).
 */
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, runCli, tempDir } from '../helpers/daemon.js';
import { requireBinary } from '../helpers/promtool.js';
import { DEPLOY, read, run } from './lib.js';

const UNIT = join(DEPLOY, 'systemd/wallet-sentinel.service');

/** [Service] (and other sections) as key → every value given, in order. */
function parseUnit(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      continue;
    }
    const i = line.indexOf('=');
    const key = `${section}.${line.slice(0, i)}`;
    out.set(key, [...(out.get(key) ?? []), line.slice(i + 1)]);
  }
  return out;
}

test('systemd-analyze verify accepts the unit', (t) => {
  if (!requireBinary(t, 'systemd-analyze', 'systemd')) return;
  let unit = UNIT;
  try {
    accessSync('/usr/bin/node', constants.X_OK);
  } catch {
    // verify checks that ExecStart's binary exists; where node lives elsewhere (nvm, setup-node),
    // verify a copy that names this node instead: everything else is the file as shipped.
    unit = join(tempDir('ws-unit-'), 'wallet-sentinel.service');
    writeFileSync(unit, read(UNIT).replaceAll('/usr/bin/node', process.execPath));
    t.diagnostic(`/usr/bin/node missing: verifying a copy with ExecStart=${process.execPath}`);
  }
  const r = run('systemd-analyze', ['verify', unit]);
  assert.equal(r.status, 0, r.output);
  assert.equal(r.output, '', r.output);
});

test('the unit runs node on dist/main.js as a dedicated user, with the key as a credential and the state in StateDirectory', () => {
  const u = parseUnit(read(UNIT));
  const one = (k: string) => u.get(`Service.${k}`)?.at(-1);
  const envs = u.get('Service.Environment') ?? [];
  assert.equal(one('ExecStart'), '/usr/bin/node /opt/wallet-sentinel/dist/main.js start');
  assert.ok(!/\bnpm\b|\bnpx\b/.test(one('ExecStart')!), 'node directly');
  assert.equal(one('DynamicUser'), 'yes');
  assert.ok(one('User') && one('User') !== 'root');
  assert.equal(one('EnvironmentFile'), '/etc/wallet-sentinel/env');
  assert.equal(one('StateDirectory'), 'wallet-sentinel');
  assert.ok(envs.includes('STATE_DIR=/var/lib/wallet-sentinel'));
  assert.equal(one('LoadCredential'), 'telephony_api_key:/etc/wallet-sentinel/telephony_api_key');
  assert.ok(envs.includes('TELEPHONY_API_KEY_FILE=%d/telephony_api_key'));
  assert.ok(!envs.some((e) => e.startsWith('TELEPHONY_API_KEY=')), 'never the key itself');
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('RestartPreventExitStatus'), '78 73');
  assert.equal(one('KillSignal'), 'SIGTERM');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID', 'systemctl reload re-reads WALLETS_FILE (without it: "Job type reload is not applicable")');
  assert.equal(one('TimeoutStopSec'), '30');
});

test('the unit is hardened (and keeps MemoryDenyWriteExecute off for V8)', () => {
  const u = parseUnit(read(UNIT));
  const one = (k: string) => u.get(`Service.${k}`)?.at(-1);
  const want: Record<string, string> = {
    NoNewPrivileges: 'yes',
    ProtectSystem: 'strict',
    ProtectHome: 'yes',
    PrivateTmp: 'yes',
    PrivateDevices: 'yes',
    ProtectKernelTunables: 'yes',
    ProtectKernelModules: 'yes',
    ProtectKernelLogs: 'yes',
    ProtectControlGroups: 'yes',
    RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
    RestrictNamespaces: 'yes',
    RestrictSUIDSGID: 'yes',
    LockPersonality: 'yes',
    SystemCallArchitectures: 'native',
    SystemCallFilter: '@system-service',
    CapabilityBoundingSet: '',
    MemoryDenyWriteExecute: 'no',
  };
  for (const [k, v] of Object.entries(want)) assert.equal(one(k), v, k);
});

test('LimitNOFILE holds the descriptors the largest settings need (POLL_CONCURRENCY 10,000, the HTTP cap, 16 notification targets)', async () => {
  const { fdsNeeded } = await import('../../src/fd-limit.js');
  const { MAX_CONNECTIONS } = await import('../../src/http/server.js');
  const { DEFAULT_TARGET_CONCURRENCY } = await import('../../src/notify/delivery.js');
  const u = parseUnit(read(UNIT));
  const one = (k: string) => u.get(`Service.${k}`)?.at(-1);
  const limit = Number(one('LimitNOFILE'));
  assert.ok(Number.isInteger(limit), `LimitNOFILE=${one('LimitNOFILE')}`);
  assert.ok(limit >= fdsNeeded({ pollConcurrency: 10_000, maxConnections: MAX_CONNECTIONS, targets: 16, perTarget: DEFAULT_TARGET_CONCURRENCY }), String(limit));
});

test('RestartPreventExitStatus names exactly the exit codes of the two start failures a restart cannot fix, as the real CLI returns them', async () => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  // Bad settings: EX_CONFIG.
  const badSetting = await runCli(['start'], { TELEPHONY_API_KEY: 'sk_test_unit_7', LOW_BALANCE_THRESHOLD: 'lots', STATE_DIR: tempDir('ws-unit-state-') });
  // STATE_DIR not writable at start: a path under a regular file can never be created, for root too.
  const file = join(tempDir('ws-unit-'), 'not-a-directory');
  writeFileSync(file, '');
  const stateDir = join(file, 'state');
  const unwritable = await runCli(['start'], { TELEPHONY_API_KEY: 'sk_test_unit_7', STATE_DIR: stateDir, METRICS_PORT: '0' });
  assert.equal(badSetting.code, 78, badSetting.stderr);
  assert.equal(unwritable.code, 73, unwritable.stderr);
  assert.match(unwritable.stderr, /cannot write STATE_DIR/);

  const prevent = (parseUnit(read(UNIT)).get('Service.RestartPreventExitStatus') ?? []).flatMap((v) => v.split(/\s+/)).map(Number);
  assert.deepEqual(prevent.sort(), [badSetting.code, unwritable.code].sort(), 'RestartPreventExitStatus');
  // A stop that lost notifications (74) follows a SIGTERM: systemd must still restart after a stray kill.
  assert.ok(!prevent.includes(74));
});
