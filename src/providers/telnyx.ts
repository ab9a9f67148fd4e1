/**
 * Telnyx: `GET /v2/balance`, Bearer api_key; `{"data": {"balance": "300.00", "credit_limit": "100.00",
 * "available_credit": "400.00", "pending": "10.00", "currency": "USD"}}`, all decimal strings. The wallet
 * may go below zero down to −credit_limit: the forecast runs to the available credit, not to 0.
 */
import { amountAt, bearer, cred, currencyAt, hintsFor, optionalAmountAt, type Preset } from './preset.js';

const name = 'telnyx';
export const telnyx: Preset = {
  name,
  title: 'Telnyx',
  baseUrl: 'https://api.telnyx.com',
  docs: 'https://developers.telnyx.com/api-reference/billing/get-user-balance-details',
  credentials: [{ name: 'api_key', required: true, help: 'API key (Bearer)' }],
  settings: [],
  topUp: 'Add funds in the Telnyx Mission Control Portal (Billing), or raise the credit limit with Telnyx.',
  request: 'GET /v2/balance, Bearer api_key',
  exhausted: 'the balance at or below −credit_limit (the wallet may go below 0 down to its credit limit)',
  endpoint(api) {
    const key = cred(api, 'api_key');
    return {
      path: '/v2/balance',
      shownPath: '/v2/balance',
      headers: () => ({ Authorization: bearer(key) }),
      read: (body) => {
        const balance = amountAt(name, body, 'data.balance');
        const limit = optionalAmountAt(name, body, 'data.credit_limit');
        return {
          balance,
          ...currencyAt(name, body, 'data.currency'),
          ...(limit !== undefined && limit > 0 ? { creditLimit: limit } : {}),
        };
      },
      hints: hintsFor(telnyx),
    };
  },
};
