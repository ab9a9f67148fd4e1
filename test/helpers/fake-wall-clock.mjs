/**
 * TEST ONLY — loaded with `node --import` into a spawned daemon by test/integration/clock-step.test.ts; it is
 * not under src/, never compiled to dist/, and nothing in the product reads it.
 *
 * Moves the process's wall clock (Date.now and `new Date()`, which node-cron reads) by the number of
 * milliseconds written in the file named by WS_TEST_WALL_CLOCK_OFFSET_FILE (re-read at most every 20 ms of
 * real time), the way an NTP step or an operator's `date -s` would. The monotonic clock (performance.now,
 * timers) is untouched, as in real life.
 */
import { readFileSync } from 'node:fs';

const file = process.env.WS_TEST_WALL_CLOCK_OFFSET_FILE;
if (!file) throw new Error('fake-wall-clock: WS_TEST_WALL_CLOCK_OFFSET_FILE is not set');
const realNow = Date.now.bind(Date);
let offset = 0;
let readAt = -Infinity;

Date.now = () => {
  const real = realNow();
  if (real - readAt >= 20) {
    readAt = real;
    try {
      offset = Number(readFileSync(file, 'utf8').trim()) || 0;
    } catch {
      // not written yet: no offset
    }
  }
  return real + offset;
};

const RealDate = Date;
// `new Date()` without arguments reads the wall clock too; everything else is the real Date.
globalThis.Date = class extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(Date.now());
    else super(...args);
  }
};
