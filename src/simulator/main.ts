/**
 * Standalone simulated Telephony.io API: `node dist/simulator/main.js [flags]` (USAGE below; `--help` prints it).
 * A bad flag or variable: one line per problem on stderr, exit 78.
 */
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { fleetSpecs, MAX_WALLETS, readSpecFile } from './fleet.js';
import { BODY_FORMATS, Simulator, type BodyFormat, type RequestRecord, type WalletSpec } from './simulator.js';
import { MAX_AMOUNT, MIN_TOPUP_EVERY_SECONDS, topupEveryProblem } from './limits.js';
import { writeWalletsFile } from './wallets-file.js';

const USAGE = `Usage: node dist/simulator/main.js [flags]

A simulated Telephony.io API on loopback. Without flags it serves one wallet configured by SIM_* variables
(SIM_HOST, SIM_PORT, SIM_API_KEY, SIM_BALANCE, SIM_BURN_PER_HOUR, SIM_TOPUP_EVERY_SECONDS, SIM_TOPUP_AMOUNT…,
as docker-compose.yml uses it; SIM_TOPUP_EVERY_SECONDS is 0, no automatic top-ups, or at least 1). With
--wallets N and/or --spec FILE it serves a fleet instead:

  --wallets N                     N generated wallets (see src/simulator/fleet.ts)
  --first I                       number of the first generated wallet (default 1)
  --wallet-name-template T        default w{i}
  --wallet-path-template T        default /t/{i}/v1/wallet/balance
  --wallet-key-template T         default sim-key-{i}
  --wallet-balance B              default 1000
  --wallet-burn-per-hour R        default 0
  --wallet-currency C             default USD
  --spread F                      scale each balance and burn by a stable factor in [1-F, 1+F]
  --daily-amplitude A             shape the burn over the UTC day (0..1; default constant)
  --spec FILE                     JSON {"fleet": {…}, "wallets": [{name, path, apiKey, …}]} (a wallet may name a
                                  provider, its credentials, creditLimit, autoRecharge: src/simulator/wire.ts)
  --request-log FILE              one line per balance request: <unix ms> TAB <wallet> TAB <status>
  --write-wallets-file FILE       also write a matching WALLETS_FILE, keys in files under --key-dir
  --key-dir DIR                   default: <FILE>.keys
  --host H, --port P              override SIM_HOST / SIM_PORT
  --help, -h                      this text

Amounts (balances, burns per hour, top-ups) are 0 to 1e15, and one simulator serves at most 100000 wallets.
A bad flag or variable: one line per problem on stderr, exit 78.
`;
if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const problems: string[] = [];
const str = (name: string, dflt: string): string => process.env[name] || dflt;
const parse = (name: string, raw: string | undefined, dflt: number, ok: (n: number) => boolean, what: string): number => {
  if (raw === undefined || raw.trim() === '') return dflt;
  const n = Number(raw);
  if (Number.isFinite(n) && ok(n)) return n;
  problems.push(`${name}: must be ${what}, got "${raw}"`);
  return dflt;
};
const num = (name: string, dflt: number, ok: (n: number) => boolean, what: string): number => parse(name, process.env[name], dflt, ok, what);
const amount = (n: number): boolean => n >= 0 && n <= MAX_AMOUNT;
const AMOUNT = `a non-negative number up to ${MAX_AMOUNT}`;
const isPort = (n: number): boolean => Number.isInteger(n) && n <= 65535 && n >= 0;

let args: ReturnType<typeof parseFlags>;
function parseFlags() {
  const s = { type: 'string' } as const;
  return parseArgs({
    options: {
      wallets: s, first: s, 'wallet-name-template': s, 'wallet-path-template': s, 'wallet-key-template': s,
      'wallet-balance': s, 'wallet-burn-per-hour': s, 'wallet-currency': s, spread: s, 'daily-amplitude': s,
      spec: s, 'request-log': s, 'write-wallets-file': s, 'key-dir': s, host: s, port: s,
    },
    allowPositionals: false,
  }).values;
}
try {
  args = parseFlags();
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(78);
}

