/**
 * TEST ONLY — loaded with `node --import` into a spawned daemon by test/integration/lifecycle.test.ts; not
 * under src/, never compiled to dist/, and nothing in the product reads it.
 *
 * Holds the daemon inside App.start(): its first step, the STATE_DIR write probe (`.write-probe.<pid>…`),
 * waits until the FIFO named by WS_TEST_HOLD_FIFO has been written and closed, the way a slow disk stretches
 * start-up. The event loop runs meanwhile (a signal is handled). The test knows the daemon is held once it can
 * open the FIFO for writing: the daemon has opened it for reading.
 */
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

const fifo = process.env.WS_TEST_HOLD_FIFO;
if (!fifo) throw new Error('hold-probe: set WS_TEST_HOLD_FIFO');
const open = fsp.open;
let held = false;
fsp.open = async (path, ...rest) => {
  if (!held && String(path).includes('.write-probe.')) {
    held = true;
    await fsp.readFile(fifo);
  }
  return open(path, ...rest);
};
syncBuiltinESMExports(); // `import { open } from 'node:fs/promises'` now reads the one above
