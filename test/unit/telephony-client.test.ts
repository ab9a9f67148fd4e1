import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { Secret } from '../../src/config/secret.js';
import { UpstreamError, type UpstreamErrorKind } from '../../src/errors.js';
import { backoffDelay } from '../../src/telephony/client.js';
import { TelephonyClient, type TelephonyClientOptions } from '../../src/telephony/telephony-client.js';

const KEY = 'sk_live_SENTINEL_TEST_KEY_9f8e7d';
const PATH = '/v1/wallet/balance';
const UA = 'wallet-sentinel/0.0.0-test';

// ---- servers, all closed in `after` ----------------------------------------------------------

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
}
const cleanups: Array<() => void> = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An HTTP server answering the n-th request (0-based) with handler(n, req, res). */
async function serve(
  handler: (n: number, req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    handler(seen.length - 1, req, res);
  });
  const port = await listen(server);
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${port}`, seen };
}

const json = (status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) =>
  (_n: number, _req: http.IncomingMessage, res: http.ServerResponse): void => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---- client under test -----------------------------------------------------------------------

function makeClient(baseUrl: string, overrides: Partial<TelephonyClientOptions> = {}) {
  const sleeps: number[] = [];
  const attempts: string[] = [];
  const client = new TelephonyClient({
    baseUrl,
    balancePath: PATH,
    balanceField: 'balance',
    currencyField: 'currency',
    apiKey: new Secret(KEY),
    timeoutMs: 2000,
    userAgent: UA,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((resolve) => setTimeout(resolve, 1));
    },
    onAttempt: (code) => attempts.push(code),
    ...overrides,
  });
  return { client, sleeps, attempts };
}

function assertNoKey(err: unknown): void {
  for (const text of [
    err instanceof Error ? err.message : '',
    String((err as Error).stack),
    inspect(err, { depth: 10 }),
    JSON.stringify(err),
    String(err),
  ]) {
    assert.ok(!text.includes(KEY), `key leaked in: ${text.slice(0, 200)}`);
    assert.ok(!text.includes('Bearer'), 'Authorization header leaked');
  }
}

/** Awaits the failure, checks its kind and that the key is nowhere in it. */
async function failure(promise: Promise<unknown>, kind: UpstreamErrorKind): Promise<UpstreamError> {
  try {
    await promise;
  } catch (err) {
    assertNoKey(err);
    assert.ok(err instanceof UpstreamError, `not an UpstreamError: ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    return err;
  }
  assert.fail(`expected a ${kind} failure`);
}

// ---- 200 -------------------------------------------------------------------------------------

test('200 flat body: balance and currency; request carries the key, Accept and User-Agent', async () => {
  const up = await serve(json(200, { balance: 42.5, currency: 'USD' }));
  const { client, attempts } = makeClient(up.url);
  assert.deepEqual(await client.fetchBalance(), { status: 200, balance: 42.5, currency: 'USD', currencyProblem: null, requiredCredits: null });
  assert.equal(up.seen.length, 1);
  const [req] = up.seen;
  assert.equal(req?.method, 'GET');
  assert.equal(req?.url, PATH);
  assert.equal(req?.headers.authorization, `Bearer ${KEY}`);
  assert.equal(req?.headers['user-agent'], UA);
  assert.equal(req?.headers.accept, 'application/json');
  assert.deepEqual(attempts, ['200']);
});

test('200 numeric string, no currency', async () => {
  const up = await serve(json(200, { balance: '50.00' }));
  const { client } = makeClient(up.url);
  assert.deepEqual(await client.fetchBalance(), { status: 200, balance: 50, currency: null, currencyProblem: null, requiredCredits: null });
});

test('200 nested body with dotted fields', async () => {
  const up = await serve(json(200, { data: { attributes: { balance: ' 12.5 ', currency: 'EUR' } } }));
  const { client } = makeClient(up.url, {
    balanceField: 'data.attributes.balance',
    currencyField: 'data.attributes.currency',
  });
  assert.deepEqual(await client.fetchBalance(), { status: 200, balance: 12.5, currency: 'EUR', currencyProblem: null, requiredCredits: null });
});

