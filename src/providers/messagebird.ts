/**
 * MessageBird (Bird): `GET /balance`, `Authorization: AccessKey <key>`; `{"payment": "prepaid", "type":
 * "euros", "amount": 103.85}`. `type` is the unit: "credits, euros, pounds & dollars. For all other
 * supported currencies, an ISO-4217 code is returned" (the API reference). "When postpaid is your payment
 * method, the amount will be 0": a postpaid account has no balance to watch, and is a failed poll that says
 * so (read as 0 it was a permanent wallet_exhausted).
 */
import { isCurrencyCode } from '../domain/account.js';
import { amountAt, cred, hintsFor, type Preset, unwatchable } from './preset.js';
import { readDottedField } from '../telephony/parse.js';

const name = 'messagebird';
/** The reference's words for units; `dollars` is taken as USD (which dollar is not said). */
/** A Map: the type is the server's word, and an object's lookup would find `constructor` on its prototype. */
const UNITS = new Map([['euros', 'EUR'], ['euro', 'EUR'], ['pounds', 'GBP'], ['dollars', 'USD'], ['credits', 'CREDITS']]);

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
        if (readDottedField(body, 'payment') === 'postpaid') throw unwatchable(name, 'the account is postpaid: MessageBird reports its amount as 0 and there is no prepaid balance to watch');
        const type = readDottedField(body, 'type');
        const currency = typeof type === 'string' ? unit(type.trim()) : null;
        return {
          balance: amountAt(name, body, 'amount'),
          currency,
          currencyProblem: type !== undefined && currency === null ? 'messagebird balance "type" is neither a unit it documents (credits, euros, pounds, dollars) nor an ISO-4217 code; the currency label reads unknown' : null,
        };
      },
      hints: hintsFor(messagebird),
    };
  },
};

const unit = (type: string): string | null => UNITS.get(type.toLowerCase()) ?? (/^[A-Za-z]{3}$/.test(type) && isCurrencyCode(type.toUpperCase()) ? type.toUpperCase() : null);
