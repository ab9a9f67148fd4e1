/** Small text helpers for the status page and its charts. PURE. */
import { MAX_RFC3339_MS } from '../domain/messages.js';

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Tagged template that escapes every interpolated value unless it is `raw(...)` HTML. */
export class Html {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}
export const raw = (s: string): Html => new Html(s);

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += piece(v) + strings[i + 1]!;
  });
  return new Html(out);
}

function piece(v: unknown): string {
  if (v instanceof Html) return v.html;
  if (Array.isArray(v)) return v.map(piece).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/** 1234.5 → "1,234.50"; null → "—"; an amount under a cent but not 0 keeps two significant digits ("0.004", not "0.00"). */
export function money(n: number | null): string {
  if (n === null) return '—';
  if (n !== 0 && Math.abs(n) < 0.01) return small(n);
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** Up to `digits` decimals; a number too small to show in them keeps two significant digits (0.04/h is not "0/h"). */
export function num(n: number | null, digits = 1): string {
  if (n === null || !Number.isFinite(n)) return '—';
  if (n !== 0 && Math.abs(n) < 10 ** -digits) return small(n);
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

const small = (n: number): string => n.toLocaleString('en-US', { maximumSignificantDigits: 2 });

const YEAR_S = 365.25 * 86_400;

/** Seconds as "26 years", "3 d 4 h", "5 h 20 min", "12 min", "40 s". */
export function shortDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  // a nearly flat balance forecasts thousands of years: "26,094 years", not "9530750 d 5 h"
  if (s >= 2 * YEAR_S) return `${Math.round(s / YEAR_S).toLocaleString('en-US')} years`;
  if (s >= 86_400 * 2) {
    const h = Math.round(s / 3_600); // rounded once, so 2 d 23.6 h is 3 d 0 h, never 2 d 24 h
    return `${Math.floor(h / 24)} d ${h % 24} h`;
  }
  if (s >= 10 * 3_600) return `${Math.round(s / 3_600)} h`;
  if (s >= 3_600) {
    const m = Math.round(s / 60);
    return `${Math.floor(m / 60)} h ${m % 60} min`;
  }
  if (s >= 60) return `${Math.round(s / 60)} min`;
  return `${s} s`;
}

/** How long ago `iso` was, relative to `now` ("3 min ago"); "never" for null. */
export function ago(t: number | null, now: number): string {
  if (t === null) return 'never';
  return `${shortDuration((now - t) / 1000)} ago`;
}

/** `2026-11-30 18:04:05 UTC` */
export function utc(t: number): string {
  // a wallet that barely spends runs out past the year 9999: toISOString writes a six-digit year there, and
  // throws a RangeError past 275760 (an alert email whose picture said so was never rendered)
  if (!(t <= MAX_RFC3339_MS)) return '9999-12-31 23:59:59 UTC or later';
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * A wallet's labels as `key=value` runs, each isolated (<bdi>): a bidi control inside one (U+202E) cannot
 * reverse the rest. Empty when none. `clamp`: a run longer than that many characters is cut, with "…" and
 * the whole run as its tooltip (a 3,000-character label took a hundred lines of the overview on a phone).
 */
export function labelRuns(labels: Readonly<Record<string, string>>, clamp = Infinity): Html | '' {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return html`${entries.map(([k, v], i) => {
    const run = `${k}=${v}`;
    const chars = Array.from(run); // by code point: a cut never splits an emoji
    const shown = chars.length > clamp ? html`<bdi title="${run}">${chars.slice(0, clamp - 1).join('')}…</bdi>` : html`<bdi>${run}</bdi>`;
    return html`${i > 0 ? ' ' : ''}${shown}`;
  })}`;
}
