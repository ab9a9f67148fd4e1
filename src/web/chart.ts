/**
 * Server-rendered SVG charts, PURE (no node:*, no clock): a time chart (lines, bands, markers, vertical
 * lines, axes) and a sparkline. No dependency and no script: the page, the email and a screenshot show the
 * same picture. Colours are presentation attributes (what an email client keeps) plus a class, so the
 * page's stylesheet restyles them (dark mode) while an email shows the light defaults.
 *
 * Every chart carries its scales as data attributes (data-t0/t1/v0/v1 and the plot box), so a test can turn
 * a point of a path back into a time and a value.
 */
import { escapeHtml } from './format.js';

export type Point = readonly [t: number, v: number];

export interface Series {
  /** Used as the element's class (`series-<kind>`) and data-series attribute. */
  kind: string;
  points: readonly Point[];
  label: string;
  dashed?: boolean;
  /** Consecutive points further apart in time than this are not joined: the line starts again (no reading there). */
  gapMs?: number;
}

export interface Band {
  kind: string;
  /** A closed polygon in data coordinates. */
  polygon: readonly Point[];
  label: string;
}

export interface Marker {
  kind: string;
  t: number;
  v: number;
  label: string;
}

export interface Rule {
  kind: string;
  t: number;
  label: string;
}

export interface TimeChart {
  /** The accessible name (the svg's <title>) and a longer description (<desc>). */
  title: string;
  desc: string;
  width?: number;
  height?: number;
  t: readonly [number, number];
  v: readonly [number, number];
  series: readonly Series[];
  bands?: readonly Band[];
  markers?: readonly Marker[];
  rules?: readonly Rule[];
  /** Unit after the value axis labels. */
  unit?: string;
  /** Formats a time for the axis (the caller knows the zone it wants); default UTC HH:MM. */
  timeLabel?: (t: number, span: number) => string;
  id: string;
}

/** Light-theme colours: the attributes an email keeps; the page's CSS overrides them by class. */
export const COLOURS: Record<string, string> = {
  balance: '#1f5fbf',
  forecast: '#b3261e',
  band: '#f2b8b5',
  topup: '#1b7f3b',
  warning: '#a35d00',
  critical: '#b3261e',
  now: '#555555',
  grid: '#d0d0d0',
  axis: '#555555',
  burn: '#6a3fb5',
};
const colour = (kind: string): string => COLOURS[kind] ?? '#444444';

const PAD = { left: 56, right: 12, top: 12, bottom: 28 } as const;
const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();

/** Linear map of [d0, d1] onto [r0, r1] (a flat domain maps to the middle). */
function linear(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (x) => r0 + ((x - d0) / (d1 - d0)) * (r1 - r0);
}

/** About `count` round values covering [lo, hi] (1, 2 or 5 × a power of ten apart). */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

const TIME_STEPS = [60_000, 300_000, 900_000, 1_800_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 2 * 86_400_000, 7 * 86_400_000];

/** Round times (whole minutes, hours, days, UTC) covering [t0, t1], about `count` of them. */
export function timeTicks(t0: number, t1: number, count = 5): number[] {
  if (!(t1 > t0)) return [t0];
  const step = TIME_STEPS.find((s) => (t1 - t0) / s <= count) ?? Math.ceil((t1 - t0) / count / 86_400_000) * 86_400_000;
  const out: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) out.push(t);
  return out;
}

