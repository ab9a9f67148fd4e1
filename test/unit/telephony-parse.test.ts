import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamError } from '../../src/errors.js';
import { parseBalanceBody, parseDecimal, parseExhaustedBody, readCurrency, readDottedField } from '../../src/telephony/parse.js';

const nested = { data: { attributes: { balance: '50.00', currency: 'EUR' } } };

test('readDottedField', async (t) => {
  const cases: Array<[string, unknown, string, unknown]> = [
    ['flat', { balance: 42.5 }, 'balance', 42.5],
    ['nested', nested, 'data.attributes.balance', '50.00'],
    ['intermediate object', nested, 'data.attributes', nested.data.attributes],
    ['missing leaf', nested, 'data.attributes.nope', undefined],
    ['missing middle', nested, 'data.nope.balance', undefined],
    ['through a primitive', { a: 5 }, 'a.b', undefined],
    ['through null', { a: null }, 'a.b', undefined],
    ['null leaf', { a: null }, 'a', null],
    ['array index', { items: [{ b: 1 }] }, 'items.0.b', 1],
    ['empty segment', { a: { b: 1 } }, 'a..b', undefined],
    ['empty path', { a: 1 }, '', undefined],
    ['body not an object', 'balance', 'balance', undefined],
    ['prototype is not reachable', {}, '__proto__', undefined],
    ['inherited property is not read', {}, 'constructor', undefined],
    ['own property named like an inherited one', { toString: 3 }, 'toString', 3],
  ];
  for (const [name, body, path, expected] of cases) {
    await t.test(name, () => assert.deepEqual(readDottedField(body, path), expected));
  }
});

test('parseBalanceBody accepts numbers and numeric strings', async (t) => {
  const cases: Array<[string, unknown, string, number]> = [
    ['JSON number', { balance: 42.5 }, 'balance', 42.5],
    ['zero', { balance: 0 }, 'balance', 0],
    ['negative', { balance: -3.25 }, 'balance', -3.25],
    ['numeric string', { balance: '50.00' }, 'balance', 50],
    ['padded string', { balance: ' 12.5 ' }, 'balance', 12.5],
    ['leading space', { balance: ' 5' }, 'balance', 5],
    ['trailing space', { balance: '5 ' }, 'balance', 5],
    ['leading plus', { balance: '+5' }, 'balance', 5],
    ['negative string (overdraft)', { balance: '-12.50' }, 'balance', -12.5],
    ['negative zero string (reads 0, never -0)', { balance: '-0.00' }, 'balance', 0],
    ['zero string with exponent', { balance: '0e5' }, 'balance', 0],
    ['leading dot', { balance: '.5' }, 'balance', 0.5],
    ['trailing dot', { balance: '5.' }, 'balance', 5],
    ['exponent string', { balance: '1.5e2' }, 'balance', 150],
    ['smallest normal number', { balance: 2 ** -1022 }, 'balance', 2 ** -1022],
    ['tiny but normal string', { balance: '1e-300' }, 'balance', 1e-300],
    ['largest accepted magnitude', { balance: Number.MAX_SAFE_INTEGER }, 'balance', Number.MAX_SAFE_INTEGER],
    ['largest negative magnitude', { balance: String(-Number.MAX_SAFE_INTEGER) }, 'balance', -Number.MAX_SAFE_INTEGER],
    ['nested string', nested, 'data.attributes.balance', 50],
  ];
  for (const [name, body, field, expected] of cases) {
    await t.test(name, () => assert.equal(parseBalanceBody(body, field, 'currency').balance, expected));
  }
});

test('parseBalanceBody rejects unusable values with a bad_response naming field and setting, never the body', async (t) => {
  const marker = 'BODY_MARKER_x1';
  const cases: Array<[string, unknown]> = [
    ['missing', undefined],
    ['null', null],
    ['true', true],
    ['false', false],
    ['empty string', ''],
    ['blank string', '   '],
    ['word', 'abc'],
    ['marker string', marker],
    ['hex', '0x10'],
    ['comma decimal', '1,5'],
    ['Infinity string', 'Infinity'],
    ['NaN string', 'NaN'],
    ['overflowing string', '1e999'],
    ['-Infinity string', '-Infinity'],
    ['subnormal string', '1e-320'],
    ['subnormal number', 1e-320],
    ['negative subnormal', -5e-324],
    ['underflow to zero string', '1e-400'],
    ['long underflow to zero string', `0.${'0'.repeat(400)}1`],
    ['huge exponent string', '1e300'],
    ['huge number', 1e300],
    ['just past the magnitude limit', Number.MAX_SAFE_INTEGER + 2],
    ['hex', '0x1A'],
    ['octal prefix', '0o17'],
    ['binary prefix', '0b101'],
    ['numeric separator', '1_000'],
    ['thousands separator', '1,000.00'],
    ['currency sign', '$5'],
    ['two signs', '+-5'],
    ['inner space', '5 0'],
    ['exponent without digits', '5e'],
    ['lone dot', '.'],
    ['lone minus', '-'],
    ['non-finite number', Infinity],
    ['NaN number', NaN],
    ['object', { amount: 5, note: marker }],
    ['array', [5]],
  ];
  for (const [name, value] of cases) {
    await t.test(name, () => {
      const body: Record<string, unknown> = { wallet: {}, note: marker };
      if (value !== undefined) (body.wallet as Record<string, unknown>).balance = value;
      assert.throws(
        () => parseBalanceBody(body, 'wallet.balance', 'currency'),
        (err: unknown) => {
          assert.ok(err instanceof UpstreamError);
          assert.equal(err.kind, 'bad_response');
          assert.equal(err.retryable, false);
          assert.match(err.message, /wallet\.balance/);
          assert.match(err.message, /TELEPHONY_BALANCE_FIELD/);
          assert.ok(!err.message.includes(marker));
          return true;
        },
      );
    });
  }
  await t.test('body not an object', () => {
    assert.throws(() => parseBalanceBody('42', 'balance', 'currency'), { name: 'UpstreamError', kind: 'bad_response' });
  });
});

