/**
 * Request schemas of the Recommend routes (zod). Query objects are strict: an
 * unknown parameter is a 400, so a misspelt filter never silently does nothing.
 */
import { z } from 'zod';
import { Id } from '../ingest/schemas';
import { MAX_K, MAX_RANK_ITEMS } from './prepared';
import { RuleName } from '../rules/definitions';
import { MAX_EXPRESSION_LENGTH } from '../rules/expression';

export { Id };

/** Largest body POST /rank accepts: 500 ids of 128 characters, JSON-escaped, with room. */
export const MAX_RANK_BODY_BYTES = 512 * 1024;
const MAX_CATEGORIES = 50;

const K = z
  .string()
  .regex(/^\d+$/, `must be an integer between 1 and ${MAX_K}`)
  .transform(Number)
  .pipe(z.number().int().min(1, `must be between 1 and ${MAX_K}`).max(MAX_K, `must be between 1 and ${MAX_K}`));

/** A comma-separated list (API Gateway also joins repeated parameters with commas). */
const list = (item: typeof Id, max: number) =>
  z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(item).min(1).max(max, `at most ${max} values`));

const Probability = z
  .string()
  .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, 'must be a number between 0 and 1')
  .transform(Number);

/** A re-ranking weight: 0 = plain relevance order, 1 = the re-ranker's goal alone (shared/serving/diversify.ts). */
const Weight = Probability.pipe(z.number().min(0).max(1));

const PerCategory = z
  .string()
  .regex(/^\d+$/, `must be an integer between 1 and ${MAX_K}`)
  .transform(Number)
  .pipe(z.number().int().min(1, `must be between 1 and ${MAX_K}`).max(MAX_K, `must be between 1 and ${MAX_K}`));

/** Business-rule filters (docs/rules.md): the expression's syntax is checked by the core (400 invalid_filter). */
const RuleQuery = {
  filter: z
    .string()
    .min(1)
    .max(MAX_EXPRESSION_LENGTH, `must be at most ${MAX_EXPRESSION_LENGTH} characters`)
    .optional(),
  filterName: RuleName.optional(),
};

export const RecommendQuery = z
  .object({
    k: K.optional(),
    exclude: list(Id, MAX_RANK_ITEMS).optional(),
    category: list(Id, MAX_CATEGORIES).optional(),
    excludeCategory: list(Id, MAX_CATEGORIES).optional(),
    minProbability: Probability.optional(),
    explore: z
      .enum(['0', '1'], { error: 'must be 0 (no exploration slots) or 1' })
      .transform((v) => v === '1')
      .optional()
      .meta({ description: 'exploration slots for new catalog items (default 1: on)' }),
    diversity: Weight.optional().meta({
      description: 'MMR re-ranking: 0 = relevance order, 1 = most diverse (docs/fairness.md)',
    }),
    maxPerCategory: PerCategory.optional().meta({ description: 'at most this many items of one catalog category' }),
    calibrate: Weight.optional().meta({
      description: "re-rank toward the user's own category mix (Steck 2018); not with diversity",
    }),
    // business rules (docs/rules.md): the expression's syntax is checked by the core (400 invalid_filter)
    ...RuleQuery,
    promotions: z
      .enum(['0', '1', 'false', 'true'], 'must be 0, 1, false or true')
      .transform((v) => v === '1' || v === 'true')
      .optional(),
  })
  .strict();
export type RecommendQuery = z.output<typeof RecommendQuery>;

export const SimilarQuery = z.object({ k: K.optional(), ...RuleQuery }).strict();

export const NoQuery = z.object({}).strict();

export const RankBody = z
  .object({
    itemIds: z
      .array(Id)
      .min(1, 'must hold at least one item id')
      .max(MAX_RANK_ITEMS, `must hold at most ${MAX_RANK_ITEMS} item ids`)
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat an item id'),
    // candidates that do not match are left out of the answer (docs/rules.md)
    ...RuleQuery,
  })
  .strict();
