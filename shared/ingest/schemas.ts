/**
 * Request schemas of the ingest routes (zod). The OpenAPI document is
 * generated from these, so what is documented is what is validated.
 */
import { z } from 'zod';
import { EVENT_TYPES } from '../events';
import { Id } from '../http/validation';
import { Position, RecommendationId } from '../online/attribution';
import { MAX_DEPTH, numberIssue, storableIssues, stringIssue } from './values';

export { Id };

export const MAX_EVENTS = 100;
export const MAX_BODY_BYTES = 256 * 1024;
export const MAX_PROPERTIES_BYTES = 2 * 1024;
/** Clients may be at most this far ahead of our clock. */
export const MAX_FUTURE_MS = 5 * 60 * 1000;
/** Earlier timestamps are almost always epoch seconds sent by mistake. */
export const MIN_TIMESTAMP_MS = Date.UTC(2000, 0, 1);

/**
 * Free-form properties: a JSON object DynamoDB can hold (ingest/values.ts) of at
 * most 2 KB. Checked on the raw input before zod copies it, because the copy
 * would silently drop a "__proto__" key; the size is measured only once the
 * depth is known to be small, so JSON.stringify never meets a hostile document.
 */
const Properties = z
  .unknown()
  .superRefine((v, ctx) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return; // the record below says so
    const issues = storableIssues(v);
    for (const i of issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message, input: v });
    if (issues.length === 0 && Buffer.byteLength(JSON.stringify(v), 'utf8') > MAX_PROPERTIES_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `must serialize to at most ${MAX_PROPERTIES_BYTES} bytes of JSON`,
        input: v,
      });
    }
  })
  .pipe(z.record(z.string(), z.unknown()))
  .meta({
    type: 'object',
    additionalProperties: true,
    description:
      `Free-form JSON object, at most ${MAX_PROPERTIES_BYTES} bytes, nested at most ${MAX_DEPTH} levels; ` +
      'numbers 0 or 1e-130..2^53-1 in magnitude; ' +
      'key names 1..128 characters, never __proto__, constructor or prototype',
  });

/** A number DynamoDB stores exactly (finite, |n| ≤ 2^53 - 1, 0 or ≥ 1e-130 in magnitude). */
const StorableNumber = z.number().superRefine((n, ctx) => {
  const m = numberIssue(n);
  if (m) ctx.addIssue({ code: 'custom', message: m, input: n });
});

const Timestamp = z.union([
  z.number().int('epoch milliseconds must be an integer').meta({ description: 'epoch milliseconds' }),
  z.iso.datetime({
    offset: true,
    message: 'must be an ISO-8601 date-time (e.g. 2026-11-29T12:00:00Z) or epoch milliseconds',
  }),
]);

/** One event as a client sends it. `userId` may be omitted when a token names the user. */
export const EventInput = z
  .object({
    eventId: Id.optional(),
    userId: Id.optional(),
    itemId: Id,
    type: z.enum(EVENT_TYPES),
    value: StorableNumber.optional().meta({
      description:
        'rating: the rating (required, within the configured range, default 0.5..5); ' +
        'purchase: revenue ≥ 0 (optional); other types: not accepted',
    }),
    timestamp: Timestamp.optional(),
    sessionId: Id.optional(),
    properties: Properties.optional(),
    recommendationId: RecommendationId.optional().meta({
      description: "the answer's recommendationId: required on impressions, optional on clicks, purchases, …",
    }),
    position: Position.optional().meta({ description: "impressions only: the item's position in the answer" }),
    modelVersion: Id.optional().meta({ description: "impressions only: the answer's modelVersion" }),
    variant: Id.optional().meta({ description: "impressions only: the answer's variant, when it had one" }),
  })
  .strict();
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
    title: z
      .string()
      .min(1)
      .max(512)
      .refine((t) => stringIssue(t) === null, { message: 'must be well-formed Unicode (no unpaired surrogates)' })
      .optional(),
    categories: z.array(Id).max(50, 'at most 50 categories').default([]),
    available: z.boolean().default(true),
    properties: Properties.optional(),
  })
  .strict();
export type PutItemBody = z.infer<typeof PutItemBody>;
