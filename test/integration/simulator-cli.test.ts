/** `node dist/simulator/main.js` as its own process: a fleet from flags or a spec file, the request log, the wallets file. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import YAML from 'yaml';
import { ROOT, tempDir, waitFor } from '../helpers/daemon.js';

const SIM = join(ROOT, 'dist/simulator/main.js');

async function startSim(t: TestContext, args: string[]) {
  const child = spawn(process.execPath, [SIM, '--port', '0', ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(() => child.kill('SIGKILL'));
  const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(stderr)?.[1] ?? (child.exitCode !== null ? Promise.reject(new Error(stderr)) : undefined), () => `the simulator to listen: ${stderr}`);
  return { url, stderr: () => stderr, stop: async () => (child.kill('SIGTERM'), exited) };
}
const get = async (url: string, key: string) => (await fetch(url, { headers: { Authorization: `Bearer ${key}` } })).status;
/** Runs the simulator on flags meant to be refused: its exit code and stderr, or code 'listened' (killed) if it started serving instead. */
async function refused(args: readonly string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [SIM, '--port', '0', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (/listening on/.test(stderr)) child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  return { code: /listening on/.test(stderr) ? 'listened' : code, stderr };
}

test('--wallets N with templates serves N wallets, logs each request and writes a matching wallets file', { timeout: 30_000 }, async (t) => {
  const dir = tempDir('ws-sim-cli-');
  const log = join(dir, 'requests.log');
  const file = join(dir, 'wallets.yaml');
  const s = await startSim(t, ['--wallets', '500', '--wallet-path-template', '/acct/{i}/balance', '--wallet-key-template', 'key-{i}', '--wallet-balance', '40', '--request-log', log, '--write-wallets-file', file]);
  assert.match(s.stderr(), /\(500 wallets\)/);
  assert.doesNotMatch(s.stderr(), /key-\d/, 'no key printed');
  assert.equal(await get(`${s.url}/acct/1/balance`, 'key-1'), 200);
  assert.equal(await get(`${s.url}/acct/500/balance`, 'key-500'), 200);
  assert.equal(await get(`${s.url}/acct/500/balance`, 'key-1'), 403);
  assert.equal(await get(`${s.url}/acct/501/balance`, 'key-500'), 404);
  assert.equal(await get(`${s.url}/v1/wallet/balance`, 'sim-key'), 404, 'no single default wallet in fleet mode');
  const doc = YAML.parse(readFileSync(file, 'utf8')) as { wallets: Array<{ name: string; api_url: string; balance_path: string; api_key_file: string }> };
  assert.equal(doc.wallets.length, 500);
  const w = doc.wallets[41]!;
  assert.deepEqual([w.name, w.api_url, w.balance_path], ['w042', s.url, '/acct/42/balance']);
  assert.equal(await get(s.url + w.balance_path, readFileSync(w.api_key_file, 'utf8').trim()), 200, 'the file points at the wallet with its key');
  assert.equal(await s.stop(), 0);
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t'));
  assert.deepEqual(lines.map((l) => [l[1], l[2]]), [['w001', '200'], ['w500', '200'], ['w500', '403'], ['w042', '200']], 'one line per balance request, unknown paths left out');
  for (const l of lines) assert.ok(Math.abs(Number(l[0]) - Date.now()) < 60_000, `a unix-ms time: ${l[0]}`);
});

test('--spec FILE adds hand-written wallets; the single-wallet SIM_* mode is unchanged without flags', { timeout: 30_000 }, async (t) => {
  const dir = tempDir('ws-sim-spec-');
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ fleet: { count: 2 }, wallets: [{ name: 'acme', path: '/acme', apiKey: 'acme-key', balance: 0 }] }));
  const s = await startSim(t, ['--spec', spec]);
  assert.match(s.stderr(), /\(3 wallets\)/);
  assert.equal(await get(`${s.url}/acme`, 'acme-key'), 402);
  assert.equal(await get(`${s.url}/t/2/v1/wallet/balance`, 'sim-key-2'), 200);
  await s.stop();

  const single = await startSim(t, []);
  assert.equal(await get(`${single.url}/v1/wallet/balance`, 'sim-key'), 200);
  await single.stop();
});

