/**
 * Clickatell (Platform / One API): `GET /public-client/balance`, `Authorization: <api key>` (no scheme);
 * `{"balance": 1267.92865, "currency": "ZAR"}`, in the account's billing currency.
 */
import { amountAt, cred, currencyAt, hintsFor, type Preset } from './preset.js';

const name = 'clickatell';
export const clickatell: Preset = {
  name,
  title: 'Clickatell',
  baseUrl: 'https://platform.clickatell.com',
  docs: 'https://www.clickatell.com/developers/api-documentation/rest-api-get-account-balance/',
  credentials: [{ name: 'api_key', required: true, help: 'API key of an integration (sent as the whole Authorization header)' }],
  settings: [],
  topUp: 'Buy credit in the Clickatell portal (Billing).',
  request: 'GET /public-client/balance, Authorization: api_key',
  endpoint(api) {
    const key = cred(api, 'api_key');
    return {
      path: '/public-client/balance',
      shownPath: '/public-client/balance',
      headers: () => ({ Authorization: key.reveal() }),
      read: (body) => ({ balance: amountAt(name, body, 'balance'), ...currencyAt(name, body, 'currency') }),
      hints: hintsFor(clickatell),
    };
  },
};
