/**
 * Composition root (loaded by src/main.ts once SIGHUP, SIGTERM and SIGINT are caught): parse the command line, load settings, run a command, map the result to an exit code
 * (0 clean, 1 crash, 64 usage, 73 STATE_DIR not writable at start, 74 owed notifications lost at stop,
 * 75 STATE_DIR held by another running daemon or its database locked at start, 78 configuration; `check` uses the Nagios codes).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseArgs } from './cli/args.js';
import { StateDirBusyError, StateDirError } from './store/write-health.js';
import { runBacktest } from './cli/backtest.js';
import { loadSettings } from './config/load.js';
import { RECENT_WRITE_MS, writtenSince } from './config/settled.js';
import type { Settings } from './config/settings.js';
import { ConfigError, describeError } from './errors.js';
import { hup } from './hup.js';
import { term } from './term.js';
import { createLogger, type Logger } from './log.js';

const EXIT = { ok: 0, crash: 1, usage: 64, cantCreate: 73, ioError: 74, tempFail: 75, config: 78 } as const;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.kind === 'print') {
    process.stdout.write(args.text);
    return EXIT.ok;
  }
  if (args.kind === 'usage-error') {
    process.stderr.write(`wallet-sentinel: ${args.message}\n\n${args.usage}`);
    return EXIT.usage;
  }
  const { command } = args;
  // `start` catches SIGHUP from before this module loaded (src/main.ts): one during start-up is remembered.

  let settings: Settings;
  let warnings: string[];
  const readFrom = Date.now() - RECENT_WRITE_MS; // taken before the read: a file of 10,000 wallets takes seconds to load
  try {
    const start = command.name === 'start';
    ({ settings, warnings } = loadSettings(process.env, { requireApiKey: start || command.name === 'check', receivers: command.name !== 'backtest', serves: start, settleFresh: start }));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.problems) process.stderr.write(`config error: ${line}\n`);
    return EXIT.config;
  }
  const log = createLogger(settings.logLevel);
  for (const w of warnings) log.warn(w);

  const out = (line: string) => process.stdout.write(`${line}\n`);
  // Each command loads what it needs: `backtest` reads a file and runs the pure core, so it starts without
  // the HTTP clients, the mailer, the store and the status page the others load.
  if (command.name === 'check') return (await import('./cli/check.js')).runCheck(settings, log, out, command.format);
  if (command.name === 'test-alert') return (await import('./cli/test-alert.js')).runTestAlert(settings, log, out);
  if (command.name === 'backtest') return runBacktest(command.file, settings, log, out);
  return runDaemon(settings, log, readFrom);
}

/**
 * How far V8 lets the old generation grow past what the last full collection kept, in percent, once the
 * daemon runs. Left to itself V8 picks up to 300 % for a busy process: a fleet replaces each wallet's
 * state at every poll, the old states become garbage a minute later, and the heap of 10,000 wallets grew
 * to 3 × its ~265 MiB of live objects (bench/fleet/README.md). At 15 % the collections came more often
 * and bench:fleet saw no CPU cost (1.0–1.2 ms a poll, as before); 10 % holds ~10 MiB less garbage at
 * 10,000 wallets (a full collection every few seconds, marked mostly on V8's helper threads). V8 reads
 * the flag at every collection, so setting it at run time works.
 */
const HEAP_GROWING_PERCENT = 10;

/**
 * The same while the wallets' states load and take their first poll: the heap only grows then, and at
 * 10–15 % a collection would mark it 30 times or more (measured at 15 %: +1 s of CPU at 10,000 wallets).
 * Left to V8, though, the heap reached 2.5 × its live size before start-up's last collection, and V8
 * keeps the pages it committed for minutes after: at 10,000 wallets the start-up peak was 458–524 MiB
 * and the RSS a minute later ~420 MiB; at 30 % the peak is 356–372 MiB for the same CPU (10.1–10.5 s
 * against 9.8–10.5 s, measured in turn).
 */
const START_HEAP_GROWING_PERCENT = 30;

/**
 * Once the wallets are loaded and polled: the growth limit above from now on, and one full collection now.
 * V8 sets the next collection's threshold at the end of each one, and the last one of start-up may have
 * set it at several times the live heap: without this the lower limit would wait for that threshold
 * (measured at 10,000 wallets: 935 MiB RSS in the minute after start-up, 465 MiB with it). A forced collection
 * needs `gc`, which V8 puts in contexts created after --expose-gc is set.
 */
function settleHeap(log: Logger): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  log.info({ heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20) }, 'first polls done; heap after a full collection');
}

