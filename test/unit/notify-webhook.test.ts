/**
 * WebhookNotifier and Dispatcher against real node:http receivers on 127.0.0.1 (no mocking of axios):
 * signing, status handling, retries with backoff, Retry-After, redirects, shutdown with owed deliveries,
 * isolation between targets and ordering within one.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { Secret } from '../../src/config/secret.js';
import type { Notification } from '../../src/domain/alerts.js';
import type { WebhookTarget } from '../../src/config/settings.js';
import { NotifyError } from '../../src/errors.js';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { loadSettings } from '../../src/config/load.js';
import { Dispatcher } from '../../src/notify/dispatch.js';
import { createReceivers } from '../../src/notify/registry.js';
import type { OutboxStore } from '../../src/notify/outbox-store.js';
import { outboxIn } from '../helpers/state.js';
import { NOTIFICATION_HEADER, SIGNATURE_HEADER, WebhookNotifier } from '../../src/notify/webhook/webhook.js';
import { notificationKey } from '../../src/notify/notifier.js';
import { sampleNotification } from '../helpers/fixtures.js';

const WEBHOOK_SECRET = 'whsec-DISTINCTIVE-5f1c9a7e-do-not-leak';
const log = pino({ level: 'silent' });
const T0 = Date.parse('2026-11-27T10:00:00Z');

// ---------------------------------------------------------------- helpers

interface Received {
  /** Arrival time (ms, monotonic clock). */
  at: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/** What the receiver does with request number `i` (0-based): answer, or never answer. */
type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

interface Receiver {
  url: string;
  received: Received[];
  /** Requests that were left hanging and whose connection has since closed. */
  closedHanging: number;
  close(): Promise<void>;
}

async function receiver(t: TestContext, answer: (i: number, r: Received) => Answer): Promise<Receiver> {
  const received: Received[] = [];
  const state = { closedHanging: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        at: performance.now(),
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const i = received.length;
      received.push(r);
      const a = answer(i, r);
      if (a === 'hang') {
        res.on('close', () => (state.closedHanging += 1));
        return;
      }
      res.writeHead(a.status, { 'Content-Type': 'text/plain', ...a.headers });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.after(close);
  return {
    url: `http://127.0.0.1:${port}/hook/path?x=1`,
    received,
    get closedHanging() {
      return state.closedHanging;
    },
    close,
  };
}

/** A URL on which nothing listens (connection refused). */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/dead`;
}

async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'ws-webhook-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const target = (url: string, n = 1): WebhookTarget => ({ url: new Secret(url), format: 'json', label: `webhook#${n} (127.0.0.1)` });
const SETTINGS = { secret: new Secret(WEBHOOK_SECRET), pagerdutyRoutingKey: undefined };

const note = sampleNotification;

/** Verifies `X-Wallet-Sentinel-Signature` over the exact bytes received; returns its `t`. */
function verifySignature(r: Received, secret = WEBHOOK_SECRET): number {
  const header = r.headers[SIGNATURE_HEADER.toLowerCase()];
  assert.equal(typeof header, 'string', 'signature header present');
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header as string);
  assert.ok(m, `signature header shape: ${String(header)}`);
  const t = Number(m[1]);
  const expected = createHmac('sha256', secret).update(`${m[1]}.${r.body}`, 'utf8').digest();
  assert.ok(timingSafeEqual(Buffer.from(m[2]!, 'hex'), expected), 'signature verifies over the received bytes');
  return t;
}

interface Rig {
  dispatcher: Dispatcher;
  store: OutboxStore;
  metrics: Metrics;
  dir: string;
}

/** A Dispatcher over `targets`, with a fresh outbox in a temp dir (or `dir`), stopped at the end of the test. */
async function rig(t: TestContext, targets: WebhookTarget[], opts: { dir?: string; metrics?: Metrics } = {}): Promise<Rig> {
  const dir = opts.dir ?? tempDir(t);
  const store = outboxIn(dir, log);
  const metrics = opts.metrics ?? createMetrics();
  const dispatcher = new Dispatcher({
    notifiers: targets.map((x) => new WebhookNotifier(x, SETTINGS)),
    store,
    metrics,
    log,
    retryBaseDelayMs: 50,
  });
  t.after(() => dispatcher.stop(100));
  await dispatcher.start();
  return { dispatcher, store, metrics, dir };
}

