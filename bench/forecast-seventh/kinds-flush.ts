// Kinds that do not run dry (1/2): well funded, a campaign burst, a service switched off, refunds, volatile.
import type { Rng } from '../forecast-blackbox/prng.js';
import { DAY, consumerProfile, machineProfile, mixProfiles, officeProfile, type Profile } from './clock.js';
import { bigCustomers } from './kinds-dry2.js';
import { logUniform, stepShape, type Builder, type KindSpec } from './kit.js';
import { dailyRefunds, niceAmount } from './policies.js';
import { SEGMENTS, lookup, smsAny, smsIntl, smsUS, voiceDomestic, voiceInbound } from './traffic.js';

export function anyProfile(r: Rng): Profile {
  const k = r.int(0, 3);
  if (k === 0) return consumerProfile(r);
  if (k === 1) return officeProfile(r);
  if (k === 2) return machineProfile(r);
  return mixProfiles(consumerProfile(r), officeProfile(r), r.uniform(0.3, 0.7));
}

/** 1-3 streams out of SMS / lookups / outbound / inbound voice sharing one profile and one noise group */
export function mixedTraffic(b: Builder, r: Rng, daily: number, prof: Profile, noise: number, shape?: (m: number) => number): void {
  const kinds = [
    () => smsAny(r, r.pick([SEGMENTS.otp, SEGMENTS.transactional, SEGMENTS.unicode])),
    () => lookup(r),
    () => voiceDomestic(r),
    () => voiceInbound(r),
  ];
  const k = r.int(1, 3);
  const w = Array.from({ length: k }, () => r.uniform(0.2, 1));
  const total = w.reduce((s, x) => s + x, 0);
  const used = new Set<number>();
  for (let i = 0; i < k; i++) {
    let j = r.int(0, kinds.length - 1);
    while (used.has(j)) j = (j + 1) % kinds.length;
    used.add(j);
    const p = kinds[j]!();
    b.addStream(p.label, p, prof, (daily * w[i]!) / total, noise, shape);
  }
}

export const steadyFlush: KindSpec = {
  name: 'steady-flush',
  depletes: false,
  blurb: 'well-funded steady wallet (8-60 days of spend left after the 4-day horizon), any daily pattern, monthly number rentals',
  build(b) {
    const r = b.rng;
    b.setup({ maxDays: r.uniform(3, 14) });
    const daily = logUniform(r, 2, 800);
    mixedTraffic(b, r, daily, anyProfile(r), b.noiseGroup([0.08, 0.25], [0.12, 0.3]));
    b.someRentals(daily, 0.7);
    b.fundFor(r.uniform(8, 60));
  },
};

export const campaignBurst: KindSpec = {
  name: 'campaign-burst',
  depletes: false,
  blurb: 'transactional SMS plus 1-3 marketing blasts (2-10 days of baseline spend in 20 min-6 h, weekday office hours); the wallet stays 5-20 days of baseline above empty',
  build(b) {
    const r = b.rng;
    const L = r.uniform(4, 14);
    const clock = b.setup({ maxDays: L });
    const daily = logUniform(r, 10, 300);
    const n = b.noiseGroup([0.08, 0.2], [0.12, 0.25]);
    const prof = consumerProfile(r);
    b.addStream('sms', smsAny(r, SEGMENTS.transactional), prof, daily, n);
    const blastNoise = b.addNoise({ daySigma: 0.1, dayPhi: 0, hourSigma: 0.05, hourPhi: 0 });
    const blasts = r.int(1, 3);
    for (let i = 0; i < blasts; i++) {
      const day = i === blasts - 1 && r.next() < 0.25 ? r.uniform(L, L + 3.5) : r.uniform(0.5, L - 0.3);
      const at = clock.localTimes(r.int(10, 17), r.pick([0, 30]), (_d, w) => w < 5, Math.round(day * DAY))[0];
      if (at === undefined) continue;
      const product = r.next() < 0.7 ? smsUS(r, SEGMENTS.marketing) : smsIntl(r, SEGMENTS.marketing);
      const spend = r.uniform(2, 10) * daily;
      const mps = r.uniform(3, 30);
      const minutes = Math.round(Math.min(360, Math.max(20, spend / product.expected / (mps * 60))));
      b.addBurst(`campaign-${i + 1}`, product, at, minutes, spend, blastNoise);
      // replies and opt-outs after a blast: a small tail of inbound-triggered messages
      b.addBurst(`campaign-${i + 1}-replies`, smsAny(r, SEGMENTS.otp), at + minutes, 180, spend * r.uniform(0.01, 0.04), blastNoise);
    }
    b.someRentals(daily, 0.5);
    b.fundFor(r.uniform(5, 20));
  },
};

