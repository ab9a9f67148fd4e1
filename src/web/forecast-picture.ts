/**
 * The forecast as shapes (a line from the balance now to zero at the runway, the 80 % band around it) and
 * the picture the alert email carries: the same chart code as the status page, from what a notification
 * knows (balance, runway and band when it was decided; no history). PURE.
 */
import type { Notification } from '../domain/alerts.js';
import { timeChart, type Band, type Point, type Series } from './chart.js';
import { money, utc } from './format.js';

/** A straight line from (now, balance) reaching 0 after `runwayMs`, cut at `end`. */
export function toZero(now: number, balance: number, runwayMs: number, end: number): Point[] {
  if (now + runwayMs <= end) return [[now, balance], [now + runwayMs, 0]];
  return [[now, balance], [end, balance * (1 - (end - now) / runwayMs)]];
}

/** The forecast line and its band (low and high runways in ms; a missing end of the band is the centre). */
export function forecastShapes(now: number, balance: number, runwayMs: number, lowMs: number | null, highMs: number | null, end: number, label: string): { line: Series; band: Band } {
  const low = lowMs ?? runwayMs;
  const high = highMs ?? runwayMs;
  const polygon: Point[] = [[now, balance], ...toZero(now, balance, low, end).slice(1)];
  if (now + low < end) polygon.push([Math.min(now + high, end), 0]);
  if (now + high > end) polygon.push(toZero(now, balance, high, end)[1]!);
  return { line: { kind: 'forecast', label, points: toZero(now, balance, runwayMs, end) }, band: { kind: 'band', label: 'Forecast band (80 %)', polygon } };
}

/** The balance-and-forecast picture of a firing notification (inline SVG), or '' when there is nothing to draw. */
export function emailForecastPicture(n: Notification): string {
  const { balance, runwaySeconds, forecast } = n.wallet;
  if (n.status !== 'firing' || balance === null || runwaySeconds === null || !(balance > 0) || !(runwaySeconds > 0) || !Number.isFinite(runwaySeconds)) return '';
  const now = n.decidedAt;
  const runway = runwaySeconds * 1000;
  const low = forecast?.runwayLowSeconds == null ? null : forecast.runwayLowSeconds * 1000;
  const high = forecast?.runwayHighSeconds == null ? null : forecast.runwayHighSeconds * 1000;
  const end = now + Math.min(Math.max(runway * 1.15, (high ?? 0) * 1.05), runway * 2);
  const { line, band } = forecastShapes(now, balance, runway, low, high, end, `Forecast: reaches 0 at ${utc(now + runway)}`);
  const currency = n.wallet.currency ?? 'credits';
  const svg = timeChart({
    id: 'forecast',
    title: `Balance forecast of wallet ${n.account} (${currency})`,
    desc: `From ${money(balance)} ${currency} at ${utc(now)} to 0 at ${utc(now + runway)}, with the 80 % band of the forecast.`,
    width: 560,
    height: 200,
    t: [now, end],
    v: [0, balance * 1.08],
    series: [line],
    bands: [band],
    rules: [{ kind: 'now', t: now, label: 'now' }],
  });
  // Clients that drop SVG (Gmail, Outlook) drop the picture and keep this line and the table above it.
  return `${svg}\n<p style="color:#555;font-size:small;margin:2px 0 12px">Red line: the balance forecast from now to 0 (times in UTC); shaded: its 80 % band.</p>`;
}