async function counted(metrics: Metrics, outcome: 'sent' | 'failed', channel: 'webhook' | 'email' = 'webhook'): Promise<number> {
  const m = await metrics.notifications.get();
  return m.values.find((v) => v.labels.channel === channel && v.labels.outcome === outcome)?.value ?? 0;
}

const bodyOf = (r: Received): Record<string, unknown> => JSON.parse(r.body) as Record<string, unknown>;

// ---------------------------------------------------------------- WebhookNotifier alone

test('the receiver gets the exact bytes that were signed; t is a recent unix second', async (t) => {
  const rx = await receiver(t, () => ({ status: 200 }));
  const notifier = new WebhookNotifier(target(rx.url), SETTINGS);
  const before = Math.floor(Date.now() / 1000);
  await notifier.send(note(), new AbortController().signal);
  const after = Math.floor(Date.now() / 1000);

  assert.equal(rx.received.length, 1);
  const r = rx.received[0]!;
  assert.equal(r.method, 'POST');
  assert.equal(r.url, '/hook/path?x=1');
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const ts = verifySignature(r);
  assert.ok(ts >= before && ts <= after, `t=${ts} not within [${before}, ${after}]`);
  const body = bodyOf(r);
  assert.equal(body.id, 'default/low_balance/mh7q2x');
  assert.equal(body.version, '1');
  assert.equal(body.status, 'firing');
  assert.equal(body.alertname, 'low_balance');
  // sent_at is the attempt's second, the same as the signature's t.
  assert.equal(Date.parse(String(body.sent_at)) / 1000, ts);
  assert.equal(r.headers['x-wallet-sentinel-id'], 'default/low_balance/mh7q2x');
});

test('X-Wallet-Sentinel-Notification tells apart what one alert sends — its start, escalation, each repeat, its resolve — which share `id`', () => {
  const start = note();
  const sent = [
    start,
    note({ severity: 'critical', reason: 'escalation', decidedAt: start.decidedAt + 60_000 }),
    note({ severity: 'critical', reason: 'repeat', decidedAt: start.decidedAt + 4 * 3_600_000 }),
    note({ severity: 'critical', reason: 'repeat', decidedAt: start.decidedAt + 8 * 3_600_000 }),
    note({ status: 'resolved', reason: 'resolve', decidedAt: start.decidedAt + 9 * 3_600_000 }),
  ];
  assert.equal(new Set(sent.map((n) => n.id)).size, 1);
  assert.equal(new Set(sent.map(notificationKey)).size, sent.length);
  assert.equal(notificationKey(JSON.parse(JSON.stringify(start)) as typeof start), notificationKey(start), 'the same after the outbox round-trip of a restart');
});

test('without a secret the body is sent unsigned', async (t) => {
  const rx = await receiver(t, () => ({ status: 204 }));
  const notifier = new WebhookNotifier(target(rx.url), { secret: undefined });
  await notifier.send(note(), new AbortController().signal);
  assert.equal(rx.received.length, 1);
  assert.equal(rx.received[0]!.headers[SIGNATURE_HEADER.toLowerCase()], undefined);
});

const finals: Array<[number, boolean]> = [
  [200, true],
  [201, true],
  [202, true],
  [204, true],
  [299, true],
];
for (const [status] of finals) {
  test(`WebhookNotifier: ${status} is success`, async (t) => {
    const rx = await receiver(t, () => ({ status }));
    await new WebhookNotifier(target(rx.url), SETTINGS).send(note(), new AbortController().signal);
    assert.equal(rx.received.length, 1);
  });
}

const failures: Array<[number, boolean]> = [
  [500, true],
  [502, true],
  [503, true],
  [408, true],
  [429, true],
  [400, false],
  [401, false],
  [404, false],
  [410, false],
  [301, false],
  [302, false],
  [307, false],
];
for (const [status, retryable] of failures) {
  test(`WebhookNotifier: ${status} throws NotifyError (retryable: ${retryable})`, async (t) => {
    const rx = await receiver(t, () => ({ status, headers: status >= 300 && status < 400 ? { Location: 'http://127.0.0.1:9/elsewhere' } : ({} as Record<string, string>) }));
    await assert.rejects(new WebhookNotifier(target(rx.url), SETTINGS).send(note(), new AbortController().signal), (err: unknown) => {
      assert.ok(err instanceof NotifyError);
      assert.equal(err.retryable, retryable);
      assert.ok(!err.message.includes(rx.url), 'the message never carries the URL');
      return true;
    });
    assert.equal(rx.received.length, 1);
  });
}