export const switchedOff: KindSpec = {
  name: 'switched-off',
  depletes: false,
  blurb: 'traffic migrated away 1-5 days in (maintenance window or office hours, 5-90 min ramp) leaving 0-3% residue and number rentals; before that it had 4-9 days left',
  build(b) {
    const r = b.rng;
    const off = r.uniform(1, 5);
    const clock = b.setup({ maxDays: Math.min(14, Math.max(3, off + r.uniform(1, 9))) });
    const from = Math.round(off * DAY);
    const at = clock.localTimes(r.pick([22, 23, 0, 1, 2, 10, 14]), 0, () => true, from)[0] ?? from;
    const residual = r.next() < 0.4 ? 0 : r.uniform(0.002, 0.03);
    const daily = logUniform(r, 20, 500);
    mixedTraffic(b, r, daily, anyProfile(r), b.noiseGroup([0.08, 0.2], [0.12, 0.3]), stepShape(at, residual, r.int(5, 90)));
    b.someRentals(daily, 0.8);
    const dOld = b.daily(0, Math.max(1, at / DAY));
    b.balance0 = Math.round((b.expectedCum()[at]! + r.uniform(4, 9) * dOld) * 100) / 100;
  },
};

export const refundCredits: KindSpec = {
  name: 'refund-credits',
  depletes: false,
  blurb: 'SMS sender credited daily for undelivered messages (1-6% of the previous UTC day) plus 0-2 support credits; 7-30 days of spend in hand',
  build(b) {
    const r = b.rng;
    const L = r.uniform(4, 14);
    const clock = b.setup({ maxDays: L });
    const daily = logUniform(r, 20, 600);
    const n = b.noiseGroup([0.08, 0.2], [0.12, 0.25]);
    const prof = r.next() < 0.6 ? consumerProfile(r) : officeProfile(r);
    b.addStream('sms', r.next() < 0.5 ? smsIntl(r, SEGMENTS.transactional) : smsUS(r, SEGMENTS.marketing), prof, daily, n);
    b.policies.push(dailyRefunds(clock, b.sub('refunds'), [0.01, 0.06], r.int(180, 420)));
    const credits = r.int(0, 2);
    for (let i = 0; i < credits; i++) {
      const at = clock.localTimes(r.int(9, 17), r.int(0, 59), (_d, w) => w < 5, Math.round(r.uniform(0.3, L - 0.2) * DAY))[0];
      if (at !== undefined && at < b.simMinutes) b.credits.push({ minute: at, amount: niceAmount(r.uniform(0.2, 1.5) * daily), label: 'support credit' });
    }
    b.someRentals(daily, 0.5);
    b.fundFor(r.uniform(7, 30));
  },
};

export const volatileFlush: KindSpec = {
  name: 'volatile-flush',
  depletes: false,
  blurb: 'the volatile few-big-customers voice mix of volatile-dry, but funded 12-40 days beyond the horizon: spikes that must not raise alarms',
  build(b) {
    const r = b.rng;
    b.setup({ maxDays: r.uniform(4, 14) });
    const daily = logUniform(r, 30, 1500);
    bigCustomers(b, r, daily);
    b.someRentals(daily, 0.6);
    b.fundFor(r.uniform(12, 40));
  },
};
