/**
 * Vonage (Nexmo): `GET /account/get-balance`, Basic api_key:api_secret (the API also takes them as query
 * parameters; Basic keeps them out of URLs); `{"value": 10.28, "autoReload": false}`, the value in EUR.
 */
import { amountAt, basic, cred, fixedCurrency, flagAt, hintsFor, type Preset } from './preset.js';

const name = 'vonage';
export const vonage: Preset = {
  name,
  title: 'Vonage',
  baseUrl: 'https://rest.nexmo.com',
  docs: 'https://developer.vonage.com/en/api/account#getAccountBalance',
  credentials: [
    { name: 'api_key', required: true, help: 'API key; the user of Basic auth', account: true },
    { name: 'api_secret', required: true, help: 'API secret' },
  ],
  settings: [],
  topUp: 'Top up in the Vonage API Dashboard (Billing & payments), or check that auto-reload still works.',
  request: 'GET /account/get-balance, Basic api_key:api_secret',
  endpoint(api) {
    const key = cred(api, 'api_key');
    const secret = cred(api, 'api_secret');
    return {
      path: '/account/get-balance',
      shownPath: '/account/get-balance',
      headers: () => ({ Authorization: basic(key, secret) }),
      read: (body) => {
        const auto = flagAt(body, 'autoReload');
        return { balance: amountAt(name, body, 'value'), ...fixedCurrency('EUR'), ...(auto !== undefined ? { autoRecharge: auto } : {}) };
      },
      hints: hintsFor(vonage),
    };
  },
};
