/**
 * wallet-sentinel 0.1 kept its state as JSON files in STATE_DIR: `account-<name>.json` per account and
 * `outbox.json`. This reads them (their schemas are kept here, unchanged) and imports them into the database
 * at the first start of the database version (importV01); `check` can still read a STATE_DIR no daemon has
 * upgraded yet.
 */
import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { REFILLS_KEPT } from '../domain/history.js';
import type { AccountState } from '../domain/account.js';
import { accountStateFromPlain } from '../domain/plain.js';
import { DAYS_KEPT, RECENT_HOURS } from '../domain/profile.js';
import { ALERT_NAMES, SEVERITIES } from '../domain/rules.js';
import { UPSTREAM_ERROR_KINDS } from '../errors.js';
import type { Logger } from '../log.js';
import type { OutboxDoc } from '../notify/outbox-store.js';
import { deliverySchema } from '../notify/outbox-schema.js';
import { readJsonFile } from './json-file.js';
import type { StateDb } from './db.js';
import { encodeSnapshot } from './journal.js';

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
      // 0.1 kept no refills (added for auto-refill detection, issue 9): imported accounts start with none.
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

const outboxSchema = z.object({
  version: z.literal(1),
  deliveries: z.array(deliverySchema),
  delivered: z.record(z.string(), finite).default({}),
});

const ACCOUNT_FILE = /^account-(.+)\.json$/;
export const OUTBOX_FILE_V01 = 'outbox.json';
export const accountFileV01 = (account: string): string => `account-${account}.json`;

/** One 0.1 account file, or undefined (missing, corrupt: a corrupt one is set aside unless readOnly). */
export async function readAccountV01(dir: string, account: string, now: number, log: Logger, opts: { readOnly?: boolean } = {}): Promise<AccountState | undefined> {
  const path = join(dir, accountFileV01(account));
  const r = await readJsonFile(path, (raw) => stateSchema.parse(raw), now, opts);
  if (r.status === 'corrupt') log.warn({ file: path, reason: r.reason, movedTo: r.setAsideTo }, '0.1 state file is corrupt; not imported');
  if (r.status !== 'ok') return undefined;
  if (r.value.account !== account) {
    log.warn({ file: path }, '0.1 state file belongs to another account; not imported');
    return undefined;
  }
  return accountStateFromPlain(r.value.state);
}

export interface V01State {
  accounts: Map<string, { state: AccountState; file: string }>;
  outbox: { doc: OutboxDoc; file: string } | undefined;
}

/** Every 0.1 file in `dir` (corrupt ones are set aside with a warning, as 0.1 did). */
export async function readStateDirV01(dir: string, now: number, log: Logger): Promise<V01State> {
  const found: V01State = { accounts: new Map(), outbox: undefined };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return found;
  }
  for (const name of names) {
    const m = ACCOUNT_FILE.exec(name);
    if (!m) continue;
    const state = await readAccountV01(dir, m[1]!, now, log);
    if (state) found.accounts.set(m[1]!, { state, file: join(dir, name) });
  }
  if (names.includes(OUTBOX_FILE_V01)) {
    const file = join(dir, OUTBOX_FILE_V01);
    const r = await readJsonFile(file, (raw) => outboxSchema.parse(raw), now);
    if (r.status === 'corrupt') log.error({ file, reason: r.reason, movedTo: r.setAsideTo }, '0.1 outbox file is corrupt; owed notifications in it are lost');
    if (r.status === 'ok') found.outbox = { doc: r.value, file };
  }
  return found;
}

/** After the import committed: `<file>.imported`, so it is neither imported twice nor lost. */
export function setImportedAside(file: string): void {
  try {
    renameSync(file, `${file}.imported`);
  } catch {
    // read-only or gone: imported already, and the database wins from now on
  }
}

/** Imports a 0.1 JSON STATE_DIR into the database once (an account the database has is newer: kept), and renames the JSON files `*.imported`. */
export async function importV01(stateDb: StateDb, dir: string, now: number, log: Logger): Promise<void> {
  const v01 = await readStateDirV01(dir, now, log);
  if (v01.accounts.size === 0 && !v01.outbox) return;
  const imported: string[] = [];
  stateDb.writeNow((db) => {
    const seq = (db.prepare('SELECT MAX(seq) AS seq FROM journal').get() as { seq: number | null }).seq ?? 0;
    const exists = db.prepare('SELECT 1 FROM accounts WHERE name = ?');
    const insert = db.prepare('INSERT INTO accounts (name, snapshot, snapshot_seq) VALUES (?, ?, ?)');
    for (const [name, { state }] of v01.accounts) {
      if (exists.get(name)) continue; // the database already has it: it is newer
      insert.run(name, encodeSnapshot(state), seq);
      imported.push(name);
    }
    if (v01.outbox) {
      const put = db.prepare('INSERT OR IGNORE INTO outbox (delivery_id, body) VALUES (?, ?)');
      for (const d of v01.outbox.doc.deliveries) put.run(d.deliveryId, JSON.stringify(d));
      const row = db.prepare("SELECT value FROM meta WHERE key = 'delivered'").get() as { value: string } | undefined;
      const delivered = { ...v01.outbox.doc.delivered, ...(row ? (JSON.parse(row.value) as Record<string, number>) : {}) };
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('delivered', ?)").run(JSON.stringify(delivered));
    }
  });
  for (const { file } of v01.accounts.values()) setImportedAside(file);
  if (v01.outbox) setImportedAside(v01.outbox.file);
  log.info(
    { file: stateDb.path, accounts: imported, owed: v01.outbox?.doc.deliveries.length ?? 0 },
    'imported the 0.1 JSON state into the state database; the JSON files are renamed *.imported',
  );
}
