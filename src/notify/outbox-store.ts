import { join } from 'node:path';
import { z } from 'zod';
import { CONFIDENCES, FORECAST_METHODS } from '../domain/forecast.js';
import { ALERT_NAMES, SEVERITIES } from '../domain/rules.js';
import { safeErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { readJsonFile, SerializedFile } from '../store/json-file.js';
import type { WriteHealth } from '../store/write-health.js';
import type { Delivery } from './dispatch.js';

const finite = z.number().finite();
const deliverySchema = z.object({
  deliveryId: z.string(),
  target: z.string(),
  createdAt: finite,
  attempts: z.number().int().min(0),
  nextAttemptAt: finite,
  lastError: z.string().nullable(),
  notification: z.object({
    id: z.string(),
    account: z.string(),
    alertname: z.enum([...ALERT_NAMES, 'test']),
    severity: z.enum(SEVERITIES),
    status: z.enum(['firing', 'resolved']),
    reason: z.enum(['start', 'escalation', 'repeat', 'resolve', 'test']),
    startsAt: finite,
    decidedAt: finite,
    wallet: z.object({
      balance: finite.nullable(),
      currency: z.string().nullable(),
      burnRatePerHour: finite.nullable(),
      runwaySeconds: finite.nullable(),
      // Added with issue 9: outbox files written before it load without it.
      forecast: z
        .object({
          method: z.enum(FORECAST_METHODS),
          confidence: z.enum(CONFIDENCES),
          runwayLowSeconds: finite.nullable(),
          runwayHighSeconds: finite.nullable(),
          cautious: z.boolean(),
          basis: z.string(),
        })
        .nullable()
        .optional(),
    }),
  }),
});
const outboxSchema = z.object({
  version: z.literal(1),
  deliveries: z.array(deliverySchema),
  /** Alert id → when a target last accepted a notification of it (for /api/status `last_notified_at`). */
  delivered: z.record(z.string(), finite).default({}),
});

export interface OutboxDoc {
  deliveries: readonly Delivery[];
  delivered: Readonly<Record<string, number>>;
}

/** How often a failed outbox write is tried again, with whatever is owed by then. */
export const OUTBOX_RETRY_MS = 5_000;

/**
 * Owed deliveries on disk (`<STATE_DIR>/outbox.json`), so a restart sends what a stop left owed. The
 * dispatcher's memory is the truth and this file its best-effort mirror: `mirror` never rejects, and a
 * failed write is retried on a timer (not only when the next alert comes) until the disk takes it.
 */
export class OutboxStore {
  readonly path: string;
  readonly #file: SerializedFile;
  #retry: NodeJS.Timeout | undefined;
  #current: (() => OutboxDoc) | undefined;

  constructor(
    stateDir: string,
    private readonly log: Logger,
    private readonly opts: { health?: WriteHealth; retryMs?: number } = {},
  ) {
    this.path = join(stateDir, 'outbox.json');
    this.#file = new SerializedFile(this.path, opts.health);
  }

  async load(now: number): Promise<OutboxDoc> {
    const r = await readJsonFile(this.path, (raw) => outboxSchema.parse(raw), now);
    if (r.status === 'corrupt') this.log.error({ file: this.path, reason: r.reason, movedTo: r.setAsideTo }, 'outbox file is corrupt; owed notifications in it are lost');
    return r.status === 'ok' ? r.value : { deliveries: [], delivered: {} };
  }

  /** Writes `doc` (saves are serialized); rejects if the write failed. */
  save(doc: OutboxDoc): Promise<void> {
    return this.#file.write({ version: 1, deliveries: doc.deliveries, delivered: doc.delivered });
  }

  /** Best effort: writes `current()` now, and again every few seconds while writes fail. True if this write succeeded. */
  async mirror(current: () => OutboxDoc): Promise<boolean> {
    this.#current = current;
    try {
      await this.save(current());
      return true;
    } catch (err) {
      this.log.debug({ file: this.path, code: safeErrorCode(err) }, 'outbox write failed; will retry');
      this.#retry ??= setTimeout(() => {
        this.#retry = undefined;
        if (this.#current) void this.mirror(this.#current);
      }, this.opts.retryMs ?? OUTBOX_RETRY_MS);
      return false;
    }
  }

  /** No more retries (stopping: the final save is the caller's). */
  stopRetrying(): void {
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#current = undefined;
  }
}
