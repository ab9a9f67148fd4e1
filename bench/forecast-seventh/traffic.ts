// Billable products: what one event (call, message, lookup) costs, with its exact expected cost.
import type { Rng } from '../forecast-blackbox/prng.js';

export interface Product {
  label: string;
  /** expected cost of one event (computed exactly, not by sampling) */
  expected: number;
  sample(rng: Rng): number;
}

/** complementary error function, |relative error| < 1.2e-7 (Numerical Recipes erfcc) */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(D > x) for D log-normal with the given median and log-sigma */
function survival(x: number, median: number, sigma: number): number {
  if (x <= 0) return 1;
  return 0.5 * erfc(Math.log(x / median) / (sigma * Math.SQRT2));
}

export interface VoiceSpec {
  perMinute: number;
  /** billing increment in seconds (60 = per minute, 6, 1 = per second) */
  increment: number;
  /** minimum billed seconds of an answered call (multiple of increment) */
  minimum: number;
  answerRate: number;
  medianSec: number;
  sigma: number;
  capSec?: number;
}

/** One call attempt: unanswered attempts are free, answered ones are billed in increments. */
export function voice(label: string, v: VoiceSpec): Product {
  const cap = v.capSec ?? 4 * 3600;
  const a = Math.round(v.minimum / v.increment);
  const k1 = Math.ceil(cap / v.increment);
  let units = a;
  for (let k = a; k < k1; k++) units += survival(k * v.increment, v.medianSec, v.sigma);
  const expected = (v.answerRate * units * v.increment * v.perMinute) / 60;
  return {
    label,
    expected,
    sample(rng) {
      if (rng.next() >= v.answerRate) return 0;
      const d = Math.min(cap, rng.logNormal(v.medianSec, v.sigma));
      const billed = Math.max(v.minimum, Math.ceil(d / v.increment) * v.increment);
      return (billed * v.perMinute) / 60;
    },
  };
}

/** One message: 1..n segments with the given probabilities, each billed price + carrier fee. */
export function sms(label: string, perSegment: number, carrierFee: number, segments: readonly number[]): Product {
  const total = segments.reduce((s, p) => s + p, 0);
  const probs = segments.map((p) => p / total);
  const meanSeg = probs.reduce((s, p, i) => s + p * (i + 1), 0);
  const unit = perSegment + carrierFee;
  return {
    label,
    expected: unit * meanSeg,
    sample(rng) {
      let u = rng.next();
      for (let i = 0; i < probs.length; i++) {
        u -= probs[i]!;
        if (u < 0) return unit * (i + 1);
      }
      return unit * probs.length;
    },
  };
}

export function flat(label: string, price: number): Product {
  return { label, expected: price, sample: () => price };
}

/** price change (e.g. a provider price rise) applied to every event */
export function scaled(p: Product, factor: number): Product {
  return { label: `${p.label}x${factor.toFixed(2)}`, expected: p.expected * factor, sample: (rng) => p.sample(rng) * factor };
}

// ---------------------------------------------------------------- realistic presets

export const SEGMENTS = {
  otp: [0.96, 0.04],
  transactional: [0.72, 0.22, 0.06],
  marketing: [0.35, 0.42, 0.17, 0.06],
  unicode: [0.3, 0.3, 0.25, 0.15],
} as const;

export function smsUS(rng: Rng, mix: readonly number[]): Product {
  const price = rng.pick([0.0079, 0.0083, 0.004, 0.005, 0.0065]);
  const fee = rng.pick([0.003, 0.0035, 0.0045, 0.005, 0.0025]);
  return sms('sms-us', price, fee, mix);
}

export function smsIntl(rng: Rng, mix: readonly number[]): Product {
  return sms('sms-intl', Math.round(rng.uniform(0.028, 0.11) * 10000) / 10000, 0, mix);
}

export function smsAny(rng: Rng, mix: readonly number[]): Product {
  return rng.next() < 0.6 ? smsUS(rng, mix) : smsIntl(rng, mix);
}

const BILLING: readonly (readonly [number, number])[] = [[60, 60], [60, 60], [6, 6], [1, 1], [30, 6], [60, 6], [6, 6]];

export function voiceDomestic(rng: Rng, label = 'voice-out'): Product {
  const [minimum, increment] = rng.pick(BILLING);
  return voice(label, {
    perMinute: rng.pick([0.0085, 0.013, 0.014, 0.007, 0.01, 0.011]),
    increment,
    minimum,
    answerRate: rng.uniform(0.45, 0.85),
    medianSec: rng.uniform(35, 150),
    sigma: rng.uniform(0.8, 1.3),
  });
}

export function voiceIntl(rng: Rng, label = 'voice-intl'): Product {
  const [minimum, increment] = rng.pick([[60, 60], [60, 60], [60, 6], [1, 1]] as const);
  return voice(label, {
    perMinute: Math.round(Math.exp(rng.uniform(Math.log(0.03), Math.log(0.45))) * 10000) / 10000,
    increment,
    minimum,
    answerRate: rng.uniform(0.4, 0.8),
    medianSec: rng.uniform(60, 240),
    sigma: rng.uniform(1.0, 1.5),
  });
}

export function voiceInbound(rng: Rng): Product {
  const tollFree = rng.next() < 0.5;
  return voice(tollFree ? 'voice-in-tollfree' : 'voice-in', {
    perMinute: tollFree ? rng.pick([0.022, 0.013, 0.018]) : rng.pick([0.0085, 0.0045, 0.005, 0.0065]),
    increment: 60,
    minimum: 60,
    answerRate: 1,
    medianSec: rng.uniform(90, 300),
    sigma: rng.uniform(0.7, 1.1),
  });
}

export function lookup(rng: Rng): Product {
  return flat('lookup', rng.pick([0.005, 0.01, 0.0025, 0.008, 0.004]));
}