test('WebhookNotifier: an https:// URL at a plain-HTTP receiver says the TLS handshake failed and that the server may not speak TLS there, without the URL', async (t) => {
  const rx = await receiver(t, () => ({ status: 200 }));
  const url = rx.url.replace('http:', 'https:');
  await assert.rejects(new WebhookNotifier(target(url), SETTINGS).send(note(), new AbortController().signal), (err: unknown) => {
    assert.ok(err instanceof NotifyError);
    assert.equal(err.reason, 'network');
    assert.match(err.message, /network error \((EPROTO|ERR_SSL_\w+)\): the TLS handshake failed: the server does not speak TLS on that port \(a plain-HTTP server\?\)/);
    assert.ok(!err.message.includes(url.slice('https://'.length)), 'the message never carries the URL');
    return true;
  });
});

// ---------------------------------------------------------------- Dispatcher

test('2xx → sent once; telephony_alert_notifications_total{channel="webhook",outcome="sent"} is 1', async (t) => {
  const rx = await receiver(t, () => ({ status: 200 }));
  const { dispatcher, store, metrics } = await rig(t, [target(rx.url)]);
  await dispatcher.enqueue([note()]);
  await waitUntil(() => dispatcher.pending === 0, 'delivery accepted');
  assert.equal(rx.received.length, 1);
  verifySignature(rx.received[0]!);
  assert.equal(await counted(metrics, 'sent'), 1);
  assert.equal(await counted(metrics, 'failed'), 0);
  assert.equal(await counted(metrics, 'sent', 'email'), 0);
  const text = await metrics.registry.metrics();
  assert.match(text, /^telephony_alert_notifications_total\{channel="webhook",outcome="sent"\} 1$/m);
  assert.match(text, /^telephony_alert_notifications_total\{channel="webhook",outcome="failed"\} 0$/m);
  await dispatcher.stop(100);
  assert.deepEqual((await store.load(Date.now())).deliveries, [], 'nothing left owed on disk');
});

test('500, 500, then 200 → delivered exactly once in the end; failed 2, sent 1; every attempt freshly signed', async (t) => {
  const rx = await receiver(t, (i) => ({ status: i < 2 ? 500 : 200 }));
  const { dispatcher, store, metrics } = await rig(t, [target(rx.url)]);
  await dispatcher.enqueue([note()]);
  await waitUntil(() => dispatcher.pending === 0, 'delivery accepted after retries');
  await dispatcher.stop(100);
  assert.equal(rx.received.length, 3);
  assert.equal(await counted(metrics, 'failed'), 2);
  assert.equal(await counted(metrics, 'sent'), 1);
  const ids = new Set<unknown>();
  for (const r of rx.received) {
    verifySignature(r); // present on every attempt, and over that attempt's bytes
    ids.add(bodyOf(r).id);
    assert.equal(r.headers['x-wallet-sentinel-id'], 'default/low_balance/mh7q2x');
    assert.equal(r.headers[NOTIFICATION_HEADER.toLowerCase()], notificationKey(note()), 'one notification: one key at every attempt');
  }
  assert.deepEqual([...ids], ['default/low_balance/mh7q2x'], 'the id is stable across retries');
  assert.deepEqual((await store.load(Date.now())).deliveries, []);
});

const settingStatuses: Array<[number, string]> = [
  [404, 'not found'],
  [410, 'gone'],
  [401, 'unauthorized'],
  [403, 'forbidden'],
];
for (const [status, name] of settingStatuses) {
  test(`${status} (${name}) → kept after one attempt, not retried, the next notification waiting behind it; a restart (its URL may be fixed) sends both`, async (t) => {
    let answer = status;
    const rx = await receiver(t, () => ({ status: answer }));
    const first = await rig(t, [target(rx.url)]);
    await first.dispatcher.enqueue([note()]);
    await waitUntil(async () => (await counted(first.metrics, 'failed')) === 1, 'first attempt refused');
    await first.dispatcher.enqueue([note({ id: 'second', status: 'resolved', reason: 'resolve' })]);
    assert.equal(first.dispatcher.pending, 2, 'both owed');
    await first.dispatcher.stop(100);
    assert.deepEqual(rx.received.map((r) => bodyOf(r).id), ['default/low_balance/mh7q2x'], 'the second not tried against the refused URL');
    const saved = [...(await first.store.load(Date.now())).deliveries].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    assert.deepEqual(
      saved.map((x) => [x.notification.id, x.parked ?? false]),
      [['default/low_balance/mh7q2x', true], ['second', false]],
      'the refused one kept',
    );
    assert.equal(saved[0]!.nextAttemptAt - saved[0]!.createdAt, 24 * 3_600_000, 'not retried before its 24 h');

    answer = 200;
    const second = await rig(t, [target(rx.url)], { dir: first.dir });
    await waitUntil(() => second.dispatcher.pending === 0, 'both sent after the restart');
    assert.deepEqual(rx.received.slice(1).map((r) => bodyOf(r).id).sort(), ['default/low_balance/mh7q2x', 'second']);
    assert.equal(await counted(second.metrics, 'sent'), 2);
  });
}

