/**
 * OpenRouter: `GET /api/v1/credits`, Bearer (a management key); `{"data": {"total_credits": 100.5,
 * "total_usage": 25.75}}`. The balance is total_credits − total_usage (exact on the decimals), in USD.
 */
import { bearer, cred, decimalAt, fixedCurrency, hintsFor, type Preset } from './preset.js';
import { subtract } from './money.js';

const name = 'openrouter';
export const openrouter: Preset = {
  name,
  title: 'OpenRouter',
  baseUrl: 'https://openrouter.ai',
  docs: 'https://openrouter.ai/docs/api/api-reference/credits/get-credits',
  credentials: [{ name: 'api_key', required: true, help: 'a management API key (the endpoint refuses ordinary inference keys)' }],
  settings: [],
  topUp: 'Buy credits at openrouter.ai/settings/credits, or check the auto top-up settings.',
  request: 'GET /api/v1/credits, Bearer api_key; balance = data.total_credits − data.total_usage',
  endpoint(api) {
    const key = cred(api, 'api_key');
    return {
      path: '/api/v1/credits',
      shownPath: '/api/v1/credits',
      headers: () => ({ Authorization: bearer(key) }),
      read: (body) => ({
        balance: subtract(decimalAt(name, body, 'data.total_credits'), decimalAt(name, body, 'data.total_usage')),
        ...fixedCurrency('USD'),
      }),
      // /api/v1/credits takes only a management key: an inference key is refused, and "rejected" alone sent
      // users checking a key that works everywhere else. Its reference lists 401 (authentication) and 403
      // (forbidden) apart: a wrong or revoked management key is refused too, and the words say both.
      hints: { ...hintsFor(openrouter), rejected: 'OpenRouter refused the key: it is wrong or revoked, or it is not a management key (/api/v1/credits needs one, openrouter.ai/settings/management-keys; an inference key is refused)' },
    };
  },
};
