/**
 * The command line, PURE: argv in, what to run (or what to print) out. Each command has its own usage,
 * printed by `<command> --help` (exit 0) and after a usage error in that command (exit 64).
 */
import { describePresets } from '../providers/index.js';
import { VERSION } from '../version.js';

export const CHECK_FORMATS = ['json', 'nagios'] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

export type Command =
  | { name: 'start' }
  | { name: 'check'; format: CheckFormat }
  | { name: 'test-alert' }
  | { name: 'backtest'; file: string };

export type ParsedArgs =
  | { kind: 'run'; command: Command }
  /** Print `text` on stdout, exit 0. */
  | { kind: 'print'; text: string }
  /** Print `message` and `usage` on stderr, exit 64. */
  | { kind: 'usage-error'; message: string; usage: string };

const COMMAND_USAGE: Record<Command['name'], string> = {
  start: `Usage: wallet-sentinel [start]

Runs the daemon: polls the wallet on POLL_SCHEDULE, serves /metrics, /healthz, /readyz and /api/status,
and sends alerts. SIGTERM or SIGINT stops it cleanly (exit 0). Exit 78 on bad settings (METRICS_HOST or
METRICS_PORT that cannot be bound included), 73 if STATE_DIR cannot be written, 75 if another daemon holds
STATE_DIR, 74 if a stop lost notifications, 1 otherwise (a port in use).
`,
  check: `Usage: wallet-sentinel check [--format json|nagios]

Polls once (reads the history in STATE_DIR, writes and sends nothing) and exits as a Nagios plugin:
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the poll failed, or no wallet falls in this shard); 78 on
bad settings. A state database that cannot be read is judged as a first check (no history), and said.

  --format json     the status JSON (the default)
  --format nagios   one line for Nagios/Icinga, with performance data (with WALLETS_FILE: a summary
                    line, then one line per wallet):
                    WALLET WARNING - wallet 'default' balance 80 USD, ... | balance=80;100:;50: runway=...s;...
`,
  'test-alert': `Usage: wallet-sentinel test-alert

Sends one notification marked TEST through every configured channel (one attempt each) and prints which
worked. Exit 0 if every channel accepted it, else 1; 78 on bad settings.
`,
  backtest: `Usage: wallet-sentinel backtest FILE

Replays a balance history through the daemon's forecast and alert rules, with the settings of the
environment, in simulated time; prints one webhook-body JSON line per notification it would have sent.
FILE is a CSV with the header "timestamp,balance" (unix seconds or ISO-8601 with a zone, rows in time
order) or the JSON of a Prometheus /api/v1/query_range answer for one balance series; - reads it from
standard input. Exit 0; 65 bad input (the message names the line); 66 FILE cannot be read; 78 on bad settings.
`,
};

export const USAGE = `wallet-sentinel ${VERSION}: guards prepaid API wallets (Telephony.io, Twilio, Telnyx, Vonage, Plivo, …)

Usage:
  wallet-sentinel [start]        run the daemon (polls, /metrics, alerts)
  wallet-sentinel check [--format json|nagios]
                                 poll once, print the status, exit 0 OK / 1 WARNING / 2 CRITICAL / 3 UNKNOWN
  wallet-sentinel test-alert     send one test notification through every configured channel
  wallet-sentinel backtest FILE  replay a balance history (CSV timestamp,balance or Prometheus query_range
                                 JSON) through the alert rules; prints the notifications as JSON lines
  wallet-sentinel providers      list the provider presets and the credentials each needs
  wallet-sentinel COMMAND --help that command's usage (or: wallet-sentinel help COMMAND)
  wallet-sentinel --version      print the version

Settings come from the environment and ./.env; see README.md.
`;

const PROVIDERS_USAGE = `Usage: wallet-sentinel providers

Lists the provider presets a wallet's \`provider\` may name, with the balance request and the credentials
each needs (in the wallet's \`credentials\` map; each also as <name>_file). Needs no settings.
`;

