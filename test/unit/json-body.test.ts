import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_JSON_DEPTH, nestsDeeperThan, parseJsonObject } from '../../src/telephony/json-body.js';
import { numberProblem } from '../../src/telephony/parse.js';

test('nestsDeeperThan counts brackets outside strings only', () => {
  assert.equal(nestsDeeperThan('{"a":{"b":[1,2]}}', 3), false);
  assert.equal(nestsDeeperThan('{"a":{"b":[[1]]}}', 3), true);
  // Brackets inside strings, escaped quotes and backslashes do not nest.
  assert.equal(nestsDeeperThan('{"a":"[[[[{{{{"}', 1), false);
  assert.equal(nestsDeeperThan('{"a":"\\"[[[[","b":1}', 1), false);
  assert.equal(nestsDeeperThan('{"a":"\\\\","b":[[1]]}', 2), true);
});

test('parseJsonObject: an object at the limit parses; one level more is too deep; not an object says so', () => {
  const nested = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
  assert.ok('object' in parseJsonObject(nested(MAX_JSON_DEPTH)));
  assert.deepEqual(parseJsonObject(nested(MAX_JSON_DEPTH + 1)), { problem: 'too_deep' });
  for (const body of ['[1]', '42', 'null', '{"a":', undefined]) assert.deepEqual(parseJsonObject(body), { problem: 'not_object' });
  assert.deepEqual(parseJsonObject('{"balance":{"amount":"4.20"}}'), { object: { balance: { amount: '4.20' } } });
});

test('parseJsonObject: a number written non-zero that JSON reads as 0 (1e-400) comes as its text, so the balance rules refuse it as an underflow instead of reading an empty wallet', () => {
  const tiny = `0.${'0'.repeat(400)}1`;
  const body = parseJsonObject(`{"balance":1e-400,"b":-1E-400,"c":${tiny},"d":"1e-400 in a \\"string\\"","e":0e-400,"f":0.0,"g":2.5e-3,"h":1.5e-310,"i":[7e-999]}`);
  assert.deepEqual(body, { object: { balance: '1e-400', b: '-1E-400', c: tiny, d: '1e-400 in a "string"', e: 0, f: 0, g: 0.0025, h: 1.5e-310, i: ['7e-999'] } });
  const o = (body as { object: Record<string, unknown> }).object;
  for (const k of ['balance', 'b', 'c']) assert.equal(numberProblem(o[k]), 'is too close to 0 to be represented (underflow)', k);
  assert.equal(numberProblem(o.e), null, 'a zero written with an exponent is 0');
});

test('parseJsonObject: a broken body (a string never closed, full of escaped quotes) is not an object, and a valid one with such strings still has its underflow quoted', () => {
  const quotes = '\\"'.repeat(32 * 1024);
  assert.deepEqual(parseJsonObject(`{"a":1e-5,"m":"${quotes}`), { problem: 'not_object' });
  assert.deepEqual(parseJsonObject(`{"balance":1e-400,"m":"${quotes}","n":2e-3}`), { object: { balance: '1e-400', m: '"'.repeat(32 * 1024), n: 0.002 } });
});
