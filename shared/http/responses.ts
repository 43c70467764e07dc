/**
 * Response schemas (zod) of every route: what the handlers answer, written once
 * so the OpenAPI document, the generated client types and the contract test
 * (real responses of the local API parsed with these) share one definition.
 * Objects are strict: a field a handler adds without documenting it fails the
 * contract test instead of reaching clients as `unknown`.
 */
import { z } from 'zod';
import { EVENT_TYPES } from '../events';
import { MAX_EVENTS } from '../ingest/schemas';
import { ExperimentList, ExperimentView } from '../experiments/schema';
import { OnlineReport } from '../online/schemas';
import { MAX_K, MAX_RANK_ITEMS } from '../serving/prepared';
import { RULE_RESPONSE_SCHEMAS } from '../rules/response-schemas';

const Id = z.string().min(1).max(128);
const Count = z.number().int().min(0);
const DateTime = z.iso.datetime({ offset: true });
const EventIndex = z
  .number()
  .int()
  .min(0)
  .max(MAX_EVENTS - 1);

/** The error body of every 4xx/5xx the functions answer. */
export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.string().meta({ description: 'machine-readable, e.g. invalid_query, store_unavailable' }),
    message: z.string().meta({ description: 'names the problem (field: issue; …)' }),
    details: z.unknown().optional(),
  }),
});

/** What API Gateway itself answers (JWT authorizer 401, payload limit 413, integration failure 502). */
export const GatewayMessage = z
  .strictObject({ message: z.string() })
  .meta({ description: 'Answered by API Gateway before any function runs', examples: [{ message: 'Unauthorized' }] });

export const RejectedEvent = z.strictObject({
  index: EventIndex.meta({ description: 'position in the posted events array' }),
  error: z.string(),
});

export const EventsAccepted = z.strictObject({
  accepted: z.number().int().min(0).max(MAX_EVENTS).meta({ description: 'events durably stored' }),
  rejected: z
    .array(RejectedEvent)
    .max(MAX_EVENTS)
    .meta({ description: 'invalid events, never stored; fix, do not retry' }),
});

/** 503 of POST /events: exactly what was stored; resend only `failed` (resending all is safe too). */
export const EventsPartial = z.strictObject({
  error: ErrorBody.shape.error,
  accepted: z.number().int().min(0).max(MAX_EVENTS),
  stored: z.array(EventIndex).max(MAX_EVENTS),
  failed: z.array(EventIndex).min(1).max(MAX_EVENTS),
  rejected: z.array(RejectedEvent).max(MAX_EVENTS),
});

/** 400 of POST /events when no event of the batch is valid: each one's problem. */
export const EventsRejected = z.strictObject({
  error: ErrorBody.shape.error,
  rejected: z.array(RejectedEvent).min(1).max(MAX_EVENTS),
});

export const StoredEvent = z.strictObject({
  eventId: Id,
  userId: Id,
  itemId: Id,
  type: z.enum(EVENT_TYPES),
  value: z.number().nullable(),
  timestamp: DateTime,
  receivedAt: DateTime,
  sessionId: Id.optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  recommendationId: z.string().optional(),
  position: z.number().int().min(1).optional(),
  modelVersion: Id.optional(),
  variant: Id.optional(),
});

export const EventPage = z.strictObject({
  events: z.array(StoredEvent).max(100).meta({ description: 'newest first' }),
  cursor: z.string().nullable().meta({ description: 'pass back as ?cursor= for the next page; null on the last' }),
});

export const Erasure = z.strictObject({ userId: Id, deleted: Count.meta({ description: 'events deleted' }) });

export const CatalogItem = z.strictObject({
  itemId: Id,
  title: z.string().min(1).max(512).optional(),
  categories: z.array(Id).max(50),
  available: z.boolean(),
  createdAt: DateTime,
  updatedAt: DateTime,
  properties: z.record(z.string(), z.unknown()).optional(),
});

export const UserAttributes = z.strictObject({
  userId: Id,
  ageBand: z.enum(['under-18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+']).optional(),
  country: z.string().length(2).optional(),
  interests: z.array(z.string().min(1).max(48)).max(20).optional(),
  updatedAt: DateTime,
});

export const CatalogPage = z.strictObject({
  items: z.array(CatalogItem).max(100),
  cursor: z.string().nullable().meta({ description: 'pass back as ?cursor= for the next page; null on the last' }),
});

export const Source = z
  .enum(['personalized', 'fold-in', 'popular'])
  .meta({ description: 'personalized: trained vector; fold-in: from recent events; popular: no usable history' });
const Probability = z.number().min(0).max(1);

