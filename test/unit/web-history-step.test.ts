/**
 * `/api/wallets/<name>/history?step=`: at most MAX_POINTS points in the answer, counted in the answer (the
 * stored readings left after thinning by the step), not over the range asked: the default range is 14 days
 * and the open hour (20,220 min), and `step=90s` over it was refused for a wallet read a dozen times.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INITIAL_ACCOUNT_STATE } from '../../src/domain/account.js';
import type { Sample } from '../../src/domain/packed.js';
import type { WalletSource } from '../../src/web/model.js';
import { MAX_POINTS } from '../../src/web/query.js';
import { route } from '../../src/web/routes.js';

const now = Date.parse('2026-11-30T00:00:00Z');

function ask(readings: Sample[], query: string): { status: number; doc: { step_seconds?: number | null; readings?: unknown[]; error?: string } } {
  const w = {
    name: 'w',
    wallet: { provider: 'telephony-io', labels: {}, rules: { runwayWarningHours: 72, runwayCriticalHours: 24, topupMinCredits: 1, lowBalanceThreshold: undefined, criticalBalanceThreshold: undefined, hysteresisPercent: 5 } },
    readout: { state: { ...INITIAL_ACCOUNT_STATE, balance: 10 }, forecast: { runwaySeconds: Infinity, method: 'none', rates: {} } },
    history: () => readings,
    alertEvents: () => [],
  } as unknown as WalletSource;
  const a = route('/api/wallets/w/history', new URLSearchParams(query), { wallets: () => [w], now: () => now })!;
  return { status: a.status, doc: JSON.parse(a.body) };
}

const every = (n: number, ms: number): Sample[] => Array.from({ length: n }, (_, i) => ({ t: now - (n - i) * ms, balance: 1_000 - i / 1000, consumed: 0 }));

test('a step given on the default 14 days answers a wallet read a dozen times (README\'s examples 90s and 600), and from=0 too', () => {
  const twelve = every(12, 15 * 60_000);
  for (const query of ['step=90s', 'step=600', 'step=1s', 'from=0&step=1s']) {
    const r = ask(twelve, query);
    assert.equal(r.status, 200, `${query}: ${r.doc.error}`);
    assert.equal(r.doc.readings?.length, 12, `${query}: every reading (they are 15 min apart)`);
  }
  assert.equal(ask(twelve, 'step=90s').doc.step_seconds, 90);
});

test('a step whose answer really would hold more than MAX_POINTS points is still a 400 saying how many', () => {
  const day = every(86_400, 1000); // a wallet polled every second: a day at full resolution
  const tooMany = ask(day, 'step=8s'); // 10,800 points
  assert.equal(tooMany.status, 400);
  assert.match(tooMany.doc.error ?? '', /^step: 8s leaves 10800 of the 86400 readings stored from .* more than 10000 points; use a larger step or a shorter range$/);
  assert.equal(ask(day, 'from=0&step=1s').status, 400, 'from=0 does not hide them');
  const fits = ask(day, 'step=9s'); // 9,600 points
  assert.equal(fits.status, 200);
  assert.ok(fits.doc.readings!.length <= MAX_POINTS && fits.doc.readings!.length >= 9_600, String(fits.doc.readings!.length));
});
