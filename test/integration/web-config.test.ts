/**
 * WEB_CONFIG_FILE (the Prometheus exporter-toolkit format): the real daemon over HTTPS with a certificate
 * made by openssl, a bcrypt password on /metrics, /api/status and /, the probes open; a bad file stops
 * start-up with exit 78 naming the file and the key.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import bcrypt from 'bcryptjs';
import YAML from 'yaml';
import { readWebConfig } from '../../src/config/web-config.js';
import { Simulator } from '../../src/simulator/simulator.js';
import { Daemon, parseMetrics, ROOT, runCli, tempDir, waitFor } from '../helpers/daemon.js';
import { requireBinary } from '../helpers/promtool.js';
import { clientCertSignedBy, selfSignedCert } from '../helpers/tls.js';
import { freePort, startProcess, waitUntil } from '../deploy/lib.js';

const KEY = 'sk_live_webconfig_test_key';
const USER = 'prometheus';
const PASSWORD = 'scrape-pw-NEVER_PRINT_ME_4c2d';
// Cost 12: about four times a cost-10 check, so a cache that does not work shows plainly in CPU time.
const HASH = bcrypt.hashSync(PASSWORD, 12);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One GET over HTTPS trusting only `ca`, with optional basic-auth credentials. */
function get(port: number, path: string, opts: { ca: string; user?: string; password?: string; client?: { cert: string; key: string }; timeoutMs?: number }): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.user !== undefined) headers.Authorization = `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca: opts.ca, headers, ...opts.client, signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A simulated wallet and the daemon watching it behind the web config `file` (both closed after the test). */
async function daemonWith(t: TestContext, file: string): Promise<Daemon> {
  const sim = new Simulator({ apiKey: KEY, balance: 100 });
  await sim.start();
  t.after(() => sim.close());
  const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, WEB_CONFIG_FILE: file }, { cwd: tempDir() });
  t.after(() => d.kill());
  return d;
}

/** The exit status of the image's HEALTHCHECK command (deploy/Dockerfile) against the daemon on `port`. */
function healthcheck(port: number): number | null {
  const dockerfile = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const argv = JSON.parse(/^HEALTHCHECK .*?CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
  return spawnSync(process.execPath, argv.slice(1), { env: { PATH: process.env.PATH, METRICS_PORT: String(port) }, timeout: 10_000 }).status;
}

test('WEB_CONFIG_FILE: HTTPS with a certificate, basic auth on /metrics, /api/status and /, probes open, successful checks cached, a flood of wrong passwords answered busy', { timeout: 120_000 }, async (t) => {
  const dir = tempDir('ws-web-');
  const cert = selfSignedCert(t, { dir, name: 'tls' });
  if (!cert) return;
  // Relative paths: resolved against the web config file's folder, whatever the daemon's working directory.
  const file = join(dir, 'web-config.yml');
  writeFileSync(file, `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  min_version: TLS12\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n    Content-Security-Policy: \"default-src 'none'\"\nbasic_auth_users:\n  ${USER}: ${HASH}\n`);
  const d = await daemonWith(t, file);
  const ca = cert.cert;
  const good = { ca, user: USER, password: PASSWORD };

  // The probes: no password, over TLS.
  assert.equal((await get(d.port, '/healthz', { ca })).status, 200);
  await waitFor(async () => (await get(d.port, '/readyz', { ca })).status === 200, 'readyz 200 without a password');

  // Everything else asks for the password.
  for (const path of ['/metrics', '/api/status', '/']) {
    const none = await get(d.port, path, { ca });
    assert.equal(none.status, 401, `${path} without credentials`);
    assert.match(String(none.headers['www-authenticate']), /^Basic realm="wallet-sentinel"/);
    assert.equal((await get(d.port, path, { ca, user: USER, password: 'wrong' })).status, 401, `${path} with a wrong password`);
    assert.equal((await get(d.port, path, { ca, user: 'nobody', password: PASSWORD })).status, 401, `${path} for an unknown user`);
    const ok = await get(d.port, path, good);
    assert.equal(ok.status, 200, `${path} with the password`);
    assert.equal(ok.headers['x-frame-options'], 'deny', 'http_server_config.headers are sent');
    assert.equal(ok.headers['content-security-policy'], "default-src 'none'", `${path}: a configured header wins over the page's own`);
  }
  const m = parseMetrics((await get(d.port, '/metrics', good)).text);
  assert.equal(m.get('telephony_wallet_balance_credits{account="default",currency="USD"}'), 100);

  // Plain HTTP on the same port gets nothing.
  await assert.rejects(
    new Promise((resolve, reject) => httpRequest({ host: '127.0.0.1', port: d.port, path: '/healthz', signal: AbortSignal.timeout(5_000) }, resolve).on('error', reject).end()),
    'no plaintext answer from a TLS listener',
  );

  // The cache: 20 more authenticated scrapes cost less daemon CPU than 3 bcrypt checks (the first check
  // of these credentials is already cached above). Calibrated against one check measured here.
  const before = performance.now();
  bcrypt.compareSync(PASSWORD, HASH);
  const oneCheckSeconds = (performance.now() - before) / 1000;
  const cpu = async () => parseMetrics((await get(d.port, '/metrics', good)).text).get('process_cpu_seconds_total')!;
  const cpu0 = await cpu();
  for (let i = 0; i < 20; i++) assert.equal((await get(d.port, '/metrics', good)).status, 200);
  const spent = (await cpu()) - cpu0;
  assert.ok(spent < 3 * oneCheckSeconds, `20 cached scrapes cost ${spent.toFixed(3)} s CPU; one bcrypt check costs ${oneCheckSeconds.toFixed(3)} s`);

  assert.equal(healthcheck(d.port), 0, "the image's HEALTHCHECK finds the TLS listener healthy, without a password");

  // 40 different wrong passwords at once: bcrypt checks run one at a time on a worker thread, at most 32
  // wait, the rest are told to come back. (On the event loop, each 100 ms bcrypt slice let one TLS
  // handshake through: the flood arrived one by one, and the probes waited behind it.)
  const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => get(d.port, '/metrics', { ca, user: USER, password: `guess-${i}`, timeoutMs: 60_000 })));
  const busy = flood.filter((r) => r.status === 503);
  assert.deepEqual(new Set(flood.map((r) => r.status)), new Set([401, 503]), 'each a refusal or busy, never a 200');
  assert.ok(busy.length >= 8, `at least 8 of 40 answered busy (${busy.length})`);
  assert.equal(busy[0]!.headers['retry-after'], '1');

  assert.equal(await d.stop(), 0);
  for (const s of [PASSWORD, HASH, cert.key.split('\n')[1]!]) assert.ok(!(d.stderr + d.stdout).includes(s), 'no password, hash or key in the logs');
  assert.ok(d.logs().some((l) => l.msg === 'web configuration in force' && l.tls === true && l.basic_auth_users === 1));
});

