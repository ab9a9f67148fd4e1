/**
 * Plivo: `GET /v1/Account/{auth_id}/`, Basic auth_id:auth_token; the Account object has `cash_credits`
 * ("1.80900", documented as USD; no currency field) and `auto_recharge` (boolean).
 */
import { amountAt, basic, cred, fixedCurrency, flagAt, hintsFor, segment, type Preset, unwatchable } from './preset.js';
import { readDottedField } from '../telephony/parse.js';

const name = 'plivo';
export const plivo: Preset = {
  name,
  title: 'Plivo',
  baseUrl: 'https://api.plivo.com',
  docs: 'https://www.plivo.com/docs/account/api/account/retrieve-account-details/',
  credentials: [
    { name: 'auth_id', required: true, account: true, help: 'Auth ID (MA…); also the user of Basic auth' },
    { name: 'auth_token', required: true, help: 'Auth Token' },
  ],
  settings: [],
  topUp: 'Recharge in the Plivo console (Account → Billing), or check the auto-recharge card.',
  request: 'GET /v1/Account/{auth_id}/, Basic auth_id:auth_token',
  endpoint(api) {
    const id = cred(api, 'auth_id');
    const token = cred(api, 'auth_token');
    return {
      path: `/v1/Account/${segment(id)}/`,
      shownPath: '/v1/Account/{auth_id}/',
      headers: () => ({ Authorization: basic(id, token) }),
      read: (body) => {
        // The Account object's billing_mode: a postpaid account is invoiced, and 0 cash credits stop nothing
        if (readDottedField(body, 'billing_mode') === 'postpaid') throw unwatchable(name, 'the account is postpaid (billing_mode): it is invoiced, its cash_credits are no balance that runs out, and there is no prepaid wallet to watch');
        const auto = flagAt(body, 'auto_recharge');
        return { balance: amountAt(name, body, 'cash_credits'), ...fixedCurrency('USD'), ...(auto !== undefined ? { autoRecharge: auto } : {}) };
      },
      hints: hintsFor(plivo),
    };
  },
};
