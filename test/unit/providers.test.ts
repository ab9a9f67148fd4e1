/** Pure parts of the provider presets: exact money, each preset's body reading, the credentials map. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Secret } from '../../src/config/secret.js';
import type { WalletSettings } from '../../src/config/settings.js';
import { readWalletsFile } from '../../src/config/wallets-file.js';
import { envWallet } from '../../src/config/env-wallet.js';
import { UpstreamError } from '../../src/errors.js';
import { add, multiply, splitCurrencyAmount, subtract, toAmount } from '../../src/providers/money.js';
import { endpointFor, PRESETS, presetOf, sameAccount } from '../../src/providers/index.js';
import { errorCode } from '../../src/telephony/json-body.js';
import type { GenericOptions, WalletApi } from '../../src/providers/preset.js';
import { DEFAULT_RULES } from '../helpers/fixtures.js';
import { parseArgs } from '../../src/cli/args.js';
import { sameWallet } from '../../src/fleet/runner.js';
import { slowRegexCount } from '../../src/providers/generic.js';

test('money: differences, sums and scales are exact on the decimal digits', () => {
  const cases: [number, number][] = [
    [subtract('100.5', '25.75'), 74.75],
    [subtract(0.3, 0.1), 0.2], // 0.3 − 0.1 in doubles is 0.19999999999999998
    [subtract('10', '10.01'), -0.01],
    [add('0.1', '0.2'), 0.3],
    [multiply('12345', '0.01'), 123.45],
    [multiply('1785.50', '-1'), -1785.5],
    [multiply('1.5e2', '0.1'), 15],
    [subtract('1e-2', '0'), 0.01],
  ];
  for (const [got, want] of cases) assert.equal(got, want);
});

test('money: exponents far outside a double\'s (a malformed body) are read as the double they are, at once', () => {
  assert.equal(subtract('0e999999999', '1'), -1); // was 20 s of BigInt arithmetic, then a RangeError
  assert.equal(add('1e-999999999', '2.5'), 2.5);
  assert.equal(multiply('0e-999999999', '0.01'), 0);
  assert.equal(subtract('1.5e2', '50'), 100);
});

test('money: an amount is a plain decimal or a finite number, nothing else', () => {
  for (const ok of ['12.50', ' 7 ', '+3', '-0.5', 42.5, '1.5e2']) assert.notEqual(toAmount(ok), undefined, String(ok));
  for (const bad of ['', 'abc', '1,5', '0x10', 'Infinity', 'NaN', null, undefined, true, [], {}, '1e-400', Number.NaN]) {
    assert.equal(toAmount(bad), undefined, JSON.stringify(bad));
  }
  assert.deepEqual(splitCurrencyAmount('KES 1785.50'), { currency: 'KES', amount: '1785.50' });
  assert.deepEqual(splitCurrencyAmount(' usd -3.20 '), { currency: 'USD', amount: '-3.20' });
  for (const bad of ['1785.50', 'KES', 'KES 1 2', '']) assert.equal(splitCurrencyAmount(bad), undefined, bad);
});

const creds = (names: string[]) => Object.fromEntries(names.map((n) => [n, new Secret(`${n}-v`)]));
function api(provider: string, over: Partial<WalletApi> = {}): WalletApi {
  const p = presetOf(provider);
  return { baseUrl: 'http://127.0.0.1:9', balancePath: '/b', balanceField: 'balance', currencyField: 'currency', credentials: creds(p.credentials.map((c) => c.name)), ...over };
}
test('an endpoint built for a wallet lists its credential values, to hide an answer that echoes one (an account id sent only in the path)', () => {
  const e = endpointFor({ provider: 'twilio', api: { ...api('twilio'), apiKey: undefined } });
  const basic = e.headers().Authorization!.replace(/^Basic /, '');
  assert.deepEqual([...e.secrets!()].sort(), ['account_sid-v', 'api_key_secret-v', 'api_key_sid-v', 'auth_token-v', basic].sort(), 'the credentials, and the Basic header less its scheme word');
  assert.equal(errorCode(JSON.stringify({ code: 'account_sid-v' }), e.secrets!()), null);
  assert.equal(errorCode(JSON.stringify({ code: 20003 }), e.secrets!()), '20003');
});

test('a code is hidden when it echoes a query value of the request, or a credential with other separators or in base64', () => {
  const e = endpointFor({ provider: 'generic', api: { ...api('generic'), apiKey: undefined, balancePath: '/api/account?access_token=acme_voice_prod_2026&format=json', generic: { auth: 'header X-Api-Key', regex: undefined, scale: '1', sign: '+' } } });
  const code = (c: string | number, sent = e.secrets!()) => errorCode(JSON.stringify({ code: c }), sent);
  assert.equal(code('acme_voice_prod_2026'), null, 'a query value echoed');
  assert.equal(code('insufficient_balance'), 'insufficient_balance', 'a code that echoes nothing is shown');
  assert.equal(code(20003), '20003');
  const key = ['acme_voice_prod_2029'];
  assert.equal(code('acme-voice-prod-2029', key), null, 'separators changed');
  assert.equal(code('zebra.panda.koala', ['zebrapandakoala']), null, 'separators added');
  assert.equal(code('MTIzNDU2', ['123456']), null, 'base64');
  assert.equal(code('forbidden', key), 'forbidden');
  const versioned = endpointFor({ provider: 'generic', api: { ...api('generic'), apiKey: undefined, balancePath: '/b?v=2&lang=en&page=0&pretty', generic: { auth: 'header X-Api-Key', regex: undefined, scale: '1', sign: '+' } } });
  for (const c of ['20003', 'insufficient_balance', 'mgmt_forbidden']) assert.equal(code(c, versioned.secrets!()), c, `short query values hide nothing: ${c}`);
  const bird = endpointFor({ provider: 'messagebird', api: { ...api('messagebird'), apiKey: undefined, credentials: { access_key: new Secret('live_9f8e7d6c5b') } } });
  assert.equal(code('access_denied', bird.secrets!()), 'access_denied', 'the scheme word of `Authorization: AccessKey …` hides nothing');
  assert.equal(code('live-9f8e7d6c5b', bird.secrets!()), null, 'the key after it is still hidden');
  const tio = endpointFor({ provider: 'telephony-io', api: { ...api('telephony-io'), apiKey: undefined, balancePath: '/v1/wallet/balance?sig=s1gn4tur3_value&t=abc%2Fdef_g' } });
  assert.ok(['s1gn4tur3_value', 'abc/def_g', 'abc%2Fdef_g'].every((v) => tio.secrets!().includes(v)), 'the path\'s query values, decoded too');
});

const read = (provider: string, body: object, over: Partial<WalletApi> = {}) => presetOf(provider).endpoint(api(provider, over)).read(body as Record<string, unknown>);
const badField = (provider: string, body: object, over: Partial<WalletApi> = {}) =>
  assert.throws(() => read(provider, body, over), (e: unknown) => e instanceof UpstreamError && e.kind === 'bad_response', `${provider} ${JSON.stringify(body)}`);

test('presets read the documented bodies, and refuse a broken field instead of reading 0', () => {
  assert.deepEqual(read('twilio', { balance: '0.05', currency: 'USD' }), { balance: 0.05, currency: 'USD', currencyProblem: null });
  assert.deepEqual(read('telnyx', { data: { balance: '-20.00', credit_limit: '100.00', available_credit: '80.00', currency: 'USD' } }), { balance: -20, currency: 'USD', currencyProblem: null, creditLimit: 100 });
  assert.equal(read('telnyx', { data: { balance: '5', credit_limit: '0.00', currency: 'USD' } }).creditLimit, undefined, 'no credit: floor 0');
  assert.deepEqual(read('plivo', { cash_credits: '1.80900', auto_recharge: false }), { balance: 1.809, currency: 'USD', currencyProblem: null, autoRecharge: false });
  assert.deepEqual(read('vonage', { value: 10.28, autoReload: true }), { balance: 10.28, currency: 'EUR', currencyProblem: null, autoRecharge: true });
  assert.equal(read('messagebird', { payment: 'prepaid', type: 'credits', amount: 12 }).currency, 'CREDITS');
  assert.equal(read('clicksend', { data: { balance: '4.998000', auto_recharge: 1, _currency: { currency_name_short: 'AUD' } } }).autoRecharge, true);
  assert.equal(read('textmagic', { balance: 208.64, currency: { id: 'GBP' } }).currency, 'GBP');
  assert.deepEqual(read('africastalking', { UserData: { balance: 'KES 1785.50' } }), { balance: 1785.5, currency: 'KES', currencyProblem: null });
  assert.ok(Object.is(read('africastalking', { UserData: { balance: 'KES -0.00' } }).balance, 0), 'a negative zero reads 0 (an exhausted text said "balance -0 KES")');
  assert.equal(read('openrouter', { data: { total_credits: 100.5, total_usage: 25.75 } }).balance, 74.75);
  badField('twilio', { balance: '1,50', currency: 'USD' });
  badField('telnyx', { balance: '5' });
  badField('telnyx', { data: { balance: '-50.00', credit_limit: 'abc', currency: 'USD' } }); // not "no limit": a wallet 50 into a 100 limit read as exhausted
  assert.deepEqual(read('telnyx', { data: { balance: '5.00', credit_limit: null, currency: 'USD' } }), { balance: 5, currency: 'USD', currencyProblem: null }, 'null: no limit');
  assert.deepEqual(read('telnyx', { data: { balance: '5.00', credit_limit: '', currency: 'USD' } }), { balance: 5, currency: 'USD', currencyProblem: null }, 'empty: no limit');
  badField('plivo', { cash_credits: '' });
  badField('vonage', { value: null });
  badField('africastalking', { UserData: { balance: '1785.50' } });
  badField('africastalking', { UserData: { balance: 'KES NaN' } });
  badField('openrouter', { data: { total_credits: 10 } });
});

test('deepseek: the entry in the wallet\'s currency; without the key one entry is read, several (in no fixed order) are a failed poll naming them; a missing currency is a failed poll', () => {
  const body = { is_available: true, balance_infos: [{ currency: 'CNY', total_balance: '110.00' }, { currency: 'USD', total_balance: '7.25' }] };
  assert.throws(() => read('deepseek', body), (e: unknown) => e instanceof UpstreamError && e.kind === 'bad_response' && /2 currencies \(CNY, USD\).*set the wallet's currency key to the one to watch$/.test(e.message), 'the currency key to set, not api_url to check');
  assert.deepEqual(read('deepseek', { balance_infos: [body.balance_infos[0]] }), { balance: 110, currency: 'CNY', currencyProblem: null });
  assert.equal(read('deepseek', body, { currency: 'cny' }).balance, 110);
  assert.deepEqual(read('deepseek', body, { currency: 'USD' }), { balance: 7.25, currency: 'USD', currencyProblem: null });
  badField('deepseek', body, { currency: 'EUR' });
  badField('deepseek', { balance_infos: [] });
  // "whether the user's balance is sufficient for API calls": false is an empty wallet whatever is left
  assert.deepEqual(read('deepseek', { ...body, is_available: false }, { currency: 'USD' }), { balance: 7.25, currency: 'USD', currencyProblem: null, refusesCalls: true });
  // `wallet-sentinel providers` says so: "the balance at or below 0" alone hid the case where a positive balance is exhausted
  const listed = (parseArgs(['providers']) as { text: string }).text;
  const block = listed.slice(listed.search(/^deepseek\b/m)).split('\n\n')[0]!;
  assert.match(block, /^ {2}exhausted: .*is_available false/m);
});

test('deepseek: a failed poll names each listed currency once and at most ten of them: the list is the upstream\'s, and 40,000 entries (a 1 MiB body) made a 400 KB last error, logged and shown on every page', () => {
  const many = { balance_infos: [...Array.from({ length: 40_000 }, () => ({ currency: 'ABCDEFGH', total_balance: '1' })), ...'ABCDEFGHIJKLMNOP'.split('').map((c) => ({ currency: `X${c}`, total_balance: '1' }))] };
  assert.throws(() => read('deepseek', many), (e: unknown) => {
    assert.ok(e instanceof UpstreamError && e.kind === 'bad_response');
    assert.match(e.message, /holds 40016 currencies \(ABCDEFGH, XA, XB, XC, XD, XE, XF, XG, XH, XI and 7 more\) in no fixed order/);
    assert.ok(e.message.length < 300, `a short message, got ${e.message.length} characters`);
    return true;
  });
});

test('plivo: a postpaid account (billing_mode) is a failed poll that says so, not an exhausted wallet at 0 cash credits', () => {
  assert.throws(() => read('plivo', { billing_mode: 'postpaid', cash_credits: '0.00000', auto_recharge: false }), (e: unknown) => e instanceof UpstreamError && e.kind === 'bad_response' && /postpaid/.test(e.message) && !/api_url/.test(e.message), 'what to do, not api_url to check');
  assert.equal(read('plivo', { billing_mode: 'prepaid', cash_credits: '1.80900' }).balance, 1.809);
});

test('messagebird: a postpaid account is a failed poll that says so (its amount is 0 by definition); the documented units and ISO codes are currencies', () => {
  assert.throws(() => read('messagebird', { payment: 'postpaid', type: 'euros', amount: 0 }), (e: unknown) => e instanceof UpstreamError && e.kind === 'bad_response' && /postpaid/.test(e.message) && !/api_url/.test(e.message), 'what to do, not api_url to check');
  assert.deepEqual(read('messagebird', { payment: 'prepaid', type: 'euros', amount: 103.85 }), { balance: 103.85, currency: 'EUR', currencyProblem: null });
  assert.equal(read('messagebird', { payment: 'prepaid', type: 'pounds', amount: 50 }).currency, 'GBP');
  assert.equal(read('messagebird', { payment: 'prepaid', type: 'dollars', amount: 50 }).currency, 'USD');
  assert.equal(read('messagebird', { payment: 'prepaid', type: 'SEK', amount: 500 }).currency, 'SEK');
  for (const type of ['constructor', '__proto__', 'toString']) {
    const r = read('messagebird', { payment: 'prepaid', type, amount: 5 });
    assert.equal(r.currency, null, `${type}: no currency read off an object's prototype`);
    assert.match(r.currencyProblem ?? '', /neither a unit/);
  }
  const odd = read('messagebird', { payment: 'prepaid', type: 'tokens', amount: 5 });
  assert.equal(odd.currency, null);
  assert.match(odd.currencyProblem!, /neither a unit it documents/);
});

test("words for a refused or missing balance where a provider has a known cause: OpenRouter's management key, a Twilio subaccount or suspension", () => {
  assert.match(presetOf('openrouter').endpoint(api('openrouter')).hints.rejected, /management key/);
  // a 401 is also a wrong or revoked management key: not only "get a management key"
  assert.match(presetOf('openrouter').endpoint(api('openrouter')).hints.rejected, /wrong or revoked/);
  assert.match(presetOf('twilio').endpoint(api('twilio')).hints.request, /subaccount/);
  // a suspended Twilio account (its balance below 0, a failed recharge) answers 401 like a wrong token
  assert.match(presetOf('twilio').endpoint(api('twilio')).hints.rejected, /^the twilio credentials were rejected, or the account is suspended \(Twilio answers a suspended account as it answers wrong credentials, 401 with error 20003/);
  assert.equal(presetOf('telnyx').endpoint(api('telnyx')).hints.rejected, 'the telnyx credentials were rejected');
  assert.deepEqual(read('africastalking', { userData: { balance: 'KES 10.00' } }), { balance: 10, currency: 'KES', currencyProblem: null }, "the reference's example spells it userData");
});

test('generic: dotted field, regex, scale and sign; each auth form puts the key where it says', () => {
  const g = (o: Partial<GenericOptions>): GenericOptions => ({ auth: 'bearer', regex: undefined, scale: '1', sign: '+', ...o });
  const gen = (o: Partial<GenericOptions>, field = 'a.b') => ({ generic: g(o), balanceField: field, credentials: creds(['api_key', 'username', 'password']) });
  assert.equal(read('generic', { a: { b: '12.5' } }, gen({})).balance, 12.5);
  assert.equal(read('generic', { a: { b: '12345 cents' } }, gen({ regex: '^(\\d+) cents', scale: '0.01' })).balance, 123.45);
  assert.equal(read('generic', { a: { b: 'USD 7.10' } }, gen({ regex: '[\\d.]+' })).balance, 7.1);
  assert.equal(read('generic', { a: { b: 30 } }, gen({ sign: '-' })).balance, -30, 'a debt reported as a positive number');
  badField('generic', { a: { b: 'none' } }, gen({ regex: '^(\\d+)' }));
  badField('generic', { a: { b: `${'9'.repeat(300)} cents` } }, gen({ regex: '^(\\d+) cents' }));
  badField('generic', { a: {} }, gen({}));
  // A nested quantifier on a text it does not match backtracks for ~20 s, the event loop held: stopped, a failed poll saying why.
  assert.throws(() => read('generic', { a: { b: `${'1'.repeat(30)} dollars` } }, gen({ regex: '^(\\d+)+ cents' })), (e: unknown) => e instanceof UpstreamError && e.kind === 'bad_response' && /balance_regex ran longer than 50 ms \(200 ms at its first retry\) on field "a\.b" and was stopped/.test(e.message));
  assert.equal(read('generic', { a: { b: '12345 cents' } }, gen({ regex: '^(\\d+)+ cents', scale: '0.01' })).balance, 123.45, 'the same expression on a text it matches, after a stopped one');
  // ran out twice: slow by itself, it gets no second run again (one in defaults: for 200 wallets held the loop 250 ms each)
  assert.equal(slowRegexCount(), 1);
  const endpoint = (auth: string) => presetOf('generic').endpoint(api('generic', gen({ auth })));
  assert.deepEqual(endpoint('bearer').headers(), { Authorization: 'Bearer api_key-v' });
  assert.deepEqual(endpoint('basic').headers(), { Authorization: `Basic ${Buffer.from('username-v:password-v').toString('base64')}` });
  assert.deepEqual(endpoint('header X-Api-Key').headers(), { 'X-Api-Key': 'api_key-v' });
  const q = endpoint('query token');
  assert.deepEqual(q.headers(), {});
  assert.equal(q.path, '/b?token=api_key-v');
  assert.equal(q.shownPath, '/b', 'the key in the query is never shown');
});

test('account ids in a path are shown as their credential name, never their value', () => {
  for (const p of PRESETS) {
    const e = p.endpoint(api(p.name, p.name === 'generic' ? { generic: { auth: 'query k', regex: undefined, scale: '1', sign: '+' } } : {}));
    assert.ok(!e.shownPath.includes('-v'), `${p.name}: ${e.shownPath}`);
  }
  assert.equal(presetOf('twilio').endpoint(api('twilio')).shownPath, '/2010-04-01/Accounts/{account_sid}/Balance.json');
});

// ---- the credentials map in a wallets file

const TUNING = { topupMinCredits: DEFAULT_RULES.topupMinCredits, hysteresisPercent: DEFAULT_RULES.hysteresisPercent, spendAnomalyFactor: DEFAULT_RULES.spendAnomalyFactor, spendAnomalyMinCredits: DEFAULT_RULES.spendAnomalyMinCredits };
function load(yaml: string, requireApiKey = true) {
  const dir = mkdtempSync(join(tmpdir(), 'ws-creds-'));
  writeFileSync(join(dir, 'tok'), 'token-from-file\n');
  const file = join(dir, 'w.yaml');
  writeFileSync(file, yaml.replaceAll('TOKFILE', join(dir, 'tok')));
  const r = readWalletsFile(file, { tuning: TUNING, requireApiKey });
  return { ...r, problems: r.problems.map((p) => p.slice(p.indexOf(': wallet') + 2)) };
}

test('credentials: the provider\'s own names, each also as <name>_file; problems name the key, never the value', () => {
  const ok = load('wallets:\n  - name: t\n    provider: twilio\n    credentials: {account_sid: AC1, auth_token_file: TOKFILE}\n');
  assert.deepEqual(ok.problems, []);
  const w = ok.wallets[0]!;
  assert.equal(w.api.baseUrl, 'https://api.twilio.com', 'api_url defaults to the preset\'s base URL');
  assert.equal(w.api.credentials.auth_token!.reveal(), 'token-from-file');
  assert.equal(w.api.credentials.account_sid!.reveal(), 'AC1');

  const table: [string, string[]][] = [
    ['provider: twilio\n    credentials: {account_sid: AC1}', ["wallet 't' (#1): credentials: auth_token is required by the twilio preset (or auth_token_file), or instead an API key: api_key_sid and api_key_secret"]],
    ['provider: twilio\n    credentials: {account_sid: AC1, api_key_sid: SK1}', ["wallet 't' (#1): credentials: api_key_sid is set without api_key_secret: an API key signs in with both (or use auth_token)"]],
    ['provider: twilio\n    credentials: {account_sid: AC1, api_key_secret: SECRETVALUE}', ["wallet 't' (#1): credentials: api_key_secret is set without api_key_sid: an API key signs in with both (or use auth_token)"]],
    ['provider: twilio\n    credentials: {account_sid: AC1, auth_token: SECRETVALUE, api_key_sid: SK1, api_key_secret_file: TOKFILE}', ["wallet 't' (#1): credentials: set auth_token or api_key_sid with api_key_secret, not both: which one signs in would be a guess"]],
    ['provider: twilio\n    credentials: {account_sid: AC1, auth_token: x, auth_token_file: TOKFILE}', ["wallet 't' (#1): credentials: set both auth_token and auth_token_file; set only one"]],
    ['provider: twilio\n    credentials: {account_sid: AC1, auth_token: SECRETVALUE, authtoken: y}', ["wallet 't' (#1): credentials: 'authtoken' is not a twilio credential (known: account_sid, account_sid_file, auth_token, auth_token_file, api_key_sid, api_key_sid_file, api_key_secret, api_key_secret_file)"]],
    ['provider: twilio\n    api_key: SECRETVALUE\n    credentials: {account_sid: AC1, auth_token: x}', ["wallet 't' (#1): api_key: the twilio preset takes no api_key; put its credentials (account_sid, auth_token, api_key_sid, api_key_secret) in credentials"]],
    ['provider: telnyx\n    api_key: a\n    credentials: {api_key: b}', ["wallet 't' (#1): api_key: is set both at the top level and in credentials; set it once"]],
    ['provider: telnyx\n    credentials: {api_key_file: /nonexistent/x}', ["wallet 't' (#1): credentials: api_key_file: cannot read the file it names (the name is not shown: it may be the secret itself): ENOENT"]],
    ['provider: twilio\n    balance_field: x\n    credentials: {account_sid: AC1, auth_token: x}', ["wallet 't' (#1): balance_field: the twilio preset does not read it (it reads: nothing besides api_url and credentials)"]],
    ['provider: generic\n    credentials: {api_key: k}', ["wallet 't' (#1): api_url: is required for the generic preset", "wallet 't' (#1): balance_path: is required for the generic preset"]],
    ['provider: generic\n    api_url: http://127.0.0.1:9\n    balance_path: /x\n    auth: cookie\n    credentials: {api_key: k}', ["wallet 't' (#1): auth: must be 'bearer', 'basic', 'header NAME' or 'query NAME'"]],
    ['provider: generic\n    api_url: http://127.0.0.1:9\n    balance_path: /x\n    auth: basic\n    credentials: {api_key: k}', ["wallet 't' (#1): credentials: username is required by the generic preset (or username_file)", "wallet 't' (#1): credentials: password is required by the generic preset (or password_file)"]],
    // The key of auth: query NAME went after the fragment, so it was never sent (a 401 that looked like a wrong key).
    ...['bearer', 'query api_key'].map((auth): [string, string[]] => [`provider: generic\n    api_url: http://127.0.0.1:9\n    balance_path: "/bal?v=2#frag"\n    auth: ${auth}\n    credentials: {api_key: SECRETVALUE}`, ["wallet 't' (#1): balance_path: holds '#', which starts a URL fragment: a fragment is never sent to the server, nor is anything after it (a query parameter, the key of auth: query NAME); remove it, or write a '#' that belongs to the path as %23"]]),
  ];
  for (const [keys, want] of table) {
    const r = load(`wallets:\n  - name: t\n    ${keys}\n`);
    assert.deepEqual(r.problems, want, keys);
    assert.ok(!r.problems.join('\n').includes('SECRETVALUE'), 'no value in a problem');
  }
  assert.deepEqual(load('wallets:\n  - name: t\n    provider: twilio\n', false).problems, [], 'backtest needs no credentials');
});

test('twilio signs in with an API key (SK…) and its secret instead of the Auth Token when given one; the path stays the account\'s', () => {
  const r = load('wallets:\n  - name: t\n    provider: twilio\n    credentials: {account_sid: AC1, api_key_sid: SK1, api_key_secret_file: TOKFILE}\n');
  assert.deepEqual(r.problems, []);
  const e = presetOf('twilio').endpoint(r.wallets[0]!.api);
  assert.equal(e.headers().Authorization, `Basic ${Buffer.from('SK1:token-from-file').toString('base64')}`);
  assert.equal(e.path, '/2010-04-01/Accounts/AC1/Balance.json');
  assert.match(e.hints.credentials, /^check account_sid, api_key_sid and api_key_secret/);
  // Twilio's 20003 causes: "the API key was created in a different Twilio Region than the request you sent"
  assert.match(e.hints.credentials, /another Twilio Region .* set api_url to it/);
  const byToken = presetOf('twilio').endpoint(load('wallets:\n  - name: t\n    provider: twilio\n    credentials: {account_sid: AC1, auth_token: x}\n').wallets[0]!.api);
  assert.equal(byToken.headers().Authorization, `Basic ${Buffer.from('AC1:x').toString('base64')}`);
  assert.equal(byToken.hints.credentials, 'check account_sid and auth_token');
});

test('defaults: a default that belongs to one provider\'s API applies only to wallets of that provider', () => {
  const r = load(
    'defaults:\n  api_url: http://127.0.0.1:9\n  balance_path: /v1/x\n  api_key_file: TOKFILE\n  runway_warning_hours: 50\n' +
      'wallets:\n  - name: tio\n  - name: tw\n    provider: twilio\n    credentials: {account_sid: AC1, auth_token: x}\n',
  );
  assert.deepEqual(r.problems, []);
  const [tio, tw] = r.wallets;
  assert.equal(tio!.api.baseUrl, 'http://127.0.0.1:9');
  assert.equal(tio!.api.credentials.api_key!.reveal(), 'token-from-file');
  assert.equal(tw!.api.baseUrl, 'https://api.twilio.com', 'the telephony-io api_url default does not reach the twilio wallet');
  assert.equal(tw!.rules.runwayWarningHours, 50, 'rule defaults reach every wallet');
});

test('`wallet-sentinel providers` lists every preset with the credentials it needs, reading no setting', () => {
  const r = parseArgs(['providers']);
  assert.equal(r.kind, 'print');
  const text = (r as { text: string }).text;
  for (const p of PRESETS) {
    assert.match(text, new RegExp(`^${p.name}\\b`, 'm'), p.name);
    const block = text.slice(text.search(new RegExp(`^${p.name}\\b`, 'm'))).split('\n\n')[0]!;
    for (const c of p.credentials) assert.match(block, new RegExp(`^    ${c.name}\\b`, 'm'), `${p.name}: ${c.name}`);
    assert.match(block, /^  exhausted: /m, `${p.name}: what exhausted means`);
  }
  assert.match(text, /none checked against a live account/);
  assert.equal(parseArgs(['providers', 'x']).kind, 'usage-error');
  assert.equal(parseArgs(['providers', '--help']).kind, 'print');
  assert.match((parseArgs(['--help']) as { text: string }).text, /wallet-sentinel providers/);
});

test('a reload that rotates any credential of a wallet is a change (compared by value, never printed)', () => {
  const yaml = (token: string) => `wallets:\n  - name: t\n    provider: twilio\n    credentials: {account_sid: AC1, auth_token: ${token}}\n`;
  const [a] = load(yaml('one')).wallets;
  const [b] = load(yaml('one')).wallets;
  const [c] = load(yaml('two')).wallets;
  assert.equal(sameWallet(a!, b!), true);
  assert.equal(sameWallet(a!, c!), false, 'a rotated auth_token makes a new client');
});

test('a failed Telephony.io poll names the setting to check where the wallet was configured: TELEPHONY_* for the environment\'s, the key of WALLETS_FILE for the file\'s', () => {
  const fromFile = load('wallets:\n  - name: t\n    api_key_file: TOKFILE\n').wallets[0]!;
  const file = presetOf('telephony-io').endpoint(fromFile.api);
  assert.equal(file.hints.credentials, 'check api_key (or api_key_file) in WALLETS_FILE');
  assert.equal(file.hints.request, 'check api_url and balance_path in WALLETS_FILE');
  assert.throws(() => file.read({ data: {} }), (err: unknown) => err instanceof UpstreamError && /check balance_field in WALLETS_FILE$/.test(err.message));

  const env = presetOf('telephony-io').endpoint(api('telephony-io'));
  assert.equal(env.hints.credentials, 'check TELEPHONY_API_KEY');
  const keyFile = join(mkdtempSync(join(tmpdir(), 'ws-key-')), 'key');
  writeFileSync(keyFile, 'sk_test_from_file\n');
  for (const [vars, named] of [[{ TELEPHONY_API_KEY: 'sk_test_1' }, 'TELEPHONY_API_KEY'], [{ TELEPHONY_API_KEY_FILE: keyFile }, 'TELEPHONY_API_KEY_FILE']] as const) {
    const { wallet } = envWallet(vars, { tuning: TUNING, requireApiKey: true, emptyInEnv: new Set() });
    assert.equal(presetOf('telephony-io').endpoint(wallet!.api).hints.credentials, `check ${named}`, 'the variable the key came from');
  }
  assert.throws(() => env.read({ data: {} }), (err: unknown) => err instanceof UpstreamError && /check TELEPHONY_BALANCE_FIELD$/.test(err.message));
});

test('what is left of a header value less its scheme word counts only if long enough: a username `ops A` hides no code holding an "a"', () => {
  const e = endpointFor({ provider: 'textmagic', api: { ...api('textmagic'), apiKey: undefined, credentials: { username: new Secret('ops A'), api_key: new Secret('Zx9Qw8Er7Ty6Ui5Op4') } } });
  assert.equal(errorCode(JSON.stringify({ code: 'access_denied' }), e.secrets!()), 'access_denied');
  assert.equal(errorCode(JSON.stringify({ code: 'zx9qw8er7ty6ui5op4' }), e.secrets!()), null, 'the key is still hidden');
});

test("sameAccount: a credential that names the account (Twilio's account_sid, Plivo's auth_id) changed is another account; a rotated secret, or another way to sign in, is the same", () => {
  const w = (provider: string, creds: Record<string, string>) => ({ provider, api: { baseUrl: 'http://127.0.0.1:9', balancePath: '/b', balanceField: 'balance', currencyField: 'currency', apiKey: undefined, credentials: Object.fromEntries(Object.entries(creds).map(([k, v]) => [k, new Secret(v)])) } }) as unknown as WalletSettings;
  assert.equal(sameAccount(w('twilio', { account_sid: 'AC1', auth_token: 't1' }), w('twilio', { account_sid: 'AC1', auth_token: 't2' })), true, 'a rotated token');
  assert.equal(sameAccount(w('twilio', { account_sid: 'AC1', auth_token: 't1' }), w('twilio', { account_sid: 'AC1', api_key_sid: 'SK1', api_key_secret: 's' })), true, 'an API key instead of the token');
  assert.equal(sameAccount(w('twilio', { account_sid: 'AC1', auth_token: 't1' }), w('twilio', { account_sid: 'AC2', auth_token: 't1' })), false);
  assert.equal(sameAccount(w('plivo', { auth_id: 'MA1', auth_token: 't' }), w('plivo', { auth_id: 'MA2', auth_token: 't' })), false);
  assert.equal(sameAccount(w('telephony-io', { api_key: 'k1' }), w('telephony-io', { api_key: 'k2' })), true, "Telephony.io's key is a secret: a rotation");
  assert.equal(sameAccount(w('telnyx', { api_key: 'k' }), w('twilio', { account_sid: 'AC1', auth_token: 't' })), false, 'another provider');
});