test('WEB_CONFIG_FILE with client certificates: a certificate signed by client_ca is required everywhere but the probes (a kubelet and the HEALTHCHECK send none)', { timeout: 90_000 }, async (t) => {
  const dir = tempDir('ws-web-mtls-');
  const cert = selfSignedCert(t, { dir, name: 'tls' });
  if (!cert) return;
  const clientCa = selfSignedCert(t, { dir, name: 'clients-ca', cn: 'clients CA' })!;
  const otherCa = selfSignedCert(t, { dir, name: 'other-ca', cn: 'another CA' })!;
  const good = clientCertSignedBy(clientCa, 'prometheus');
  const stranger = clientCertSignedBy(otherCa, 'stranger');
  const file = join(dir, 'web-config.yml');
  writeFileSync(file, `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: clients-ca.crt\n`);
  const d = await daemonWith(t, file);
  const ca = cert.cert;

  assert.equal((await get(d.port, '/healthz', { ca })).status, 200, 'a probe without a certificate');
  await waitFor(async () => (await get(d.port, '/readyz', { ca })).status === 200, 'readyz 200 without a certificate');
  for (const path of ['/metrics', '/api/status', '/']) {
    const none = await get(d.port, path, { ca });
    assert.equal(none.status, 403, `${path} without a certificate`);
    assert.match(none.text, /client certificate/);
    assert.equal((await get(d.port, path, { ca, client: stranger })).status, 403, `${path} with a certificate of another CA`);
    assert.equal((await get(d.port, path, { ca, client: good })).status, 200, `${path} with a certificate signed by client_ca`);
  }
  // A TLS 1.3 session resumed from a connection without a certificate: Node reports it authorized (no
  // certificate to verify on resumption). Every resumption without a certificate must be refused too.
  const first = await getWithSession(d.port, '/healthz', { ca });
  assert.ok(first.session, 'the server handed out a session to resume');
  for (const path of ['/metrics', '/api/status', '/']) {
    const resumed = await getWithSession(d.port, path, { ca, session: first.session });
    assert.ok(resumed.reused, 'the session was resumed');
    assert.equal(resumed.status, 403, `${path} over a resumed session without a certificate`);
  }
  assert.equal(healthcheck(d.port), 0, "the image's HEALTHCHECK passes without a certificate");
  assert.equal(await d.stop(), 0);
});