test('bad flags and spec files: one line naming the problem, exit 78', { timeout: 30_000 }, async () => {
  const dir = tempDir('ws-sim-bad-');
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ wallets: [{ name: 'a', path: '/a' }] }));
  for (const [args, msg] of [
    [['--wallets', 'many'], /--wallets: must be a whole number/],
    [['--wallets', '2', '--spread', '3'], /--spread/],
    [['--spec', spec], /wallets\[0\]\.apiKey/],
    [['--bogus'], /Unknown option '--bogus'/],
    // A request log that cannot be opened (its folder missing): one line, not an unhandled stream error.
    [['--wallets', '1', '--request-log', join(dir, 'missing', 'requests.log')], /^--request-log: cannot open .*missing\/requests\.log \(ENOENT\)\n$/],
  ] as const) {
    const { code, stderr } = await refused(args);
    assert.equal(code, 78, `${args.join(' ')}: ${stderr}`);
    assert.match(stderr, msg);
  }
});

test('a top-up interval under 1 s is refused, exit 78: at 1e-9 s the first balance request hung the simulator for good', { timeout: 30_000 }, async () => {
  const dir = tempDir('ws-sim-topup-');
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ wallets: [{ name: 'a', path: '/a', apiKey: 'k', topupEverySeconds: 1e-9 }] }));
  const fleetSpec = join(dir, 'fleet.json');
  writeFileSync(fleetSpec, JSON.stringify({ fleet: { count: 2, topupEverySeconds: 0.5 } }));
  for (const [args, env, msg] of [
    [[], { SIM_TOPUP_EVERY_SECONDS: '1e-9' }, /^SIM_TOPUP_EVERY_SECONDS: must be 0 \(no automatic top-ups\) or at least 1 seconds, got "1e-9"\n$/],
    [['--spec', spec], {}, /wallets\[0\]\.topupEverySeconds must be 0 \(no automatic top-ups\) or at least 1 s, got 1e-9/],
    [['--spec', fleetSpec], {}, /fleet\.json: fleet: topupEverySeconds must be 0 .* got 0\.5/],
  ] as const) {
    const r = await refused(args, env);
    assert.equal(r.code, 78, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
});

test('amounts past 1e15 and more than 100,000 wallets are refused, exit 78 (--wallets 50000000 ran out of memory)', { timeout: 30_000 }, async () => {
  const dir = tempDir('ws-sim-big-');
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ wallets: [{ name: 'a', path: '/a', apiKey: 'k', balance: 1e308 }] }));
  const many = join(dir, 'many.json');
  writeFileSync(many, JSON.stringify({ fleet: { count: 100_000 }, wallets: [{ name: 'a', path: '/a', apiKey: 'k' }] }));
  for (const [args, env, msg] of [
    [['--wallets', '1', '--wallet-balance', '1e308'], {}, /^--wallet-balance: must be a non-negative number up to 1000000000000000, got "1e308"\n$/],
    [['--wallets', '1', '--wallet-burn-per-hour', '2e15'], {}, /^--wallet-burn-per-hour: must be a non-negative number up to/],
    [[], { SIM_BALANCE: '1e308' }, /^SIM_BALANCE: must be a non-negative number up to 1000000000000000, got "1e308"\n$/],
    [[], { SIM_TOPUP_AMOUNT: '1e16' }, /^SIM_TOPUP_AMOUNT: must be/],
    [['--wallets', '100001'], {}, /^--wallets: must be a whole number up to 100000, got "100001"\n$/],
    [['--spec', spec], {}, /wallets\[0\]\.balance must be a number of at most 1000000000000000 in size, got 1e\+308/],
    [['--spec', many], {}, /many\.json: 100001 wallets, more than the simulator's maximum 100000/],
    [['--wallets', '100000', '--spec', spec.replace('spec.json', 'one.json')], {}, /--wallets and --spec: 100001 wallets in all, more than the simulator's maximum 100000/],
  ] as const) {
    writeFileSync(join(dir, 'one.json'), JSON.stringify({ wallets: [{ name: 'one', path: '/one', apiKey: 'k' }] }));
    const r = await refused(args, env);
    assert.equal(r.code, 78, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
});

test('--help prints the flags and exits 0 (the README sends operators to run it on its own)', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, [SIM, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 0);
  assert.match(stdout, /^Usage: node dist\/simulator\/main\.js/);
  for (const flag of ['--wallets', '--spec', '--write-wallets-file', '--port']) assert.ok(stdout.includes(flag), flag);
});
