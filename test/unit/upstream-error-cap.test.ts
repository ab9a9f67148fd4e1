/** An upstream error's message is logged at every failure and served as the wallet's last error: it has a bound, whatever the upstream sends. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_UPSTREAM_MESSAGE, UpstreamError } from '../../src/errors.js';

test('an upstream error message past MAX_UPSTREAM_MESSAGE is cut, saying how much was left out; a short one is as written', () => {
  const long = new UpstreamError('bad_response', `currencies: ${'ABC, '.repeat(40_000)}`);
  assert.ok(long.message.length < MAX_UPSTREAM_MESSAGE + 40, `${long.message.length} characters`);
  assert.match(long.message, /… \(198012 more characters\)$/);
  assert.equal(new UpstreamError('auth', 'HTTP 401: the key was refused').message, 'HTTP 401: the key was refused');
  // never half of a character outside the BMP
  const emoji = new UpstreamError('bad_response', `${'x'.repeat(MAX_UPSTREAM_MESSAGE - 1)}😀${'y'.repeat(10)}`);
  assert.doesNotMatch(emoji.message, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
});
