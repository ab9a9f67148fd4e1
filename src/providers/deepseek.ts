/**
 * DeepSeek: `GET /user/balance`, Bearer; `{"is_available": true, "balance_infos": [{"currency": "CNY",
 * "total_balance": "110.00", "granted_balance": "10.00", "topped_up_balance": "100.00"}]}`: one entry per
 * currency, in no stated order (reported: CNY first on one request, USD first on the next). The wallet's
 * `currency` key picks the entry (an error when it is absent); without it, a list of one is read and a
 * longer one is a failed poll that says which currencies to choose from: "the first" flipped the balance
 * and currency between polls (a phantom spend, a false wallet_exhausted, a phantom top-up).
 */
import { isCurrencyCode } from '../domain/account.js';
import { readDottedField } from '../telephony/parse.js';
import { amountAt, badResponse, bearer, cred, currencyAt, hintsFor, type Preset, unwatchable } from './preset.js';

const name = 'deepseek';
/** Currency codes a failed poll names at most (the body's list has no bound but the 1 MiB one). */
const SHOWN_CODES = 10;

export const deepseek: Preset = {
  name,
  title: 'DeepSeek',
  baseUrl: 'https://api.deepseek.com',
  docs: 'https://api-docs.deepseek.com/api/get-user-balance',
  credentials: [{ name: 'api_key', required: true, help: 'API key (Bearer)' }],
  settings: ['currency'],
  topUp: 'Top up at platform.deepseek.com (Top up).',
  request: 'GET /user/balance, Bearer api_key; balance_infos[currency].total_balance',
  exhausted: 'the balance at or below 0, or is_available false (DeepSeek says the balance pays for no API call, whatever it reads)',
  endpoint(api) {
    const key = cred(api, 'api_key');
    const want = api.currency?.toUpperCase();
    return {
      path: '/user/balance',
      shownPath: '/user/balance',
      headers: () => ({ Authorization: bearer(key) }),
      read: (body) => {
        const infos = readDottedField(body, 'balance_infos');
        if (!Array.isArray(infos) || infos.length === 0) throw badResponse(name, 'field "balance_infos" is not a non-empty list');
        if (want === undefined && infos.length > 1) {
          // Each code once, and at most SHOWN_CODES of them: the list is the upstream's, and a 1 MiB body of
          // 40,000 entries made a 400 KB message, logged and kept as the wallet's last error on every page.
          const codes = [...new Set(infos.map((e: unknown) => readDottedField(e, 'currency')).filter((c): c is string => typeof c === 'string' && isCurrencyCode(c.trim())).map((c) => c.trim()))];
          const more = codes.length > SHOWN_CODES ? ` and ${codes.length - SHOWN_CODES} more` : '';
          throw unwatchable(name, `"balance_infos" holds ${infos.length} currencies (${codes.slice(0, SHOWN_CODES).join(', ')}${more}) in no fixed order; set the wallet's currency key to the one to watch`);
        }
        const entry = want === undefined ? infos[0] : infos.find((e: unknown) => typeof readDottedField(e, 'currency') === 'string' && (readDottedField(e, 'currency') as string).trim().toUpperCase() === want);
        if (entry === undefined) throw unwatchable(name, `"balance_infos" has no entry in the wallet's currency ${want}; check the wallet's currency key`);
        // "whether the user's balance is sufficient for API calls": false, the API refuses calls whatever is left
        const refuses = readDottedField(body, 'is_available') === false;
        return { balance: amountAt(name, entry, 'total_balance'), ...currencyAt(name, entry, 'currency'), ...(refuses ? { refusesCalls: true as const } : {}) };
      },
      hints: hintsFor(deepseek),
    };
  },
};
