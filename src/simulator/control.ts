/**
 * The simulator's control API under /_sim/: `/_sim/<route>` acts on the first wallet (and answers as it
 * always did), `/_sim/wallets` lists every wallet with its request count, `/_sim/wallets/<name>/<route>`
 * acts on that wallet. Amounts are 0 to 1e15 (MAX_AMOUNT; a top-up may not take the balance past it), else a
 * 400. Routes: GET state; POST topup?amount=, balance?value=, burn?per_hour=[&amplitude=
 * &peak_hour=], script (a JSON array of responses, used once each: {status?, body?, headers?, delayMs?,
 * hang?, drip?: {intervalMs}}, script.ts; any other key is a 400), override (one response for every
 * request, or null), key?value= (rotate: the value replaces the secret the wallet's provider checks, so its
 * old credentials get a 401 — api_key for most providers; Twilio's auth_token, or api_key_secret when it
 * signs in with an API key; Plivo's auth_token; Vonage's api_secret; MessageBird's access_key).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadInput, parseOverride, parseScript, readBody } from './script.js';
import type { Simulator } from './simulator.js';
import { MAX_AMOUNT } from './limits.js';
import type { DrainShape } from './drain.js';
import { round4, type Wallet } from './wallet.js';

export const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
};
export const err = (res: ServerResponse, status: number, error: string, code: string): void => json(res, status, { error, code });

const ROUTES = ['state', 'topup', 'balance', 'burn', 'script', 'override', 'key'];

export async function control(sim: Simulator, req: IncomingMessage, res: ServerResponse, route: string, params: URLSearchParams): Promise<void> {
  if (route === 'wallets') {
    if (req.method !== 'GET') return err(res, 405, 'Use GET', 'method_not_allowed');
    return json(res, 200, { wallets: [...sim.wallets()].map((w) => w.state()) });
  }
  let wallet: Wallet | undefined;
  let legacy = true;
  const m = /^wallets\/([^/]+)\/([a-z]+)$/.exec(route);
  if (m) {
    let name: string;
    try {
      name = decodeURIComponent(m[1]!);
    } catch {
      throw new BadInput(`wallet name "${m[1]}" is not valid percent-encoding (UTF-8)`); // a 400, not decodeURIComponent's URIError as a 500
    }
    wallet = sim.find(name);
    if (!wallet) return err(res, 404, `No wallet named ${m[1]}`, 'not_found');
    route = m[2]!;
    legacy = false;
  } else {
    wallet = sim.first;
  }
  if (!wallet || !ROUTES.includes(route)) return err(res, 404, 'Not found', 'not_found');
  const want = route === 'state' ? 'GET' : 'POST';
  if (req.method !== want) return err(res, 405, `Use ${want}`, 'method_not_allowed');
  const num = (name: string, dflt?: number): number => {
    const raw = params.get(name);
    if (raw === null || raw === '') {
      if (dflt !== undefined) return dflt;
      throw new BadInput(`missing query parameter ${name}`);
    }
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || n > MAX_AMOUNT) throw new BadInput(`${name} must be a non-negative number up to ${MAX_AMOUNT}, got "${raw}"`);
    return n;
  };
  switch (route) {
    case 'topup': {
      wallet.topUp(num('amount', wallet.topupAmount)); // an AmountError past MAX_AMOUNT: a 400 (simulator.ts)
      break;
    }
    case 'balance': wallet.setBalance(num('value')); break;
    case 'burn': {
      const amplitude = params.get('amplitude');
      let shape: DrainShape | undefined;
      if (amplitude !== null) {
        const a = num('amplitude');
        if (a > 1) throw new BadInput(`amplitude must be in [0, 1], got "${amplitude}"`);
        const peakHour = num('peak_hour', 0);
        if (peakHour >= 24) throw new BadInput(`peak_hour must be in [0, 24), got "${peakHour}"`);
        shape = { kind: 'daily', amplitude: a, peakHour };
      }
      wallet.setBurnPerHour(num('per_hour'), shape);
      break;
    }
    case 'script': wallet.enqueue(...parseScript(await readBody(req))); break;
    case 'override': wallet.setOverride(parseOverride(await readBody(req))); break;
    case 'key': {
      const key = params.get('value');
      if (!key || !/^[\x21-\x7e]+$/.test(key)) throw new BadInput('value must be a non-empty printable key');
      sim.setApiKey(wallet.name, key);
      break;
    }
  }
  if (!legacy) return json(res, 200, wallet.state());
  json(res, 200, { balance: round4(wallet.balance()), currency: wallet.currency, burn_per_hour: wallet.burnPerHour, requests: wallet.requests });
}
