import { readFileSync, statSync } from 'node:fs';
import { InputError, parseHistory } from '../backtest/input.js';
import { readConfigFile } from '../config/read-file.js';
import { replay } from '../backtest/replay.js';
import type { Settings } from '../config/settings.js';
import { asSent, evaluationOf } from '../fleet/wallet-evaluation.js';
import type { Logger } from '../log.js';
import { webhookBody } from '../notify/webhook/body.js';

/** sysexits: bad input data, input missing. */
export const BACKTEST_EXIT = { ok: 0, dataError: 65, noInput: 66 } as const;
/** The largest history read: 12 million rows of a one-per-minute CSV took 1.8 GB of memory and 3 minutes; twice that is past V8's longest string. */
export const MAX_HISTORY_BYTES = 256 * 2 ** 20;

/**
 * `wallet-sentinel backtest FILE`: every notification the daemon would have sent for this history, as one
 * webhook-body JSON line each on stdout (times simulated); logs and the summary on stderr.
 */
export async function runBacktest(file: string, settings: Settings, log: Logger, out: (line: string) => void): Promise<number> {
  let read: Awaited<ReturnType<typeof readHistory>>;
  try {
    read = await readHistory(file);
  } catch (err) {
    log.error({ file, code: (err as NodeJS.ErrnoException).code }, 'cannot read the history file');
    return BACKTEST_EXIT.noInput;
  }
  if (!('text' in read)) return tooLarge(file, log, read.bytes);
  const { text } = read;
  let parsed: ReturnType<typeof parseHistory>;
  try {
    parsed = parseHistory(text);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    log.error({ file }, `bad history file: ${err.message}`);
    return BACKTEST_EXIT.dataError;
  }
  const started = performance.now();
  // Printed only once the whole replay has run: stdout never holds half an answer.
  const lines: string[] = [];
  const wallet = walletOf(settings, parsed.account, log);
  // The daemon's own evaluation and notification (fleet/wallet-evaluation.ts): its provider's words, its labels.
  replay(parsed.rows, evaluationOf(wallet, settings.alerts), (n) => {
    lines.push(JSON.stringify(webhookBody(asSent(wallet, n), n.decidedAt)));
  }, parsed.currency);
  for (const line of lines) out(line);
  log.info(
    { file, format: parsed.format, rows: parsed.rows.length, notifications: lines.length, ms: Math.round(performance.now() - started) },
    'backtest done',
  );
  return BACKTEST_EXIT.ok;
}

/**
 * The wallet whose rules replay the history: the one the Prometheus series' `account` label names, else the
 * first (with WALLETS_FILE, said: replaying 'shop' under the first wallet's thresholds printed alerts 'shop'
 * never had, named after another wallet, and nothing said so).
 */
function walletOf(settings: Settings, account: string | null, log: Logger): Settings['wallets'][number] {
  const first = settings.wallets[0]!;
  if (account === null || account === first.name) return first;
  const named = settings.wallets.find((w) => w.name === account);
  if (named !== undefined) return named;
  if (settings.walletsFile !== undefined) {
    log.warn({ account: account.slice(0, 64) }, `the series' account label names no wallet of WALLETS_FILE: replayed with the rules of its first wallet, '${first.name}'`);
  }
  return first;
}

function tooLarge(file: string, log: Logger, bytes?: number): number {
  log.error({ file, ...(bytes === undefined ? {} : { bytes }) }, `the history file is too large (over ${MAX_HISTORY_BYTES / 2 ** 20} MiB, about 12 million rows): cut it to the weeks to replay`);
  return BACKTEST_EXIT.dataError;
}

/** The history's text, or its size when known past MAX_HISTORY_BYTES; throws, with the error's code, when it cannot be read. */
async function readHistory(file: string): Promise<{ text: string } | { bytes: number | undefined }> {
  // `… | wallet-sentinel backtest -` (a file named '-' was looked for); a socket as stdin cannot be opened as /dev/stdin (ENXIO)
  if (file === '-') return readStdin(MAX_HISTORY_BYTES);
  // Read synchronously: nothing else runs meanwhile, and fs/promises' file handle, its reads in chunks and
  // the thread pool's start cost the 14-day history ~20 ms of the command's wall clock.
  const st = statSync(file);
  // Past V8's longest string the read fails with no code; a history this large would not fit the heap anyway.
  if (st.size > MAX_HISTORY_BYTES) return { bytes: st.size };
  if (st.isFile()) return { text: readFileSync(file, 'utf8') };
  // A pipe (`backtest <(curl …)`) or a device has no size to check first: read up to the same bound, as
  // long as it takes (a query may be slow). readFileSync read /dev/zero until memory ran out (12 GB in a minute).
  const r = readConfigFile(file, MAX_HISTORY_BYTES, Infinity);
  if ('text' in r) return { text: r.text };
  if (r.code === 'EFBIG') return { bytes: undefined };
  throw Object.assign(new Error(r.code), { code: r.code });
}

/** Standard input to its end, or past `maxBytes` its size so far. */
async function readStdin(maxBytes: number): Promise<{ text: string } | { bytes: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return { bytes: size };
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8') };
}
