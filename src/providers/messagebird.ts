/**
 * MessageBird (Bird): `GET /balance`, `Authorization: AccessKey <key>`; `{"payment": "prepaid", "type":
 * "euros", "amount": 103.85}`. `type` is the unit: `euros` (EUR) or `credits`.
 */
import { amountAt, cred, hintsFor, type Preset } from './preset.js';
import { readDottedField } from '../telephony/parse.js';

const name = 'messagebird';
const UNITS: Record<string, string> = { euros: 'EUR', euro: 'EUR', eur: 'EUR', credits: 'CREDITS' };

export const messagebird: Preset = {
  name,
  title: 'MessageBird',
  baseUrl: 'https://rest.messagebird.com',
  docs: 'https://developers.messagebird.com/api/balance/',
  credentials: [{ name: 'access_key', required: true, help: 'live access key (sent as Authorization: AccessKey …)' }],
  settings: [],
  topUp: 'Buy balance in the MessageBird (Bird) dashboard.',
  request: 'GET /balance, Authorization: AccessKey access_key',
  endpoint(api) {
    const key = cred(api, 'access_key');
    return {
      path: '/balance',
      shownPath: '/balance',
      headers: () => ({ Authorization: `AccessKey ${key.reveal()}` }),
      read: (body) => {
        const type = readDottedField(body, 'type');
        const currency = typeof type === 'string' ? (UNITS[type.trim().toLowerCase()] ?? null) : null;
        return {
          balance: amountAt(name, body, 'amount'),
          currency,
          currencyProblem: type !== undefined && currency === null ? 'messagebird balance "type" is neither euros nor credits; the balance is recorded with currency unknown' : null,
        };
      },
      hints: hintsFor(messagebird),
    };
  },
};