/** `readFrom`: RECENT_WRITE_MS before the settings were read (see `writtenSince`). */
async function runDaemon(settings: Settings, log: Logger, readFrom: number): Promise<number> {
  setFlagsFromString(`--heap-growing-percent=${START_HEAP_GROWING_PERCENT}`);
  const { App } = await import('./app.js');
  const app = new App(settings, log);
  let started = false;
  // SIGTERM and SIGINT are caught from before this module loaded (src/main.ts): one during start-up, even while
  // the settings were read, ends it before any poll (App.requestStop); the daemon then stops as a running one does.
  const stopRequested = new Promise<string>((resolve) => {
    term.handle = (sig) => {
      if (!started) log.info({ signal: sig }, 'stop asked during start-up: nothing is polled');
      app.requestStop();
      resolve(sig);
    };
    if (term.asked !== undefined) term.handle(term.asked);
  });
  // SIGHUP re-reads WALLETS_FILE; one during start-up is done once started.
  const reload = (why = 'SIGHUP: reloading WALLETS_FILE', opts: Parameters<typeof app.reload>[0] = {}) => {
    if (settings.walletsFile !== undefined) log.info(why); // without one, reload says there is nothing to reload
    app.reload(opts).catch((err: unknown) => log.error({ err: describeError(err) }, 'reload crashed; still watching the previous wallets'));
  };
  hup.handle = () => {
    if (started) return reload();
    if (term.asked !== undefined) return void log.info('SIGHUP while stopping: ignored'); // a stop asked during start-up
    hup.pending = true;
    log.info('SIGHUP during start-up: WALLETS_FILE is read again once started');
  };
  try {
    const address = await app.start();
    started = true;
    if (address === undefined) {
      // a stop asked during start-up: nothing polled, nothing to reload; it stops below
    } else if (hup.pending) reload('reloading WALLETS_FILE as asked during start-up');
    // A deploy tool writing the file in place (or a path unit started at its first write) may have been
    // caught mid-write, or wrote on while the daemon started: the wallets after the cut were never watched,
    // and nothing read the file again. SIGHUP's reload: it waits for the file to stop changing and reads
    // only WALLETS_FILE and what it names (a secret from a pipe, read once, is not read again).
    else if (settings.walletsFile !== undefined && writtenSince(settings.walletsFile, readFrom)) {
      reload(`WALLETS_FILE was modified in the ${RECENT_WRITE_MS / 1000} s before start or since: read again once it has stopped changing, applied if it changed`, { unlessDigest: settings.walletsFileDigest });
    }
    // a moment later: the collection blocks for a few hundred ms, and /readyz should answer first
    void app.firstPollsDone.then(() => setTimeout(() => settleHeap(log), 1_000).unref());
  } catch (err) {
    if (err instanceof StateDirError) {
      log.fatal({ stateDir: err.stateDir, code: err.code, ...(err.file === undefined ? {} : { file: err.file }) }, err.message); // nothing bound or polled yet
      // a lock another process holds (a backup in a transaction) passes: a supervisor's restart starts it then
      return err.code === 'EBUSY' ? EXIT.tempFail : EXIT.cantCreate;
    }
    if (err instanceof StateDirBusyError) {
      log.fatal({ stateDir: err.stateDir }, err.message); // nothing bound or polled yet
      return EXIT.tempFail;
    }
    log.fatal({ err: describeError(err) }, 'cannot start');
    await app.stop();
    // METRICS_HOST or METRICS_PORT that cannot be listened on is a setting to fix, not a crash to restart from.
    return (await import('./http/server.js')).isListenSettingError(err) ? EXIT.config : EXIT.crash;
  }
  const why = await Promise.race([stopRequested, app.lockLost]);
  if (why instanceof StateDirBusyError) log.fatal({ stateDir: why.stateDir }, `another wallet-sentinel took STATE_DIR after its lock file was removed under this one: stopping so that one daemon polls and alerts. ${why.message}`);
  else log.info({ signal: why }, 'stopping');
  // Stopping: a SIGHUP now would load wallets never polled, and resolve removed ones on the way out.
  hup.handle = () => log.info('SIGHUP while stopping: ignored');
  // A second signal while stopping means "now" (src/main.ts); so does a first one while stopping for a lost lock.
  term.handle = () => process.exit(EXIT.crash);
  const stopped = await app.stop();
  if (why instanceof StateDirBusyError) return EXIT.tempFail;
  return stopped.lostNotifications ? EXIT.ioError : stopped.clean ? EXIT.ok : EXIT.crash;
}

/**
 * Exits once stdout and stderr took everything written before: process.exit() drops what a pipe has not
 * read yet, so `backtest … | jq` and `check | …` lost all past the pipe's 64 KiB, exit code 0 and no error.
 */
function exitWhenWritten(code: number): void {
  process.exitCode = code;
  let waiting = 2;
  const written = () => --waiting === 0 && process.exit(code);
  process.stdout.write('', written);
  process.stderr.write('', written);
}

// Said by name and message only, never Node's print of the error's properties (an HTTP library's error carries
// its request's headers, the API key's among them).
for (const [event, what] of [['unhandledRejection', 'unhandled rejection'], ['uncaughtException', 'uncaught exception']] as const) {
  process.on(event, (err: unknown) => {
    process.stderr.write(`wallet-sentinel: ${what}: ${describeError(err)}\n`);
    exitWhenWritten(EXIT.crash);
  });
}

main(process.argv.slice(2)).then(
  (code) => exitWhenWritten(code),
  (err: unknown) => {
    process.stderr.write(`wallet-sentinel: crashed: ${describeError(err)}\n`);
    exitWhenWritten(EXIT.crash);
  },
);
