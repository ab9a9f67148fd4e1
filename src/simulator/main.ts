/** Standalone simulated Telephony.io wallet: `node dist/simulator/main.js`, configured by SIM_* env. */
import { BODY_FORMATS, Simulator, type BodyFormat } from './simulator.js';

const problems: string[] = [];
const str = (name: string, dflt: string): string => process.env[name] || dflt;
const num = (name: string, dflt: number, ok: (n: number) => boolean, what: string): number => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return dflt;
  const n = Number(raw);
  if (Number.isFinite(n) && ok(n)) return n;
  problems.push(`${name}: must be ${what}, got "${raw}"`);
  return dflt;
};
const nonNeg = (n: number): boolean => n >= 0;

const host = str('SIM_HOST', '127.0.0.1');
const port = num('SIM_PORT', 9722, (n) => Number.isInteger(n) && n <= 65535 && n >= 0, 'a port number (0-65535)');
const apiKey = str('SIM_API_KEY', 'sim-key');
const balance = num('SIM_BALANCE', 500, nonNeg, 'a non-negative number');
const burnPerHour = num('SIM_BURN_PER_HOUR', 1800, nonNeg, 'a non-negative number');
const topupEverySeconds = num('SIM_TOPUP_EVERY_SECONDS', 0, nonNeg, 'a non-negative number');
const topupAmount = num('SIM_TOPUP_AMOUNT', 250, nonNeg, 'a non-negative number');
const currency = str('SIM_CURRENCY', 'USD');
const format = str('SIM_FORMAT', 'number') as BodyFormat;
if (!BODY_FORMATS.includes(format)) problems.push(`SIM_FORMAT: must be one of ${BODY_FORMATS.join(', ')}, got "${format}"`);

if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.exit(78);
}

const sim = new Simulator({ host, port, apiKey, balance, burnPerHour, topupEverySeconds, topupAmount, currency, format });
try {
  const url = await sim.start();
  process.stderr.write(`telephony.io simulator listening on ${url} (key: ${apiKey})\n`);
} catch (e) {
  process.stderr.write(`telephony.io simulator: cannot listen on ${host}:${port}: ${(e as Error).message}\n`);
  process.exit(1);
}

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
