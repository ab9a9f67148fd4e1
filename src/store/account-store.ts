import { join } from 'node:path';
import { z } from 'zod';
import type { AccountState } from '../domain/account.js';
import { INITIAL_ACCOUNT_STATE } from '../domain/account.js';
import { REFILLS_KEPT } from '../domain/history.js';
import { accountStateFromPlain, accountStateToPlain } from '../domain/plain.js';
import { DAYS_KEPT, RECENT_HOURS } from '../domain/profile.js';
import { ALERT_NAMES, SEVERITIES } from '../domain/rules.js';
import { UPSTREAM_ERROR_KINDS } from '../errors.js';
import type { Logger } from '../log.js';
import { readJsonFile, SerializedFile } from './json-file.js';
import type { WriteHealth } from './write-health.js';

const finite = z.number().finite();
const sampleSchema = z.object({ t: finite, balance: finite, consumed: finite });
const stateSchema = z.object({
  version: z.literal(1),
  account: z.string(),
  state: z.object({
    history: z.object({
      samples: z.array(sampleSchema),
      consumedTotal: finite.min(0),
      topupsTotal: z.number().int().min(0),
      pendingCredit: finite.min(0),
      firstSampleAt: finite.nullable().default(null),
      // Added for auto-refill detection (issue 9): state files written before load with none.
      refills: z.array(z.object({ t: finite, before: finite, after: finite })).max(REFILLS_KEPT).default([]),
      profile: z
        .object({
          rates: z.array(finite.nullable()).max(168),
          prior: z.array(finite.nullable()).max(168).default([]),
          updatedHour: z.array(finite.nullable()).max(168).default([]),
          open: z
            .object({
              hour: finite,
              consumed: finite,
              observedMs: finite,
              charges: finite.min(0).default(0),
              maxCharge: finite.min(0).default(0),
              gapConsumed: finite.default(0),
              gapMs: finite.min(0).default(0),
            })
            .nullable(),
          // Added for the forecast's windows and trend (issue 9): state files written before load with none.
          recent: z.array(z.object({ hour: finite, consumed: finite, charges: finite.min(0), observedMs: finite, oneOff: finite.min(0).default(0) })).max(RECENT_HOURS).default([]),
          days: z.array(z.object({ day: finite, consumed: finite, observedMs: finite })).max(DAYS_KEPT).default([]),
        })
        .default({ rates: [], prior: [], updatedHour: [], open: null, recent: [], days: [] }),
    }),
    balance: finite.nullable(),
    currency: z.string().nullable(),
    lastPollAt: finite.nullable(),
    lastSuccessAt: finite.nullable(),
    lastError: z.object({ kind: z.enum(UPSTREAM_ERROR_KINDS), message: z.string() }).nullable(),
    consecutiveFailures: z.number().int().min(0),
    exhausted: z.boolean(),
    authFailed: z.boolean(),
    rateLimitedUntil: finite.nullable(),
    alerts: z
      .partialRecord(
        z.enum(ALERT_NAMES),
        z.object({ id: z.string(), alertname: z.enum(ALERT_NAMES), severity: z.enum(SEVERITIES), startsAt: finite, lastNotifiedAt: finite }),
      )
      .default({}),
  }),
});

/**
 * Persists one account's state as `<STATE_DIR>/account-<account>.json`. Saves are serialized (the newest wins)
 * and atomic; a corrupt file is set aside with a warning and the account starts fresh.
 */
export class AccountStore {
  readonly path: string;
  readonly #file: SerializedFile;

  constructor(
    stateDir: string,
    private readonly account: string,
    private readonly log: Logger,
    health?: WriteHealth,
  ) {
    this.path = join(stateDir, `account-${account}.json`); // prefixed: no account name can collide with outbox.json
    this.#file = new SerializedFile(this.path, health);
  }

  /** The saved state, or the initial one. `readOnly` (for `check`) leaves a corrupt file where it is. */
  async load(now: number, opts: { readOnly?: boolean } = {}): Promise<AccountState> {
    const r = await readJsonFile(this.path, (raw) => stateSchema.parse(raw), now, opts);
    if (r.status === 'ok') {
      if (r.value.account !== this.account) {
        this.log.warn({ file: this.path }, 'state file belongs to another account; starting fresh');
        return INITIAL_ACCOUNT_STATE;
      }
      return accountStateFromPlain(r.value.state);
    }
    if (r.status === 'corrupt') {
      this.log.warn({ file: this.path, reason: r.reason, movedTo: r.setAsideTo }, 'state file is corrupt; starting fresh');
    }
    return INITIAL_ACCOUNT_STATE;
  }

  /** Resolves when this state (or a newer one) is on disk; rejects if the write failed. */
  save(state: AccountState): Promise<void> {
    return this.#file.write({ version: 1, account: this.account, state: accountStateToPlain(state) });
  }
}
