/**
 * The online report (GET /metrics/online, the status page): rates with Wilson
 * intervals per model version and per variant, and for the running experiment
 * each variant against control with a two-proportion test — or "too small to
 * decide" while either side has fewer units than the test needs to detect the
 * experiment's minimum lift with its power.
 */
import type { Experiment } from '../experiments/schema';
import { variantLabel } from '../experiments/schema';
import { type Counts, emptyCounts, type Group, type OnlineState, TRACKED_POSITIONS } from './aggregate';
import { type ExposureCatalog, ExposureRows, exposureUniverse, type OnlineExposure } from './exposure';
import { type Interval, sampleSizePerGroup, twoProportionTest, wilsonInterval } from './stats';

/** The k of CTR@k in the report. */
export const CTR_AT = [1, 3, 5, 10] as const;

export interface Rate {
  rate: number;
  low: number;
  high: number;
}

export interface MetricsRow {
  modelVersion?: string;
  variant?: string | null;
  recommendations: number;
  impressions: number;
  clicks: number;
  /** clicks / impressions, 95% Wilson interval; null before any impression. */
  ctr: Rate | null;
  /** CTR over impressions at positions 1..k (impressions without a position are left out). */
  ctrAt: Record<string, number | null>;
  conversions: number;
  /** recommendations with a purchase / recommendations shown. */
  conversionRate: Rate | null;
  purchases: number;
  revenue: number;
  revenuePerRecommendation: number | null;
  itemsShown: number;
  /** itemsShown / items the served model knows; null when that is unknown. */
  coverage: number | null;
  /** Exposure of what was shown in the top-10 (shared/online/exposure.ts); null before any such impression. */
  exposure?: OnlineExposure | null;
}

export type Decision = 'better' | 'worse' | 'no significant difference' | 'too small to decide';

export interface Comparison {
  variant: string;
  metric: 'ctr' | 'conversion';
  /** The variant's rate minus control's, with its interval at the experiment's level. */
  difference: number | null;
  interval: Interval | null;
  z: number | null;
  pValue: number | null;
  /** Units (impressions / recommendations) each side needs to detect the minimum lift with the stated power. */
  neededPerVariant: number | null;
  decision: Decision;
}

export interface ExperimentReport {
  experimentId: string;
  status: Experiment['status'];
  control: string;
  alpha: number;
  power: number;
  minDetectableEffect: number;
  variants: MetricsRow[];
  comparisons: Comparison[];
}

export interface OnlineReport {
  /** Events received up to this time are counted; null before the first run. */
  countedUntil: string | null;
  updatedAt: string | null;
  totals: MetricsRow;
  byModelVersion: MetricsRow[];
  byVariant: MetricsRow[];
  experiment: ExperimentReport | null;
  /** Clicks and purchases that named a recommendation the job could not attribute (unknown, expired, other user). */
  unattributed: number;
}

function add(into: Counts, c: Counts): void {
  into.recommendations += c.recommendations;
  into.impressions += c.impressions;
  into.clicks += c.clicks;
  into.conversions += c.conversions;
  into.purchases += c.purchases;
  into.revenue += c.revenue;
  for (let p = 0; p < TRACKED_POSITIONS; p++) {
    into.impressionsAt[p] += c.impressionsAt[p] ?? 0;
    into.clicksAt[p] += c.clicksAt[p] ?? 0;
  }
}

const rate = (x: number, n: number, alpha: number): Rate | null =>
  n > 0 ? { rate: x / n, ...wilsonInterval(x, n, alpha) } : null;

export function metricsRow(c: Counts, itemsShown: number, catalogItems: number | null, alpha = 0.05): MetricsRow {
  const ctrAt: Record<string, number | null> = {};
  for (const k of CTR_AT) {
    let n = 0;
    let x = 0;
    for (let p = 0; p < k; p++) {
      n += c.impressionsAt[p];
      x += c.clicksAt[p];
    }
    ctrAt[String(k)] = n > 0 ? x / n : null;
  }
  return {
    recommendations: c.recommendations,
    impressions: c.impressions,
    clicks: c.clicks,
    ctr: rate(c.clicks, c.impressions, alpha),
    ctrAt,
    conversions: c.conversions,
    conversionRate: rate(c.conversions, c.recommendations, alpha),
    purchases: c.purchases,
    revenue: c.revenue,
    revenuePerRecommendation: c.recommendations > 0 ? c.revenue / c.recommendations : null,
    itemsShown,
    coverage: catalogItems && catalogItems > 0 ? Math.min(1, itemsShown / catalogItems) : null,
  };
}

interface Rolled {
  counts: Counts;
  /** The groups summed (their items and exposure counters are measured by ExposureRows). */
  groups: Group[];
}

const emptyRolled = (): Rolled => ({ counts: emptyCounts(), groups: [] });

