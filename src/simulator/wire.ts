/**
 * The wire formats of the provider presets, as the simulator speaks them: where each provider answers,
 * how it authenticates (reduced to one canonical string per request, so the simulator compares strings),
 * and the 200 body it sends, in the shapes its public documentation shows (amounts as strings or numbers).
 * These are fixtures written from the documentation, not recordings of live accounts.
 */
import type { IncomingMessage } from 'node:http';

export type Creds = Readonly<Record<string, string>>;

export interface BodyFacts {
  balance: number;
  currency: string;
  /** `string`: amounts as decimal strings ("12.50"); `number`: JSON numbers. */
  numbers: 'string' | 'number';
  creditLimit: number;
  autoRecharge: boolean;
}

export interface Wire {
  /** The balance path for these credentials (before any prefix of the wallet's api_url). */
  path(c: Creds): string;
  /** The canonical auth string the wallet expects. */
  expected(c: Creds): string;
  /** The canonical auth string of a request (undefined: none sent). */
  of(req: IncomingMessage): string | undefined;
  body(f: BodyFacts): object;
  /** The credential keys the simulator needs for this provider. */
  keys: readonly string[];
  /** Another set of keys that signs in instead (Twilio's API key). */
  altKeys?: readonly string[];
  /** The credential a key rotation replaces, the secret part `expected` checks (default `api_key`). */
  secret?: (c: Creds) => string;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
};
const basicOf = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const amount = (f: BodyFacts, n: number, places = 2): string | number => (f.numbers === 'string' ? n.toFixed(places) : Math.round(n * 1e4) / 1e4);
const authHeader = (req: IncomingMessage) => header(req, 'authorization');
const queryParam = (req: IncomingMessage, name: string): string | undefined => new URL(req.url ?? '/', 'http://x').searchParams.get(name) ?? undefined;

