/**
 * The online job as the Train function runs it after each training run: reads
 * the events received since the last run (received-time index), updates the
 * online state beside latest.json and publishes what it added as EMF metrics.
 * It never fails the training run: an error is logged and the next run retries
 * from the same watermark.
 */
import type { AttuneConfig } from '../../shared/config';
import { runOnlineJob } from '../../shared/online/job';
import { buildReport } from '../../shared/online/report';
import { servedItemCatalog } from '../../shared/online/served-catalog';
import { DynamoReceivedSource } from '../../shared/online/source';
import { modelStoreState } from '../../shared/online/state-store';
import type { ModelStore } from '../../shared/ports/model-store';
import type { Doc } from '../../shared/storage/dynamodb/call';
import type { Powertools } from '../observe';
import { emitOnlineMetrics } from './emit';

export function onlineRefresher(
  pt: Powertools,
  config: Pick<AttuneConfig, 'tableName' | 'modelPrefix'>,
  doc: Doc,
  models: ModelStore,
  erased: () => Promise<{ userId: string }[]>,
): () => Promise<void> {
  const state = modelStoreState(models, config.modelPrefix);
  // Tests and demos may count the newest events at once; deployments keep the default.
  const settle = Number(process.env.ATTUNE_ONLINE_SETTLE_SECONDS);
  const settleMs = Number.isFinite(settle) && settle >= 0 ? settle * 1000 : undefined;
  const source = new DynamoReceivedSource(doc, config.tableName);
  return async () => {
    try {
      const r = await runOnlineJob({
        source,
        state,
        settleMs,
        erasedUsers: async () => new Set((await erased()).map((e) => e.userId)),
        log: (message, extra) => pt.logger.warn(message, extra ?? {}),
      });
      // exposure is measured over the served model's items; without them (none published, unreadable) no
      // exposure points, and the run's counts are still sent (the state is saved: they would not come again)
      const exposure = async () => {
        const catalog = await servedItemCatalog(models, config.modelPrefix);
        return catalog ? buildReport(r.state, null, null, catalog) : null;
      };
      const report = await exposure().catch((err) => {
        pt.logger.warn('online exposure metrics not published this run', { error: err });
        return null;
      });
      emitOnlineMetrics(pt.metrics, r.delta, report);
      pt.logger.info('online metrics updated', {
        events: r.events,
        countedUntil: new Date(r.state.watermark).toISOString(),
      });
    } catch (err) {
      pt.logger.error('online metrics not updated (the next run retries)', { error: err });
    }
  };
}
