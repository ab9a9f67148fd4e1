/**
 * ClickSend: `GET /v3/account`, Basic username:api_key; `{"http_code": 200, "data": {"balance": "4.998000",
 * "auto_recharge": 0, "_currency": {"currency_name_short": "AUD"}, …}}`.
 */
import { amountAt, basic, cred, currencyAt, flagAt, hintsFor, type Preset } from './preset.js';

const name = 'clicksend';
export const clicksend: Preset = {
  name,
  title: 'ClickSend',
  baseUrl: 'https://rest.clicksend.com',
  docs: 'https://developers.clicksend.com/docs/accounts/management (View Account Details)',
  credentials: [
    { name: 'username', required: true, account: true, help: 'API username; the user of Basic auth' },
    { name: 'api_key', required: true, help: 'API key' },
  ],
  settings: [],
  topUp: 'Recharge in the ClickSend dashboard (Billing → Recharge), or check the auto-recharge settings.',
  request: 'GET /v3/account, Basic username:api_key',
  endpoint(api) {
    const user = cred(api, 'username');
    const key = cred(api, 'api_key');
    return {
      path: '/v3/account',
      shownPath: '/v3/account',
      headers: () => ({ Authorization: basic(user, key) }),
      read: (body) => {
        const auto = flagAt(body, 'data.auto_recharge');
        return {
          balance: amountAt(name, body, 'data.balance'),
          ...currencyAt(name, body, 'data._currency.currency_name_short'),
          ...(auto !== undefined ? { autoRecharge: auto } : {}),
        };
      },
      hints: hintsFor(clicksend),
    };
  },
};