test('base URL with a path prefix keeps it', async () => {
  const up = await serve(json(200, { balance: 1 }));
  const { client } = makeClient(`${up.url}/api`);
  await client.fetchBalance();
  assert.equal(up.seen[0]?.url, `/api${PATH}`);
});

test('with a base URL carrying a path prefix, messages show the path really requested', async () => {
  const up = await serve(json(400, {}));
  const port = new URL(up.url).port;
  for (const [base, balancePath] of [[`${up.url}/v1`, '/wallet/balance'], [`${up.url}/v1/`, 'wallet/balance?debug=1']] as const) {
    const { client } = makeClient(base, { balancePath });
    const err = await failure(client.fetchBalance(), 'bad_request');
    assert.equal(up.seen.at(-1)?.url?.split('?')[0], '/v1/wallet/balance');
    assert.ok(err.message.startsWith(`GET 127.0.0.1:${port}/v1/wallet/balance answered 400`), err.message);
  }
});

// ---- statuses that are not retried ------------------------------------------------------------

test('401 → auth, one request only, message points at TELEPHONY_API_KEY', async () => {
  const up = await serve(json(401, { error: `key ${KEY} revoked`, code: 'unauthorized' }));
  const { client, sleeps } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'auth');
  assert.equal(err.status, 401);
  assert.equal(err.retryable, false);
  assert.match(err.message, /TELEPHONY_API_KEY/);
  assert.equal(up.seen.length, 1);
  assert.deepEqual(sleeps, []);
});

test('403 → auth, and the message names what else refuses a request than a wrong key (an address allowlist, a key without access)', async () => {
  const up = await serve(json(403, { error: 'Requests from this IP address are not allowed', code: 'ip_not_allowed' }));
  const { client } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'auth');
  assert.equal(up.seen.length, 1);
  assert.match(err.message, /answered 403 \(forbidden; its code: ip_not_allowed\): the API key was rejected; a 403 also comes from a key without access to the balance, or an account that allows only listed source addresses .*; check TELEPHONY_API_KEY/);
});

test('an error answer\'s machine-readable code is in the poll\'s error (as the seed advises), unless it is shaped like a secret', async () => {
  const cases: Array<[number, unknown, UpstreamErrorKind, string | null]> = [
    [401, { error: `key ${KEY} revoked`, code: 'unauthorized' }, 'auth', 'unauthorized'],
    [401, { code: 20003, message: 'Authenticate', status: 401 }, 'auth', '20003'], // Twilio
    [404, { errors: [{ code: '10007', title: 'Unexpected error' }] }, 'unexpected_status', '10007'], // Telnyx
    [400, { error: 'bad', code: KEY }, 'bad_request', null], // a code shaped like a generated token: not shown
    [400, { error: 'bad', code: 'not a code\nforged line' }, 'bad_request', null],
    [501, 'Not Implemented', 'server', null],
  ];
  for (const [status, body, kind, code] of cases) {
    const up = await serve(json(status, body));
    const err = await failure(makeClient(up.url).client.fetchBalance(), kind);
    const shown = /its code: ([^)]*)\)/.exec(err.message)?.[1] ?? null;
    assert.equal(shown, code, `${status} ${JSON.stringify(body)}: ${err.message}`);
    assert.ok(!err.message.includes(KEY) && !err.message.includes('\n'), err.message);
  }
});

test('a code that echoes the key, whole or in part, is not shown: the key is shaped like a name (the seed\'s sk_live_… form)', async () => {
  const key = 'sk_test_acme_voice_prod_2026';
  for (const code of [key, key.toUpperCase(), 'voice_prod_2026', 'bad_key_acme_voice', `${key}_revoked`]) {
    const up = await serve(json(401, { error: 'unauthorized', code }));
    const err = await failure(makeClient(up.url, { apiKey: new Secret(key) }).client.fetchBalance(), 'auth');
    assert.doesNotMatch(err.message, /its code/, `${code}: ${err.message}`);
    assert.ok(!err.message.toLowerCase().includes('voice'), err.message);
  }
  const up = await serve(json(401, { error: 'unauthorized', code: 'invalid_api_key' }));
  const err = await failure(makeClient(up.url, { apiKey: new Secret(key) }).client.fetchBalance(), 'auth');
  assert.match(err.message, /its code: invalid_api_key\)/, 'a code that shares nothing with the key is shown');
});

