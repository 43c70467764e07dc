/**
 * CloudWatch metrics of the online job (EMF through Powertools, namespace Attune):
 * what each run added, as counts, so any period's sums give its CTR and
 * conversion rate by metric math. One set with the service dimension only
 * (totals) and one per experiment variant (dimension `variant`); model versions
 * change every training run, so they stay out of dimensions (GET /metrics/online has them).
 */
import { type Delta, UNKNOWN_VERSION } from './aggregate';
import type { MetricsRow, OnlineReport } from './report';

export const ONLINE_METRICS = {
  impressions: 'OnlineImpressions',
  clicks: 'OnlineClicks',
  recommendations: 'OnlineRecommendations',
  conversions: 'OnlineConversions',
  revenue: 'OnlineRevenue',
} as const;

export interface MetricPoint {
  name: string;
  value: number;
  /** The variant label, or absent for the totals. */
  variant?: string;
}

/** The points one run publishes: totals always (zeros included, so alarms see a heartbeat), variants when present. */
export function metricPoints(delta: Delta): MetricPoint[] {
  const sum = (variant: string | null | undefined) => {
    const t = { impressions: 0, clicks: 0, recommendations: 0, conversions: 0, revenue: 0 };
    for (const d of delta.values()) {
      if (variant !== undefined && d.variant !== variant) continue;
      t.impressions += d.counts.impressions;
      t.clicks += d.counts.clicks;
      t.recommendations += d.counts.recommendations;
      t.conversions += d.counts.conversions;
      t.revenue += d.counts.revenue;
    }
    return t;
  };
  const points = (t: ReturnType<typeof sum>, variant?: string): MetricPoint[] =>
    (Object.keys(ONLINE_METRICS) as (keyof typeof ONLINE_METRICS)[]).map((k) => ({
      name: ONLINE_METRICS[k],
      value: t[k],
      ...(variant ? { variant } : {}),
    }));
  const variants = [...new Set([...delta.values()].map((d) => d.variant).filter((v): v is string => v !== null))];
  return [...points(sum(undefined)), ...variants.sort().flatMap((v) => points(sum(v), v))];
}

/**
 * Exposure of what was shown (top-10, the report's `exposure`): levels over the
 * state's window, not per-run counts, so CloudWatch's Average/Maximum of a
 * period read them (never Sum).
 */
export const EXPOSURE_METRICS = {
  gini: 'OnlineExposureGini',
  coverage: 'OnlineExposureCoverage',
  longTail: 'OnlineLongTailShare',
} as const;

/**
 * Dimension bounds: a version gets its own series only while it is among the
 * 3 newest that showed anything in the window (versions are hourly, so older
 * ones stop publishing and their series age out), and at most 10 variants (an
 * experiment's most) by exposure impressions. At most 1 + 3 + 10 rows a run.
 */
export const MAX_VERSION_DIMENSIONS = 3;
export const MAX_VARIANT_DIMENSIONS = 10;

export interface ExposurePoint {
  name: string;
  value: number;
  /** Absent for the totals; one of `modelVersion` or `variant` otherwise. */
  dimension?: { name: 'modelVersion' | 'variant'; value: string };
}

/** Versions the state groups under that are not versions: no series of their own. */
const NOT_VERSIONS = new Set([UNKNOWN_VERSION, 'other']);

/** The exposure points of a report: totals, the newest versions', the busiest variants'; rows with no exposure none. */
export function exposurePoints(report: Pick<OnlineReport, 'totals' | 'byModelVersion' | 'byVariant'>): ExposurePoint[] {
  const of = (row: MetricsRow, dimension?: ExposurePoint['dimension']): ExposurePoint[] => {
    const e = row.exposure;
    if (!e) return [];
    const values = { gini: e.gini, coverage: e.coverage, longTail: e.longTail };
    return (Object.keys(EXPOSURE_METRICS) as (keyof typeof EXPOSURE_METRICS)[])
      .filter((k) => Number.isFinite(values[k]))
      .map((k) => ({ name: EXPOSURE_METRICS[k], value: values[k], ...(dimension ? { dimension } : {}) }));
  };
  const versions = report.byModelVersion
    .filter((r) => r.exposure && r.modelVersion && !NOT_VERSIONS.has(r.modelVersion))
    .sort((a, b) => (a.modelVersion! < b.modelVersion! ? 1 : -1))
    .slice(0, MAX_VERSION_DIMENSIONS);
  const variants = report.byVariant
    .filter((r) => r.exposure && r.variant)
    .sort((a, b) => b.exposure!.impressions - a.exposure!.impressions || (a.variant! < b.variant! ? -1 : 1))
    .slice(0, MAX_VARIANT_DIMENSIONS);
  return [
    ...of(report.totals),
    ...versions.flatMap((r) => of(r, { name: 'modelVersion', value: r.modelVersion! })),
    ...variants.flatMap((r) => of(r, { name: 'variant', value: r.variant! })),
  ];
}
