/**
 * The online job's EMF metrics (Powertools): what the run added as counts,
 * totals and per variant (shared/online/metrics.ts), and the exposure levels of
 * the state's window per newest model versions and variants.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Delta } from '../../shared/online/aggregate';
import { exposurePoints, metricPoints } from '../../shared/online/metrics';
import type { OnlineReport } from '../../shared/online/report';

export function emitOnlineMetrics(
  metrics: Metrics,
  delta: Delta,
  report: Pick<OnlineReport, 'totals' | 'byModelVersion' | 'byVariant'> | null,
): void {
  for (const p of metricPoints(delta)) {
    const unit = p.name === 'OnlineRevenue' ? MetricUnit.NoUnit : MetricUnit.Count;
    if (p.variant) metrics.singleMetric().addDimension('variant', p.variant).addMetric(p.name, unit, p.value);
    else metrics.addMetric(p.name, unit, p.value);
  }
  if (!report) return;
  for (const p of exposurePoints(report)) {
    // a singleMetric is its own EMF line, so its dimension never mixes with the run's totals
    const m = metrics.singleMetric();
    if (p.dimension) m.addDimension(p.dimension.name, p.dimension.value);
    m.addMetric(p.name, MetricUnit.NoUnit, p.value);
  }
}