test('402 → a reading with current_balance and required_credits', async () => {
  const up = await serve(
    json(402, {
      error: 'Insufficient credits to complete this request',
      code: 'insufficient_balance',
      required_credits: 1.5,
      current_balance: '0.25',
    }),
  );
  const { client, attempts } = makeClient(up.url);
  assert.deepEqual(await client.fetchBalance(), { status: 402, balance: 0.25, currency: null, currencyProblem: null, requiredCredits: 1.5 });
  assert.equal(up.seen.length, 1);
  assert.deepEqual(attempts, ['402']);
});

test('402 with a body that is not JSON → a reading with nulls', async () => {
  const up = await serve((_n, _req, res) => res.writeHead(402).end('Payment Required'));
  const { client } = makeClient(up.url);
  assert.deepEqual(await client.fetchBalance(), { status: 402, balance: null, currency: null, currencyProblem: null, requiredCredits: null });
});

test('429 with Retry-After: 7 → rate_limited, 7000 ms, one request', async () => {
  const up = await serve(json(429, { error: 'slow down' }, { 'Retry-After': '7' }));
  const { client, sleeps } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'rate_limited');
  assert.equal(err.retryAfterMs, 7000);
  assert.equal(err.status, 429);
  assert.equal(up.seen.length, 1);
  assert.deepEqual(sleeps, []);
});

test('429 with an HTTP-date Retry-After uses the injected clock; without one, 60 s', async () => {
  const now = Date.parse('2026-11-27T10:00:00Z');
  const dated = await serve(json(429, {}, { 'Retry-After': new Date(now + 30_000).toUTCString() }));
  const err = await failure(makeClient(dated.url, { now: () => now }).client.fetchBalance(), 'rate_limited');
  assert.equal(err.retryAfterMs, 30_000);
  // as a person reads it, with when it ends (not "retry after 30000 ms")
  assert.match(err.message, /answered 429 \(rate limited\); wait 30s, until 2026-11-27T10:00:30Z /);
  const bare = await serve(json(429, {}));
  const err2 = await failure(makeClient(bare.url).client.fetchBalance(), 'rate_limited');
  assert.equal(err2.retryAfterMs, 60_000);
});

test('400 → bad_request naming the settings, one request', async () => {
  const up = await serve(json(400, { error: 'bad', code: 'invalid_parameter' }));
  const { client } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'bad_request');
  assert.match(err.message, /TELEPHONY_API_URL/);
  assert.match(err.message, /TELEPHONY_BALANCE_PATH/);
  assert.equal(up.seen.length, 1);
});

test('404 → unexpected_status, not retried', async () => {
  const up = await serve(json(404, { error: 'not found' }));
  const { client } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'unexpected_status');
  assert.equal(err.status, 404);
  assert.equal(up.seen.length, 1);
});

for (const status of [408, 501, 520, 524]) {
  test(`${status} → a server error, not a wrong URL; not retried within the poll (only 500, 502, 503, 504 are)`, async () => {
    const up = await serve(json(status, { error: 'origin unreachable' }));
    const { client } = makeClient(up.url);
    const err = await failure(client.fetchBalance(), 'server');
    assert.equal(err.status, status);
    assert.match(err.message, /server or proxy error/);
    assert.doesNotMatch(err.message, /TELEPHONY_API_URL/);
    assert.equal(up.seen.length, 1);
  });
}