for (const [status, name] of [[400, 'bad request'], [409, 'conflict'], [422, 'unprocessable']] as const) {
  test(`${status} (${name}), a no to this notification's body → given up after one attempt; the alert's next notification is tried`, async (t) => {
    const rx = await receiver(t, (i) => ({ status: i === 0 ? status : 200 }));
    const { dispatcher, store, metrics } = await rig(t, [target(rx.url)]);
    await dispatcher.enqueue([note()]);
    await waitUntil(() => dispatcher.pending === 0, 'delivery given up');
    await dispatcher.enqueue([note({ status: 'resolved', reason: 'resolve' })]);
    await waitUntil(() => dispatcher.pending === 0 && rx.received.length >= 2, 'the resolve sent');
    await dispatcher.stop(100);
    assert.deepEqual(rx.received.map((r) => bodyOf(r).status), ['firing', 'resolved'], 'the firing once (not retried), then its resolve');
    assert.equal(await counted(metrics, 'failed'), 1);
    assert.equal(await counted(metrics, 'sent'), 1);
    assert.deepEqual((await store.load(Date.now())).deliveries, []);
  });
}

test('a URL that answers 400 to every notification (a chat service\'s webhook, which does not know the body): each is given up, and the channel is named in trouble with how many until it takes one', async (t) => {
  let accepts = false;
  const rx = await receiver(t, () => ({ status: accepts ? 200 : 400 }));
  const { dispatcher } = await rig(t, [target(rx.url)]);
  await dispatcher.enqueue([note(), note({ id: 'other' })]);
  await waitUntil(() => dispatcher.pending === 0 && rx.received.length === 2, 'both tried and given up');
  const [trouble, ...more] = dispatcher.troubled();
  assert.deepEqual(more, []);
  assert.deepEqual([trouble!.owed, trouble!.givenUp], [0, 2]);
  assert.match(trouble!.error, /answered 400; not retried$/);
  accepts = true; // the URL fixed at its end
  await dispatcher.enqueue([note({ id: 'third' })]);
  await waitUntil(() => rx.received.length === 3 && dispatcher.pending === 0, 'the third taken');
  assert.deepEqual(dispatcher.troubled(), [], 'no longer in trouble once it takes one');
  await dispatcher.stop(100);
});

for (const status of [301, 302, 303, 307, 308]) {
  test(`${status} → not followed (the other receiver gets nothing) and not retried`, async (t) => {
    const other = await receiver(t, () => ({ status: 200 }));
    const rx = await receiver(t, () => ({ status, headers: { Location: other.url } }));
    const { dispatcher, metrics } = await rig(t, [target(rx.url)]);
    await dispatcher.enqueue([note()]);
    await waitUntil(async () => (await counted(metrics, 'failed')) === 1, 'the attempt refused');
    await dispatcher.stop(100);
    assert.equal(rx.received.length, 1);
    assert.equal(other.received.length, 0);
    assert.equal(dispatcher.pending, 1, 'kept for a corrected URL');
    assert.equal(await counted(metrics, 'sent'), 0);
  });
}

