/**
 * A wallet whose first poll has not finished yet (just added by SIGHUP, or its upstream silent until the
 * timeout): the wallet page must not say "Nothing to do: the wallet lasts beyond its alert horizons", nor
 * show a forecast burn rate of 0 — nothing was read, so nothing is known.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unreadWallet } from '../helpers/fixtures.js';
import { applyPoll, type PollOutcome } from '../../src/domain/account.js';
import { forecast } from '../../src/domain/forecast.js';
import { walletRow, type WalletSource } from '../../src/web/model.js';
import { advice, walletPage } from '../../src/web/wallet-page.js';

const now = Date.parse('2026-12-05T23:39:15Z');
const unread: WalletSource = unreadWallet('fresh-silent', now);

test('a wallet never polled yet: the page says it was not read yet, never "Nothing to do: the wallet lasts beyond its alert horizons"', () => {
  const lines = advice(unread, walletRow(unread, now));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /not been read yet/);
  const page = walletPage(unread, now);
  assert.doesNotMatch(page, /Nothing to do/);
});

test('a wallet never polled yet: the forecast burn rate is "—", not 0', () => {
  const page = walletPage(unread, now);
  assert.match(page, /forecast \(next 24 h\)<\/th><td class="num">—</);
});

test('a wallet read once (the next readings hours away on an hourly schedule): the page says the runway is not known yet, never "Nothing to do"', () => {
  const state = applyPoll(unread.readout.state, { ok: true, status: 200, balance: 53, currency: 'USD', requiredCredits: null }, now, 1).state;
  const once: WalletSource = { ...unread, readout: { state, forecast: forecast(state.history, 53, now) } };
  const row = walletRow(once, now);
  assert.equal(row.runway_known, false);
  assert.deepEqual(advice(once, row).map((l) => /^The runway is not known yet/.test(l)), [true]);
  assert.doesNotMatch(walletPage(once, now), /Nothing to do/);
});

test('a refused key: the advice says how to give a wallet of WALLETS_FILE its new key (reload) and the wallet of the environment (restart: a SIGHUP reads WALLETS_FILE alone)', () => {
  const state = applyPoll(unread.readout.state, { ok: false, kind: 'auth', message: 'HTTP 401', status: 401 } as PollOutcome, now, 1).state;
  const refused: WalletSource = { ...unread, readout: { state, forecast: forecast(state.history, null, now) } };
  const line = advice(refused, walletRow(refused, now)).find((l) => l.startsWith('The provider rejects the API key'));
  assert.match(line ?? '', /key file in WALLETS_FILE, then reload \(SIGHUP\)/);
  assert.match(line ?? '', /TELEPHONY_API_KEY_FILE\), restart the daemon/);
});
