/**
 * Twilio: `GET /2010-04-01/Accounts/{AccountSid}/Balance.json`, Basic account_sid:auth_token; the body is
 * `{"account_sid": "AC…", "balance": "0.05", "currency": "USD"}` (balance a decimal string).
 */
import { amountAt, basic, cred, currencyAt, hintsFor, segment, type Preset } from './preset.js';

const name = 'twilio';
export const twilio: Preset = {
  name,
  title: 'Twilio',
  baseUrl: 'https://api.twilio.com',
  docs: 'https://www.twilio.com/docs/usage/api/account (Balance resource)',
  credentials: [
    { name: 'account_sid', required: true, help: 'Account SID (AC…); also the user of Basic auth' },
    { name: 'auth_token', required: true, help: 'Auth Token' },
  ],
  settings: [],
  topUp: 'Top up in the Twilio Console (Admin → Account billing), or check that auto-recharge still works.',
  // twilio.com/docs/api/errors/20003 ("the account is suspended or closed") and /30002 ("your account balance
  // became negative … or auto-recharge wasn't available, which caused the account to be suspended")
  suspends: 'Twilio answers a suspended account with the same 401, and suspends one whose balance fell below 0 or whose auto-recharge failed: check the balance in the Console before replacing the token',
  request: 'GET /2010-04-01/Accounts/{account_sid}/Balance.json, Basic account_sid:auth_token',
  endpoint(api) {
    const sid = cred(api, 'account_sid');
    const token = cred(api, 'auth_token');
    return {
      path: `/2010-04-01/Accounts/${segment(sid)}/Balance.json`,
      shownPath: '/2010-04-01/Accounts/{account_sid}/Balance.json',
      headers: () => ({ Authorization: basic(sid, token) }),
      read: (body) => ({ balance: amountAt(name, body, 'balance'), ...currencyAt(name, body, 'currency') }),
      // "Child accounts do not contain balance information": a subaccount's SID answers 404
      hints: { ...hintsFor(twilio), request: "check api_url and the credentials of this twilio wallet (a subaccount has no balance of its own and answers 404: use the parent account's SID and token)" },
    };
  },
};
