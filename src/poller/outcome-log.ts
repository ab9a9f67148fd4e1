/**
 * What one wallet's polls say in the log. A failed poll is logged at error (a 429 at warn) when the failure
 * starts or changes (its kind, or its message with the numbers left out), then at debug while the same
 * failure repeats, with a reminder at its level once an hour that counts the polls not logged; the first
 * poll answered after failures says so at info. An empty wallet (402) is warned the same way. Before, every
 * poll of a wallet whose key was revoked, or whose money ran out, logged a line: 1,440 a day per wallet at a
 * one-minute schedule over a weekend, and a whole fleet's worth per tick while a provider was down (found by
 * bench:soak). `poll_failing` and `wallet_exhausted` still alert at once; the log is the detail behind them.
 */
import type { PollOutcome } from '../domain/account.js';
import { fdAdvice, mentionsFdShortage } from '../fd-limit.js';
import type { Logger } from '../log.js';

/** How often a condition that goes on is said again at its level. */
export const REMIND_MS = 3_600_000;

/** A condition that repeats poll after poll: said when it starts or changes, then once per REMIND_MS. */
export class Repeats {
  #key: string | null = null;
  #saidAt = 0;
  #unsaid = 0;
  #seen = 0;

  /** This occurrence of the condition `key`: whether it is said, and how many were not said since the last one that was. */
  next(key: string, now: number): { say: boolean; unsaid: number } {
    this.#seen++;
    // a clock stepped back (now before the last line) says it again rather than staying quiet for the step
    if (key !== this.#key || now - this.#saidAt >= REMIND_MS || now < this.#saidAt) {
      const unsaid = key === this.#key ? this.#unsaid : 0;
      this.#key = key;
      this.#saidAt = now;
      this.#unsaid = 0;
      return { say: true, unsaid };
    }
    this.#unsaid++;
    return { say: false, unsaid: this.#unsaid };
  }

  /** The condition is over: how many times it was seen since it began (0: it was not on). */
  end(): number {
    const seen = this.#seen;
    this.#key = null;
    this.#unsaid = 0;
    this.#seen = 0;
    return seen;
  }
}

/** The same failure, whatever numbers its message carries (the milliseconds left for a retry, a byte count). */
const failureKey = (kind: string, message: string): string => `${kind} ${message.replace(/\d+(\.\d+)?/g, '#')}`;

const notLogged = (unsaid: number): string => (unsaid > 0 ? ` (the same again: ${unsaid} more poll${unsaid === 1 ? '' : 's'} not logged since the last line)` : '');

/**
 * A condition of the process, not of one wallet: out of file descriptors, every wallet's poll fails with
 * EMFILE at once. Said once for the fleet (then hourly), each wallet's failure at debug; 1,000 wallets on a
 * process at its open-files limit wrote 300 error lines blaming a "network error" in one tick, then 300
 * "read again" lines.
 */
export class ProcessConditions {
  readonly fds = new Repeats();
}

/** The daemon's one set: every wallet's OutcomeLog shares it. */
const PROCESS = new ProcessConditions();

export class OutcomeLog {
  /** Made at the first failure or 402: most of a fleet's wallets never have one (two objects less each). */
  #failuresMade: Repeats | undefined;
  #emptyMade: Repeats | undefined;
  /** The last currency problem warned about: one warning per change, not one per poll. */
  #currencyProblem: string | null = null;

  constructor(
    private readonly log: Logger,
    /** A successful poll at debug rather than info (many wallets: a line per wallet per tick is noise). */
    private readonly quietPolls: boolean,
    /** Conditions of the whole process (tests give their own). */
    private readonly shared: ProcessConditions = PROCESS,
  ) {}

  /** `quiet`: a failure said at debug whatever it is (a poll failed unasked: the schedule sums those up). */
  said(outcome: PollOutcome, o: { topup: boolean; quiet: boolean; failuresInARow: number; now: number }): void {
    const { log } = this;
    const fdShortage = !outcome.ok && outcome.kind === 'network' ? mentionsFdShortage(outcome.message) : undefined;
    const currencyProblem = outcome.ok ? (outcome.currencyProblem ?? null) : this.#currencyProblem;
    if (currencyProblem !== this.#currencyProblem && currencyProblem !== null) log.warn(currencyProblem);
    this.#currencyProblem = currencyProblem;
    if (outcome.ok) {
      const short = this.shared.fds.end();
      if (short > 0) log.info({ failedPolls: short }, `file descriptors are available again: polls go through (${short} failed for want of one)`);
      const failed = this.#failuresMade?.end() ?? 0;
      if (failed > 0) log.info({ failedPolls: failed }, `the balance is read again, after ${failed} failed poll${failed === 1 ? '' : 's'} in a row`);
    }
    if (outcome.ok && outcome.status === 200) {
      this.#emptyMade?.end();
      log[this.quietPolls ? 'debug' : 'info']({ balance: outcome.balance, currency: outcome.currency, topup: o.topup }, 'poll ok');
    } else if (outcome.ok) {
      const r = (this.#emptyMade ??= new Repeats()).next('402', o.now);
      log[r.say ? 'warn' : 'debug']({ status: 402, balance: outcome.balance, requiredCredits: outcome.requiredCredits }, `wallet exhausted: Telephony.io answered 402; top up in the Telephony.io dashboard${r.say ? notLogged(r.unsaid) : ''}`);
    } else if (fdShortage !== undefined) {
      // the process's fault, not this wallet's API: one line for the fleet, this wallet's at debug
      const code = fdShortage;
      const r = this.shared.fds.next(code, o.now);
      log.debug({ kind: outcome.kind, failuresInARow: o.failuresInARow }, `poll failed: ${outcome.message}`);
      if (r.say) log.error({ kind: outcome.kind, code }, `polls fail: ${fdAdvice(code)}; said once for every wallet (this one: ${outcome.message})${notLogged(r.unsaid)}`);
    } else if (o.quiet) {
      log.debug({ kind: outcome.kind, failuresInARow: o.failuresInARow }, `poll failed: ${outcome.message}`);
    } else {
      const r = (this.#failuresMade ??= new Repeats()).next(failureKey(outcome.kind, outcome.message), o.now);
      const level = !r.say ? 'debug' : outcome.kind === 'rate_limited' ? 'warn' : 'error';
      const fields = outcome.kind === 'rate_limited' ? { kind: outcome.kind, retryAfterMs: outcome.retryAfterMs } : { kind: outcome.kind, failuresInARow: o.failuresInARow };
      log[level](fields, `poll failed: ${outcome.message}${r.say ? notLogged(r.unsaid) : ''}`);
    }
  }
}