test('a redirect is given up with where it points in words, never its Location: an http → https move of the same URL says to write https://', async (t) => {
  const { postJson } = await import('../../src/notify/http-post.js');
  const why = async (location: (url: string) => string) => {
    let url = '';
    const rx = await receiver(t, () => ({ status: 308, headers: { Location: location(url) } }));
    url = `${rx.url}/hooks/TOKEN_in_path_9f8e7d`;
    const err = await postJson({ url: new Secret(url), label: 'webhook#1' }, '{}', {}, AbortSignal.timeout(10_000), Date.now).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof NotifyError && !err.retryable, String(err));
    assert.doesNotMatch(err.message, /TOKEN|moved_to_secret/, 'never the URL or the Location');
    return err.message;
  };
  assert.match(await why((u) => u.replace('http:', 'https:')), /answered 308 \(redirects are not followed: it moved to https, write the URL with https:\/\/\); not retried/);
  assert.match(await why(() => '/elsewhere/moved_to_secret'), /another address on the same host/);
  assert.match(await why(() => 'https://hooks.example.invalid/moved_to_secret'), /another host/);
});

test('429 with Retry-After: 1 → the next attempt comes no sooner than ~1 s later', async (t) => {
  const rx = await receiver(t, (i) => (i === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 200 }));
  const { dispatcher, metrics } = await rig(t, [target(rx.url)]);
  await dispatcher.enqueue([note()]);
  await waitUntil(() => dispatcher.pending === 0, 'delivery accepted after Retry-After', 10_000);
  assert.equal(rx.received.length, 2);
  const gap = rx.received[1]!.at - rx.received[0]!.at;
  assert.ok(gap >= 900, `second attempt ${gap.toFixed(0)} ms after the first`);
  assert.equal(await counted(metrics, 'failed'), 1);
  assert.equal(await counted(metrics, 'sent'), 1);
  verifySignature(rx.received[0]!);
  verifySignature(rx.received[1]!);
});

/** A notification owed at stop: its one attempt hung on a receiver that answers 200 once `healthy` is set. */
async function owedAfterAHang(t: TestContext) {
  const health = { healthy: false };
  const rx = await receiver(t, () => (health.healthy ? { status: 200 } : 'hang'));
  const dir = tempDir(t);
  const first = await rig(t, [target(rx.url)], { dir });
  await first.dispatcher.enqueue([note()]);
  await waitUntil(() => rx.received.length === 1, 'the attempt reached the receiver');
  await first.dispatcher.stop(100);
  return { rx, dir, first, health };
}

test('a receiver that never answers: stop() aborts the attempt, the delivery stays owed, a new Dispatcher re-sends it exactly once', async (t) => {
  const { rx, dir, first, health } = await owedAfterAHang(t);
  await waitUntil(() => rx.closedHanging === 1, 'the hanging request was abandoned');

  const owed = (await first.store.load(Date.now())).deliveries;
  assert.equal(owed.length, 1, 'still owed on disk');
  assert.equal(owed[0]!.notification.id, 'default/low_balance/mh7q2x');
  assert.equal(await counted(first.metrics, 'sent'), 0);

  health.healthy = true;
  const second = await rig(t, [target(rx.url)], { dir });
  await waitUntil(() => second.dispatcher.pending === 0, 'owed delivery re-sent');
  await second.dispatcher.stop(100);
  assert.equal(rx.received.length, 2, 'one hung attempt, then exactly one re-send');
  assert.equal(bodyOf(rx.received[1]!).id, 'default/low_balance/mh7q2x');
  verifySignature(rx.received[1]!);
  assert.equal(await counted(second.metrics, 'sent'), 1);
  assert.deepEqual((await second.store.load(Date.now())).deliveries, []);
});

test('an unreadable record of when alerts were last notified (a torn row): the owed delivery is still sent after a restart, not wiped', async (t) => {
  const { rx, dir, health } = await owedAfterAHang(t);
  const db = new Database(join(dir, 'wallet-sentinel.db'));
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('delivered', ?)").run('{"default/low_balance/mh7q2x":17');
  db.close();

  health.healthy = true;
  const second = await rig(t, [target(rx.url)], { dir });
  await waitUntil(() => second.dispatcher.pending === 0, 'owed delivery re-sent');
  assert.equal(rx.received.length, 2, 'one hung attempt, then the re-send');
  assert.equal(bodyOf(rx.received[1]!).id, 'default/low_balance/mh7q2x');
});

test('a start that could not read the outbox does not save over it at stop', async () => {
  let saves = 0;
  const store = { path: 'x', load: () => Promise.reject(new Error('SQLITE_IOERR')), save: () => (saves++, Promise.resolve()), stopRetrying: () => {} } as unknown as OutboxStore;
  const d = new Dispatcher({ notifiers: [], store, metrics: createMetrics(), log, retryBaseDelayMs: 50 });
  await assert.rejects(d.start(), /SQLITE_IOERR/);
  await d.stop(10);
  assert.equal(saves, 0, 'an empty queue saved now would delete every owed row');
});

