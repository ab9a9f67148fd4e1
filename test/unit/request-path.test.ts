import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doubledPrefix, requestedPath } from '../../src/telephony/request-path.js';

test('doubledPrefix: the end of api_url\'s path that the request path starts with again', () => {
  assert.equal(doubledPrefix('https://api.telnyx.com/v2', '/v2/balance'), '/v2');
  assert.equal(doubledPrefix('https://openrouter.ai/api/v1/', '/api/v1/credits'), '/api/v1');
  assert.equal(doubledPrefix('https://openrouter.ai/api', '/api/v1/credits'), '/api');
  assert.equal(doubledPrefix('https://api.telnyx.com', '/v2/balance'), undefined, 'nothing doubled');
  assert.equal(doubledPrefix('https://proxy.test/telnyx', '/v2/balance'), undefined, 'a proxy prefix is no copy');
  assert.equal(doubledPrefix('https://x.test/v1/wallet/balance', '/v1/wallet/balance'), undefined, 'the whole request path as api_url is another mistake: not this hint');
  assert.equal(doubledPrefix('not a url', '/v2/balance'), undefined);
});

test('requestedPath: host and joined path, no userinfo or query', () => {
  assert.equal(requestedPath('https://user:pw@api.test/base/?k=1', '/v1/wallet/balance?x=2'), 'api.test/base/v1/wallet/balance');
});
