/** SMTP_URL's query string is nodemailer's transport options: which of them reach the transport, and which are warned about. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { smtpUrlProblem, tlsOptOut, transportUrl } from '../../src/config/fields.js';

test('transportUrl drops ?logger and ?debug always, ?requireTLS and ?ignoreTLS while TLS is required; other options and the login stay', () => {
  const url = 'smtp://alerts:p%2Fw@127.0.0.1:2525/?logger=true&debug=true&requireTLS=false&ignoreTLS=true&pool=true&tls.rejectUnauthorized=false';
  const required = new URL(transportUrl(url, true));
  assert.deepEqual([...required.searchParams.keys()], ['pool', 'tls.rejectUnauthorized']);
  assert.equal(required.password, 'p%2Fw');
  assert.equal(required.host, '127.0.0.1:2525');
  const relaxed = new URL(transportUrl(url, false));
  assert.deepEqual([...relaxed.searchParams.keys()], ['requireTLS', 'ignoreTLS', 'pool', 'tls.rejectUnauthorized']);
  assert.equal(transportUrl('smtp://a:b@127.0.0.1:25', true), 'smtp://a:b@127.0.0.1:25', 'no query: as written');
});

test('tlsOptOut names the query options that weaken TLS, never the URL', () => {
  assert.deepEqual(tlsOptOut('smtp://a:secret@127.0.0.1:25/?pool=true'), []);
  const said = tlsOptOut('smtps://a:secret@127.0.0.1:465/?tls.rejectUnauthorized=false&ignoreTLS=true&requireTLS=false');
  assert.equal(said.length, 3);
  assert.ok(!said.join(' ').includes('secret'));
});

test("an option nodemailer needs as a number written otherwise (?socketTimeout=30s) is a settings problem, not an uncaught exception at the first email; a number is fine", () => {
  assert.equal(smtpUrlProblem('smtp://a:secret@127.0.0.1:25/?socketTimeout=30s'), 'option socketTimeout must be a whole number of milliseconds (30000, not 30s)');
  assert.equal(smtpUrlProblem('smtp://a:secret@127.0.0.1:25/?pool=true&maxConnections=two'), 'option maxConnections must be a whole number');
  assert.equal(smtpUrlProblem('smtp://a:secret@127.0.0.1:25/?socketTimeout=30000&socketTimeout=30000'), 'option socketTimeout is given more than once');
  assert.equal(smtpUrlProblem('smtp://a:secret@127.0.0.1:25/?socketTimeout=30000&pool=true'), undefined);
});
