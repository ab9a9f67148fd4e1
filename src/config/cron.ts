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
 * The expression with its fields separated by single spaces, as node-cron needs them. crontab(5) separates
 * fields by spaces or tabs; node-cron takes a tab for an illegal character, so `*\t* * * *` (a tab typed in
 * an .env file) was refused. What the scheduler is given (env-fields.ts).
 */
export const cronNormalized = (expression: string): string => expression.replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');

/**
 * Why a cron expression is invalid, naming the field and quoting the expression (`minute field 61 is out of
 * range 0-59 in "61 * * * *"`), or undefined when node-cron accepts it. node-cron's validate() says only
 * true/false; its validateDetailed() names the field but not the allowed range. Fields may be separated by
 * runs of spaces and tabs (cronNormalized).
 */
export function cronProblem(given: string): string | undefined {
  if (given === EVERY_MINUTE) return undefined;
  const quoted = JSON.stringify(shortened(given));
  const expression = cronNormalized(given);
  const r = nodeCron().validateDetailed(expression);
  if (r.valid) return undefined;
  const e = r.errors[0];
  const field = e ? FIELDS[e.field] : undefined;
  if (!e || !field || e.value === undefined) {
    if (e && /expected 5 or 6 fields/.test(e.message)) {
      const count = expression.trim() === '' ? 0 : expression.trim().split(/\s+/).length;
      return `${quoted} has ${count} field(s): use 5 (minute hour day-of-month month weekday), or 6 with seconds first`;
    }
    if (e && /illegal characters/.test(e.message)) return `${quoted} holds ${illegal(expression)}, which a cron expression cannot (use digits, * , - / and names such as MON or JAN, fields separated by spaces)`;
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

/** The first character node-cron refuses in `expression`, named so that an invisible one can be found. */
function illegal(expression: string): string {
  const c = [...expression].find((ch) => !/[a-zA-Z0-9*/,#? -]/.test(ch));
  if (c === undefined) return 'characters';
  const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const names: Record<string, string> = { '\n': 'a line break', '\r': 'a carriage return', '\u00a0': 'a no-break space', '\u200b': 'a zero-width space', '\u3000': 'an ideographic space' };
  if (names[c]) return `${names[c]} (${code})`;
  return /[\p{L}\p{N}\p{P}\p{S}]/u.test(c) ? `"${c}"` : `an invisible character (${code})`;
}
