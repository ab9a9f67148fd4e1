import { lazyRequire } from './lazy-require.js';
import { shortened } from './shown.js';

/** The default POLL_SCHEDULE (every minute), which node-cron accepts: judged without loading it. */
const EVERY_MINUTE = '* * * * *';

/**
 * node-cron, loaded at the first other expression to judge or the first schedule to run: `backtest` (and
 * `check`, `test-alert`) on the default schedule never pay its ~10–15 ms of start-up. The scheduler takes it
 * from here too (one copy of it in the process).
 */
export const nodeCron = lazyRequire<typeof import('node-cron')>('node-cron');

/** Each field's allowed numbers (node-cron 4: weekday 7 is Sunday too). */
const FIELDS: Record<string, { label: string; min: number; max: number }> = {
  second: { label: 'second', min: 0, max: 59 },
  minute: { label: 'minute', min: 0, max: 59 },
  hour: { label: 'hour', min: 0, max: 23 },
  dayOfMonth: { label: 'day-of-month', min: 1, max: 31 },
  month: { label: 'month', min: 1, max: 12 },
  dayOfWeek: { label: 'weekday', min: 0, max: 7 },
};

/**
 * Why a cron expression is invalid, naming the field and quoting the expression (`minute field 61 is out of
 * range 0-59 in "61 * * * *"`), or undefined when node-cron accepts it. node-cron's validate() says only
 * true/false; its validateDetailed() names the field but not the allowed range.
 */
export function cronProblem(expression: string): string | undefined {
  if (expression === EVERY_MINUTE) return undefined;
  const quoted = JSON.stringify(shortened(expression));
  const r = nodeCron().validateDetailed(expression);
  if (r.valid) return undefined;
  const e = r.errors[0];
  const field = e ? FIELDS[e.field] : undefined;
  if (!e || !field || e.value === undefined) {
    if (e && /expected 5 or 6 fields/.test(e.message)) {
      const count = expression.trim() === '' ? 0 : expression.trim().split(/\s+/).length;
      return `${quoted} has ${count} field(s): use 5 (minute hour day-of-month month weekday), or 6 with seconds first`;
    }
    if (e && /illegal characters/.test(e.message)) return `${quoted} holds characters a cron expression cannot (use digits, * , - / and names such as MON or JAN)`;
    return `${quoted} is not a valid cron expression (5 fields, or 6 with seconds first)`;
  }
  const written = String(e.value);
  const value = shortened(written);
  const range = `${field.min}-${field.max}`;
  if (/impossible day of month/.test(e.message)) return `day-of-month ${value} never occurs in the month(s) of ${quoted}`;
  const outOfRange = (written.match(/\d+/g) ?? []).map(Number).find((n) => n < field.min || n > field.max);
  if (outOfRange === undefined) return `${field.label} field ${value} is not valid in ${quoted} (numbers ${range}, *, lists a,b, ranges a-b, steps */n)`;
  return written === String(outOfRange)
    ? `${field.label} field ${value} is out of range ${range} in ${quoted}`
    : `${field.label} field ${value} holds ${outOfRange}, out of range ${range}, in ${quoted}`;
}