test('two targets, one dead (connection refused): the healthy one gets its notification; the dead one stays owed', async (t) => {
  const dead = await deadUrl();
  const rx = await receiver(t, () => ({ status: 200 }));
  const { dispatcher, store, metrics } = await rig(t, [target(dead, 1), target(rx.url, 2)]);
  await dispatcher.enqueue([note()]);
  await waitUntil(() => rx.received.length === 1, 'healthy target served');
  await waitUntil(() => dispatcher.pending === 1, 'healthy delivery done');
  // The dead target keeps failing (and is counted) without disturbing the healthy one.
  await waitUntil(async () => (await counted(metrics, 'failed')) >= 2, 'the dead target retried');
  await dispatcher.stop(100);
  assert.equal(rx.received.length, 1);
  assert.equal(await counted(metrics, 'sent'), 1);
  const owed = (await store.load(Date.now())).deliveries;
  assert.deepEqual(
    owed.map((x) => x.target),
    ['webhook:webhook#1 (127.0.0.1)'],
  );
});

test('two targets, one that never answers: the healthy one is served long before the other would time out', async (t) => {
  const hung = await receiver(t, () => 'hang');
  const rx = await receiver(t, () => ({ status: 200 }));
  const { dispatcher } = await rig(t, [target(hung.url, 1), target(rx.url, 2)]);
  await dispatcher.enqueue([note(), note({ id: 'b', status: 'resolved', reason: 'resolve' })]);
  // The notifier's own timeout is 15 s; the healthy target must not wait for it.
  await waitUntil(() => rx.received.length === 2, 'healthy target served both', 5000);
  assert.deepEqual(
    rx.received.map((r) => bodyOf(r).id),
    ['default/low_balance/mh7q2x', 'b'],
  );
  // The hung target has its first attempt out (one at a time until it has taken one: dispatch-parked.test.ts).
  await waitUntil(() => hung.received.length === 1, 'the hung target got its first attempt');
  await dispatcher.stop(100);
});

test('deliveries to one target arrive in the order enqueued (firing before resolved), even when the first needs retries', async (t) => {
  // The receiver fails the first two requests, whatever they are.
  const rx = await receiver(t, (i) => ({ status: i < 2 ? 503 : 200 }));
  const { dispatcher, metrics } = await rig(t, [target(rx.url)]);
  const firingNote = note({ id: 'inst-1' });
  const resolvedNote = note({ id: 'inst-1', status: 'resolved', reason: 'resolve', decidedAt: T0 + 60_000 });
  await dispatcher.enqueue([firingNote]);
  await dispatcher.enqueue([resolvedNote]);
  await waitUntil(() => dispatcher.pending === 0, 'both delivered');
  await dispatcher.stop(100);
  const seen = rx.received.map((r) => String(bodyOf(r).status));
  assert.deepEqual(seen, ['firing', 'firing', 'firing', 'resolved']);
  assert.equal(await counted(metrics, 'failed'), 2);
  assert.equal(await counted(metrics, 'sent'), 2);
});

test('order holds per alert for several notifications in one enqueue, with a 429 in the way; other alerts do not wait', async (t) => {
  const rx = await receiver(t, (i) => (i === 1 ? { status: 429, headers: { 'Retry-After': '0' } } : { status: 200 }));
  const { dispatcher } = await rig(t, [target(rx.url)]);
  const notes = ['a', 'b', 'c', 'd'].flatMap((id) => [note({ id }), note({ id, status: 'resolved', reason: 'resolve' })]);
  await dispatcher.enqueue(notes);
  await waitUntil(() => dispatcher.pending === 0, 'all delivered');
  await dispatcher.stop(100);
  const seen = rx.received.map((r) => `${String(bodyOf(r).id)}:${String(bodyOf(r).status)}`);
  assert.equal(seen.length, 9, `8 notifications and one retry: ${seen.join(' ')}`);
  for (const id of ['a', 'b', 'c', 'd']) {
    const mine = seen.filter((s) => s.startsWith(`${id}:`));
    // the 429'd attempt is repeated; the resolve never overtakes its firing
    assert.equal(mine.at(-1), `${id}:resolved`, seen.join(' '));
    assert.ok(mine.indexOf(`${id}:firing`) === 0 && mine.lastIndexOf(`${id}:firing`) < mine.indexOf(`${id}:resolved`), seen.join(' '));
  }
});

