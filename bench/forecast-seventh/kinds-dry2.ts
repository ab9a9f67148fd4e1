// Kinds that run dry (2/2): a new install, a volatile few-big-customers mix, a month-end batch, small refills.
import type { Rng } from '../forecast-blackbox/prng.js';
import { DAY, YEAR_START, callCentreProfile, consumerProfile, mixProfiles, officeProfile, type Profile } from './clock.js';
import { logUniform, type Builder, type KindSpec } from './kit.js';
import { lowBalanceNotice, niceAmount, niceDown } from './policies.js';
import { SEGMENTS, lookup, smsAny, voice, voiceDomestic } from './traffic.js';

export const newInstallDry: KindSpec = {
  name: 'new-install-dry',
  depletes: true,
  blurb: 'a new account: first deposit (round amount), a few test hours, go-live ramp, numbers bought on day one; runs dry 4-6 days after the deposit',
  build(b) {
    const r = b.rng;
    const target = r.uniform(4, 6);
    b.setup({ maxDays: target + 3.5 });
    const deposit = r.next() < 0.5 ? r.int(3, 45) : 0;
    const guess = logUniform(r, 4, 250);
    const amount = niceAmount(guess * target);
    const live = deposit + Math.round(r.uniform(2, 20) * 60);
    const ramp = Math.round(r.uniform(4, 24) * 60);
    const testLevel = r.uniform(0.03, 0.2);
    const shape = (m: number): number =>
      m < deposit ? 0 : m < live ? testLevel : Math.min(1, testLevel + ((1 - testLevel) * (m - live)) / ramp);
    const n = b.noiseGroup([0.1, 0.25], [0.15, 0.35]);
    const prof = r.next() < 0.5 ? consumerProfile(r) : officeProfile(r);
    const smsShare = r.uniform(0.4, 1);
    b.addStream('sms', smsAny(r, r.next() < 0.5 ? SEGMENTS.otp : SEGMENTS.transactional), prof, guess * smsShare, n, shape);
    b.addStream('voice', voiceDomestic(r), prof, guess * (1 - smsShare), n, shape);
    const numbers = r.int(1, Math.max(1, Math.min(10, Math.floor(amount / 15))));
    b.addFee(deposit + r.int(5, 90), Math.round(numbers * r.pick([1, 1.15, 2]) * 100) / 100, `number purchase x${numbers}`);
    // scale traffic so that the deposit runs out, in expectation, `target` days after it lands
    const T = deposit + Math.round(target * DAY);
    const cum = b.expectedCum();
    const traffic = cum[T]! - b.fees.reduce((s, f) => s + (f.minute < T ? f.amount : 0), 0);
    b.scaleStreams((amount - (cum[T]! - traffic)) / traffic);
    if (deposit > 0) b.credits.push({ minute: deposit, amount, label: 'first deposit' });
    else b.balance0 = amount;
    b.endAfter(T, [0.3, 2.5]);
    b.refillAfterEmpty({ prob: 0.8, medianH: 3, coverDays: [7, 30], beyondEnd: true });
  },
};

export function bigCustomers(b: Builder, r: Rng, daily: number): void {
  const k = r.int(3, 6);
  const w = Array.from({ length: k }, () => (1 - r.next()) ** (-1 / 1.2));
  const retail = r.uniform(0.1, 0.3);
  const total = w.reduce((s, x) => s + x, 0);
  const profiles: (() => Profile)[] = [() => officeProfile(r), () => consumerProfile(r), () => callCentreProfile(r)];
  for (let i = 0; i < k; i++) {
    const intl = r.next() < 0.5;
    const product = voice(`customer-${i + 1}`, {
      perMinute: intl ? Math.round(logUniform(r, 0.04, 0.45) * 10000) / 10000 : r.pick([0.007, 0.0085, 0.013, 0.014]),
      increment: r.pick([1, 6, 60]),
      minimum: 0,
      answerRate: r.uniform(0.4, 0.8),
      medianSec: r.uniform(40, 200),
      sigma: r.uniform(1.2, 1.7),
    });
    const noise = b.noiseGroup([0.3, 0.6], [0.35, 0.6]);
    b.addStream(product.label, product, r.pick(profiles)(), (daily * (1 - retail) * w[i]!) / total, noise);
  }
  const calm = b.noiseGroup([0.08, 0.15], [0.1, 0.2]);
  b.addStream('retail-voice', voiceDomestic(r, 'retail-voice'), consumerProfile(r), daily * retail, calm);
}