test('302 to another origin is not followed: the other server sees nothing', async () => {
  const other = await serve(json(200, { balance: 1 }));
  const up = await serve((_n, _req, res) => res.writeHead(302, { Location: `${other.url}${PATH}` }).end());
  const { client } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'unexpected_status');
  assert.equal(err.status, 302);
  assert.equal(up.seen.length, 1);
  assert.equal(other.seen.length, 0);
});

// ---- retries ---------------------------------------------------------------------------------

test('500, 500, then 200 → success after 3 requests with backoff between them', async () => {
  const up = await serve((n, req, res) => (n < 2 ? json(500, { error: 'oops' }) : json(200, { balance: 3 }))(n, req, res));
  const { client, sleeps, attempts } = makeClient(up.url);
  const reading = await client.fetchBalance();
  assert.equal(reading.balance, 3);
  assert.equal(up.seen.length, 3);
  assert.deepEqual(sleeps, [250, 500]);
  assert.deepEqual(attempts, ['500', '500', '200']);
});

test('503 four times → server error after exactly 4 requests', async () => {
  const up = await serve(json(503, { error: 'down' }));
  const { client, sleeps, attempts } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'server');
  assert.equal(err.status, 503);
  assert.equal(up.seen.length, 4);
  assert.deepEqual(sleeps, [250, 500, 1000]);
  assert.deepEqual(attempts, ['503', '503', '503', '503']);
});

test("a 5xx's Retry-After is waited for: a longer wait than the backoff's is kept, one past 10 s ends the poll's retries (a fleet's every poll of an API in maintenance made 4 requests), and an unreadable one changes nothing", async () => {
  const twice = await serve((n, req, res) => (n < 1 ? json(503, {}, { 'Retry-After': '2' }) : json(200, { balance: 3 }))(n, req, res));
  const soon = makeClient(twice.url);
  assert.equal((await soon.client.fetchBalance()).balance, 3);
  assert.deepEqual(soon.sleeps, [2000], 'its 2 s, not the backoff\'s 250 ms');

  const maintenance = await serve(json(503, {}, { 'Retry-After': '3600' }));
  const later = makeClient(maintenance.url);
  const err = await failure(later.client.fetchBalance(), 'server');
  assert.equal(maintenance.seen.length, 1, 'one request');
  assert.deepEqual(later.sleeps, []);
  assert.match(err.message, /answered 503 \(server error; its Retry-After asks for 1h: not retried within the poll\)/);

  const garbage = await serve(json(502, {}, { 'Retry-After': 'soon' }));
  const usual = makeClient(garbage.url);
  await failure(usual.client.fetchBalance(), 'server');
  assert.deepEqual(usual.sleeps, [250, 500, 1000], 'the usual backoff');
});

test('maxAttempts is honoured', async () => {
  const up = await serve(json(502, {}));
  await failure(makeClient(up.url, { maxAttempts: 2 }).client.fetchBalance(), 'server');
  assert.equal(up.seen.length, 2);
});

test('retries stop when the next backoff wait would end past the deadline', async () => {
  const up = await serve(json(503, {}));
  let clock = 1_000_000;
  const sleeps: number[] = [];
  const { client } = makeClient(up.url, {
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });
  // 250 ms fits in 600 ms, the next 500 ms does not.
  const err = await failure(client.fetchBalance({ deadline: clock + 600 }), 'server');
  assert.equal(err.status, 503);
  assert.equal(up.seen.length, 2);
  assert.deepEqual(sleeps, [250]);
});

test('a retry with only a few ms left is not started: the real error (503) is reported, not a timeout', async () => {
  // First request 503; any later one would hang, so a started retry could only end as "timeout".
  const up = await serve((n, _req, res) => {
    if (n === 0) json(503, {})(n, _req, res);
  });
  let clock = 1_000_000;
  const { client, attempts } = makeClient(up.url, {
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  });
  // After the 250 ms backoff, 3 ms would be left before the deadline.
  const err = await failure(client.fetchBalance({ deadline: clock + 253 }), 'server');
  assert.equal(err.status, 503);
  assert.equal(up.seen.length, 1, 'no attempt that could not finish');
  assert.deepEqual(attempts, ['503']);
});

