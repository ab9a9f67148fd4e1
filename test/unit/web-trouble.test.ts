/**
 * The overview says when alerts are not getting through: a page that shows an alert firing while its email was
 * refused for a wrong password let the reader believe someone had been told.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unreadWallet } from '../helpers/fixtures.js';
import type { WalletSource } from '../../src/web/model.js';
import { overviewPage } from '../../src/web/overview.js';

const now = Date.parse('2026-12-07T08:00:00Z');
const w: WalletSource = unreadWallet('w1', now);
const q = { q: '', page: 1, perPage: 50 };

test('a channel that owes what it refused or failed to take is named above the wallets, with why, how many and since when', () => {
  const page = overviewPage([w], q, now, {
    troubled: [
      { label: 'email (smtp.example.com:587)', error: 'email (smtp.example.com:587): authentication failed (535); check the user and password in SMTP_URL', owed: 3, since: now - 2 * 3_600_000, retryAt: now + 300_000 },
      { label: 'webhook#1 (hooks.example.com)', error: 'webhook#1 (hooks.example.com) answered 503', owed: 2, since: now - 600_000 },
    ],
  });
  const note = /<section class="trouble" aria-label="Alerts not getting through">([\s\S]*?)<\/section>/.exec(page)?.[1];
  assert.ok(note, page);
  assert.match(note, /Alerts are not getting through<\/strong> to 2 channels/);
  assert.match(note, /<strong>email \(smtp\.example\.com:587\)<\/strong>: authentication failed \(535\); check the user and password in SMTP_URL\. <span class="muted">3 notifications owed, the oldest for 2 h 0 min; its settings were refused: one is tried again at 2026-12-07 08:05:00 UTC, and at once after a restart \(or a reload, for a receiver of WALLETS_FILE\)\.<\/span>/);
  assert.match(note, /<strong>webhook#1 \(hooks\.example\.com\)<\/strong>: answered 503\. <span class="muted">2 notifications owed, the oldest for 10 min\.<\/span>/);
  assert.ok(page.indexOf('class="trouble"') < page.indexOf('id="wallets"'), 'above the wallets');
});

test('a channel that gave notifications up and took none since (a URL answering 400 to every body) is named too, though it owes nothing', () => {
  const page = overviewPage([w], q, now, {
    troubled: [{ label: 'webhook#1 (discord.example)', error: 'webhook#1 (discord.example) answered 400; not retried', owed: 0, since: now - 300_000, givenUp: 4 }],
  });
  assert.match(page, /Alerts are not getting through<\/strong> to one channel/);
  assert.match(page, /<strong>webhook#1 \(discord\.example\)<\/strong>: answered 400; not retried\. <span class="muted">4 notifications given up since it last took one, the last 5 min ago\.<\/span>/);
});

test('nothing is said while every channel takes what it is sent', () => {
  assert.doesNotMatch(overviewPage([w], q, now, { troubled: [] }), /trouble/);
  assert.doesNotMatch(overviewPage([w], q, now), /trouble/);
});
