/** The outbox's delivery as stored (0.1's outbox.json and the database's outbox rows alike). */
import { z } from 'zod';
import { CONFIDENCES, FORECAST_METHODS } from '../domain/forecast.js';
import { ALERT_NAMES, SEVERITIES } from '../domain/rules.js';
import type { Notification } from '../domain/alerts.js';
import type { Delivery } from './delivery.js';

const finite = z.number().finite();
const notificationSchema = z.object({
    id: z.string(),
    account: z.string(),
    alertname: z.enum([...ALERT_NAMES, 'test']),
    severity: z.enum(SEVERITIES),
    status: z.enum(['firing', 'resolved']),
    reason: z.enum(['start', 'escalation', 'repeat', 'resolve', 'unwatched', 'test']),
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
      // Added with issue 12 (provider presets).
      autoRecharge: z.boolean().optional(),
      creditLimit: finite.optional(),
      // Added at stop 54: spend_anomaly's comparison, for its summary.
      spend: z.object({ recent: finite, expected: finite, hours: finite }).optional(),
    }),
    // Added with issue 12: the provider's words for summaries and the action line (absent: Telephony.io's).
    preset: z.object({ name: z.string(), title: z.string(), topUp: z.string(), credentials: z.array(z.string()), suspends: z.string().optional() }).optional(),
    // Added with issue 11 (labels travel); absent in entries written before it.
    labels: z.record(z.string(), z.string()).optional(),
    provider: z.string().optional(),
});

/**
 * The schema reads back every field a Notification has: zod drops keys it does not know, and a delivery
 * resumed after a restart lost its credit limit and the provider's words on a suspension. A field added
 * to Notification without its line here fails to compile.
 */
type SameKeys<A, B> = [Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : false;
const covered: SameKeys<z.infer<typeof notificationSchema>, Notification> &
  SameKeys<z.infer<typeof notificationSchema>['wallet'], Notification['wallet']> &
  SameKeys<NonNullable<z.infer<typeof notificationSchema>['preset']>, NonNullable<Notification['preset']>> = true;
void covered;

export const deliverySchema = z.object({
  deliveryId: z.string(),
  target: z.string(),
  createdAt: finite,
  attempts: z.number().int().min(0),
  nextAttemptAt: finite,
  lastError: z.string().nullable(),
  notification: notificationSchema,
  // Issue 11, digests: the notifications a digest groups after the first, and whether it still collects.
  more: z.array(notificationSchema).optional(),
  open: z.boolean().optional(),
  dueAt: finite.optional(),
  // The order of arrival (deliveries of one poll share createdAt); rows written before it load without it.
  seq: z.number().int().min(0).optional(),
  // An email's recipients that took an earlier attempt (rows written before it load without it).
  reached: z.array(z.string()).optional(),
  // Owed at its destination only (rows written before it load without it).
  pinned: z.boolean().optional(),
  // The destinations that took this resolve from another delivery (rows written before it load without it).
  takenBy: z.array(z.string()).optional(),
  // The alerts whose resolve it carries to a destination that took their firing (told.ts; rows written before it load without it).
  told: z.array(z.string()).optional(),
  // Refused by its target's settings and kept (parked.ts; rows written before it load without it).
  parked: z.boolean().optional(),
});

/** A Delivery read back has every field it was written with: a field added to Delivery without its line here fails to compile. */
const deliveryCovered: SameKeys<z.infer<typeof deliverySchema>, Delivery> = true;
void deliveryCovered;