test('a deadline already past → the first attempt still gets the full timeout, but no retry', async () => {
  const up = await serve(json(503, { error: 'down' }));
  const { client, attempts } = makeClient(up.url);
  await failure(client.fetchBalance({ deadline: Date.now() - 1 }), 'server');
  assert.equal(up.seen.length, 1);
  assert.deepEqual(attempts, ['503']);
});

test('connection refused → network, retried up to 4 attempts', async () => {
  const port = await closedPort();
  const { client, sleeps, attempts } = makeClient(`http://127.0.0.1:${port}`);
  const err = await failure(client.fetchBalance(), 'network');
  assert.match(err.message, /ECONNREFUSED/);
  assert.equal(err.retryable, true);
  assert.deepEqual(attempts, ['network', 'network', 'network', 'network']);
  assert.equal(sleeps.length, 3);
});

test('an https:// URL at a plain-HTTP server says so: the TLS handshake failed: the server does not speak TLS on that port', async () => {
  const up = await serve(json(200, { balance: 1, currency: 'USD' }));
  const { client } = makeClient(up.url.replace('http:', 'https:'));
  const err = await failure(client.fetchBalance(), 'network');
  assert.match(err.message, /network error \((EPROTO|ERR_SSL_\w+)\): the TLS handshake failed: the server does not speak TLS on that port \(a plain-HTTP server\?\)/);
  assertNoKey(err);
});

// ---- bodies that are not a balance -----------------------------------------------------------

test('200 HTML page → bad_response without the page in the message', async () => {
  const up = await serve((_n, _req, res) =>
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>CAPTIVE_PORTAL_LOGIN</body></html>'),
  );
  const { client } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'bad_response');
  assert.ok(!err.message.includes('CAPTIVE_PORTAL'));
  assert.equal(up.seen.length, 1);
});

test('200 with a body that is not the gzip it says it is → bad_response, counted under 200, not retried as a network error', async () => {
  const up = await serve((_n, _req, res) => res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }).end('not gzip at all'));
  const { client, attempts } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'bad_response');
  assert.match(err.message, /cannot be decompressed \(Z_/);
  assert.equal(up.seen.length, 1);
  assert.deepEqual(attempts, ['200']);
});

test('a 200 with a body that is not the brotli it says it is → bad_response, counted under 200, not retried as a network error', async () => {
  const up = await serve((_n, _req, res) => res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'br' }).end('notbrotli-data-here'));
  const { client, attempts } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'bad_response');
  assert.match(err.message, /cannot be decompressed \(ERR_\w+\)/);
  assert.equal(up.seen.length, 1);
  assert.deepEqual(attempts, ['200']);
});

// An answer whose body cannot be read is still an answer: only a 200's body says what the status does not.
const BIG_PAGE = `<html>${'x'.repeat(1_100_000)}</html>`;
const unreadable = {
  'over 1 MiB': (res: http.ServerResponse) => res.end(BIG_PAGE),
  'not the gzip it says': (res: http.ServerResponse) => res.end('not gzip at all'),
  'not the brotli it says': (res: http.ServerResponse) => res.end('notbrotli-data-here'),
  'cut short by the connection': (res: http.ServerResponse) => {
    res.write('<html>');
    setImmediate(() => res.destroy());
  },
} as const;
const encodingOf = (how: keyof typeof unreadable): http.OutgoingHttpHeaders =>
  how === 'not the gzip it says' ? { 'Content-Encoding': 'gzip' } : how === 'not the brotli it says' ? { 'Content-Encoding': 'br' } : {};
const lengthOf = (how: keyof typeof unreadable): http.OutgoingHttpHeaders => (how === 'cut short by the connection' ? { 'Content-Length': 500 } : {});

