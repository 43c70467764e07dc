/**
 * An A/B experiment as admins write it (PUT /experiments/{experimentId}): variants
 * with traffic shares, each naming the pipeline its users get, the control, and
 * the test's parameters (level, power, the smallest lift worth detecting). zod
 * validates it; the OpenAPI document is generated from the same schema.
 */
import { z } from 'zod';

/** Experiment ids and variant names: they form the answer's `variant` ("experiment:variant"), so no ':'. */
export const Name = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1..64 letters, digits, "_" or "-"')
  .meta({ examples: ['ranker-test', 'control'] });

/**
 * Distinct models (pinned versions and kinds) one experiment may name: serving holds each
 * beside the latest model, so this bounds a Recommend instance's memory at (1 + this) models.
 */
export const MAX_VARIANT_MODELS = 3;

/**
 * Pipeline overrides a variant applies to its users' answers. The rule fields are
 * RecommendOptions fields (a request's own parameters win over the variant's); the
 * model fields choose which model answers recommendations and rank (docs/online.md).
 */
export const Pipeline = z
  .strictObject({
    diversity: z.number().min(0).max(1).optional().meta({ description: 'MMR diversity 0..1' }),
    maxPerCategory: z.number().int().min(1).max(100).optional(),
    filter: z.string().min(1).max(1000).optional().meta({ description: 'a filter expression over item properties' }),
    explore: z.boolean().optional().meta({ description: 'exploration slots for new items (default true)' }),
    calibrate: z.number().min(0).max(1).optional().meta({ description: 'calibrated re-rank weight 0..1' }),
    modelVersion: z
      .string()
      .regex(/^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$/, 'must be a model version id')
      .optional()
      .meta({ description: 'a published model version this variant is served by (PUT checks it exists)' }),
    kind: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a model kind name')
      .optional()
      .meta({ description: 'served by the newest published model of this kind (training fits it for the variant)' }),
    ranker: z
      .boolean()
      .optional()
      .meta({ description: "false: the ALS retrieval alone, without a neural artifact's re-ranker (default true)" }),
  })
  .superRefine((p, ctx) => {
    // as a request's parameters (400 there too): serving would apply calibrate and silently drop diversity
    if ((p.diversity ?? 0) > 0 && (p.calibrate ?? 0) > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['calibrate'],
        message: 'diversity and calibrate re-rank the same list: set one of them, not both',
        input: p,
      });
    if (p.modelVersion !== undefined && p.kind !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['kind'],
        message: 'name a modelVersion or a kind, not both (a version has its kind)',
        input: p,
      });
  });
export type Pipeline = z.infer<typeof Pipeline>;

/** The model a pipeline asks for, as a key ("version:<v>" / "kind:<k>"), or null for the latest model. */
export function modelKey(p: Pick<Pipeline, 'modelVersion' | 'kind'> | undefined): string | null {
  if (p?.modelVersion !== undefined) return `version:${p.modelVersion}`;
  if (p?.kind !== undefined) return `kind:${p.kind}`;
  return null;
}

export const Variant = z.strictObject({
  name: Name,
  share: z.number().min(0).max(100).meta({ description: 'percent of users; the shares sum to 100' }),
  pipeline: Pipeline.default({}),
});
export type Variant = z.infer<typeof Variant>;

export const ExperimentBody = z
  .strictObject({
    description: z.string().max(500).optional(),
    status: z.enum(['running', 'stopped']).default('running'),
    variants: z.array(Variant).min(2, 'needs at least 2 variants').max(10, 'at most 10 variants'),
    control: Name.optional().meta({ description: 'the variant the others are compared to (default: the first)' }),
    minDetectableEffect: z
      .number()
      .min(0.01)
      .max(10)
      .default(0.1)
      .meta({ description: 'smallest relative lift worth detecting (0.1 = +10%); sets the needed sample' }),
    baseline: z
      .strictObject({
        ctr: z.number().gt(0).lt(1).optional(),
        conversion: z.number().gt(0).lt(1).optional(),
      })
      .optional()
      .meta({
        description:
          "control's expected rates, to plan the needed sample before the data comes in " +
          "(default: control's observed rate, so the needed sample moves with the data)",
      }),
    alpha: z.number().min(0.001).max(0.2).default(0.05).meta({ description: 'two-sided test level' }),
    power: z.number().min(0.5).max(0.99).default(0.8),
  })
  .superRefine((e, ctx) => {
    const names = e.variants.map((v) => v.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['variants'], message: `variant "${dup}" is named twice`, input: e });
    const total = e.variants.reduce((s, v) => s + v.share, 0);
    if (Math.abs(total - 100) > 1e-9)
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `shares sum to ${total}, not 100`, input: e });
    if (e.control !== undefined && !names.includes(e.control))
      ctx.addIssue({ code: 'custom', path: ['control'], message: `names no variant (${names.join(', ')})`, input: e });
    const models = new Set(e.variants.map((v) => modelKey(v.pipeline)).filter((k) => k !== null));
    if (models.size > MAX_VARIANT_MODELS)
      ctx.addIssue({
        code: 'custom',
        path: ['variants'],
        message: `name at most ${MAX_VARIANT_MODELS} models (versions and kinds) besides the latest; ${models.size} named`,
        input: e,
      });
  });
export type ExperimentBody = z.output<typeof ExperimentBody>;

/** An experiment as stored and answered. */
export interface Experiment extends Omit<ExperimentBody, 'control'> {
  experimentId: string;
  control: string;
  createdAt: string;
  updatedAt: string;
}

export const ExperimentView = z.strictObject({
  experimentId: Name,
  description: z.string().optional(),
  status: z.enum(['running', 'stopped']),
  variants: z.array(z.strictObject({ name: Name, share: z.number(), pipeline: Pipeline })),
  control: Name,
  minDetectableEffect: z.number(),
  baseline: z.strictObject({ ctr: z.number().optional(), conversion: z.number().optional() }).optional(),
  alpha: z.number(),
  power: z.number(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});

export const ExperimentList = z.strictObject({ experiments: z.array(ExperimentView) });

/** The answer's `variant` label of a variant. */
export const variantLabel = (experimentId: string, variant: string) => `${experimentId}:${variant}`;
