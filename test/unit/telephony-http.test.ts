/**
 * The axios instances shared per API base URL (src/telephony/http.ts) are held weakly: a URL no client uses
 * any more (a reload moved its wallets) leaves memory. A real forced garbage collection, in a child process
 * started with --expose-gc. And their connection pool does not re-arm TCP keep-alive at every request (a real
 * loopback server; the socket's handle counted through the net.client.socket diagnostics channel).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { sharedInstance } from '../../src/telephony/http.js';

test('an instance no client holds is collected with its entry; one still held is shared, not made again', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-http-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'churn.mts');
  writeFileSync(
    script,
    `import { sharedInstance, sharedInstances } from ${JSON.stringify(resolve('src/telephony/http.ts'))};
let held = Array.from({ length: 300 }, (_, i) => sharedInstance('http://127.0.0.1:' + (10000 + i), 1024));
const before = sharedInstances();
held = held.slice(0, 1); // a reload moved every other wallet to another URL
for (let k = 0; k < 100 && sharedInstances() > 1; k++) {
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 10));
}
console.log(JSON.stringify({ before, after: sharedInstances(), shared: sharedInstance('http://127.0.0.1:10000', 1024) === held[0] }));
`,
  );
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { before: 300, after: 1, shared: true });
});

test('a pooled connection has TCP keep-alive set once, not twice per request (the pool and axios agree on its 60 s)', async (t) => {
  const server = createServer((_req, res) => res.end('{"balance":1}'));
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const http = sharedInstance(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 1024);
  // Every call that reaches the socket's handle is a setsockopt (Socket.setKeepAlive skips it when nothing
  // changes). Counted from the connection on: what axios asks before it is applied as the socket connects.
  const calls: [boolean, number][] = [];
  const onSocket = ({ socket }: { socket: Socket }) => {
    socket.once('connect', () => {
      const handle = (socket as unknown as { _handle: { setKeepAlive(on: boolean, delay: number): number } })._handle;
      const own = handle.setKeepAlive.bind(handle);
      handle.setKeepAlive = (on, delay) => (calls.push([on, delay]), own(on, delay));
    });
  };
  diagnostics.subscribe('net.client.socket', onSocket as (m: unknown) => void);
  t.after(() => diagnostics.unsubscribe('net.client.socket', onSocket as (m: unknown) => void));
  for (let i = 0; i < 5; i++) {
    const res = await http.request({ method: 'GET', url: '/balance' });
    assert.equal(res.status, 200);
    await new Promise((r) => setImmediate(r)); // the socket goes back to the pool (the agent's 'free')
  }
  assert.equal(connections, 1, 'the five requests share one connection');
  assert.deepEqual(calls, [], 'TCP keep-alive set again on a pooled connection');
});