test('a body that cannot be read does not hide the status: 401 → auth, 429 → its Retry-After, 503 → retried, 404 → unexpected_status', async (t) => {
  const table: Array<{ status: number; headers?: http.OutgoingHttpHeaders; kind: UpstreamErrorKind; requests: number; retryAfterMs?: number }> = [
    { status: 401, kind: 'auth', requests: 1 },
    { status: 429, headers: { 'Retry-After': '600' }, kind: 'rate_limited', requests: 1, retryAfterMs: 600_000 },
    { status: 503, kind: 'server', requests: 4 },
    { status: 404, kind: 'unexpected_status', requests: 1 },
  ];
  for (const how of Object.keys(unreadable) as Array<keyof typeof unreadable>) {
    for (const row of table) {
      await t.test(`${row.status}, body ${how}`, async () => {
        const up = await serve((_n, _req, res) => {
          res.writeHead(row.status, { 'Content-Type': 'text/html', ...encodingOf(how), ...lengthOf(how), ...row.headers });
          unreadable[how](res);
        });
        const { client, attempts } = makeClient(up.url);
        const err = await failure(client.fetchBalance(), row.kind);
        assert.equal(err.status, row.status);
        assert.equal(err.retryAfterMs, row.retryAfterMs);
        assert.match(err.message, new RegExp(`answered ${row.status} .*; its body was not read: `));
        assert.equal(up.seen.length, row.requests);
        assert.deepEqual(attempts, Array(row.requests).fill(String(row.status)));
      });
    }
  }
});

test('a 429 whose body never ends still asks for its Retry-After, not a retry at once after the timeout', { timeout: 10_000 }, async () => {
  const up = await serve((_n, _req, res) => {
    res.writeHead(429, { 'Content-Type': 'text/html', 'Retry-After': '600', 'Content-Length': 500 });
    res.write('<html>');
  });
  const { client, attempts } = makeClient(up.url, { timeoutMs: 300 });
  const err = await failure(client.fetchBalance(), 'rate_limited');
  assert.equal(err.retryAfterMs, 600_000);
  assert.match(err.message, /its body was not read: not complete within 300 ms/);
  assert.equal(up.seen.length, 1);
  assert.deepEqual(attempts, ['429']);
});

test('a 402 whose body cannot be read is still an empty wallet, its current_balance unknown (it was a bad_response: no wallet_exhausted)', async (t) => {
  for (const how of Object.keys(unreadable) as Array<keyof typeof unreadable>) {
    await t.test(how, async () => {
      const up = await serve((_n, _req, res) => {
        res.writeHead(402, { 'Content-Type': 'application/json', ...encodingOf(how), ...lengthOf(how) });
        unreadable[how](res);
      });
      const { client, attempts } = makeClient(up.url);
      const r = await client.fetchBalance();
      assert.deepEqual([r.status, r.balance], [402, null]);
      assert.deepEqual(attempts, ['402']);
    });
  }
});

test('200 truncated JSON → bad_response', async () => {
  const up = await serve(json(200, '{"balance": 4'));
  const { client } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'bad_response');
  assert.equal(up.seen.length, 1);
  assert.equal(err.retryable, false);
});

test('200 JSON that is not an object → bad_response', async () => {
  for (const body of ['42', '[1]', 'null', '"x"', '']) {
    const up = await serve(json(200, body));
    await failure(makeClient(up.url).client.fetchBalance(), 'bad_response');
  }
});

test('200 with JSON nested 150,000 deep (900 kB) → bad_response saying so, not parsed (V8 spends ~0.3 s of everyone\'s loop on it)', async () => {
  const deep = '{"a":'.repeat(150_000) + '1' + '}'.repeat(150_000);
  const up = await serve(json(200, deep));
  const { client, attempts } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'bad_response');
  assert.match(err.message, /answered 200 with JSON nested deeper than 64 levels \(not parsed\)/);
  assert.deepEqual(attempts, ['200']);
  // A 402 with such a body still reads as exhausted, with nothing taken from the body.
  const up402 = await serve(json(402, deep));
  const reading = await makeClient(up402.url).client.fetchBalance();
  assert.equal(reading.status, 402);
  assert.equal(reading.requiredCredits, null);
});

