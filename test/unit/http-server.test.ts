/**
 * HttpServer's connection handling over a real socket: a client that asks for a streamed answer and never
 * reads it is cut once nothing moved for the stall timeout (it held its socket and the buffered part for good).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { pino } from 'pino';
import { HttpServer, isListenSettingError, MAX_CONNECTIONS } from '../../src/http/server.js';
import type { WalletRegistry } from '../../src/metrics/registry.js';
import { waitFor } from '../helpers/daemon.js';

/** An HttpServer on a free loopback port with `status` as /api/status (closed after the test). */
async function serverWith(t: TestContext, status: () => AsyncGenerator<string>, stallTimeoutMs?: number): Promise<{ server: HttpServer; port: number }> {
  const server = new HttpServer({ registry: {} as WalletRegistry, healthy: () => true, ready: () => true, status, log: pino({ level: 'silent' }), ...(stallTimeoutMs === undefined ? {} : { stallTimeoutMs }) });
  const { port } = await server.listen('127.0.0.1', 0);
  t.after(() => server.close());
  return { server, port };
}

test('a client that never reads a streamed /api/status is cut after the stall timeout, and the parts stop', { timeout: 30_000 }, async (t) => {
  let parts = 0;
  let stopped = false;
  const part = 'x'.repeat(64 * 1024);
  async function* status(): AsyncGenerator<string> {
    try {
      for (; parts < 2_000; parts++) yield part; // 128 MiB: far more than the socket buffers hold
    } finally {
      stopped = true;
    }
  }
  const { port } = await serverWith(t, status, 500);
  const client = net.connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  await new Promise<void>((resolve) => client.once('connect', resolve));
  client.write('GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n');
  client.pause(); // never reads
  await waitFor(() => stopped, () => `the answer's parts to stop (${parts} produced)`, 20_000);
  assert.ok(parts < 2_000, `the answer was cut, not written whole (${parts} parts)`);
});

test('a request target in absolute form (GET http://host/healthz, RFC 9112 §3.2.2) is served as its path', async (t) => {
  const { port } = await serverWith(t, async function* () {});
  const answer = await new Promise<string>((resolve, reject) => {
    const client = net.connect(port, '127.0.0.1', () => client.end(`GET http://127.0.0.1:${port}/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let text = '';
    client.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(text)).on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 200 /);
  assert.match(answer, /\r\n\r\nok\n$/);
});

test('a listen failure a setting fixes (no such address here, no such host, a port needing root) is told apart from a port in use', async (t) => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const server = new HttpServer({ registry: {} as WalletRegistry, healthy: () => true, ready: () => true, status: async function* () {}, log: pino({ level: 'silent' }) });
  const inUse = await server.listen('127.0.0.1', (taken.address() as net.AddressInfo).port).then(() => undefined, (err: unknown) => err);
  assert.match(String((inUse as Error).message), /already in use/);
  assert.equal(isListenSettingError(inUse), false, 'a port in use may be freed: restart');
  for (const code of ['EADDRNOTAVAIL', 'ENOTFOUND', 'EACCES']) assert.equal(isListenSettingError(Object.assign(new Error(code), { name: 'ListenError', code })), true, code);
  assert.equal(isListenSettingError(Object.assign(new Error('x'), { code: 'EACCES' })), false, 'only the listener\'s own errors');
});

test('a streamed answer (/api/status) carries X-Content-Type-Options: nosniff like the pages', async (t) => {
  const { port } = await serverWith(t, async function* () {
    yield '{}\n';
  });
  const res = await fetch(`http://127.0.0.1:${port}/api/status`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(await res.text(), '{}\n');
});

test('another method is a 405 (Allow: GET, HEAD) on a path served here, and a 404 on a path nobody serves', async (t) => {
  const server = new HttpServer({
    registry: {} as WalletRegistry,
    healthy: () => true,
    ready: () => true,
    status: async function* () {},
    log: pino({ level: 'silent' }),
    pages: { wallets: () => [], now: () => 0 },
  });
  const { port } = await server.listen('127.0.0.1', 0);
  t.after(() => server.close());
  for (const path of ['/metrics', '/healthz', '/api/status', '/', '/api/wallets', '/api/wallets/a/history', '/wallets/a', '/assets/app.js']) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 405, `POST ${path}`);
    assert.equal(res.headers.get('allow'), 'GET, HEAD', `POST ${path}`);
  }
  for (const [method, path] of [['POST', '/api/v1/alerts'], ['OPTIONS', '/nothing'], ['DELETE', '/wallets/a/history'], ['PUT', '/assets/other.js']] as const) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, ...(method === 'POST' || method === 'PUT' ? { body: 'x' } : {}) });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.equal(res.headers.get('allow'), null, `${method} ${path}`);
  }
});

