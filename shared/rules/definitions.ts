/**
 * Stored business rules: named filter definitions (referenced by `filterName=`)
 * and promotions (boost, slots, pin) applied to every recommendations answer.
 * The zod schemas validate the admin routes' bodies; an expression is compiled
 * on the way in, so a stored rule always compiles.
 */
import { z } from 'zod';
import { Id } from '../http/validation';
import { MAX_K } from '../serving/prepared';
import { compileFilter, MAX_EXPRESSION_LENGTH, RuleSyntaxError } from './expression';

/** At most this many filters, and this many promotions, are stored. */
export const MAX_RULES = 100;
/** The largest boost or demotion factor. */
export const MAX_FACTOR = 1000;

export const RuleName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'must be 1..64 letters, digits, "_", "." or "-", starting with a letter or digit',
  );

export const Expression = z
  .string()
  .max(MAX_EXPRESSION_LENGTH, `must be at most ${MAX_EXPRESSION_LENGTH} characters`)
  .superRefine((src, ctx) => {
    try {
      compileFilter(src);
    } catch (err) {
      if (!(err instanceof RuleSyntaxError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message, input: src });
    }
  })
  .meta({ description: 'A filter expression over item properties (docs/rules.md)' });

const Description = z.string().max(500).optional();
const Enabled = z.boolean().default(true).meta({ description: 'Disabled promotions are kept but not applied' });

export const FilterBody = z.object({ expression: Expression, description: Description }).strict();
export type FilterBody = z.output<typeof FilterBody>;

const Boost = z
  .object({
    type: z.literal('boost'),
    expression: Expression,
    factor: z
      .number()
      .positive('must be above 0')
      .max(MAX_FACTOR, `must be at most ${MAX_FACTOR}`)
      .meta({ description: 'Score multiplier for matching items (below 1 demotes); negative scores are divided' }),
    enabled: Enabled,
    description: Description,
  })
  .strict();
const Slots = z
  .object({
    type: z.literal('slots'),
    expression: Expression,
    slots: z
      .number()
      .int()
      .min(1)
      .max(MAX_K)
      .meta({ description: 'At least this many of the k answers match the expression (when enough qualify)' }),
    enabled: Enabled,
    description: Description,
  })
  .strict();
const Pin = z
  .object({
    type: z.literal('pin'),
    itemId: Id,
    position: z.number().int().min(1).max(MAX_K).meta({ description: '1-based slot the item is shown at' }),
    enabled: Enabled,
    description: Description,
  })
  .strict();

export const PromotionBody = z.discriminatedUnion('type', [Boost, Slots, Pin]);
export type PromotionBody = z.output<typeof PromotionBody>;

export type FilterDefinition = FilterBody & { name: string; updatedAt: string };
export type Promotion = PromotionBody & { name: string; updatedAt: string };

export interface RuleSet {
  filters: FilterDefinition[];
  promotions: Promotion[];
}