test('200 without the balance field → bad_response naming the field and setting', async () => {
  const up = await serve(json(200, { amount: 5, currency: 'USD' }));
  const { client } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'bad_response');
  assert.match(err.message, /"balance"/);
  assert.match(err.message, /TELEPHONY_BALANCE_FIELD/);
});

test('a 50 MB body is refused as bad_response and the process carries on', async () => {
  const total = 50 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const up = await serve((_n, _req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': total });
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  });
  const { client, attempts } = makeClient(up.url);
  const err = await failure(client.fetchBalance(), 'bad_response');
  assert.match(err.message, /exceeded 1048576 bytes/);
  assert.equal(up.seen.length, 1);
  assert.deepEqual(attempts, ['200']);
  // Still healthy: the next call works.
  const ok = await serve(json(200, { balance: 9 }));
  assert.equal((await makeClient(ok.url).client.fetchBalance()).balance, 9);
});

// ---- deadlines -------------------------------------------------------------------------------

// A hang would fail these through the test timeout: no timing assertion on a noisy machine.
test('a drip server (one byte every 200 ms, never ends) → timeout by the deadline', { timeout: 10_000 }, async () => {
  const timers: NodeJS.Timeout[] = [];
  cleanups.push(() => timers.forEach(clearInterval));
  const up = await serve((_n, _req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{');
    const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 200);
    timers.push(timer);
  });
  const { client, attempts } = makeClient(up.url, { timeoutMs: 1000, maxAttempts: 1 });
  const err = await failure(client.fetchBalance(), 'timeout');
  assert.equal(err.retryable, true);
  assert.deepEqual(attempts, ['timeout']);
  assert.match(err.message, /no complete answer within 1000 ms$/, 'a full attempt names the setting alone');
});

async function blackHole(): Promise<{ url: string; connections: () => number }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${port}`, connections: () => count };
}

test('a black-hole server (accepts, never answers) → timeout, retries bounded by the deadline', { timeout: 10_000 }, async () => {
  const hole = await blackHole();
  const { client, attempts } = makeClient(hole.url, { timeoutMs: 1000, sleep: undefined });
  const err = await failure(client.fetchBalance({ deadline: Date.now() + 2000 }), 'timeout');
  // the retry's budget is what was left (under 1000 ms): the message says so, not "within 184 ms" as if set
  assert.match(err.message, /no complete answer within \d+ ms \(a retry, in the time left for this poll; REQUEST_TIMEOUT_MS is 1000\)$/);
  assert.ok(hole.connections() >= 1);
  assert.ok(attempts.length >= 1 && attempts.every((code) => code === 'timeout'));
});

test('the caller aborting ends the call at once, without retries', { timeout: 10_000 }, async () => {
  const hole = await blackHole();
  const { client, sleeps } = makeClient(hole.url, { timeoutMs: 10_000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const err = await failure(client.fetchBalance({ signal: controller.signal }), 'timeout');
  assert.equal(err.retryable, false);
  assert.deepEqual(sleeps, []);
});

// ---- backoff ---------------------------------------------------------------------------------

test('backoffDelay', async (t) => {
  const cases: Array<[number, number, number, number]> = [
    // attempt, random, min, max
    [1, 0, 187.5, 312.5],
    [1, 0.5, 187.5, 312.5],
    [1, 1, 187.5, 312.5],
    [2, 0.5, 500, 500],
    [3, 0, 750, 750],
    [3, 1, 1250, 1250],
    [10, 0, 0, 10_000],
    [10, 1, 0, 10_000],
    [1000, 1, 0, 10_000],
  ];
  for (const [attempt, r, min, max] of cases) {
    await t.test(`attempt ${attempt}, random ${r}`, () => {
      const ms = backoffDelay(attempt, () => r);
      assert.ok(ms >= min && ms <= max, `${ms} not in [${min}, ${max}]`);
    });
  }
  assert.equal(backoffDelay(1, () => 0), 187.5);
  assert.equal(backoffDelay(1, () => 1), 312.5);
});