test('parseBalanceBody currency', async (t) => {
  const cases: Array<[string, unknown, string, string | null]> = [
    ['present', { balance: 1, currency: 'USD' }, 'currency', 'USD'],
    ['trimmed', { balance: 1, currency: ' USD ' }, 'currency', 'USD'],
    ['lower case kept as sent', { balance: 1, currency: 'usd' }, 'currency', 'usd'],
    ['crypto code', { balance: 1, currency: 'USDT' }, 'currency', 'USDT'],
    ['credits', { balance: 1, currency: 'CREDITS' }, 'currency', 'CREDITS'],
    ['nested', nested, 'data.attributes.currency', 'EUR'],
  ];
  for (const [name, body, field, expected] of cases) {
    await t.test(name, () => {
      const balanceField = body === nested ? 'data.attributes.balance' : 'balance';
      assert.deepEqual(parseBalanceBody(body, balanceField, field), { balance: body === nested ? 50 : 1, currency: expected, currencyProblem: null });
    });
  }
  for (const [name, body] of [
    ['absent', { balance: 1 }],
    ['null', { balance: 1, currency: null }],
    ['empty', { balance: 1, currency: '' }],
    ['blank', { balance: 1, currency: '   ' }],
  ] as const) {
    await t.test(`${name}: unknown, no warning`, () => assert.deepEqual(parseBalanceBody(body, 'balance', 'currency'), { balance: 1, currency: null, currencyProblem: null }));
  }
});

test('parseBalanceBody: a currency that is not a plain code is unknown with a warning; the balance still counts', async (t) => {
  const hostile = '<!channel><https://ev.il|TOP UP>';
  const cases: Array<[string, unknown]> = [
    ['Slack mention and link', hostile],
    ['carriage return', 'USD\r\nX-Evil: 1'],
    ['NUL', 'US\u0000D'],
    ['label breaker', 'USD"} 1\nfake_metric{a="'],
    ['symbol', '$'],
    ['digits', '840'],
    ['letters and digit', 'US1'],
    ['inner space', 'US D'],
    ['non-ASCII letter', 'ÉUR'],
    ['too long', 'ABCDEFGHI'],
    ['absurdly long', 'X'.repeat(100)],
    ['a number', 840],
    ['an object', { code: 'USD' }],
    ['a boolean', true],
  ];
  for (const [name, currency] of cases) {
    await t.test(name, () => {
      const r = parseBalanceBody({ balance: '42.50', currency }, 'balance', 'currency');
      assert.equal(r.balance, 42.5);
      assert.equal(r.currency, null);
      assert.match(r.currencyProblem ?? '', /"currency".*TELEPHONY_CURRENCY_FIELD/);
      if (typeof currency === 'string') assert.ok(!r.currencyProblem!.includes(currency), 'the warning never repeats the value');
    });
  }
  await t.test('402 bodies too', () => assert.deepEqual(readCurrency({ current_balance: 0, currency: hostile }, 'currency').currency, null));
});

test('parseDecimal (backtest input) follows the same rules', () => {
  const cases: Array<[string, number | undefined]> = [
    ['50.00', 50],
    [' -3.5 ', -3.5],
    ['1e-320', undefined],
    ['1e-400', undefined],
    ['1e300', undefined],
    ['0x10', undefined],
    ['1_000', undefined],
    ['Infinity', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) assert.equal(parseDecimal(input), expected, JSON.stringify(input));
});

test('parseExhaustedBody', async (t) => {
  const cases: Array<[string, unknown, { balance: number | null; requiredCredits: number | null }]> = [
    [
      'seed example',
      { error: 'Insufficient credits', code: 'insufficient_balance', required_credits: 1.5, current_balance: 0.25 },
      { balance: 0.25, requiredCredits: 1.5 },
    ],
    ['numeric strings', { required_credits: '1.50', current_balance: '0.00' }, { balance: 0, requiredCredits: 1.5 }],
    ['fields missing', { error: 'x', code: 'insufficient_balance' }, { balance: null, requiredCredits: null }],
    ['invalid values', { required_credits: 'lots', current_balance: true }, { balance: null, requiredCredits: null }],
    ['one valid', { required_credits: null, current_balance: 0.1 }, { balance: 0.1, requiredCredits: null }],
    ['not an object', 'Payment Required', { balance: null, requiredCredits: null }],
    ['undefined', undefined, { balance: null, requiredCredits: null }],
    ['null', null, { balance: null, requiredCredits: null }],
  ];
  for (const [name, body, expected] of cases) {
    await t.test(name, () => assert.deepEqual(parseExhaustedBody(body), expected));
  }
});

test('a negative zero reads 0 wherever an amount is read: balance body, 402 body, provider amounts, backtest input', async () => {
  const { toAmount } = await import('../../src/providers/money.js');
  for (const v of [-0, '-0', ' -0.00 ', '-0e5']) {
    assert.ok(Object.is(parseBalanceBody({ balance: v }, 'balance', 'currency').balance, 0), `balance ${String(v)}`);
    assert.ok(Object.is(toAmount(v), 0), `provider amount ${String(v)}`);
    assert.ok(Object.is(parseExhaustedBody({ current_balance: v }).balance, 0), `402 ${String(v)}`);
    if (typeof v === 'string') assert.ok(Object.is(parseDecimal(v), 0), `decimal ${v}`);
  }
  assert.equal(toAmount('-12.5'), -12.5, 'a real negative stays');
});