export function utcTimeLabel(t: number, span: number): string {
  const iso = new Date(t).toISOString();
  return span > 2 * 86_400_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/** A path through the points ("M x y L x y …"), one command per point. */
function pathOf(points: readonly (readonly [number, number])[]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fmt(x)} ${fmt(y)}`).join(' ');
}

/** A path of separate runs, each starting with its own M; a lone point is a dot (a round cap on a tiny stroke). */
function pathOfRuns(runs: readonly (readonly (readonly [number, number])[])[]): string {
  return runs.map((r) => (r.length === 1 ? `${pathOf(r)} l0.1 0` : pathOf(r))).join(' ');
}

/** The points cut into runs where two consecutive ones are more than `gapMs` apart in time. */
export function runsOf(points: readonly Point[], gapMs = Infinity): Point[][] {
  const runs: Point[][] = [];
  points.forEach((p, i) => {
    if (i === 0 || p[0] - points[i - 1]![0] > gapMs) runs.push([p]);
    else runs.at(-1)!.push(p);
  });
  return runs;
}

export function timeChart(c: TimeChart): string {
  const width = c.width ?? 720;
  const height = c.height ?? 260;
  const [left, right, top, bottom] = [PAD.left, width - PAD.right, PAD.top, height - PAD.bottom];
  const x = linear(c.t[0], c.t[1], left, right);
  const y = linear(c.v[0], c.v[1], bottom, top);
  const clipX = (px: number) => Math.max(left, Math.min(right, px));
  const clipY = (py: number) => Math.max(top, Math.min(bottom, py));
  const xy = ([t, v]: Point): [number, number] => [clipX(x(t)), clipY(y(v))];
  const span = c.t[1] - c.t[0];
  const label = c.timeLabel ?? utcTimeLabel;
  const parts: string[] = [];

  // grid and axes
  for (const v of niceTicks(c.v[0], c.v[1])) {
    const py = fmt(y(v));
    parts.push(`<line class="grid" x1="${left}" x2="${right}" y1="${py}" y2="${py}" stroke="${colour('grid')}" stroke-width="1"/>`);
    parts.push(`<text class="tick" x="${left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle" fill="${colour('axis')}" font-size="11">${escapeHtml(shortNumber(v))}</text>`);
  }
  for (const t of timeTicks(c.t[0], c.t[1])) {
    const px = fmt(x(t));
    parts.push(`<line class="grid" x1="${px}" x2="${px}" y1="${top}" y2="${bottom}" stroke="${colour('grid')}" stroke-width="1"/>`);
    parts.push(`<text class="tick" x="${px}" y="${height - 8}" text-anchor="middle" fill="${colour('axis')}" font-size="11">${escapeHtml(label(t, span))}</text>`);
  }
  parts.push(`<line class="axis" x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="${colour('axis')}" stroke-width="1"/>`);

  for (const b of c.bands ?? []) {
    if (b.polygon.length < 3) continue;
    parts.push(`<path class="band band-${b.kind}" data-series="${b.kind}" d="${pathOf(b.polygon.map(xy))} Z" fill="${colour(b.kind)}" fill-opacity="0.45" stroke="none"><title>${escapeHtml(b.label)}</title></path>`);
  }
  let row = 0; // each rule's label on its own line: horizons close together do not overprint
  for (const r of c.rules ?? []) {
    if (r.t < c.t[0] || r.t > c.t[1]) continue;
    const px = fmt(x(r.t));
    const ty = top + 10 + 13 * row++;
    parts.push(
      `<g class="rule rule-${r.kind}" data-series="${r.kind}" data-t="${r.t}"><line x1="${px}" x2="${px}" y1="${top}" y2="${bottom}" stroke="${colour(r.kind)}" stroke-width="1.5" stroke-dasharray="4 3"/>` +
        `<text x="${px}" y="${ty}" ${x(r.t) > right - 90 ? 'dx="-3" text-anchor="end"' : 'dx="3"'} fill="${colour(r.kind)}" font-size="11">${escapeHtml(r.label)}</text></g>`,
    );
  }
  for (const s of c.series) {
    if (s.points.length === 0) continue;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const runs = runsOf(s.points, s.gapMs).map((r) => r.map(xy));
    const cap = runs.some((r) => r.length === 1) ? ' stroke-linecap="round"' : ''; // a lone reading (between two gaps, or a wallet's first) shows as a dot
    parts.push(
      `<path class="series series-${s.kind}" data-series="${s.kind}" data-points="${s.points.length}" d="${pathOfRuns(runs)}" fill="none" stroke="${colour(s.kind)}" stroke-width="2"${dash}${cap} stroke-linejoin="round"><title>${escapeHtml(s.label)}</title></path>`,
    );
  }
  for (const m of c.markers ?? []) {
    const [px, py] = xy([m.t, m.v]);
    parts.push(`<circle class="marker marker-${m.kind}" data-series="${m.kind}" data-t="${m.t}" cx="${fmt(px)}" cy="${fmt(py)}" r="4" fill="${colour(m.kind)}"><title>${escapeHtml(m.label)}</title></circle>`);
  }

  const ids = { title: `${c.id}-title`, desc: `${c.id}-desc` };
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${c.id}" role="img" aria-labelledby="${ids.title} ${ids.desc}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `data-t0="${c.t[0]}" data-t1="${c.t[1]}" data-v0="${c.v[0]}" data-v1="${c.v[1]}" data-left="${left}" data-right="${right}" data-top="${top}" data-bottom="${bottom}" font-family="sans-serif">` +
    `<title id="${ids.title}">${escapeHtml(c.title)}</title><desc id="${ids.desc}">${escapeHtml(c.desc)}</desc>${parts.join('')}</svg>`
  );
}

/** 1234567 → 1.23M, 12500 → 12.5k, 12.345 → 12.35; up to T (a balance of 1e12 read "1000000M"), past it an exponent. */
export function shortNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e15) return v.toPrecision(3);
  if (a >= 1e12) return `${+(v / 1e12).toPrecision(3)}T`;
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toFixed(a >= 100 ? 0 : 2)}`;
}

/**
 * A small line of values (nulls are gaps), scaled from 0 to the highest value. The caller gives the
 * accessible name (what it shows, in words and numbers).
 */
export function sparkline(values: readonly (number | null)[], o: { label: string; width?: number; height?: number; kind?: string }): string {
  const width = o.width ?? 120;
  const height = o.height ?? 28;
  const kind = o.kind ?? 'burn';
  const max = Math.max(0, ...values.filter((v): v is number => v !== null));
  const x = linear(0, Math.max(1, values.length - 1), 2, width - 2);
  const y = linear(0, max || 1, height - 3, 3);
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length > 0) runs.push(run);
      run = [];
    } else run.push([x(i), y(v)]);
  });
  if (run.length > 0) runs.push(run);
  const d = pathOfRuns(runs);
  const points = values.filter((v) => v !== null).length;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="spark" role="img" aria-label="${escapeHtml(o.label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" data-points="${points}">` +
    `<path class="series series-${kind}" d="${d}" fill="none" stroke="${colour(kind)}" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`
  );
}
