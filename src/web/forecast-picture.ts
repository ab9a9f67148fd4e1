/**
 * The forecast as shapes (a line from the balance now to zero, or minus the credit limit, at the runway, the 80 % band around it) and
 * the picture the alert email carries: the same chart code as the status page, from what a notification
 * knows (balance, runway and band when it was decided; no history). PURE.
 */
import type { Notification } from '../domain/alerts.js';
import { timeChart, type Band, type Point, type Series } from './chart.js';
import { depletionAt } from '../domain/messages.js';
import { money, utc } from './format.js';

/** A straight line from (now, balance) reaching `floor` (0, or minus a credit limit) after `runwayMs`, cut at `end`. */
export function toFloor(now: number, balance: number, runwayMs: number, end: number, floor = 0): Point[] {
  if (now + runwayMs <= end) return [[now, balance], [now + runwayMs, floor]];
  return [[now, balance], [end, balance - ((balance - floor) * (end - now)) / runwayMs]];
}

/** Where the forecast runs to, in words: 0, or the credit limit the provider allows below it. */
export const floorWords = (creditLimit: number | null | undefined): string => (creditLimit ? `the credit limit (${money(-creditLimit)})` : '0');

/** The value axis of a forecast chart: 0 and the floor in view, a little room above the highest value. */
export function valueAxis(floor: number, values: readonly number[]): [number, number] {
  const low = Math.min(0, floor, ...values);
  const high = Math.max(low + 1, ...values);
  return [low, high + (high - low) * 0.08];
}

/** The forecast line and its band (low and high runways in ms; a missing end of the band is the centre), down to `floor`. */
export function forecastShapes(now: number, balance: number, runwayMs: number, lowMs: number | null, highMs: number | null, end: number, label: string, floor = 0): { line: Series; band: Band } {
  const low = lowMs ?? runwayMs;
  const high = highMs ?? runwayMs;
  const polygon: Point[] = [[now, balance], ...toFloor(now, balance, low, end, floor).slice(1)];
  if (now + low < end) polygon.push([Math.min(now + high, end), floor]);
  if (now + high > end) polygon.push(toFloor(now, balance, high, end, floor)[1]!);
  return { line: { kind: 'forecast', label, points: toFloor(now, balance, runwayMs, end, floor) }, band: { kind: 'band', label: 'Forecast band (80 %)', polygon } };
}

/** The balance-and-forecast picture of a firing notification (inline SVG), or '' when there is nothing to draw. */
export function emailForecastPicture(n: Notification): string {
  const { balance, runwaySeconds, forecast, creditLimit } = n.wallet;
  const floor = -(creditLimit ?? 0);
  if (n.status !== 'firing' || balance === null || runwaySeconds === null || !(balance > floor) || !(runwaySeconds > 0) || !Number.isFinite(runwaySeconds)) return '';
  const now = n.decidedAt;
  // a low balance on a wallet that barely spends runs out past the year 9999 (no depletion_at either): a chart
  // to there has no day on its axis, and past 275760 no Date at all (a RangeError, and no email)
  if (depletionAt(now, runwaySeconds) === null) return '';
  const runway = runwaySeconds * 1000;
  const low = forecast?.runwayLowSeconds == null ? null : forecast.runwayLowSeconds * 1000;
  const high = forecast?.runwayHighSeconds == null ? null : forecast.runwayHighSeconds * 1000;
  const end = now + Math.min(Math.max(runway * 1.15, (high ?? 0) * 1.05), runway * 2);
  const to = floorWords(creditLimit);
  const { line, band } = forecastShapes(now, balance, runway, low, high, end, `Forecast: reaches ${to} at ${utc(now + runway)}`, floor);
  const currency = n.wallet.currency ?? 'credits';
  const svg = timeChart({
    id: 'forecast',
    title: `Balance forecast of wallet ${n.account} (${currency})`,
    desc: `From ${money(balance)} ${currency} at ${utc(now)} to ${to} at ${utc(now + runway)}, with the 80 % band of the forecast.`,
    width: 560,
    height: 200,
    t: [now, end],
    v: valueAxis(floor, [balance]),
    series: [line],
    bands: [band],
    rules: [{ kind: 'now', t: now, label: 'now' }],
  });
  // Clients that drop SVG (Gmail, Outlook) drop the picture and keep this line and the table above it.
  return `${svg}\n<p style="color:#555;font-size:small;margin:2px 0 12px">Red line: the balance forecast from now to ${to} (times in UTC); shaded: its 80 % band.</p>`;
}
