/**
 * How the simulator answers a request for a wallet's balance (Simulator routes it here): the wallet's
 * next scripted response, or its balance (a 402 or its provider's equivalent once empty), with the status,
 * body and headers its provider sends; a black hole, a slow drip or a delay when the script says so.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestRecord } from './simulator.js';
import type { Wallet } from './wallet.js';

/** The Retry-After of a scripted Telephony.io 429 whose script sets none (seconds). */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

export interface ReplyContext {
  /** Every wallet's canonical auth string: another wallet's key is a 403, an unknown one a 401. */
  knownAuth: ReadonlyMap<string, number>;
  /** The simulator's timers (delays, drips), which its close clears. */
  timers: Set<NodeJS.Timeout>;
}

/** Answers `req` for wallet `w`, noting in `rec` what was served. */
export function serveBalance(w: Wallet, req: IncomingMessage, res: ServerResponse, rec: RequestRecord, ctx: ReplyContext): void {
  const token = w.authOf(req);
  const authOk = w.authorized(token);
  const s = w.take(authOk, token !== undefined && ctx.knownAuth.has(token) ? 403 : 401);
  if (s.hang) {
    rec.served = 'hang';
    return;
  }
  let status = s.status;
  let body = s.body;
  if (status === undefined && body === undefined) status = w.balance() > 0 ? 200 : w.outOfFundsStatus;
  status ??= 200;
  body ??= w.defaultBody(status);
  const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...s.headers };
  // Telephony.io: every 429 says how long to wait (the error codes' "includes a Retry-After header").
  if (status === 429 && w.provider === 'telephony-io' && !Object.keys(headers).some((k) => k.toLowerCase() === 'retry-after')) {
    headers['Retry-After'] = String(DEFAULT_RETRY_AFTER_SECONDS);
  }
  rec.served = s.drip ? 'drip' : status;
  const send = (): void => {
    try {
      if (!s.drip) return void res.writeHead(status, headers).end(payload);
      res.writeHead(status, headers).flushHeaders();
    } catch {
      return void res.destroy(); // e.g. a scripted header with an invalid name or value
    }
    const iv = setInterval(() => res.write(' '), Math.max(1, s.drip.intervalMs));
    ctx.timers.add(iv);
    res.on('close', () => {
      clearInterval(iv);
      ctx.timers.delete(iv);
    });
  };
  if (s.delayMs && s.delayMs > 0) later(ctx.timers, s.delayMs, send);
  else send();
}

function later(timers: Set<NodeJS.Timeout>, ms: number, fn: () => void): void {
  const t = setTimeout(() => {
    timers.delete(t);
    fn();
  }, ms);
  timers.add(t);
}