function providersText(): string {
  return `Provider presets (formats from each provider's public documentation; none checked against a live account):\n\n${describePresets()}\n`;
}

const isHelp = (a: string) => a === '--help' || a === '-h';
const isCommand = (c: string): c is Command['name'] => Object.hasOwn(COMMAND_USAGE, c);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [first = 'start', ...rest] = argv;
  if (isHelp(first)) return { kind: 'print', text: USAGE };
  if (first === 'help') {
    const [topic, extra] = rest;
    if (topic === undefined) return { kind: 'print', text: USAGE };
    if (extra !== undefined) return { kind: 'usage-error', message: `help: one command at a time, got also ${extra.slice(0, 80)}`, usage: USAGE };
    if (topic === 'providers') return { kind: 'print', text: PROVIDERS_USAGE };
    return isCommand(topic) ? { kind: 'print', text: COMMAND_USAGE[topic] } : { kind: 'usage-error', message: `help: unknown command: ${topic.slice(0, 80)}`, usage: USAGE };
  }
  if (first === '--version' || first === '-v') {
    return rest.length === 0 ? { kind: 'print', text: `${VERSION}\n` } : { kind: 'usage-error', message: `${first}: unexpected argument ${rest[0]!.slice(0, 80)}`, usage: USAGE };
  }
  if (first === 'providers') {
    const unexpected = rest.find((a) => !isHelp(a));
    if (unexpected !== undefined) return { kind: 'usage-error', message: `providers: unexpected argument ${unexpected.slice(0, 80)}`, usage: PROVIDERS_USAGE };
    return { kind: 'print', text: rest.length > 0 ? PROVIDERS_USAGE : providersText() };
  }
  if (!isCommand(first)) return { kind: 'usage-error', message: `${first.startsWith('-') ? 'unknown option' : 'unknown command'}: ${first.slice(0, 80)}`, usage: USAGE };
  const beforeEnd = rest.indexOf('--') === -1 ? rest : rest.slice(0, rest.indexOf('--'));
  if (beforeEnd.some(isHelp)) return { kind: 'print', text: COMMAND_USAGE[first] };

  const usage = COMMAND_USAGE[first];
  const error = (message: string): ParsedArgs => ({ kind: 'usage-error', message: `${first}: ${message}`, usage });
  const options = new Map<string, string>();
  const positional: string[] = [];
  let optionsEnded = false; // after "--", everything is an argument (a file named "--x")
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--' && !optionsEnded) {
      optionsEnded = true;
      continue;
    }
    if (optionsEnded || !arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) return error(`unknown option ${arg.slice(0, 80)}`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (first !== 'check' || name !== '--format') return error(`unknown option ${name.slice(0, 80)}`);
    const value = eq === -1 ? rest[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') return error(`${name} needs a value: ${CHECK_FORMATS.join(' or ')}`);
    if (options.has(name)) return error(`${name} given twice; give it once`);
    options.set(name, value);
  }

  switch (first) {
    case 'check': {
      if (positional.length > 0) return error(`unexpected argument ${positional[0]!.slice(0, 80)}`);
      const format = options.get('--format') ?? 'json';
      if (!(CHECK_FORMATS as readonly string[]).includes(format)) {
        return error(`--format must be ${CHECK_FORMATS.join(' or ')}, not "${format.slice(0, 40)}"`);
      }
      return { kind: 'run', command: { name: 'check', format: format as CheckFormat } };
    }
    case 'backtest': {
      if (positional.length === 0) return error('missing FILE (the balance history to replay)');
      if (positional.length > 1) return error(`one FILE only, got ${positional.length}`);
      return { kind: 'run', command: { name: 'backtest', file: positional[0]! } };
    }
    default:
      if (positional.length > 0) return error(`unexpected argument ${positional[0]!.slice(0, 80)}`);
      return { kind: 'run', command: { name: first } };
  }
}