test("the receiver's view never contains the webhook secret (only the signature)", async (t) => {
  const rx = await receiver(t, (i) => (i === 0 ? { status: 500 } : i === 1 ? { status: 429, headers: { 'Retry-After': '0' } } : { status: 200 }));
  const { dispatcher } = await rig(t, [target(rx.url)]);
  await dispatcher.enqueue([note(), note({ id: 'other', alertname: 'auth_failed', severity: 'critical' })]);
  await waitUntil(() => dispatcher.pending === 0, 'all delivered');
  await dispatcher.stop(100);
  assert.equal(rx.received.length, 4);
  for (const r of rx.received) {
    const view = [r.method, r.url, ...r.rawHeaders, r.body].join('\n');
    assert.ok(!view.includes(WEBHOOK_SECRET), 'the secret reached the receiver');
    assert.ok(!view.includes('DISTINCTIVE'), 'part of the secret reached the receiver');
    verifySignature(r);
  }
});

// A receiver that accepts (2xx) but answers with a large body (an HTML page, say) has accepted the
// notification; a final status with a large body is still final.
const bigBodies: Array<[number, boolean | 'ok']> = [
  [200, 'ok'],
  [202, 'ok'],
  [410, false],
  [400, false],
];
for (const [status, expected] of bigBodies) {
  test(
    `${status} with a 100 KB response body → ${expected === 'ok' ? 'success' : 'final failure, not retried'} (the status decides, not the body size)`,
    async (t) => {
      const page = `<html>${'x'.repeat(100_000)}</html>`;
      const rx = await receiver(t, () => ({ status, headers: { 'Content-Type': 'text/html' }, body: page }));
      const send = new WebhookNotifier(target(rx.url), SETTINGS).send(note(), new AbortController().signal);
      if (expected === 'ok') await send;
      else {
        await assert.rejects(send, (err: unknown) => {
          assert.ok(err instanceof NotifyError);
          assert.equal(err.retryable, false);
          return true;
        });
      }
      assert.equal(rx.received.length, 1);
    },
  );
}

test('a 200 with a 100 KB body through the Dispatcher → sent once, not re-sent', async (t) => {
  const rx = await receiver(t, () => ({ status: 200, body: 'y'.repeat(100_000) }));
  const { dispatcher, metrics } = await rig(t, [target(rx.url)]);
  await dispatcher.enqueue([note()]);
  await waitUntil(() => dispatcher.pending === 0, 'delivery accepted', 2000);
  await dispatcher.stop(100);
  assert.equal(rx.received.length, 1);
  assert.equal(await counted(metrics, 'sent'), 1);
  assert.equal(await counted(metrics, 'failed'), 0);
});

// ---------------------------------------------------------------- owed deliveries find their channel by destination

/** A dispatcher over ALERT_WEBHOOK_URL = `urls` (the receivers the daemon builds), its outbox in `dir`. */
async function envRig(t: TestContext, dir: string, urls: string[]): Promise<Dispatcher> {
  const { settings } = loadSettings({ TELEPHONY_API_KEY: 'k', ALERT_WEBHOOK_URL: urls.join(',') }, { cwd: dir });
  const dispatcher = new Dispatcher({ receivers: createReceivers(settings), store: outboxIn(dir, log), metrics: createMetrics(), log, retryBaseDelayMs: 100 });
  t.after(() => dispatcher.stop(100));
  await dispatcher.start();
  return dispatcher;
}