export const volatileDry: KindSpec = {
  name: 'volatile-dry',
  depletes: true,
  blurb: 'reseller with 3-6 big customers: heavy-tailed call durations (sigma 1.2-1.7, up to 4 h), international rates, bursty days; runs dry 4.5-11 days in',
  build(b) {
    const r = b.rng;
    const target = r.uniform(4.5, 11);
    b.setup({ maxDays: target + 4.5 });
    const daily = logUniform(r, 30, 1500);
    bigCustomers(b, r, daily);
    b.someRentals(daily, 0.6);
    b.depleteAt(target);
    b.refillAfterEmpty({ prob: 0.8, medianH: 2, coverDays: [5, 25], beyondEnd: true });
  },
};

/** a start (unix seconds) such that a month boundary (00:00 UTC on the 1st) falls `offsetDays` into the history */
export function monthEndStart(r: Rng, offsetDays: number): number {
  const month = r.int(0, 11);
  const boundary = Date.UTC(2026, month + 1, 1) / 1000; // 00:00 UTC on the 1st of the next month
  return Math.max(YEAR_START, boundary - Math.round(offsetDays * DAY) * 60);
}

/** month-end batch: statements on the last night of the month or invoice reminders on the morning of the 1st */
export function monthBatch(b: Builder, r: Rng, daily: number, size: [number, number]): number {
  const lastNight = r.next() < 0.5;
  const hh = lastNight ? r.int(0, 3) : r.int(6, 9);
  const at =
    b.clock.localTimes(hh, r.pick([0, 15, 30]), (d) => (lastNight ? d.dom === d.dim : d.dom === 1))[0] ?? Math.round(b.clock.minutes / 2);
  const minutes = r.int(30, 240);
  const product = lastNight ? smsAny(r, SEGMENTS.transactional) : smsAny(r, SEGMENTS.marketing);
  const noise = b.addNoise({ daySigma: r.uniform(0.05, 0.15), dayPhi: 0, hourSigma: 0.03, hourPhi: 0 });
  b.addBurst(lastNight ? 'batch: statements' : 'batch: invoice reminders', product, at, minutes, r.uniform(size[0], size[1]) * daily, noise);
  return at;
}

export const monthEndDry: KindSpec = {
  name: 'month-end-dry',
  depletes: true,
  blurb: 'steady lookups/SMS plus a month-end batch (1.5-5 days of traffic in 0.5-4 h) 3-9.5 days in; runs dry during the batch or up to 2.5 days after it',
  build(b) {
    const r = b.rng;
    const offset = r.uniform(4, 9.5);
    b.setup({ maxDays: offset + 6, start: monthEndStart(r, offset) });
    const daily = logUniform(r, 10, 300);
    const n = b.noiseGroup([0.08, 0.2], [0.12, 0.25]);
    const prof = mixProfiles(officeProfile(r), consumerProfile(r), r.uniform(0.2, 0.8));
    const share = r.uniform(0.3, 0.9);
    b.addStream('sms', smsAny(r, SEGMENTS.otp), prof, daily * share, n);
    b.addStream('lookup', lookup(r), prof, daily * (1 - share), n);
    b.someRentals(daily, 0.5);
    const at = monthBatch(b, r, daily, [1.5, 5]);
    b.depleteAt(at / DAY + r.uniform(0.01, 2.5));
    b.refillAfterEmpty({ prob: 0.8, coverDays: [5, 30], beyondEnd: true });
  },
};

export const dribbleDry: KindSpec = {
  name: 'dribble-dry',
  depletes: true,
  blurb: 'small business feeding the wallet small amounts: a low-balance e-mail brings a top-up of 20-40% of the balance (not a reset), it runs dry anyway (3.5-7 days), the owner refills 4-7 days of spend, and again',
  build(b) {
    const r = b.rng;
    b.setup({ maxDays: r.uniform(9, 14) });
    const daily = logUniform(r, 8, 80);
    const n = b.noiseGroup([0.1, 0.25], [0.15, 0.3]);
    const prof = mixProfiles(officeProfile(r), consumerProfile(r), r.uniform(0.3, 0.9));
    const share = r.uniform(0.3, 0.8);
    b.addStream('sms', smsAny(r, SEGMENTS.transactional), prof, daily * share, n);
    b.addStream('voice', voiceDomestic(r), prof, daily * (1 - share), n);
    b.someRentals(daily, 0.8);
    b.depleteAt(r.uniform(3.5, 6), null);
    const d = b.daily(0, 7);
    const pr = b.sub('owner');
    b.policies.push(
      lowBalanceNotice(b.clock, pr, {
        threshold: niceAmount(pr.uniform(1.5, 3) * d),
        prob: 0.6,
        medianH: 6,
        sigma: 0.8,
        maxH: 20,
        amount: (bal) => niceDown(pr.uniform(0.2, 0.4) * bal),
      }),
    );
    b.refillAfterEmpty({ prob: 0.9, medianH: 6, maxH: 30, repeat: true, coverDays: [4, 7], beyondEnd: false, amount: () => niceAmount(pr.uniform(4, 7) * d) });
  },
};
