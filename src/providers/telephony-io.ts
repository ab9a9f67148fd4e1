/** Telephony.io (contract section 1): the balance path and fields are settings; a 402 carries `current_balance`. */
import { parseBalanceBody, parseExhaustedBody, readCurrency } from '../telephony/parse.js';
import { bearer, cred, type Preset } from './preset.js';

export const telephonyIo: Preset = {
  name: 'telephony-io',
  title: 'Telephony.io',
  baseUrl: 'https://api.telephony.io',
  docs: 'shared/seed/telephony-io-error-codes.txt (errors only; the balance endpoint is configurable)',
  credentials: [{ name: 'api_key', required: true, help: 'API key (also accepted as api_key / api_key_file at the wallet\'s top level)' }],
  settings: ['balance_path', 'balance_field', 'currency_field'],
  topUp: 'Top up the wallet in the Telephony.io dashboard.',
  request: 'GET {balance_path} (default /v1/wallet/balance), Bearer api_key',
  exhausted: 'a 402 answer (its current_balance recorded), or a balance at or below 0',
  endpoint(api) {
    const key = cred(api, 'api_key');
    return {
      path: api.balancePath,
      shownPath: api.balancePath,
      headers: () => ({ Authorization: bearer(key) }),
      read: (body) => parseBalanceBody(body, api.balanceField, api.currencyField),
      exhausted: (body) => ({ ...parseExhaustedBody(body), ...readCurrency(body, api.currencyField) }),
      hints: { request: 'check TELEPHONY_API_URL and TELEPHONY_BALANCE_PATH', rejected: 'the API key was rejected', credentials: 'check TELEPHONY_API_KEY' },
    };
  },
};