test('a client that sends its request headers a line at a time and never finishes is cut (a slowloris held its socket ~90 s)', { timeout: 60_000 }, async (t) => {
  const { port } = await serverWith(t, async function* () {});
  const client = net.connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  let closed = false;
  client.on('close', () => (closed = true)).on('error', () => undefined);
  await new Promise<void>((resolve) => client.once('connect', resolve));
  client.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
  const drip = setInterval(() => !closed && client.write(`X-Drip: ${Date.now()}\r\n`), 1_000);
  t.after(() => clearInterval(drip));
  await waitFor(() => closed, 'the server to cut the connection', 40_000);
});

test(`connections past ${MAX_CONNECTIONS} are closed at once instead of taking every file descriptor; the server answers again once they go`, { timeout: 60_000 }, async (t) => {
  const { port } = await serverWith(t, async function* () {});
  const sockets: net.Socket[] = [];
  t.after(() => sockets.forEach((s) => s.destroy()));
  let closed = 0;
  for (let i = 0; i < MAX_CONNECTIONS + 40; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('close', () => closed++).on('error', () => undefined);
    s.on('connect', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n')); // headers never finished
    sockets.push(s);
  }
  await waitFor(() => closed >= 40, () => `the ${40} past the bound to be closed (${closed} so far)`, 30_000);
  sockets.forEach((s) => s.destroy());
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status).catch(() => 0)) === 200, 'healthz again', 20_000);
});

test('status pages asked for at once are built one at a time between turns of the event loop: /healthz is answered before them, not after all', { timeout: 60_000 }, async (t) => {
  const busy = (ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end); // a page's build: work that holds the loop
  };
  const server = new HttpServer({ registry: {} as WalletRegistry, healthy: () => true, ready: () => true, status: async function* () {}, log: pino({ level: 'silent' }), pages: { wallets: () => (busy(100), []), now: () => Date.now() } });
  const { port } = await server.listen('127.0.0.1', 0);
  t.after(() => server.close());
  // The client runs in a process of its own: in this one, the builds would hold its requests too.
  const client = `
    const order = [];
    const get = (path, tag) => fetch('http://127.0.0.1:${port}' + path).then(async (r) => (await r.text(), order.push(tag)));
    const pages = Array.from({ length: 10 }, (_, i) => get('/', 'page' + i));
    setTimeout(() => Promise.all([...pages, get('/healthz', 'healthz')]).then(() => console.log(order.join(' '))), 150);`;
  const child = spawn(process.execPath, ['-e', client], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  const order = out.trim().split(' ');
  assert.equal(order.length, 11, out);
  assert.ok(order.indexOf('healthz') < 5, `healthz answered before most pages: ${out}`);
});

test('HTTP pipelining is served shallowly: past 4 requests of one connection waiting for their answers, a 503 and the connection closes, and nothing is built for it (2,000 pipelined scrapes were built at once)', async (t) => {
  let built = 0;
  const { port } = await serverWith(t, async function* () {
    built++;
    yield '{}';
  });
  const answer = await new Promise<string>((resolve, reject) => {
    const client = net.connect(port, '127.0.0.1', () => client.write('GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(50)));
    let text = '';
    client.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(text)).on('error', reject);
  });
  const statuses = [...answer.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '200', '200', '200', '503'], 'four answered in order, then one refusal, and the connection closed');
  assert.match(answer, /too many requests at once on one connection/);
  assert.equal(built, 4, 'four answers built, not fifty');
});

test('at the connection cap, connections idle between requests are closed to make room (256 clients that asked once held every new one off for 65 s)', { timeout: 60_000 }, async (t) => {
  const { port } = await serverWith(t, async function* () {});
  const idle: net.Socket[] = [];
  t.after(() => idle.forEach((s) => s.destroy()));
  for (let i = 0; i < MAX_CONNECTIONS; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    idle.push(s);
    await new Promise<void>((resolve) => {
      s.once('data', () => resolve()); // answered, kept alive, and then idle
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
  }
  const probe = () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
  await waitFor(async () => (await probe()) === 200, 'a new client answered while the idle ones would still be kept alive', 20_000);
  assert.ok(idle.some((s) => s.destroyed || s.readableEnded), 'idle connections were closed');
});