/** One GET on a fresh TLS connection, resuming `session` if given, read until the server closes it: the status, whether the session was resumed, and the last session the server handed out. */
function getWithSession(port: number, path: string, opts: { ca: string; session?: Buffer }): Promise<{ status: number; reused: boolean; session: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined;
    let text = '';
    let reused = false;
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: opts.ca, ...(opts.session ? { session: opts.session } : {}) }, () => {
      reused = socket.isSessionReused();
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer in 10 s')));
    socket.on('session', (s: Buffer) => (session = s));
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), reused, session }));
  });
}

test('WEB_CONFIG_FILE problems: exit 78 at start, one line naming the file and the key, nothing polled', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('ws-web-');
  const cert = selfSignedCert(t, { dir, name: 'tls' });
  if (!cert) return;
  const sim = new Simulator({ apiKey: KEY });
  await sim.start();
  t.after(() => sim.close());
  const cases: Array<[string, string, RegExp]> = [
    ['unknown key', `tls_server_config:\n  certfile: tls.crt\n  key_file: tls.key\n`, /: tls_server_config\.certfile: unknown key/],
    ['missing cert file', `tls_server_config:\n  cert_file: nope.crt\n  key_file: tls.key\n`, /: tls_server_config\.cert_file: cannot read .*nope\.crt: ENOENT/],
    ['key that is not the certificate\'s', `tls_server_config:\n  cert_file: tls.crt\n  key_file: other.key\n`, /: tls_server_config: the certificate and key do not make a TLS context/],
    ['not a bcrypt hash', `basic_auth_users:\n  ${USER}: ${PASSWORD}\n`, new RegExp(`: basic_auth_users\\.${USER}: is not a bcrypt hash`)],
    ['unsupported client auth type', `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_auth_type: RequestClientCert\n`, /tls_server_config\.client_auth_type: "RequestClientCert" is not supported/],
    ['unsupported rate limit', `rate_limit:\n  interval: 1s\n  burst: 5\n`, /: rate_limit: is not supported/],
    ['bad YAML', `basic_auth_users: [${HASH}\n`, /: not valid YAML \(line \d+, column \d+\)/],
    // true and "true" are two YAML keys but one user name: the second hash silently replaced the first
    ['one user twice', `basic_auth_users:\n  true: ${HASH}\n  "true": ${HASH}\n`, /: not valid YAML \(line 3, column \d+\)/],
    ['TLS version', `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  min_version: TLS99\n`, /tls_server_config\.min_version: "TLS99" is not one of TLS10, TLS11, TLS12, TLS13/],
    ['min_version above max_version', `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  min_version: TLS13\n  max_version: TLS12\n`, /tls_server_config\.min_version: \(TLS13\) is above max_version \(TLS12\): no TLS version is left/],
    // Both passed start-up, then every handshake failed, or every client certificate was refused, with nothing logged.
    ['max_version below TLS12', `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  min_version: TLS10\n  max_version: TLS11\n`, /tls_server_config\.max_version: \(TLS11\) is below TLS12: .*every handshake would fail/],
    ['client CA that is no certificate', `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: damaged-ca.pem\n`, /tls_server_config\.client_ca_file: holds a block that is no certificate \(the 2nd of 2/],
  ];
  selfSignedCert(t, { dir, name: 'other' }); // other.key: a valid key of another certificate
  writeFileSync(join(dir, 'damaged-ca.pem'), `${readFileSync(join(dir, 'tls.crt'), 'utf8')}-----BEGIN CERTIFICATE-----\nMIIBnotreallyacertificate==\n-----END CERTIFICATE-----\n`);
  for (const [name, yaml, expected] of cases) {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yml`);
    writeFileSync(file, yaml);
    const r = await runCli(['start'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, WEB_CONFIG_FILE: file, STATE_DIR: join(dir, 'state') }, { timeoutMs: 10_000 });
    assert.equal(r.code, 78, `${name}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.some((l) => l.startsWith(`config error: WEB_CONFIG_FILE: ${file}`) && expected.test(l)), `${name}: ${r.stderr}`);
    assert.ok(!r.stderr.includes(PASSWORD) && !r.stderr.includes(HASH), `${name}: a secret in the error`);
  }
  const missing = await runCli(['start'], { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, WEB_CONFIG_FILE: join(dir, 'absent.yml') }, { timeoutMs: 10_000 });
  assert.equal(missing.code, 78);
  assert.match(missing.stderr, /WEB_CONFIG_FILE: cannot read .*absent\.yml: ENOENT/);
  assert.equal(sim.requests.length, 0, 'nothing polled');
});

