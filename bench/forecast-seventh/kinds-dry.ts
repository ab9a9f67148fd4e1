// Kinds that run dry (1/2): steady, office-hours calls, a step up in usage, week-on-week growth.
import { DAY, WEEK, callCentreProfile, consumerProfile, mixProfiles, officeProfile } from './clock.js';
import { logUniform, stepShape, type KindSpec } from './kit.js';
import { SEGMENTS, lookup, scaled, smsAny, smsUS, voiceDomestic, voiceInbound } from './traffic.js';

export const steadyDry: KindSpec = {
  name: 'steady-dry',
  depletes: true,
  blurb: '24/7 OTP/notification SMS plus number lookups at a steady weekly rhythm; runs dry 3.5-11 days in',
  build(b) {
    const r = b.rng;
    const target = r.uniform(3.5, 11);
    b.setup({ maxDays: target + 4 });
    const daily = logUniform(r, 15, 600);
    const share = r.uniform(0.6, 0.95);
    const n = b.noiseGroup([0.08, 0.2], [0.12, 0.3]);
    const prof = r.next() < 0.7 ? consumerProfile(r) : mixProfiles(consumerProfile(r), officeProfile(r), 0.6);
    b.addStream('sms', smsAny(r, SEGMENTS.otp), prof, daily * share, n);
    b.addStream('lookup', lookup(r), prof, daily * (1 - share), n);
    b.someRentals(daily);
    b.depleteAt(target);
    b.refillAfterEmpty({ prob: 0.7, coverDays: [5, 30], beyondEnd: true });
  },
};

export const officeCallsDry: KindSpec = {
  name: 'office-calls-dry',
  depletes: true,
  blurb: 'call centre: outbound + inbound voice (per-minute/6 s/1 s billing) in local opening hours, quiet weekends; runs dry over a week (5-10 days)',
  build(b) {
    const r = b.rng;
    const target = r.uniform(5, 10);
    b.setup({ maxDays: target + 4 });
    const daily = logUniform(r, 40, 900);
    const prof = callCentreProfile(r);
    const n = b.noiseGroup([0.1, 0.25], [0.2, 0.35]);
    const out = r.uniform(0.5, 0.9);
    b.addStream('voice-out', voiceDomestic(r), prof, daily * out, n);
    b.addStream('voice-in', voiceInbound(r), prof, daily * (1 - out) * 0.8, n);
    b.addStream('sms', smsUS(r, SEGMENTS.transactional), prof, daily * (1 - out) * 0.2, n);
    b.someRentals(daily, 0.9);
    b.depleteAt(target, [0.2, 2.5]);
    b.refillAfterEmpty({ prob: 0.85, medianH: 1.5, coverDays: [7, 30], beyondEnd: true });
  },
};

export const stepUpDry: KindSpec = {
  name: 'step-up-dry',
  depletes: true,
  blurb: 'usage steps up 0.6-3 days in (a customer goes live x2-4, a new client x1.4-2.5, or a provider price rise x1.15-1.6), then runs dry 2.8-6.5 days after the step',
  build(b) {
    const r = b.rng;
    const variant = r.pick(['go-live', 'new-client', 'price-rise'] as const);
    const stepDay = r.uniform(0.6, 3);
    const after = r.uniform(2.8, 6.5);
    const clock = b.setup({ maxDays: stepDay + after + 5 });
    const daily = logUniform(r, 10, 300);
    const from = Math.round(stepDay * DAY);
    let at = from;
    let factor: number;
    let ramp = 0;
    if (variant === 'price-rise') {
      while (at < clock.minutes - 1 && clock.utcMinuteOfDay(at) !== 0) at++; // effective 00:00 UTC
      factor = r.uniform(1.15, 1.6);
    } else {
      at = clock.localTimes(r.int(8, 11), r.pick([0, 30]), (_d, w) => w < 5, from)[0] ?? from;
      factor = variant === 'go-live' ? r.uniform(2, 4) : r.uniform(1.4, 2.5);
      ramp = Math.round(r.uniform(2, 24) * 60);
    }
    const n = b.noiseGroup([0.08, 0.22], [0.15, 0.3]);
    const prof = r.next() < 0.5 ? officeProfile(r) : consumerProfile(r);
    const smsShare = variant === 'price-rise' ? r.uniform(0.6, 1) : r.uniform(0.3, 1);
    const sms = smsAny(r, SEGMENTS.transactional);
    const calls = voiceDomestic(r);
    if (variant === 'price-rise') {
      // the same messages, billed at the new price per segment from `at` on
      b.addStream('sms', sms, prof, daily * smsShare, n, (m) => (m < at ? 1 : 0));
      b.addStream('sms-new-price', scaled(sms, factor), prof, daily * smsShare * factor, n, (m) => (m < at ? 0 : 1));
      b.addStream('voice', calls, prof, daily * (1 - smsShare), n);
    } else {
      const shape = stepShape(at, factor, ramp);
      b.addStream('sms', sms, prof, daily * smsShare, n, shape);
      b.addStream('voice', calls, prof, daily * (1 - smsShare), n, shape);
    }
    b.someRentals(daily, 0.5);
    b.depleteAt(at / DAY + after);
    b.refillAfterEmpty({ prob: 0.75, coverDays: [4, 25], beyondEnd: true });
  },
};

export const growthDry: KindSpec = {
  name: 'growth-dry',
  depletes: true,
  blurb: 'usage grows 12-40% week on week (a product gaining users); runs dry 7-12.5 days in',
  build(b) {
    const r = b.rng;
    const target = r.uniform(7, 12.5);
    b.setup({ maxDays: 14 });
    const g = r.uniform(0.12, 0.4);
    const shape = (m: number): number => (1 + g) ** (m / WEEK);
    const daily = logUniform(r, 10, 400);
    const n = b.noiseGroup([0.08, 0.2], [0.12, 0.3]);
    const prof = r.next() < 0.6 ? consumerProfile(r) : mixProfiles(officeProfile(r), consumerProfile(r), 0.5);
    const smsShare = r.uniform(0.4, 0.9);
    b.addStream('sms', smsAny(r, SEGMENTS.otp), prof, daily * smsShare, n, shape);
    if (r.next() < 0.5) b.addStream('lookup', lookup(r), prof, daily * (1 - smsShare), n, shape);
    else b.addStream('voice', voiceDomestic(r), prof, daily * (1 - smsShare), n, shape);
    b.someRentals(daily, 0.6);
    b.depleteAt(target, [0.3, 2]);
    b.refillAfterEmpty({ prob: 0.75, coverDays: [4, 20], beyondEnd: true });
  },
};
