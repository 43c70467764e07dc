/**
 * CloudWatch metrics of the online job (EMF through Powertools, namespace Attune):
 * what each run added, as counts, so any period's sums give its CTR and
 * conversion rate by metric math. One set with the service dimension only
 * (totals) and one per experiment variant (dimension `variant`); model versions
 * change every training run, so they stay out of dimensions (GET /metrics/online has them).
 */
import type { Delta } from './aggregate';

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
