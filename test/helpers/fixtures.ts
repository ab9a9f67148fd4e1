/** Shared fixtures for unit tests and benchmarks. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../src/config/load.js';
import type { RuleSettings } from '../../src/config/settings.js';
import type { Notification } from '../../src/domain/alerts.js';
import { INITIAL_ACCOUNT_STATE } from '../../src/domain/account.js';
import { forecast } from '../../src/domain/forecast.js';
import type { WalletSource } from '../../src/web/model.js';

/** The rule settings of an empty environment: the documented defaults, read from the loader itself. */
export const DEFAULT_RULES: RuleSettings = loadSettings({}, { cwd: mkdtempSync(join(tmpdir(), 'ws-defaults-')), requireApiKey: false }).settings.wallets[0]!.rules;

/** mulberry32: a tiny, fast, well-mixed seeded 32-bit PRNG; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A firing low_balance notification decided at 2026-11-27T10:00:00Z; `over` replaces fields. */
export function sampleNotification(over: Partial<Notification> = {}): Notification {
  const t0 = Date.parse('2026-11-27T10:00:00Z');
  return {
    id: 'default/low_balance/mh7q2x',
    account: 'default',
    alertname: 'low_balance',
    severity: 'warning',
    status: 'firing',
    reason: 'start',
    startsAt: t0,
    decidedAt: t0,
    wallet: { balance: 12.5, currency: 'USD', burnRatePerHour: 3.1, runwaySeconds: 14516 },
    ...over,
  };
}

/** A wallet for the status page that has not been read yet (its first poll not done), with `labels`. */
export function unreadWallet(name: string, now: number, labels: Record<string, string> = {}): WalletSource {
  return {
    name,
    wallet: { provider: 'telephony-io', labels, rules: { runwayWarningHours: 72, runwayCriticalHours: 24, topupMinCredits: 1, lowBalanceThreshold: undefined, criticalBalanceThreshold: undefined, hysteresisPercent: 5 } },
    readout: { state: INITIAL_ACCOUNT_STATE, forecast: forecast(INITIAL_ACCOUNT_STATE.history, null, now) },
    history: () => [],
    alertEvents: () => [],
  };
}
