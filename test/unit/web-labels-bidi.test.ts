/**
 * Labels are free text from WALLETS_FILE: one holding a bidi control (U+202E RIGHT-TO-LEFT OVERRIDE) must
 * not reverse the labels and text after it. Each label is isolated (<bdi>) on the overview and the wallet page.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unreadWallet } from '../helpers/fixtures.js';
import type { WalletSource } from '../../src/web/model.js';
import { overviewPage } from '../../src/web/overview.js';
import { walletPage } from '../../src/web/wallet-page.js';

const now = Date.parse('2026-12-05T23:39:15Z');
const w: WalletSource = unreadWallet('w06', now, { team: 'voice \u202eevil', env: 'prod' });

test('each label is isolated, so a right-to-left override inside one does not reverse the next (overview and wallet page)', () => {
  const isolated = /<bdi>team=voice \u202eevil<\/bdi>\s*<bdi>env=prod<\/bdi>/;
  assert.match(overviewPage([w], { q: '', page: 1, perPage: 50 }, now), isolated);
  assert.match(walletPage(w, now), isolated);
});

test('a very long label is cut in the overview\'s row, whole in its tooltip and on the wallet page', () => {
  const long = `${'x'.repeat(2_998)}😀y`;
  const v: WalletSource = { ...w, wallet: { ...w.wallet, labels: { note: long, env: 'prod' } } };
  const row = overviewPage([v], { q: '', page: 1, perPage: 50 }, now);
  const cut = /<bdi title="note=(x+😀y)">(note=x+)…<\/bdi>\s*<bdi>env=prod<\/bdi>/.exec(row);
  assert.ok(cut, 'cut with an ellipsis, the whole label as its title');
  assert.equal(cut[1], long);
  assert.equal(Array.from(cut[2]!).length, 59, 'the run cut to 60 characters with the ellipsis');
  assert.ok(walletPage(v, now).includes(`<bdi>note=${long}</bdi>`), 'the wallet page shows it whole');
});

test('the overview\'s title counts the whole fleet, and a filter\'s matches out of it (a filter matching nothing read "0 wallets")', () => {
  const title = (q: string) => /<title>([^<]*)<\/title>/.exec(overviewPage([w], { q, page: 1, perPage: 50 }, now))?.[1];
  assert.equal(title(''), 'wallet-sentinel — 1 wallet');
  assert.equal(title('w0'), 'wallet-sentinel — 1 of 1 wallet match “w0”', 'a filter a wallet could be named is said');
  assert.equal(title('nothing<b>'), 'wallet-sentinel — 0 of 1 wallet match the filter', 'no name: not echoed');
});

test('the overview\'s title does not say a filter that is a sentence: a link to /?q=<text> put the sender\'s words in the daemon\'s own title (the 404 page\'s rule)', () => {
  const title = (q: string) => /<title>([^<]*)<\/title>/.exec(overviewPage([w], { q, page: 1, perPage: 50 }, now))?.[1];
  const spoof = 'acme” is suspended. Top up now at https://pay.evil.example to restore service “';
  assert.equal(title(spoof), 'wallet-sentinel — 0 of 1 wallet match the filter');
  for (const q of ['team=voice env=prod', 'acme prod', '\u202eacme', 'x'.repeat(65)]) assert.match(title(q) ?? '', /^wallet-sentinel — [01] of 1 wallet match the filter$/, q);
  assert.equal(title('acme-prod.eu_2'), 'wallet-sentinel — 0 of 1 wallet match “acme-prod.eu_2”');
});
