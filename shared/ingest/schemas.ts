/**
 * Request schemas of the ingest routes (zod). The OpenAPI document is
 * generated from these, so what is documented is what is validated.
 */
import { z } from 'zod';
import { EVENT_TYPES } from '../events';

export const MAX_EVENTS = 100;
export const MAX_BODY_BYTES = 256 * 1024;
export const MAX_PROPERTIES_BYTES = 2 * 1024;
/** Clients may be at most this far ahead of our clock. */
export const MAX_FUTURE_MS = 5 * 60 * 1000;
/** Earlier timestamps are almost always epoch seconds sent by mistake. */
export const MIN_TIMESTAMP_MS = Date.UTC(2000, 0, 1);

/** Ids: 1..128 characters, no control characters (they would corrupt logs and keys). */
export const Id = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

const Properties = z
  .record(z.string(), z.unknown())
  .refine((p) => Buffer.byteLength(JSON.stringify(p), 'utf8') <= MAX_PROPERTIES_BYTES, {
    message: `must serialize to at most ${MAX_PROPERTIES_BYTES} bytes of JSON`,
  });

const Timestamp = z.union([
  z.number().int('epoch milliseconds must be an integer').meta({ description: 'epoch milliseconds' }),
  z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time (e.g. 2026-11-29T12:00:00Z) or epoch milliseconds' }),
]);

/** One event as a client sends it. `userId` may be omitted when a token names the user. */
export const EventInput = z
  .object({
    eventId: Id.optional(),
    userId: Id.optional(),
    itemId: Id,
    type: z.enum(EVENT_TYPES),
    value: z.number().finite().optional(),
    timestamp: Timestamp.optional(),
    sessionId: Id.optional(),
    properties: Properties.optional(),
  })
  .strict()
  .superRefine((ev, ctx) => {
    if (ev.type === 'rating' && ev.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'is required for a rating' });
    }
  });
export type EventInput = z.infer<typeof EventInput>;

/** The envelope; events are validated one by one so valid ones are stored even when others are not. */
export const PostEventsBody = z
  .object({
    events: z
      .array(z.unknown())
      .min(1, 'must hold at least one event')
      .max(MAX_EVENTS, `must hold at most ${MAX_EVENTS} events`),
  })
  .strict();

export const ListEventsQuery = z
  .object({
    limit: z
      .string()
      .regex(/^\d+$/, 'must be an integer between 1 and 100')
      .transform(Number)
      .pipe(z.number().int().min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100'))
      .optional(),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .strict();

export const PutItemBody = z
  .object({
    title: z.string().min(1).max(512).optional(),
    categories: z.array(Id).max(50, 'at most 50 categories').default([]),
    available: z.boolean().default(true),
    properties: Properties.optional(),
  })
  .strict();
export type PutItemBody = z.infer<typeof PutItemBody>;
