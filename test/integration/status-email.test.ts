/**
 * The alert email's picture over real SMTP: the daemon watching a draining simulated wallet sends
 * depletion_forecast, and the HTML part that reaches the mail server draws the forecast (inline SVG) while
 * the text part stays plain text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Simulator } from '../../src/simulator/simulator.js';
import { Daemon, waitFor } from '../helpers/daemon.js';
import { MailCatcher } from '../helpers/receivers.js';

test('a depletion_forecast email draws the forecast in its HTML part, not in its text part', { timeout: 120_000 }, async (t) => {
  const sim = new Simulator({ apiKey: 'key-email-picture', balance: 500, burnPerHour: 3600 });
  await sim.start();
  t.after(() => sim.close());
  const mail = new MailCatcher();
  await mail.start();
  t.after(() => mail.close());
  const daemon = await Daemon.start({
    TELEPHONY_API_URL: sim.url,
    TELEPHONY_API_KEY: 'key-email-picture',
    SMTP_URL: mail.url(),
    ALERT_EMAIL_FROM: 'sentinel@example.com',
    ALERT_EMAIL_TO: 'ops@example.com',
    RUNWAY_WARNING_HOURS: '3', // the wallet lasts about 8 minutes: the demo's horizons
    RUNWAY_CRITICAL_HOURS: '0.25',
  });
  t.after(() => daemon.kill());
  const email = await waitFor(() => mail.mails.find((m) => m.subject.includes('depletion_forecast')), 'a depletion_forecast email', 90_000);
  const svg = /<svg[^]*?<\/svg>/.exec(email.html)?.[0];
  assert.ok(svg, `an inline SVG in the HTML part: ${email.html.slice(0, 300)}`);
  assert.match(svg, /class="series series-forecast"/);
  assert.match(svg, /<title id="forecast-title">Balance forecast of wallet default \(USD\)<\/title>/);
  assert.doesNotMatch(email.text, /<svg|<path/);
  assert.match(email.text, /Expected to run out: /);
});