export const Because = z.union([
  z.strictObject({
    itemId: Id.meta({ description: 'an item from the user’s history' }),
    weight: z.number().meta({ description: 'its share of the score' }),
  }),
  z.strictObject({
    category: Id.meta({
      description: 'the metadata reason: the category adding most to a score metadata dominates (docs/neural.md)',
    }),
  }),
  z.strictObject({
    rule: z
      .string()
      .meta({ description: 'the business rule (promotion, boost or pin) that placed the item (docs/rules.md)' }),
  }),
]);

const ColdStart = z.literal(true).optional().meta({
  description: 'a new catalog item with no interactions yet, scored from its metadata (docs/neural.md)',
});

const Stale = z.literal(true).optional().meta({
  description: "present when the user's recent events could not be read: the answer is the cached model's alone",
});

const RecommendationId = z.string().meta({
  description: 'this answer’s id (uuid v7): send it on impression events, and on clicks and purchases it led to',
});
const VariantLabel = z.string().nullable().meta({
  description: 'the A/B variant ("experiment:variant") that answered; null outside an experiment',
});
const ServedBy = z
  .strictObject({
    requested: z.string().meta({ description: 'what the variant asked for: "version:<v>", "kind:<k>" or "latest"' }),
    kind: z.string().meta({ description: "the answering artifact's model kind" }),
    ranker: z.boolean().meta({ description: 'true when a neural re-ranker ordered the answer' }),
    fallback: z.string().optional().meta({ description: 'why the latest model answered instead of the one asked for' }),
  })
  .optional()
  .meta({ description: "present when the user's A/B variant chose the model (docs/online.md)" });
const Position = z
  .number()
  .int()
  .min(1)
  .meta({ description: '1-based position in this answer (send it on impressions)' });

export const Recommendations = z.strictObject({
  userId: Id,
  modelVersion: z.string(),
  source: Source,
  stale: Stale,
  recommendationId: RecommendationId,
  variant: VariantLabel,
  servedBy: ServedBy,
  items: z
    .array(
      z.strictObject({
        itemId: Id,
        position: Position,
        score: z.number(),
        probability: Probability.nullable().meta({
          description:
            "calibrated P(interaction): Platt's σ(a·score + b), or the neural ranker's own P for its top-N candidates " +
            '(prior-corrected or Platt-scaled: manifest calibration.network) when training found it better calibrated ' +
            '(manifest calibration.source); null for popular items',
        }),
        because: z.array(Because).max(7),
        coldStart: ColdStart,
      }),
    )
    .max(MAX_K),
});

export const Ranking = z.strictObject({
  userId: Id,
  modelVersion: z.string(),
  source: Source,
  stale: Stale,
  recommendationId: RecommendationId,
  variant: VariantLabel,
  servedBy: ServedBy,
  items: z
    .array(
      z.strictObject({
        itemId: Id,
        position: Position,
        score: z.number().nullable().meta({ description: 'null: the model does not know the item (listed last)' }),
        probability: Probability.nullable(),
        coldStart: ColdStart,
      }),
    )
    .max(MAX_RANK_ITEMS),
});

export const SimilarItems = z.strictObject({
  itemId: Id,
  modelVersion: z.string(),
  recommendationId: RecommendationId,
  // typed string | null like the other answers' (openapi-fetch drops a key typed null alone); always null here
  variant: z
    .string()
    .nullable()
    .meta({ description: 'always null: similar items are not personal, so no experiment applies' }),
  items: z
    .array(
      z.strictObject({
        itemId: Id,
        position: Position,
        score: z.number().meta({ description: 'cosine over item factors (popularity for a popularity-only model)' }),
        coldStart: ColdStart,
      }),
    )
    .max(MAX_K),
});

export const Health = z.strictObject({
  status: z
    .enum(['ok', 'degraded'])
    .meta({ description: 'degraded: serving still answers, `reasons` says what is wrong' }),
  reasons: z.array(z.string()).meta({ description: 'why the status is degraded (empty when ok)' }),
  modelVersion: z.string().nullable().meta({ description: 'null until the first model is published' }),
  modelAgeSeconds: Count.nullable(),
});

export const ErasureLifted = z.strictObject({
  userId: Id,
  lifted: z.boolean().meta({ description: 'false when the user was not blocked' }),
});

/** Named response schemas: components of the OpenAPI document, in this order. */
export const RESPONSE_SCHEMAS = {
  Error: ErrorBody,
  GatewayMessage,
  RejectedEvent,
  EventsAccepted,
  EventsRejected,
  EventsPartial,
  StoredEvent,
  EventPage,
  Erasure,
  ErasureLifted,
  CatalogItem,
  CatalogPage,
  ...RULE_RESPONSE_SCHEMAS,
  UserAttributes,
  Recommendations,
  Ranking,
  SimilarItems,
  Health,
  OnlineReport,
  Experiment: ExperimentView,
  ExperimentList,
  ExperimentDeleted: z.strictObject({ experimentId: z.string(), deleted: z.literal(true) }),
} as const;
export type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;