// A channel that refuses (503) until it is up again owes the notification; the list is then changed and the daemon restarted.
const listChanges: Array<[string, ('ok' | 'down')[], ('ok' | 'down')[]]> = [
  ['a channel removed from ALERT_WEBHOOK_URL: what another one still owed is sent to it, not given up', ['ok', 'down'], ['down']],
  ['ALERT_WEBHOOK_URL reordered: the owed delivery goes to its own channel, not to the one now in its place', ['down', 'ok'], ['ok', 'down']],
];
for (const [name, before, after] of listChanges) {
  test(`${name} (after a restart)`, async (t) => {
    let up = false;
    let served = 0;
    const ok = await receiver(t, () => ({ status: 200 }));
    const down = await receiver(t, () => (up ? (served++, { status: 200 }) : { status: 503 }));
    const urls = (list: ('ok' | 'down')[]) => list.map((c) => (c === 'ok' ? ok.url : down.url));
    const dir = tempDir(t);
    const first = await envRig(t, dir, urls(before));
    await first.enqueue([note()]);
    await waitUntil(() => ok.received.length === 1 && down.received.length >= 1 && first.pending === 1, 'one took it, the other refused it');
    await first.stop(100);

    up = true;
    const second = await envRig(t, dir, urls(after));
    await waitUntil(() => second.pending === 0, 'the owed copy delivered');
    assert.equal(served, 1, 'the owed copy reached the channel that owed it');
    assert.equal(ok.received.length, 1, 'the other one, which had it already, did not get it twice');
  });
}

test('an owed delivery saved under the key of an earlier build (the channel by its position) is still sent', async (t) => {
  const a = await receiver(t, () => ({ status: 200 }));
  const dir = tempDir(t);
  const { settings } = loadSettings({ TELEPHONY_API_KEY: 'k', ALERT_WEBHOOK_URL: a.url }, { cwd: dir });
  const former = `webhook:${settings.webhook!.targets[0]!.label}`; // webhook:webhook#1 (127.0.0.1:port)
  const store = outboxIn(dir, log);
  const n = note();
  await store.save({ deliveries: [{ deliveryId: 'd-1', target: former, notification: n, seq: 0, createdAt: Date.now(), attempts: 1, nextAttemptAt: Date.now(), lastError: 'HTTP 503' }], delivered: {} });
  const d = await envRig(t, dir, [a.url]);
  await waitUntil(() => d.pending === 0, 'sent');
  assert.equal(a.received.length, 1);
  assert.equal(bodyOf(a.received[0]!).id, n.id);
});

test('an alert\'s notifications owed from one poll (one createdAt) are sent after a restart in the order they were decided', async (t) => {
  const a = await receiver(t, () => ({ status: 200 }));
  const dir = tempDir(t);
  const { settings } = loadSettings({ TELEPHONY_API_KEY: 'k', ALERT_WEBHOOK_URL: a.url }, { cwd: dir });
  const key = createReceivers(settings)[0]!.notifiers[0]!.key;
  const firing = note();
  const resolved = { ...firing, status: 'resolved' as const, reason: 'resolve' as const };
  const at = Date.now();
  const owed = (id: string, n: Notification, seq: number) => ({ deliveryId: id, target: key, notification: n, seq, createdAt: at, attempts: 1, nextAttemptAt: at, lastError: 'HTTP 503' });
  // rows in the other order: the resolve's row was rewritten last (its retry), so the table returns it first
  await outboxIn(dir, log).save({ deliveries: [owed('d-2', resolved, 1), owed('d-1', firing, 0)], delivered: {} });
  const d = await envRig(t, dir, [a.url]);
  await waitUntil(() => d.pending === 0, 'both sent');
  assert.deepEqual(a.received.map((r) => bodyOf(r).status), ['firing', 'resolved']);
});

test('the wall clock steps back an hour while a delivery waits for its retry: it is retried when due, not an hour later', async (t) => {
  let offset = 0;
  let mono = 0; // a monotonic clock the test moves by hand: it never steps
  const rx = await receiver(t, (i) => (i === 0 ? { status: 503 } : { status: 200 }));
  const dir = tempDir(t);
  const start = Date.now();
  const dispatcher = new Dispatcher({
    notifiers: [new WebhookNotifier(target(rx.url), SETTINGS)],
    store: outboxIn(dir, log),
    metrics: createMetrics(),
    log,
    retryBaseDelayMs: 200,
    now: () => start + mono + offset,
    monotonic: () => mono,
    boottime: () => mono,
  });
  t.after(() => dispatcher.stop(100));
  await dispatcher.start();
  const ticking = setInterval(() => (mono = Date.now() - start), 5);
  t.after(() => clearInterval(ticking));
  await dispatcher.enqueue([note()]);
  await waitUntil(() => rx.received.length === 1, 'the first attempt (503)');
  offset = -3_600_000; // NTP steps the wall clock back an hour
  await waitUntil(() => dispatcher.pending === 0, 'the retry, due ~200 ms after the failure', 3_000);
  assert.equal(rx.received.length, 2);
});
