/**
 * Twilio: `GET /2010-04-01/Accounts/{AccountSid}/Balance.json`, Basic account_sid:auth_token, or Basic
 * api_key_sid:api_key_secret with an API key (Twilio's advice for production: revocable on its own, where
 * the Auth Token opens the whole account). The body is `{"account_sid": "AC…", "balance": "0.05",
 * "currency": "USD"}` (balance a decimal string).
 */
import { amountAt, basic, cred, currencyAt, hintsFor, segment, type Preset } from './preset.js';

const name = 'twilio';
const API_KEY = ['api_key_sid', 'api_key_secret'] as const;
export const twilio: Preset = {
  name,
  title: 'Twilio',
  baseUrl: 'https://api.twilio.com',
  docs: 'https://www.twilio.com/docs/usage/api/account (Balance resource); https://www.twilio.com/docs/iam/api-keys (API keys)',
  credentials: [
    { name: 'account_sid', required: true, account: true, help: 'Account SID (AC…): the account whose balance is read; also the user of Basic auth with auth_token' },
    { name: 'auth_token', required: false, alternative: 'or api_key_sid + api_key_secret', help: 'Auth Token' },
    { name: 'api_key_sid', required: false, alternative: 'or auth_token', help: "an API key's SID (SK…), with api_key_secret: Basic api_key_sid:api_key_secret" },
    { name: 'api_key_secret', required: false, alternative: 'or auth_token', help: "the API key's secret" },
  ],
  settings: [],
  topUp: 'Top up in the Twilio Console (Admin → Account billing), or check that auto-recharge still works.',
  // twilio.com/docs/api/errors/20003 ("the account is suspended or closed") and /30002 ("your account balance
  // became negative … or auto-recharge wasn't available, which caused the account to be suspended")
  suspends: 'Twilio answers a suspended account as it answers wrong credentials, 401 with error 20003, and suspends one whose balance fell below 0 or whose auto-recharge failed: check the balance in the Console before replacing the token',
  request: 'GET /2010-04-01/Accounts/{account_sid}/Balance.json, Basic account_sid:auth_token or api_key_sid:api_key_secret',
  credentialsProblem(present) {
    const keys = API_KEY.filter((k) => present.has(k));
    if (keys.length === 1) return `${keys[0]} is set without ${API_KEY.find((k) => k !== keys[0])}: an API key signs in with both (or use auth_token)`;
    if (keys.length === 2 && present.has('auth_token')) return 'set auth_token or api_key_sid with api_key_secret, not both: which one signs in would be a guess';
    if (keys.length === 0 && !present.has('auth_token')) return 'auth_token is required by the twilio preset (or auth_token_file), or instead an API key: api_key_sid and api_key_secret';
    return undefined;
  },
  endpoint(api) {
    const sid = cred(api, 'account_sid');
    const byKey = api.credentials.api_key_sid !== undefined;
    const [user, password] = byKey ? [cred(api, 'api_key_sid'), cred(api, 'api_key_secret')] : [sid, cred(api, 'auth_token')];
    const hints = hintsFor(twilio);
    return {
      path: `/2010-04-01/Accounts/${segment(sid)}/Balance.json`,
      shownPath: '/2010-04-01/Accounts/{account_sid}/Balance.json',
      headers: () => ({ Authorization: basic(user, password) }),
      read: (body) => ({ balance: amountAt(name, body, 'balance'), ...currencyAt(name, body, 'currency') }),
      hints: {
        ...hints,
        // "Child accounts do not contain balance information": a subaccount's SID answers 404
        request: "check api_url and the credentials of this twilio wallet (a subaccount has no balance of its own and answers 404: use the parent account's SID and its credentials)",
        // twilio.com/docs/api/errors/20003 lists "the API key was created in a different Twilio Region than the
        // request you sent" among the causes of the 401: a key made in AU1 or IE1 signs in only at that Region's
        // host, never at the default api.twilio.com (US1)
        credentials: byKey
          ? "check account_sid, api_key_sid and api_key_secret (the key must belong to that account; a Main key reads everything, a Standard or Restricted key only what Twilio lets it; a key made in another Twilio Region than US1 signs in only at that Region's host: set api_url to it, e.g. https://api.sydney.au1.twilio.com)"
          : 'check account_sid and auth_token',
      },
    };
  },
};