/** Sums groups' counts by a key. */
function rollUp(state: OnlineState, keyOf: (g: { modelVersion: string; variant: string | null }) => string) {
  const out = new Map<string, Rolled>();
  for (const g of Object.values(state.groups)) {
    const k = keyOf(g);
    let r = out.get(k);
    if (!r) out.set(k, (r = emptyRolled()));
    add(r.counts, g.counts);
    r.groups.push(g);
  }
  return out;
}

/**
 * One variant against control on one metric. The needed sample is for the
 * experiment's planned baseline rate (else control's observed one) and its
 * minimum relative lift; below it on either
 * side the answer is "too small to decide", whatever the p-value says (peeking
 * at a small sample would otherwise declare winners that are noise).
 */
export function compare(
  metric: Comparison['metric'],
  variant: string,
  x1: number,
  n1: number,
  x0: number,
  n0: number,
  exp: Pick<Experiment, 'alpha' | 'power' | 'minDetectableEffect' | 'baseline'>,
): Comparison {
  const test = twoProportionTest(x1, n1, x0, n0, exp.alpha);
  const p0 = exp.baseline?.[metric] ?? (n0 > 0 ? x0 / n0 : 0);
  const needed =
    p0 > 0 && p0 < 1
      ? sampleSizePerGroup(p0, Math.min(0.999, p0 * (1 + exp.minDetectableEffect)), exp.alpha, exp.power)
      : null;
  let decision: Decision = 'too small to decide';
  if (test && needed !== null && Number.isFinite(needed) && Math.min(n0, n1) >= needed) {
    decision = test.pValue < exp.alpha ? (test.difference > 0 ? 'better' : 'worse') : 'no significant difference';
  }
  return {
    variant,
    metric,
    difference: test?.difference ?? null,
    interval: test?.interval ?? null,
    z: test?.z ?? null,
    pValue: test?.pValue ?? null,
    neededPerVariant: needed !== null && Number.isFinite(needed) ? needed : null,
    decision,
  };
}

/**
 * `catalog` (the served model's items and the catalog's categories) is what
 * exposure is measured over; without it, the items the state has seen.
 */
export function buildReport(
  state: OnlineState | null,
  experiment: Experiment | null,
  catalogItems: number | null,
  catalog?: ExposureCatalog | null,
): OnlineReport {
  const s = state ?? { groups: {}, watermark: 0, updatedAt: 0, unattributed: 0 };
  const st = s as OnlineState;
  const all = rollUp(st, () => '');
  const total = all.get('') ?? emptyRolled();
  const byVersion = rollUp(st, (g) => g.modelVersion);
  const byVariant = rollUp(st, (g) => g.variant ?? '');
  // every item any group showed is in the universe, so each row's distinct items are counted by index;
  // before anything was shown there is nothing to measure against the catalog
  const shownItems = function* () {
    for (const g of total.groups) yield* g.items;
  };
  const anyShown = total.groups.some((g) => g.items.length > 0);
  const measured = new ExposureRows(exposureUniverse(st, shownItems(), anyShown ? catalog : null));
  const row = (r: Rolled): MetricsRow => {
    const m = measured.measure(r.groups);
    return { ...metricsRow(r.counts, m.itemsShown, catalogItems), exposure: m.exposure };
  };
  let experimentReport: ExperimentReport | null = null;
  if (experiment) {
    const labelOf = (name: string) => variantLabel(experiment.experimentId, name);
    const of = (name: string) => byVariant.get(labelOf(name)) ?? emptyRolled();
    const ctl = of(experiment.control).counts;
    const comparisons: Comparison[] = [];
    for (const v of experiment.variants) {
      if (v.name === experiment.control) continue;
      const c = of(v.name).counts;
      const label = labelOf(v.name);
      comparisons.push(compare('ctr', label, c.clicks, c.impressions, ctl.clicks, ctl.impressions, experiment));
      comparisons.push(
        compare(
          'conversion',
          label,
          c.conversions,
          c.recommendations,
          ctl.conversions,
          ctl.recommendations,
          experiment,
        ),
      );
    }
    experimentReport = {
      experimentId: experiment.experimentId,
      status: experiment.status,
      control: labelOf(experiment.control),
      alpha: experiment.alpha,
      power: experiment.power,
      minDetectableEffect: experiment.minDetectableEffect,
      variants: experiment.variants.map((v) => ({ variant: labelOf(v.name), ...row(of(v.name)) })),
      comparisons,
    };
  }
  return {
    countedUntil: s.watermark > 0 ? new Date(s.watermark).toISOString() : null,
    updatedAt: s.updatedAt > 0 ? new Date(s.updatedAt).toISOString() : null,
    totals: row(total),
    byModelVersion: [...byVersion]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, r]) => ({ modelVersion: k, ...row(r) })),
    byVariant: [...byVariant]
      .filter(([k]) => k !== '')
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, r]) => ({ variant: k, ...row(r) })),
    experiment: experimentReport,
    unattributed: s.unattributed,
  };
}
