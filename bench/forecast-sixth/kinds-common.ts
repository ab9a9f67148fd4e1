// Shared helpers for kind definitions.

import type { Rng } from '../forecast-blackbox/prng.js';
import type { FixedCharge, Leg, Stream } from './engine.js';
import { mix, sms, voice, flat, SEGMENTS_NOTIFY, type Product } from './products.js';
import { makeClock, monthStarts, randomStart2026, type Clock } from './time.js';

export function frame(rng: Rng, tzs: readonly string[], start?: number): Clock {
  const tz = rng.pick(tzs);
  return makeClock(tz, start ?? randomStart2026(rng));
}

/** A stream whose spend is `dollarsPerDay` when its shape equals 1 all day. */
export function stream(product: Product, dollarsPerDay: number, shape: (m: number) => number): Stream {
  return { product, perMin: dollarsPerDay / 1440 / product.mean, shape };
}

/** Monthly fee charged at local midnight of each 1st (plus a billing-run lag). */
export function monthlyFee(c: Clock, amount: number, lagMin: number): FixedCharge[] {
  return monthStarts(c).map((m) => ({ minute: m + lagMin, amount }));
}

/** A leg that intends to run dry `hours` after its reset, moved onto flowing spend. */
export function legAfter(hours: number, delayH: number): Leg {
  return { target: (r, snap) => snap(r + Math.round(hours * 60)), extra: 0, delayH, notBefore: 0 };
}

export function noise(rng: Rng): { daySigma: number; hourSigma: number } {
  return { daySigma: rng.uniform(0.08, 0.2), hourSigma: rng.uniform(0.1, 0.25) };
}

// Product catalogue with per-history price variation (prices in USD).

export function notifySms(rng: Rng): Product {
  return sms('sms', rng.uniform(0.0075, 0.0095), rng.uniform(0.002, 0.004), SEGMENTS_NOTIFY);
}

export function outboundVoice(rng: Rng, label = 'voice-out'): Product {
  return voice(label, {
    perMin: rng.uniform(0.011, 0.02),
    incrementSec: 60,
    medianSec: rng.uniform(60, 150),
    sigma: rng.uniform(0.9, 1.2),
    answer: rng.uniform(0.35, 0.6),
  });
}

export function tollFreeInbound(rng: Rng): Product {
  return voice('tollfree-in', {
    perMin: rng.uniform(0.02, 0.026),
    incrementSec: 60,
    medianSec: rng.uniform(150, 300),
    sigma: rng.uniform(0.8, 1.1),
    answer: 1,
  });
}

export function sipTrunk(rng: Rng): Product {
  return voice('sip-trunk', {
    perMin: rng.uniform(0.006, 0.012),
    incrementSec: 6,
    medianSec: rng.uniform(90, 200),
    sigma: 1.1,
    answer: rng.uniform(0.5, 0.7),
  });
}

export function appCalling(rng: Rng): Product {
  return voice('app-calling', {
    perMin: rng.uniform(0.01, 0.03),
    incrementSec: 1,
    minSec: 1,
    medianSec: rng.uniform(150, 300),
    sigma: rng.uniform(1.0, 1.3),
    answer: rng.uniform(0.6, 0.8),
  });
}

export function aiAgent(rng: Rng): Product {
  return voice('ai-agent', {
    perMin: rng.uniform(0.05, 0.09),
    incrementSec: 1,
    minSec: 1,
    medianSec: rng.uniform(120, 240),
    sigma: 0.9,
    answer: 0.92,
    connectFee: 0.002,
  });
}

export function whatsapp(): Product {
  return mix('wa-conversation', [
    { share: 0.45, price: 0 },
    { share: 0.3, price: 0.008 },
    { share: 0.15, price: 0.0135 },
    { share: 0.1, price: 0.025 },
  ]);
}

export function verify(rng: Rng): Product {
  const conversion = rng.uniform(0.65, 0.85);
  return mix('verify', [
    { share: conversion, price: 0.05 },
    { share: 1 - conversion, price: 0 },
  ]);
}

export function lookup(rng: Rng): Product {
  return flat('lookup', rng.pick([0.005, 0.01]));
}
