import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamError } from '../../src/errors.js';
import { parseBalanceBody, parseExhaustedBody, readDottedField } from '../../src/telephony/parse.js';

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
    ['leading dot', { balance: '.5' }, 'balance', 0.5],
    ['exponent string', { balance: '1.5e2' }, 'balance', 150],
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
    ['nested', nested, 'data.attributes.currency', 'EUR'],
    ['absent', { balance: 1 }, 'currency', null],
    ['empty', { balance: 1, currency: '' }, 'currency', null],
    ['not a string', { balance: 1, currency: 840 }, 'currency', null],
    ['absurdly long', { balance: 1, currency: 'X'.repeat(100) }, 'currency', null],
  ];
  for (const [name, body, field, expected] of cases) {
    await t.test(name, () => {
      const balanceField = body === nested ? 'data.attributes.balance' : 'balance';
      assert.equal(parseBalanceBody(body, balanceField, field).currency, expected);
    });
  }
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
