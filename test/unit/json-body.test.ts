import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_JSON_DEPTH, nestsDeeperThan, parseJsonObject } from '../../src/telephony/json-body.js';

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
