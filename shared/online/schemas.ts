/** Response schemas of GET /metrics/online (zod; the OpenAPI document and the contract test read them). */
import { z } from 'zod';

const Count = z.number().int().min(0);
const Rate = z
  .strictObject({ rate: z.number().min(0).max(1), low: z.number().min(0).max(1), high: z.number().min(0).max(1) })
  .nullable()
  .meta({ description: 'the rate with its 95% Wilson interval; null before any unit' });

const Share = z.number().min(0).max(1);
const ExposureGroup = z.strictObject({
  group: z.string(),
  exposure: Share,
  interactions: Share,
  ratio: z.number().min(0).optional(),
});
const OnlineExposure = z
  .strictObject({
    k: Count.meta({ description: 'impressions at positions 1..k (or without a position) are exposure' }),
    impressions: Count.meta({ description: 'exposure impressions counted' }),
    beyondCap: Count.meta({ description: 'exposure impressions of items beyond the per-group item cap (not spread)' }),
    catalogItems: Count.meta({ description: 'items measured over: the served model’s, plus any shown or used' }),
    gini: Share.meta({ description: 'Gini of impressions over the catalog (zeros included)' }),
    coverage: Share.meta({ description: 'share of the catalog shown at least once in the top-k' }),
    longTail: Share.meta({ description: 'share of impressions given to items outside the top 20% by interactions' }),
    longTailInteractions: Share.meta({ description: 'share of interactions those items hold' }),
    groups: z
      .array(ExposureGroup)
      .optional()
      .meta({ description: 'per catalog category: share of impressions against share of interactions' }),
    byProperty: z
      .record(z.string(), z.array(ExposureGroup))
      .optional()
      .meta({ description: 'the same per value of each label property of the catalog (a provider, a brand)' }),
  })
  .meta({ description: 'exposure of what was shown (docs/fairness.md); null before any impression in the top-k' });

export const OnlineMetricsRow = z.strictObject({
  modelVersion: z.string().optional(),
  variant: z.string().nullable().optional(),
  recommendations: Count.meta({ description: 'answers with at least one impression' }),
  impressions: Count.meta({ description: 'distinct (answer, item) shown' }),
  clicks: Count.meta({ description: 'impressions followed by a click from the same user' }),
  ctr: Rate,
  ctrAt: z
    .record(z.string(), z.number().nullable())
    .meta({ description: 'CTR over impressions at positions 1..k, for k = 1, 3, 5, 10' }),
  conversions: Count.meta({ description: 'answers followed by at least one purchase naming them' }),
  conversionRate: Rate,
  purchases: Count,
  revenue: z.number().meta({ description: 'sum of the attributed purchases’ values' }),
  revenuePerRecommendation: z.number().nullable(),
  itemsShown: Count,
  coverage: z.number().min(0).max(1).nullable().meta({ description: 'items shown / items of the served model' }),
  exposure: OnlineExposure.nullable().optional(),
});

const Interval = z.strictObject({ low: z.number(), high: z.number() });

export const OnlineReport = z.strictObject({
  countedUntil: z.iso.datetime({ offset: true }).nullable().meta({
    description: 'events received up to this time are counted (null before the first run of the online job)',
  }),
  updatedAt: z.iso.datetime({ offset: true }).nullable(),
  totals: OnlineMetricsRow,
  byModelVersion: z.array(OnlineMetricsRow),
  byVariant: z.array(OnlineMetricsRow),
  experiment: z
    .strictObject({
      experimentId: z.string(),
      status: z.enum(['running', 'stopped']),
      control: z.string(),
      alpha: z.number(),
      power: z.number(),
      minDetectableEffect: z.number(),
      variants: z.array(OnlineMetricsRow),
      comparisons: z.array(
        z.strictObject({
          variant: z.string(),
          metric: z.enum(['ctr', 'conversion']),
          difference: z.number().nullable(),
          interval: Interval.nullable(),
          z: z.number().nullable(),
          pValue: z.number().nullable(),
          neededPerVariant: Count.nullable().meta({
            description: 'units each side needs to detect the minimum lift with the stated power',
          }),
          decision: z.enum(['better', 'worse', 'no significant difference', 'too small to decide']),
        }),
      ),
    })
    .nullable()
    .meta({ description: 'the running experiment (else the newest one), variant by variant against control' }),
  unattributed: Count.meta({ description: 'clicks and purchases naming an answer that could not be attributed' }),
});
