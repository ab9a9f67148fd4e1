// Kinds that do not run dry (2/2): auto-recharge, an owner answering low-balance e-mails, month-end batch, dormant.
import { officeProfile } from './clock.js';
import { monthBatch, monthEndStart } from './kinds-dry2.js';
import { anyProfile, mixedTraffic } from './kinds-flush.js';
import { logUniform, type KindSpec } from './kit.js';
import { autoRecharge, lowBalanceNotice, niceAmount } from './policies.js';
import { SEGMENTS, lookup, smsAny, voiceDomestic } from './traffic.js';

export const autoRechargeKind: KindSpec = {
  name: 'auto-recharge',
  depletes: false,
  blurb: 'card on file: below a threshold of 6-10 days of spend the provider charges a fixed 8-25 days of spend (0-3 min later; some cards get declined and retried 1-12 h later)',
  build(b) {
    const r = b.rng;
    b.setup({ maxDays: r.uniform(3, 14) });
    const daily = logUniform(r, 10, 800);
    mixedTraffic(b, r, daily, anyProfile(r), b.noiseGroup([0.08, 0.25], [0.12, 0.3]));
    b.someRentals(daily, 0.6);
    const d = b.daily(0, 7);
    const threshold = niceAmount(r.uniform(6, 10) * d);
    const amount = niceAmount(r.uniform(8, 25) * d);
    b.balance0 = Math.round((threshold + r.uniform(0.05, 1) * amount) * 100) / 100;
    b.policies.push(
      autoRecharge(b.sub('card'), { threshold, amount, maxDelayMin: 3, declineProb: r.next() < 0.25 ? 0.3 : 0, retryH: [1, 12] }),
    );
  },
};

export const humanTopup: KindSpec = {
  name: 'human-topup',
  depletes: false,
  blurb: 'owner answers the low-balance e-mail (threshold 7.5-11 days of spend) within hours, in waking hours, with a round 12-35 days of spend',
  build(b) {
    const r = b.rng;
    b.setup({ maxDays: r.uniform(4, 14) });
    const daily = logUniform(r, 5, 300);
    mixedTraffic(b, r, daily, anyProfile(r), b.noiseGroup([0.08, 0.22], [0.12, 0.3]));
    b.someRentals(daily, 0.7);
    const d = b.daily(0, 7);
    const threshold = niceAmount(r.uniform(7.5, 11) * d);
    b.balance0 = Math.round((threshold + r.uniform(0.3, 12) * d) * 100) / 100;
    const pr = b.sub('owner');
    b.policies.push(
      lowBalanceNotice(b.clock, pr, {
        threshold,
        prob: 1,
        medianH: 5,
        sigma: 0.9,
        maxH: 24,
        amount: () => niceAmount(pr.uniform(12, 35) * d),
      }),
    );
  },
};

export const monthEndBatch: KindSpec = {
  name: 'month-end-batch',
  depletes: false,
  blurb: 'steady traffic plus a month-end batch of 2-6 days of traffic in 0.5-4 h, inside the history or in the 4 days after it; funded 4-20 days beyond',
  build(b) {
    const r = b.rng;
    const L = r.uniform(4, 14);
    b.setup({ maxDays: L, start: monthEndStart(r, r.uniform(0.5, L + 3.5)) });
    const daily = logUniform(r, 10, 300);
    mixedTraffic(b, r, daily, anyProfile(r), b.noiseGroup([0.08, 0.2], [0.12, 0.25]));
    b.someRentals(daily, 0.6);
    monthBatch(b, r, daily, [2, 6]);
    b.fundFor(r.uniform(4, 20));
  },
};

export const dormant: KindSpec = {
  name: 'dormant',
  depletes: false,
  blurb: 'barely used: a few 2FA messages, lookups or calls a day ($0.01-1/day), 1-5 rented numbers, balance shown in cents and refreshed every 15-60 min',
  build(b) {
    const r = b.rng;
    b.setup({
      maxDays: r.uniform(3, 14),
      observe: { decimals: r.next() < 0.8 ? 2 : 4, refreshEvery: r.pick([15, 30, 60]) },
    });
    const daily = logUniform(r, 0.01, 1);
    const prof = officeProfile(r);
    const n = b.noiseGroup([0.2, 0.4], [0.2, 0.4]);
    const pick = r.int(0, 2);
    const product = pick === 0 ? smsAny(r, SEGMENTS.otp) : pick === 1 ? lookup(r) : voiceDomestic(r);
    b.addStream(product.label, product, prof, daily, n);
    const numbers = r.int(1, 5);
    const price = r.pick([1, 1.15, 2]);
    b.rentals(numbers, price);
    const floor = 3 * (numbers * price + 30 * daily);
    b.balance0 = Math.round(Math.max(floor, logUniform(r, 5, 200)) * 100) / 100 + (r.next() < 0.5 ? 0 : 0.37);
  },
};
