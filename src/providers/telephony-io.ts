/** Telephony.io (contract section 1): the balance path and fields are settings; a 402 carries `current_balance`. */
import type { ApiSettingNames } from '../config/settings.js';
import { parseBalanceBody, parseExhaustedBody, readCurrency } from '../telephony/parse.js';
import { bearer, cred, type Preset } from './preset.js';
import { flat } from '../strings.js';

/** The environment's names: a failed poll of the single wallet TELEPHONY_* configures asks to check these. */
const ENV_NAMES: ApiSettingNames = { apiUrl: 'TELEPHONY_API_URL', balancePath: 'TELEPHONY_BALANCE_PATH', balanceField: 'TELEPHONY_BALANCE_FIELD', currencyField: 'TELEPHONY_CURRENCY_FIELD', apiKey: 'TELEPHONY_API_KEY', where: '' };

export const telephonyIo: Preset = {
  name: 'telephony-io',
  title: 'Telephony.io',
  baseUrl: 'https://api.telephony.io',
  docs: "the upstream error codes in this project's README, 'How it reads the API' (the balance endpoint is configurable)",
  credentials: [{ name: 'api_key', required: true, help: 'API key (also accepted as api_key / api_key_file at the wallet\'s top level)' }],
  settings: ['balance_path', 'balance_field', 'currency_field'],
  topUp: 'Top up the wallet in the Telephony.io dashboard.',
  request: 'GET {balance_path} (default /v1/wallet/balance), Bearer api_key',
  exhausted: 'a 402 answer (its current_balance recorded), or a balance at or below 0',
  endpoint(api) {
    const key = cred(api, 'api_key');
    const { fields, hints } = wordsFor(api.names ?? ENV_NAMES);
    return {
      path: api.balancePath,
      shownPath: api.balancePath,
      headers: () => ({ Authorization: bearer(key) }),
      read: (body) => parseBalanceBody(body, api.balanceField, api.currencyField, fields),
      exhausted: (body) => ({ ...parseExhaustedBody(body), ...readCurrency(body, api.currencyField, fields.currencyField) }),
      hints,
    };
  },
};

/** The field names and hints a failed poll's message gives, by the names of the settings: one for every wallet of a fleet. */
const words = new WeakMap<ApiSettingNames, { fields: { balanceField: string; currencyField: string }; hints: { request: string; rejected: string; credentials: string } }>();
function wordsFor(n: ApiSettingNames) {
  let w = words.get(n);
  if (w === undefined) {
    w = Object.freeze({
      fields: Object.freeze({ balanceField: flat(n.balanceField + n.where), currencyField: flat(n.currencyField + n.where) }),
      hints: Object.freeze({ request: flat(`check ${n.apiUrl} and ${n.balancePath}${n.where}`), rejected: 'the API key was rejected', credentials: flat(`check ${n.apiKey}${n.where}`) }),
    });
    words.set(n, w);
  }
  return w;
}
