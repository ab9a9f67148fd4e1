/**
 * `--mode sim-only`: the bench process itself polls every simulated wallet once per interval, each at a
 * stable offset (wallet i at i/N of the interval), at most `concurrency` requests in flight, the way the
 * daemon's contract (section 7) says it will. It measures the simulator alone, and the analysis pipeline
 * on a load whose schedule is known.
 */
import { Agent, request } from 'node:http';
import type { WalletSpec } from '../../src/simulator/wallet.js';

export interface LoadResult {
  sent: number;
  failed: number;
  /** Per request, ms from its slot to the answer. */
  latencyMs: number[];
  statuses: Map<number, number>;
}

export async function runLoad(baseUrl: string, wallets: readonly WalletSpec[], intervalMs: number, until: number, concurrency: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const out: LoadResult = { sent: 0, failed: 0, latencyMs: [], statuses: new Map() };
  const n = wallets.length;
  const start = Math.ceil(Date.now() / intervalMs) * intervalMs - intervalMs; // slots aligned to the interval
  let next = 0; // index of the next slot: wallet next % n in round floor(next / n)
  const slotAt = (k: number) => start + Math.floor(k / n) * intervalMs + ((k % n) * intervalMs) / n;
  while (slotAt(next) < Date.now()) next++; // skip the slots already past
  const inflight = new Set<Promise<void>>();
  const fire = (w: WalletSpec, slot: number) => {
    out.sent++;
    const p = new Promise<void>((resolve) => {
      const req = request(baseUrl + w.path, { agent, headers: { Authorization: `Bearer ${w.apiKey}`, Accept: 'application/json' }, signal: AbortSignal.timeout(10_000) }, (res) => {
        res.resume();
        res.on('end', () => {
          out.latencyMs.push(Date.now() - slot);
          out.statuses.set(res.statusCode ?? 0, (out.statuses.get(res.statusCode ?? 0) ?? 0) + 1);
          resolve();
        });
      });
      req.on('error', () => {
        out.failed++;
        resolve();
      });
      req.end();
    });
    inflight.add(p);
    void p.then(() => inflight.delete(p));
  };
  while (Date.now() < until) {
    const now = Date.now();
    while (slotAt(next) <= now && slotAt(next) < until) {
      fire(wallets[next % n]!, slotAt(next));
      next++;
    }
    await new Promise((r) => setTimeout(r, Math.max(1, Math.min(20, slotAt(next) - Date.now()))));
  }
  await Promise.all(inflight);
  agent.destroy();
  return out;
}
