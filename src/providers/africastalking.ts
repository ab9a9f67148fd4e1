/**
 * Africa's Talking: `GET /version1/user?username=…`, header `apiKey`; `{"UserData": {"balance":
 * "KES 1785.50"}}`: the currency and the amount in one string.
 */
import { isCurrencyCode } from '../domain/account.js';
import { readDottedField } from '../telephony/parse.js';
import { amountProblem, toAmount, splitCurrencyAmount } from './money.js';
import { badResponse, cred, hintsFor, type Preset } from './preset.js';

const name = 'africastalking';
export const africastalking: Preset = {
  name,
  title: "Africa's Talking",
  baseUrl: 'https://api.africastalking.com',
  docs: 'https://developers.africastalking.com/docs/application (User data: GET /version1/user)',
  credentials: [
    { name: 'username', required: true, account: true, help: "the application's username (sandbox: use api_url https://api.sandbox.africastalking.com)" },
    { name: 'api_key', required: true, help: 'API key (apiKey header)' },
  ],
  settings: [],
  topUp: "Top up the application's wallet in the Africa's Talking dashboard (Billing → Payments).",
  request: 'GET /version1/user?username={username}, apiKey: api_key',
  endpoint(api) {
    const user = cred(api, 'username');
    const key = cred(api, 'api_key');
    return {
      path: `/version1/user?username=${encodeURIComponent(user.reveal())}`,
      shownPath: '/version1/user',
      headers: () => ({ apiKey: key.reveal() }),
      read: (body) => {
        // The reference's table says UserData, its example userData: read either
        const raw = readDottedField(body, 'UserData.balance') ?? readDottedField(body, 'userData.balance');
        if (typeof raw !== 'string') throw badResponse(name, `field "UserData.balance" ${raw === undefined ? 'is missing' : 'is not a string such as "KES 1785.50"'}`);
        const split = splitCurrencyAmount(raw);
        if (!split) throw badResponse(name, 'field "UserData.balance" is not of the form "<currency> <amount>" such as "KES 1785.50"');
        const problem = amountProblem(split.amount);
        if (problem !== null) throw badResponse(name, `the amount in field "UserData.balance" ${problem}`);
        const ok = isCurrencyCode(split.currency);
        return { balance: toAmount(split.amount)!, currency: ok ? split.currency : null, currencyProblem: ok ? null : 'africastalking balance currency is not a plain code; the currency label reads unknown' };
      },
      hints: hintsFor(africastalking),
    };
  },
};