const host = args.host ?? str('SIM_HOST', '127.0.0.1');
const port = args.port !== undefined ? parse('--port', args.port, 9722, isPort, 'a port number (0-65535)') : num('SIM_PORT', 9722, isPort, 'a port number (0-65535)');
const apiKey = str('SIM_API_KEY', 'sim-key');
const balance = num('SIM_BALANCE', 500, amount, AMOUNT);
const burnPerHour = num('SIM_BURN_PER_HOUR', 1800, amount, AMOUNT);
const topupEverySeconds = num('SIM_TOPUP_EVERY_SECONDS', 0, (n) => topupEveryProblem(n) === undefined, `0 (no automatic top-ups) or at least ${MIN_TOPUP_EVERY_SECONDS} seconds`);
const topupAmount = num('SIM_TOPUP_AMOUNT', 250, amount, AMOUNT);
const currency = str('SIM_CURRENCY', 'USD');
const format = str('SIM_FORMAT', 'number') as BodyFormat;
if (!BODY_FORMATS.includes(format)) problems.push(`SIM_FORMAT: must be one of ${BODY_FORMATS.join(', ')}, got "${format}"`);

let fleet: WalletSpec[] | undefined;
if (args.wallets !== undefined || args.spec !== undefined) {
  fleet = [];
  const count = parse('--wallets', args.wallets, 0, (n) => Number.isInteger(n) && n >= 0 && n <= MAX_WALLETS, `a whole number up to ${MAX_WALLETS}`);
  const amplitude = parse('--daily-amplitude', args['daily-amplitude'], 0, (n) => n >= 0 && n <= 1, 'a number in [0, 1]');
  try {
    fleet.push(
      ...fleetSpecs({
        count,
        first: parse('--first', args.first, 1, (n) => Number.isInteger(n) && n >= 0, 'a whole number'),
        nameTemplate: args['wallet-name-template'],
        pathTemplate: args['wallet-path-template'],
        keyTemplate: args['wallet-key-template'],
        balance: parse('--wallet-balance', args['wallet-balance'], 1000, amount, AMOUNT),
        burnPerHour: parse('--wallet-burn-per-hour', args['wallet-burn-per-hour'], 0, amount, AMOUNT),
        spread: parse('--spread', args.spread, 0, (n) => n >= 0 && n < 1, 'a number in [0, 1)'),
        currency: args['wallet-currency'],
        shape: amplitude > 0 ? { kind: 'daily', amplitude } : { kind: 'constant' },
      }),
    );
    if (args.spec !== undefined) for (const w of readSpecFile(args.spec)) fleet.push(w);
    if (fleet.length > MAX_WALLETS) problems.push(`--wallets and --spec: ${fleet.length} wallets in all, more than the simulator's maximum ${MAX_WALLETS}`);
  } catch (e) {
    problems.push((e as Error).message);
  }
}

if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.exit(78);
}

let log: WriteStream | undefined;
if (args['request-log']) {
  // Opened here, synchronously: a path that cannot be opened (a missing folder) is one line and exit 78 like any
  // other bad flag, not an unhandled 'error' event of the stream once the server runs.
  const file = args['request-log'];
  try {
    log = createWriteStream(file, { fd: openSync(file, 'a') });
  } catch (e) {
    process.stderr.write(`--request-log: cannot open ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
    process.exit(78);
  }
}
const onRequest = log ? (r: RequestRecord) => { if (r.wallet !== null) log!.write(`${r.at}\t${r.wallet}\t${r.served}\n`); } : undefined;

let sim: Simulator;
try {
  sim = fleet
    ? new Simulator({ host, port, wallets: fleet, keepRequests: false, onRequest })
    : new Simulator({ host, port, apiKey, balance, burnPerHour, topupEverySeconds, topupAmount, currency, format, keepRequests: false, onRequest });
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(78);
}
try {
  const url = await sim.start();
  process.stderr.write(fleet ? `telephony.io simulator listening on ${url} (${sim.size} wallets)\n` : `telephony.io simulator listening on ${url} (key: ${apiKey})\n`);
  const file = args['write-wallets-file'];
  if (file) {
    writeWalletsFile({ file, keyDir: args['key-dir'] ?? `${file}.keys`, apiUrl: url.replace('//0.0.0.0:', '//127.0.0.1:'), wallets: [...sim.wallets()].map((w) => ({ name: w.name, path: w.path, apiKey: w.apiKey })) });
    process.stderr.write(`wrote ${file}\n`);
  }
} catch (e) {
  process.stderr.write(`telephony.io simulator: cannot listen on ${host}:${port}: ${(e as Error).message}\n`);
  process.exit(1);
}

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void sim
    .close()
    .then(() => new Promise<void>((r) => (log ? log.end(r) : r())))
    .then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
