/**
 * The status page's JSON API over real sockets, without a browser: paging and filtering of /api/wallets,
 * the history's from/to/step, a clear 400 for every bad query parameter, 404 for an unknown wallet, and
 * the alert timeline (fired, repeated, escalated, resolved) that the state database keeps across a restart.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Daemon, tempDir, waitFor } from '../helpers/daemon.js';
import { WalletsUpstream, writeWalletsFile } from '../helpers/wallets-upstream.js';

async function upstream(t: TestContext, wallets: Record<string, number>): Promise<WalletsUpstream> {
  const up = new WalletsUpstream();
  for (const [name, balance] of Object.entries(wallets)) up.add(name, balance, 1);
  await up.start();
  t.after(() => up.close());
  return up;
}

const getJson = async (d: Daemon, path: string) => {
  const r = await d.get(path);
  return { status: r.status, type: r.contentType, doc: JSON.parse(r.text) as Record<string, unknown> & { error?: string } };
};

test('/api/wallets pages and filters; /history takes from, to and step; bad parameters are a 400 naming them', async (t) => {
  const up = await upstream(t, { 'w-a': 900, 'w-b': 500, 'x-c': 700 });
  const file = writeWalletsFile(tempDir('ws-api-'), up, ['w-a', 'w-b', 'x-c'], { 'x-c': ['labels: {team: voice}'] });
  const d = await Daemon.start({ WALLETS_FILE: file });
  t.after(() => d.kill());
  await waitFor(async () => ((await getJson(d, '/api/wallets/w-a/history')).doc.readings as unknown[]).length >= 6, 'six readings of w-a', 20_000);
  await waitFor(async () => ((await getJson(d, '/api/wallets')).doc.wallets as { runway_seconds: number | null }[]).every((w) => w.runway_seconds !== null), 'a runway for every wallet', 20_000);

  const all = await getJson(d, '/api/wallets?per_page=2');
  assert.deepEqual([all.doc.total, all.doc.pages, (all.doc.wallets as unknown[]).length], [3, 2, 2]);
  const second = await getJson(d, '/api/wallets?per_page=2&page=2');
  assert.equal((second.doc.wallets as unknown[]).length, 1);
  const names = (doc: Record<string, unknown>) => (doc.wallets as { name: string }[]).map((w) => w.name);
  assert.deepEqual(names((await getJson(d, '/api/wallets?q=w-')).doc), ['w-b', 'w-a'], 'filtered by name, soonest runway first (500 before 900 at the same burn)');
  assert.deepEqual(names((await getJson(d, '/api/wallets?q=team%3Dvoice')).doc), ['x-c'], 'filtered by label');

  const full = await getJson(d, '/api/wallets/w-a/history');
  const readings = full.doc.readings as { t: string; balance: number }[];
  assert.ok(readings.every((r, i) => i === 0 || Date.parse(r.t) > Date.parse(readings[i - 1]!.t)), 'oldest first');
  const from = Date.parse(readings[0]!.t) / 1000;
  const to = Date.parse(readings.at(-1)!.t) / 1000;
  const thinned = await getJson(d, `/api/wallets/w-a/history?from=${from}&to=${to}&step=3s`);
  const tr = thinned.doc.readings as { t: string }[];
  assert.equal(thinned.doc.step_seconds, 3);
  assert.ok(tr.length < readings.length && tr.length >= Math.floor((to - from) / 3), `one reading per 3 s step (${tr.length} of ${readings.length})`);
  const buckets = tr.map((r) => Math.floor((Date.parse(r.t) / 1000 - from) / 3));
  assert.equal(new Set(buckets).size, buckets.length, 'at most one reading per step');
  // README's examples on the default range (14 days and the open hour): a few points, not 20,220 minutes of steps
  for (const query of ['step=90s', 'step=600', 'from=0&step=1s']) {
    const r = await getJson(d, `/api/wallets/w-a/history?${query}`);
    assert.equal(r.status, 200, `${query}: ${r.doc.error}`);
    assert.ok((r.doc.readings as unknown[]).length >= 1, query);
  }

  for (const [path, message] of [
    ['/api/wallets?per_page=0', /per_page: expected a whole number from 1 to 500, got "0"/],
    ['/api/wallets?page=abc', /page: expected a whole number/],
    ['/api/wallets?sort=name', /unknown query parameter "sort"/],
    ['/api/wallets/w-a/history?from=yesterday', /from: expected an ISO-8601 time .* or unix seconds, up to the year 9999, got "yesterday"/],
    [`/api/wallets/w-a/history?from=${to}&to=${from}`, /from must be before to/],
    ['/api/wallets/w-a/history?step=0.1s', /step: expected a duration of at least 1s/],
    ['/api/wallets/w-a/history?from=1&from=2', /given more than once/],
  ] as const) {
    const r = await getJson(d, path);
    assert.equal(r.status, 400, path);
    assert.match(r.type ?? '', /application\/json/);
    assert.match(r.doc.error ?? '', message, path);
  }
  assert.equal((await getJson(d, '/api/wallets/nope/history')).status, 404);
  assert.match((await getJson(d, '/api/wallets/nope')).doc.error ?? '', /no wallet named "nope"/);
  const page = await d.get('/?per_page=many');
  assert.equal(page.status, 400);
  assert.match(page.text, /per_page: expected a whole number/);
  assert.equal((await d.get('/wallets/nope')).status, 404);
  const res = await fetch(`${d.url}/wallets/w-a`);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.match(await res.text(), /<svg[^>]+id="balance-chart"/);
});

test('the alert timeline: fired, repeated, escalated and resolved, on the wallet page and in the API, kept across a restart', async (t) => {
  const up = await upstream(t, { w: 80 });
  up.wallets.get('w')!.drain = 0;
  const file = writeWalletsFile(tempDir('ws-api-'), up, ['w'], { w: ['low_balance_threshold: 100', 'critical_balance_threshold: 30'] });
  const stateDir = tempDir('ws-api-state-');
  const env = { WALLETS_FILE: file, ALERT_REPEAT_INTERVAL: '2s' };
  const d = await Daemon.start(env, { stateDir });
  t.after(() => d.kill());
  const events = async (daemon: Daemon) => ((await getJson(daemon, '/api/wallets/w')).doc.alert_timeline as { reason: string; alertname: string; severity: string; id: string }[]).map((e) => `${e.alertname}/${e.severity}/${e.reason}`);

  await waitFor(async () => (await events(d)).includes('low_balance/warning/repeat'), 'low_balance fired and repeated');
  up.wallets.get('w')!.balance = 20;
  await waitFor(async () => (await events(d)).includes('low_balance/critical/escalation'), 'low_balance escalated');
  up.wallets.get('w')!.balance = 500;
  await waitFor(async () => (await events(d)).includes('low_balance/critical/resolve'), 'low_balance resolved');
  const seen = await events(d);
  assert.equal(seen[0], 'low_balance/warning/start');
  assert.equal(seen.at(-1), 'low_balance/critical/resolve');
  assert.ok(seen.indexOf('low_balance/warning/repeat') < seen.indexOf('low_balance/critical/escalation'), seen.join(', '));
  const doc = (await getJson(d, '/api/wallets/w')).doc.alert_timeline as { id: string }[];
  assert.equal(new Set(doc.map((e) => e.id)).size, 1, 'one alert instance throughout');
  const html = (await d.get('/wallets/w')).text;
  const rows = [...html.matchAll(/<tr data-reason="(\w+)">/g)].map((m) => m[1]);
  assert.equal(rows.length, seen.length);
  assert.deepEqual([rows[0], rows.at(-1)], ['resolve', 'start'], 'newest first on the page');
  for (const word of ['fired', 'repeated', 'escalated', 'resolved']) assert.match(html, new RegExp(`>${word}<`));

  assert.equal(await d.stop(), 0);
  const again = await Daemon.start(env, { stateDir });
  t.after(() => again.kill());
  assert.deepEqual(await events(again), seen, 'the timeline comes from the state database');
});
