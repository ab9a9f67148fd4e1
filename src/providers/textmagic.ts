/**
 * Textmagic: `GET /api/v2/user`, headers `X-TM-Username` and `X-TM-Key`; `{"balance": 208.64,
 * "currency": {"id": "GBP", "htmlSymbol": "£"}, …}`.
 */
import { amountAt, cred, currencyAt, hintsFor, type Preset } from './preset.js';

const name = 'textmagic';
export const textmagic: Preset = {
  name,
  title: 'Textmagic',
  baseUrl: 'https://rest.textmagic.com',
  docs: 'https://textmagic.com/docs/api/account',
  credentials: [
    { name: 'username', required: true, account: true, help: 'account username (X-TM-Username)' },
    { name: 'api_key', required: true, help: 'API key (X-TM-Key)' },
  ],
  settings: [],
  topUp: 'Top up in the Textmagic web app (Account → Top up).',
  request: 'GET /api/v2/user, X-TM-Username: username, X-TM-Key: api_key',
  endpoint(api) {
    const user = cred(api, 'username');
    const key = cred(api, 'api_key');
    return {
      path: '/api/v2/user',
      shownPath: '/api/v2/user',
      headers: () => ({ 'X-TM-Username': user.reveal(), 'X-TM-Key': key.reveal() }),
      read: (body) => ({ balance: amountAt(name, body, 'balance'), ...currencyAt(name, body, 'currency.id') }),
      hints: hintsFor(textmagic),
    };
  },
};
