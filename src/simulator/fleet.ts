/**
 * Many wallets at once: generated from templates (`{i}` is the wallet's number, 1-based, zero-padded to the
 * width of the count in names) or read from a JSON spec file. Generation is deterministic, so a benchmark,
 * a test and the wallets file written for the daemon agree on every wallet's key and starting balance.
 */
import { readFileSync } from 'node:fs';
import { amountProblem, MAX_AMOUNT, topupEveryProblem } from './limits.js';
import type { DrainShape } from './drain.js';
import { BODY_FORMATS, type BodyFormat, type WalletSpec } from './wallet.js';

/** The most wallets one simulator serves (a fleet's file of 100,000 is ~10 MiB; 50,000,000 ran out of memory). */
export const MAX_WALLETS = 100_000;

export interface FleetOptions {
  count: number;
  /** 1-based number of the first wallet (default 1): a second batch can follow the first without clashing. */
  first?: number;
  /** Default `w{i}`. */
  nameTemplate?: string;
  /** Default `/t/{i}/v1/wallet/balance`. */
  pathTemplate?: string;
  /** Default `sim-key-{i}`. */
  keyTemplate?: string;
  balance?: number;
  burnPerHour?: number;
  /** Each wallet's balance and burn are scaled by a stable factor in [1 − spread, 1 + spread] (default 0), at most MAX_AMOUNT. */
  spread?: number;
  currency?: string;
  shape?: DrainShape;
  topupEverySeconds?: number;
  topupAmount?: number;
  format?: BodyFormat;
}

/** A stable number in [0, 1) for wallet i (golden-ratio sequence: well spread, no two alike). */
const unit = (i: number): number => (i * 0.6180339887498949) % 1;
const round2 = (n: number): number => Math.round(n * 100) / 100;

export function fleetSpecs(o: FleetOptions): WalletSpec[] {
  if (!Number.isInteger(o.count) || o.count < 0 || o.count > MAX_WALLETS) throw new Error(`count must be a whole number from 0 to ${MAX_WALLETS}, got ${o.count}`);
  for (const k of ['balance', 'burnPerHour', 'topupAmount'] as const) {
    const problem = o[k] === undefined ? undefined : amountProblem(o[k]);
    if (problem) throw new Error(`${k} ${problem}`);
  }
  const first = o.first ?? 1;
  const width = String(first + o.count - 1).length;
  const fill = (template: string, i: number, pad: boolean) => template.replaceAll('{i}', pad ? String(i).padStart(width, '0') : String(i));
  const spread = o.spread ?? 0;
  if (!(spread >= 0 && spread < 1)) throw new Error(`spread must be in [0, 1), got ${spread}`);
  const everyProblem = o.topupEverySeconds === undefined ? undefined : topupEveryProblem(o.topupEverySeconds);
  if (everyProblem) throw new Error(`topupEverySeconds ${everyProblem}`);
  const specs: WalletSpec[] = [];
  for (let i = first; i < first + o.count; i++) {
    const f = 1 + spread * (2 * unit(i) - 1);
    const g = 1 + spread * (2 * unit(i + 7919) - 1);
    specs.push({
      name: fill(o.nameTemplate ?? 'w{i}', i, true),
      path: fill(o.pathTemplate ?? '/t/{i}/v1/wallet/balance', i, false),
      apiKey: fill(o.keyTemplate ?? 'sim-key-{i}', i, false),
      balance: Math.min(MAX_AMOUNT, round2((o.balance ?? 1000) * f)),
      burnPerHour: Math.min(MAX_AMOUNT, round2((o.burnPerHour ?? 0) * g)),
      currency: o.currency ?? 'USD',
      shape: o.shape ?? { kind: 'constant' },
      topupEverySeconds: o.topupEverySeconds ?? 0,
      topupAmount: o.topupAmount ?? 50,
      format: o.format ?? 'number',
    });
  }
  return specs;
}

/**
 * A spec file: `{"fleet": {…FleetOptions}, "wallets": [{name, path, apiKey, …}]}`, either part optional;
 * the fleet's wallets come first. Throws one message naming the file and the entry at fault.
 */
export function readSpecFile(file: string): WalletSpec[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error(`${file}: must be a JSON object with "fleet" and/or "wallets"`);
  const { fleet, wallets, ...rest } = data as { fleet?: FleetOptions; wallets?: unknown };
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`${file}: unknown key(s) ${unknown.join(', ')}`);
  let out: WalletSpec[] = [];
  try {
    if (fleet !== undefined) out = fleetSpecs(fleet);
  } catch (e) {
    throw new Error(`${file}: fleet: ${(e as Error).message}`);
  }
  if (wallets !== undefined && !Array.isArray(wallets)) throw new Error(`${file}: "wallets" must be an array`);
  const total = out.length + ((wallets as unknown[] | undefined)?.length ?? 0);
  if (total > MAX_WALLETS) throw new Error(`${file}: ${total} wallets, more than the simulator's maximum ${MAX_WALLETS}`);
  for (const [i, w] of (wallets ?? []).entries()) {
    const at = `${file}: wallets[${i}]`;
    if (typeof w !== 'object' || w === null) throw new Error(`${at} must be an object`);
    const s = w as Partial<WalletSpec>;
    for (const k of ['name', 'path', 'apiKey'] as const) if (typeof s[k] !== 'string' || s[k] === '') throw new Error(`${at}.${k} must be a non-empty string`);
    for (const k of ['balance', 'burnPerHour', 'topupEverySeconds', 'topupAmount'] as const) {
      if (s[k] !== undefined && !(typeof s[k] === 'number' && s[k] >= 0)) throw new Error(`${at}.${k} must be a non-negative number`);
    }
    for (const k of ['balance', 'burnPerHour', 'topupAmount', 'creditLimit'] as const) {
      const problem = s[k] === undefined ? undefined : amountProblem(s[k]);
      if (problem) throw new Error(`${at}.${k} ${problem}`);
    }
    const everyProblem = s.topupEverySeconds === undefined ? undefined : topupEveryProblem(s.topupEverySeconds);
    if (everyProblem) throw new Error(`${at}.topupEverySeconds ${everyProblem}`);
    if (s.format !== undefined && !BODY_FORMATS.includes(s.format)) throw new Error(`${at}.format must be one of ${BODY_FORMATS.join(', ')}`);
    out.push(s as WalletSpec);
  }
  return out;
}
