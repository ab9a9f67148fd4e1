import { join } from 'node:path';
import { z } from 'zod';
import { CONFIDENCES, FORECAST_METHODS } from '../domain/forecast.js';
import { ALERT_NAMES, SEVERITIES } from '../domain/rules.js';
import type { Logger } from '../log.js';
import { readJsonFile, writeJsonFileAtomic } from '../store/json-file.js';
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
const outboxSchema = z.object({ version: z.literal(1), deliveries: z.array(deliverySchema) });

/** Owed deliveries on disk (`<STATE_DIR>/outbox.json`), so a restart sends what a stop left owed. */
export class OutboxStore {
  readonly path: string;
  #queue: Promise<void> = Promise.resolve();

  constructor(stateDir: string, private readonly log: Logger) {
    this.path = join(stateDir, 'outbox.json');
  }

  async load(now: number): Promise<Delivery[]> {
    const r = await readJsonFile(this.path, (raw) => outboxSchema.parse(raw), now);
    if (r.status === 'corrupt') this.log.error({ file: this.path, reason: r.reason, movedTo: r.setAsideTo }, 'outbox file is corrupt; owed notifications in it are lost');
    return r.status === 'ok' ? r.value.deliveries : [];
  }

  save(deliveries: readonly Delivery[]): Promise<void> {
    const doc = { version: 1, deliveries };
    const next = this.#queue.catch(() => undefined).then(() => writeJsonFileAtomic(this.path, doc));
    this.#queue = next;
    return next;
  }
}
