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

/** Each field's allowed numbers (node-cron 4: weekday 7 is Sunday too), and its values' names in a sentence. */
const FIELDS: Record<string, { label: string; min: number; max: number; values: string; unit: string }> = {
  second: { label: 'second', min: 0, max: 59, values: 'seconds', unit: 'seconds' },
  minute: { label: 'minute', min: 0, max: 59, values: 'minutes', unit: 'minutes' },
  hour: { label: 'hour', min: 0, max: 23, values: 'hours', unit: 'hours' },
  dayOfMonth: { label: 'day-of-month', min: 1, max: 31, values: 'days of the month', unit: 'days' },
  month: { label: 'month', min: 1, max: 12, values: 'months', unit: 'months' },
  dayOfWeek: { label: 'weekday', min: 0, max: 7, values: 'weekdays', unit: 'days' },
};

/** The fields in the order of a 6-field expression (a 5-field one has no seconds). */
const ORDER = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const;

/** What node-cron reads `*` as in each field (its weekday `*` is 0-6), and the bounds it wraps a backward range within. */
const star = (key: (typeof ORDER)[number]): [number, number] => [FIELDS[key]!.min, key === 'dayOfWeek' ? 6 : FIELDS[key]!.max];

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * The expression with its fields separated by single spaces, as node-cron needs them. crontab(5) separates
 * fields by spaces or tabs; node-cron takes a tab for an illegal character, so `*\t* * * *` (a tab typed in
 * an .env file) was refused. What the scheduler is given (env-fields.ts).
 */
export const cronNormalized = (expression: string): string => expression.replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');

/**
 * Why a cron expression is invalid, naming the field and quoting the expression (`minute field 61 is out of
 * range 0-59 in "61 * * * *"`), or undefined when node-cron accepts it and it means what it says (surprise).
 * node-cron's validate() says only true/false; its validateDetailed() names the field but not the allowed
 * range. Fields may be separated by runs of spaces and tabs (cronNormalized).
 */
export function cronProblem(given: string): string | undefined {
  if (given === EVERY_MINUTE) return undefined;
  const quoted = JSON.stringify(shortened(given));
  const expression = cronNormalized(given);
  const r = nodeCron().validateDetailed(expression);
  if (r.valid) return surprise(expression, quoted);
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

/** A number, a month's or a weekday's name in `key`'s field as node-cron reads it; undefined when not one of those. */
function valueOf(key: (typeof ORDER)[number], word: string): number | undefined {
  if (/^\d+$/.test(word)) return Number(word);
  const names = key === 'month' ? MONTHS : key === 'dayOfWeek' ? WEEKDAYS : [];
  const i = names.findIndex((n) => word.toLowerCase().startsWith(n));
  return i < 0 ? undefined : key === 'month' ? i + 1 : i;
}

/** `[22, 23, 0, 1, 2]` → `22-23,0-2`. */
function runs(values: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    out.push(j === i ? String(values[i]) : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/**
 * An expression node-cron accepts but that surely does not mean what was written: a step past the span it
 * steps over (`*\/90` in minutes gives minute 0 only: hourly; `*\/25` in hours: daily), or a range written
 * backwards (`5-1` in minutes: node-cron wraps it around to 5-59,0-1, 57 minutes of every hour; crontab
 * refuses it). Undefined when none.
 */
function surprise(expression: string, quoted: string): string | undefined {
  if (expression.startsWith('@')) return undefined; // a nickname (@hourly): node-cron's own
  const raw = expression.split(' ');
  const keys = raw.length === 6 ? ORDER : ORDER.slice(1);
  for (const [i, key] of keys.entries()) {
    const { label, min, max, values: named, unit } = FIELDS[key]!;
    for (const token of raw[i]!.split(',')) {
      const m = /^(?:\*|([a-z\d]+)-([a-z\d]+))(?:\/(\d+))?$/i.exec(token);
      if (!m) continue;
      const [from, end] = m[1] === undefined ? star(key) : [valueOf(key, m[1]), valueOf(key, m[2]!)];
      if (from === undefined || end === undefined) continue;
      // Sunday closing a weekday range is its 7 (MON-SUN, FRI-SUN: every day to Sunday, as node-cron reads them)
      const to = key === 'dayOfWeek' && end === 0 && from > 0 ? 7 : end;
      const step = m[3] === undefined ? 1 : Number(m[3]);
      const field = `${label} field ${shortened(token)}`;
      if (from > to) {
        // node-cron's wrap (its convertRanges): from `from` up to its field's end, on from its start
        const [lo, hi] = star(key);
        const size = hi - lo + 1;
        const values: number[] = [];
        for (let o = 0; o <= (((to - from) % size) + size) % size; o += step) values.push(from + o > hi ? from + o - size : from + o);
        const wrapped = shortened(runs(values));
        return `${field} is a range written backwards (${from} is after ${to}; ${named} run ${min}-${max}) in ${quoted}: node-cron would wrap it around to ${wrapped}, ${values.length} of the ${size} ${unit === 'days' ? named : unit}; write ${wrapped} if that is what you mean`;
      }
      // `*/60` in minutes is minute 0, every 60 minutes as written (`0 */24`: daily; `*/7` weekdays: weekly)
      const span = m[1] === undefined ? to - from + 1 : to - from;
      if (step > 1 && step > span) {
        if (m[1] === undefined) return `${field} steps by ${step} in ${quoted}, but ${named} run ${min}-${max}: it gives ${label} ${from} only, not every ${step} ${unit} (a step is at most ${span})`;
        return `${field} steps by ${step} over ${from}-${to} in ${quoted}: it gives ${label} ${from} only (${to > from ? `a step over ${from}-${to} is at most ${to - from}` : `write ${from}`})`;
      }
    }
  }
  return undefined;
}
