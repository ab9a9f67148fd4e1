/**
 * TEST ONLY — loaded with `node --import` into a spawned daemon by test/integration/fleet-reload.test.ts; not
 * under src/, never compiled to dist/, and nothing in the product reads it.
 *
 * Holds the loading of the module whose URL ends with WS_TEST_SLOW_MODULE (e.g. `/dist/config/load.js`) for
 * WS_TEST_SLOW_MODULE_MS milliseconds, the way a busy or CPU-throttled host stretches the program's loading:
 * the time in which a signal meets the process before the program has run.
 */
import { register } from 'node:module';

const suffix = process.env.WS_TEST_SLOW_MODULE;
const ms = Number(process.env.WS_TEST_SLOW_MODULE_MS ?? 0);
if (!suffix || !(ms > 0)) throw new Error('slow-load: set WS_TEST_SLOW_MODULE and WS_TEST_SLOW_MODULE_MS');
const hooks = `export async function load(url, context, next) {
  if (url.endsWith(${JSON.stringify(suffix)})) await new Promise((r) => setTimeout(r, ${ms}));
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