test('WEB_CONFIG_FILE is the daemon\'s alone: check and backtest, which serve nothing, do not read it or the key it names (a check run as another user with the daemon\'s settings)', { timeout: 60_000 }, async (t) => {
  const dir = tempDir('ws-web-');
  const sim = new Simulator({ apiKey: KEY, balance: 500 });
  await sim.start();
  t.after(() => sim.close());
  // the key file it names cannot be read (root reads any mode, so it is absent: the same refusal)
  const file = join(dir, 'web.yml');
  writeFileSync(file, `tls_server_config:\n  cert_file: tls.crt\n  key_file: unreadable.key\n`);
  const env = { TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, WEB_CONFIG_FILE: file, STATE_DIR: join(dir, 'state') };
  const start = await runCli(['start'], env, { timeoutMs: 10_000 });
  assert.equal(start.code, 78, start.stderr);
  assert.match(start.stderr, /config error: WEB_CONFIG_FILE: .*tls_server_config\.(cert|key)_file: cannot read/);
  const check = await runCli(['check', '--format', 'nagios'], env, { timeoutMs: 30_000 });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /^WALLET OK - wallet 'default' balance 500/);
  assert.doesNotMatch(check.stderr, /WEB_CONFIG_FILE/);
  const csv = join(dir, 'history.csv');
  writeFileSync(csv, 'timestamp,balance\n1700000000,100\n1700000060,99\n');
  const backtest = await runCli(['backtest', csv], env, { timeoutMs: 30_000 });
  assert.equal(backtest.code, 0, backtest.stderr);
  assert.doesNotMatch(backtest.stderr, /WEB_CONFIG_FILE/);
});

test('config/web-config.yml, the documented example, is accepted as written (certificate files next to it)', (t) => {
  const dir = tempDir('ws-web-');
  if (!selfSignedCert(t, { dir, name: 'tls' })) return;
  copyFileSync(join(ROOT, 'config/web-config.yml'), join(dir, 'web-config.yml'));
  const { config, problems } = readWebConfig(join(dir, 'web-config.yml'));
  assert.deepEqual(problems, []);
  assert.ok(config?.tls, 'TLS on');
  assert.deepEqual([...config.users.keys()], ['prometheus']);
  assert.ok(bcrypt.compareSync('change-me-please', config.users.get('prometheus')!.reveal()), 'the hash the comment names');
});

test('a real Prometheus scrapes the HTTPS + password endpoint with the scrape job deploy/README.md documents', { timeout: 90_000 }, async (t) => {
  if (!requireBinary(t, 'prometheus', 'prometheus')) return;
  const dir = tempDir('ws-web-prom-');
  const cert = selfSignedCert(t, { dir, name: 'tls' });
  if (!cert) return;
  const file = join(dir, 'web-config.yml');
  writeFileSync(file, `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_users:\n  prometheus: ${bcrypt.hashSync(PASSWORD, 10)}\n`);
  const sim = new Simulator({ apiKey: KEY, balance: 77 });
  await sim.start();
  t.after(() => sim.close());
  const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, WEB_CONFIG_FILE: file });
  t.after(() => d.kill());

  // The scrape job exactly as documented, pointed at this daemon, this password file and this CA.
  const docs = readFileSync(join(ROOT, 'deploy/README.md'), 'utf8');
  const section = docs.slice(docs.indexOf('### Endpoints behind TLS and a password'));
  const documented = YAML.parse(/```yaml\n([\s\S]*?)```/.exec(section)![1]!) as { scrape_configs: Array<{ scheme: string; basic_auth: Record<string, string>; tls_config: Record<string, string>; static_configs: unknown; scrape_interval?: string }> };
  const job = documented.scrape_configs[0]!;
  assert.equal(job.scheme, 'https');
  writeFileSync(join(dir, 'password'), PASSWORD);
  job.basic_auth.password_file = join(dir, 'password');
  job.tls_config.ca_file = cert.certFile;
  job.static_configs = [{ targets: [`127.0.0.1:${d.port}`] }];
  job.scrape_interval = '1s';
  const promPort = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), YAML.stringify({ global: { scrape_interval: '1s' }, scrape_configs: [job] }));
  const prom = startProcess(t, 'prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
  const query = async (q: string) =>
    ((await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: Array<{ value: [number, string] }> } }).data.result;
  const balance = await waitUntil(
    async () => ((await query('up{job="wallet-sentinel"} == 1')).length === 1 ? (await query('telephony_wallet_balance_credits'))[0] : undefined),
    () => `Prometheus to scrape over HTTPS with the password\n${prom.output().slice(-2000)}`,
  );
  assert.equal(balance.value[1], '77');
});
