/**
 * `check --format nagios`: the one-line output of a Nagios/Icinga plugin, PURE.
 *
 *   WALLET WARNING - wallet 'default' balance 80 USD, runway about 3 days: low_balance (warning) | balance=80;100:;50: runway=259200s;259200:;86400:;0 burn_rate=1.11;;;0
 *
 * Performance data follows the Monitoring Plugins guidelines exactly: `label=value[UOM];[warn];[crit];[min];[max]`,
 * warn and crit in their range format — `100:` means "alert below 100", which is what a low-balance or
 * short-runway threshold is (a bare `100` would mean "alert above 100"). `U` is a value that could not be
 * determined (the poll failed, or the wallet is not burning, so there is no finite runway).
 */
import type { RuleSettings } from '../config/settings.js';
import { humanDuration } from '../domain/messages.js';
import { plainDecimal, roundShown } from '../domain/round.js';
import type { Conditions } from '../domain/rules.js';

export const NAGIOS_STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface NagiosInput {
  account: string;
  /** The plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
  code: 0 | 1 | 2 | 3;
  /** Why the wallet is UNKNOWN (a safe message: `poll failed: …`, an unreadable state), or what it could not judge (an unreadable state beside a rule that fires). */
  error: string | null;
  balance: number | null;
  currency: string | null;
  runwaySeconds: number;
  /** Too few readings to tell whether the wallet spends (status.ts `runwayKnown`): said as the status page says it. */
  runwayUnknown?: boolean;
  /** The upstream answered 402: empty, whatever runway the balance it reported gives. */
  exhausted?: boolean;
  burnRatePerHour: number | null;
  conditions: Conditions;
  rules: Pick<RuleSettings, 'lowBalanceThreshold' | 'criticalBalanceThreshold' | 'runwayWarningHours' | 'runwayCriticalHours'>;
}

/**
 * A plain decimal (never an exponent, which perfdata parsers refuse), rounded as the webhook body rounds: 4
 * places from 1 up, 4 significant digits below (4 places said `balance 0 USD` of a wallet holding 0.00004).
 */
const num = (n: number): string => plainDecimal(roundShown(n));

/** `threshold:` — alert when the value is below it; empty when the rule is off. */
const below = (threshold: number | undefined): string => (threshold === undefined ? '' : `${num(threshold)}:`);

/** The text part may hold neither `|` (it starts the perfdata) nor a line break (a second output line). */
const textSafe = (s: string): string =>
  s
    .replace(/[|\u0000-\u001f\u007f]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();

/** One perfdata item; trailing empty fields dropped, as the guidelines allow. */
const perfItem = (label: string, ...fields: string[]): string => `${label}=${fields.join(';').replace(/;+$/, '')}`;

export function nagiosLine(x: NagiosInput): string {
  return `${nagiosText(x)} | ${nagiosPerf(x)}`;
}

/**
 * Several wallets: the status line (`header`), one line of long output per wallet without perfdata, and the
 * perfdata of every wallet after the one `|` the long output may hold, each label quoted with its wallet's
 * name ('shop balance'=…), as the guidelines lay out. A `|` on every wallet line made a parser read the
 * wallets after the first as garbled perfdata, and gave graphers the same labels over and over.
 */
export function nagiosFleet(header: string, xs: readonly NagiosInput[]): string[] {
  const texts = xs.map(nagiosText);
  const perfs = xs.map((x) => nagiosPerf(x, x.account));
  if (xs.length === 0) return [header];
  return [header, ...texts.slice(0, -1), `${texts.at(-1)!} | ${perfs[0]!}`, ...perfs.slice(1)];
}

function nagiosText(x: NagiosInput): string {
  return `WALLET ${NAGIOS_STATES[x.code]} - ${textSafe(summaryText(x))}`;
}

/** The perfdata items; with `wallet`, each label is quoted and carries the wallet's name. */
function nagiosPerf(x: NagiosInput, wallet?: string): string {
  const known = x.code !== 3;
  const balance = known && x.balance !== null ? num(x.balance) : 'U';
  const runway = known && Number.isFinite(x.runwaySeconds) ? `${Math.round(x.runwaySeconds)}s` : 'U';
  const rate = known && x.burnRatePerHour !== null ? num(x.burnRatePerHour) : 'U';
  const label = (name: string) => (wallet === undefined ? name : `'${wallet} ${name}'`); // wallet names hold no quote
  return [
    perfItem(label('balance'), balance, below(x.rules.lowBalanceThreshold), below(x.rules.criticalBalanceThreshold)),
    perfItem(label('runway'), runway, below(x.rules.runwayWarningHours * 3600), below(x.rules.runwayCriticalHours * 3600), '0'),
    perfItem(label('burn_rate'), rate, '', '', '0'),
  ].join(' ');
}

function summaryText(x: NagiosInput): string {
  const wallet = `wallet '${x.account}'`;
  if (x.code === 3) return `${wallet}: ${x.error ?? 'poll failed: unknown error'}`;
  const balance = x.balance === null ? 'balance unknown' : `balance ${num(x.balance)}${x.currency ? ` ${x.currency}` : ''}`;
  const runway = x.exhausted ? 'empty' : Number.isFinite(x.runwaySeconds) ? `runway ${humanDuration(x.runwaySeconds)}` : x.runwayUnknown ? 'runway not known yet' : 'not burning';
  const firing = Object.entries(x.conditions).map(([name, severity]) => `${name} (${severity})`);
  return `${wallet} ${balance}, ${runway}${firing.length > 0 ? `: ${firing.join(', ')}` : ''}${x.error ? `; ${x.error}` : ''}`;
}