export const WIRES: Readonly<Record<string, Wire>> = {
  'telephony-io': {
    keys: ['api_key'],
    path: () => '/v1/wallet/balance',
    expected: (c) => `Bearer ${c.api_key}`,
    of: authHeader,
    body: (f) => ({ balance: amount(f, f.balance), currency: f.currency }),
  },
  twilio: {
    secret: (c) => (c.api_key_sid !== undefined ? 'api_key_secret' : 'auth_token'),
    keys: ['account_sid', 'auth_token'],
    altKeys: ['account_sid', 'api_key_sid', 'api_key_secret'],
    path: (c) => `/2010-04-01/Accounts/${encodeURIComponent(c.account_sid!)}/Balance.json`,
    // Signed in with an API key (SK…) when the simulated wallet has one, else with the Auth Token.
    expected: (c) => (c.api_key_sid !== undefined ? basicOf(c.api_key_sid, c.api_key_secret!) : basicOf(c.account_sid!, c.auth_token!)),
    of: authHeader,
    // Twilio documents balance as a string; the number form tests tolerance.
    body: (f) => ({ account_sid: 'AC-sim', balance: amount(f, f.balance), currency: f.currency }),
  },
  telnyx: {
    keys: ['api_key'],
    path: () => '/v2/balance',
    expected: (c) => `Bearer ${c.api_key}`,
    of: authHeader,
    // The simulated value is the available credit; the balance goes below zero down to −credit_limit.
    body: (f) => ({
      data: {
        record_type: 'balance',
        balance: amount(f, f.balance - f.creditLimit),
        credit_limit: amount(f, f.creditLimit),
        available_credit: amount(f, f.balance),
        pending: amount(f, 0),
        currency: f.currency,
      },
    }),
  },
  plivo: {
    secret: () => 'auth_token',
    keys: ['auth_id', 'auth_token'],
    path: (c) => `/v1/Account/${encodeURIComponent(c.auth_id!)}/`,
    expected: (c) => basicOf(c.auth_id!, c.auth_token!),
    of: authHeader,
    body: (f) => ({ account_type: 'standard', auth_id: 'MA-sim', auto_recharge: f.autoRecharge, billing_mode: 'prepaid', cash_credits: amount(f, f.balance, 5), resource_uri: '/v1/Account/MA-sim/' }),
  },
  vonage: {
    secret: () => 'api_secret',
    keys: ['api_key', 'api_secret'],
    path: () => '/account/get-balance',
    expected: (c) => basicOf(c.api_key!, c.api_secret!),
    of: authHeader,
    body: (f) => ({ value: amount(f, f.balance), autoReload: f.autoRecharge }),
  },
  messagebird: {
    secret: () => 'access_key',
    keys: ['access_key'],
    path: () => '/balance',
    expected: (c) => `AccessKey ${c.access_key}`,
    of: authHeader,
    body: (f) => ({ payment: 'prepaid', type: 'euros', amount: amount(f, f.balance) }),
  },
  clicksend: {
    keys: ['username', 'api_key'],
    path: () => '/v3/account',
    expected: (c) => basicOf(c.username!, c.api_key!),
    of: authHeader,
    body: (f) => ({
      http_code: 200,
      response_code: 'SUCCESS',
      response_msg: "Here's your account.",
      data: { user_id: 116, balance: amount(f, f.balance, 6), auto_recharge: f.autoRecharge ? 1 : 0, _currency: { currency_name_short: f.currency, currency_prefix_d: '$' } },
    }),
  },
  textmagic: {
    keys: ['username', 'api_key'],
    path: () => '/api/v2/user',
    expected: (c) => `${c.username}|${c.api_key}`,
    of: (req) => {
      const u = header(req, 'x-tm-username');
      const k = header(req, 'x-tm-key');
      return u === undefined && k === undefined ? undefined : `${u}|${k}`;
    },
    body: (f) => ({ id: 305, username: 'sim', balance: amount(f, f.balance), currency: { id: f.currency, htmlSymbol: '$' } }),
  },
  clickatell: {
    keys: ['api_key'],
    path: () => '/public-client/balance',
    expected: (c) => c.api_key!,
    of: authHeader,
    body: (f) => ({ balance: amount(f, f.balance, 5), currency: f.currency }),
  },
  africastalking: {
    keys: ['username', 'api_key'],
    path: () => '/version1/user',
    expected: (c) => `${c.username}|${c.api_key}`,
    of: (req) => {
      const k = header(req, 'apikey');
      const u = queryParam(req, 'username');
      return k === undefined && u === undefined ? undefined : `${u}|${k}`;
    },
    // Always one string: "<currency> <amount>".
    body: (f) => ({ UserData: { balance: `${f.currency} ${f.balance.toFixed(4)}` } }),
  },
  openrouter: {
    keys: ['api_key'],
    path: () => '/api/v1/credits',
    expected: (c) => `Bearer ${c.api_key}`,
    of: authHeader,
    // Credits bought stay fixed; the usage grows: the balance is their difference.
    body: (f) => ({ data: { total_credits: amount(f, 1000), total_usage: amount(f, 1000 - f.balance) } }),
  },
  deepseek: {
    keys: ['api_key'],
    path: () => '/user/balance',
    expected: (c) => `Bearer ${c.api_key}`,
    of: authHeader,
    body: (f) => ({
      is_available: f.balance > 0,
      balance_infos: [
        { currency: f.currency === 'CNY' ? 'USD' : 'CNY', total_balance: '7.00', granted_balance: '0.00', topped_up_balance: '7.00' },
        { currency: f.currency, total_balance: f.balance.toFixed(2), granted_balance: '0.00', topped_up_balance: f.balance.toFixed(2) },
      ],
    }),
  },
  generic: {
    keys: ['api_key'],
    path: () => '/api/account',
    expected: (c) => c.api_key!,
    of: (req) => header(req, 'x-api-key'),
    // An API that counts cents and says so in a string: needs balance_regex and balance_scale 0.01.
    body: (f) => ({ account: { credit: `${Math.round(f.balance * 100)} cents (${f.currency})`, currency: f.currency } }),
  },
};
