/**
 * The balance client once the daemon is stopping (FetchOptions.stopping, aborted at SIGTERM): the attempt in
 * flight finishes and its answer is kept, but no retry starts, and a backoff wait under way ends.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Secret } from '../../src/config/secret.js';
import { UpstreamError } from '../../src/errors.js';
import { TelephonyClient, type TelephonyClientOptions } from '../../src/telephony/telephony-client.js';
import { waitFor } from '../helpers/daemon.js';

const KEY = 'sk_live_STOPPING_TEST_KEY';
const servers: http.Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

/** A server that holds every request until the test answers it from `held`. */
async function holding(): Promise<{ url: string; held: http.ServerResponse[] }> {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((_req, res) => void held.push(res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, held };
}

/** The poll's failure once it ends, or a failure of the test as soon as another attempt reaches the server. */
async function endsWithout(poll: Promise<unknown>, up: { held: unknown[] }, attempts: number): Promise<unknown> {
  let ended: { err: unknown } | undefined;
  poll.then(() => (ended = { err: new Error('a 503 is a failure') }), (err: unknown) => (ended = { err }));
  await waitFor(() => ended !== undefined || up.held.length > attempts, 'the poll to end');
  assert.equal(up.held.length, attempts, 'no retry');
  return ended!.err;
}

const answer = (res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) =>
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));

function client(url: string, overrides: Partial<TelephonyClientOptions> = {}) {
  const sleeps: number[] = [];
  const c = new TelephonyClient({
    baseUrl: url,
    balancePath: '/v1/wallet/balance',
    balanceField: 'balance',
    currencyField: 'currency',
    apiKey: new Secret(KEY),
    timeoutMs: 5000,
    userAgent: 'wallet-sentinel/test',
    random: () => 0.5,
    sleep: async (ms) => void sleeps.push(ms),
    ...overrides,
  });
  return { client: c, sleeps };
}

test('stopping while an attempt is in flight: its 200 is kept; its 503 ends the poll, with no retry and no wait', async () => {
  const up = await holding();
  const ok = new AbortController();
  const { client: a } = client(up.url);
  const reading = a.fetchBalance({ stopping: ok.signal });
  await waitFor(() => up.held.length === 1, 'the first attempt');
  ok.abort();
  answer(up.held[0]!, 200, { balance: 7, currency: 'USD' });
  assert.equal((await reading).balance, 7, 'the attempt in flight finished and its reading is kept');

  const failing = new AbortController();
  const { client: b, sleeps } = client(up.url);
  const poll = b.fetchBalance({ stopping: failing.signal });
  await waitFor(() => up.held.length === 2, 'the second poll\'s attempt');
  failing.abort();
  answer(up.held[1]!, 503, { error: 'down' });
  const err = await endsWithout(poll, up, 2);
  assert.ok(err instanceof UpstreamError && err.status === 503, String(err));
  assert.deepEqual(sleeps, [], 'no backoff wait');
});

test('stopping during a backoff wait ends it: no new attempt', async () => {
  const up = await holding();
  const stopping = new AbortController();
  let waiting = false;
  // the real, abortable wait; a 503 asking for 5 s makes it long enough to be cut
  const { client: c } = client(up.url, { sleep: (ms, signal) => ((waiting = true), delay(ms, undefined, { signal })) });
  const poll = c.fetchBalance({ stopping: stopping.signal });
  await waitFor(() => up.held.length === 1, 'the first attempt');
  answer(up.held[0]!, 503, { error: 'down' }, { 'Retry-After': '5' });
  await waitFor(() => waiting, 'the backoff wait');
  stopping.abort();
  const err = await endsWithout(poll, up, 1);
  assert.ok(err instanceof UpstreamError && err.status === 503, String(err));
});
