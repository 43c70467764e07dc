/** Response schemas of the rule admin routes (registered in shared/http/responses.ts). */
import { z } from 'zod';

const Name = z.string().meta({ description: 'the rule’s name (1..64 letters, digits, "_", "." or "-")' });
const When = z.string().meta({ description: 'ISO-8601 time of the last write' });
const Description = z.string().optional();

export const FilterDefinition = z.strictObject({
  name: Name,
  expression: z.string(),
  description: Description,
  updatedAt: When,
});

const common = { name: Name, enabled: z.boolean(), description: Description, updatedAt: When };
export const Promotion = z.union([
  z.strictObject({ type: z.literal('boost'), expression: z.string(), factor: z.number(), ...common }),
  z.strictObject({ type: z.literal('slots'), expression: z.string(), slots: z.number().int(), ...common }),
  z.strictObject({ type: z.literal('pin'), itemId: z.string(), position: z.number().int(), ...common }),
]);

export const Rules = z.strictObject({ filters: z.array(FilterDefinition), promotions: z.array(Promotion) });
export const RuleDeleted = z.strictObject({
  name: Name,
  deleted: z.boolean().meta({ description: 'false when no rule of this name existed' }),
});

export const RULE_RESPONSE_SCHEMAS = { FilterDefinition, Promotion, Rules, RuleDeleted } as const;
