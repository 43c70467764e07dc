/**
 * GET /metrics/online (admin): the online report from the job's last state,
 * with the running experiment (else the most recently updated one) compared
 * variant by variant. Served by Recommend, which reads the state from the
 * model store and knows the served model's item count (coverage).
 */
import type { RouteImpl } from '../http/api';
import { validate } from '../http/validation';
import type { Experiment } from '../experiments/schema';
import { NoQuery } from '../serving/schemas';
import type { CatalogCache } from '../serving/catalog';
import type { ModelCache } from '../serving/model-cache';
import type { ExposureCatalog } from './exposure';
import { buildReport } from './report';
import type { OnlineStateStore } from './state-store';

export interface OnlineRouteDeps {
  state: Pick<OnlineStateStore, 'load'> | null;
  /** Every experiment (the cache's list), or none. */
  experiments: () => Promise<readonly Experiment[]>;
  /** Items the served model knows, or null. */
  catalogItems: () => number | null;
  /** What exposure is measured over (the served model's items, the catalog's categories); null: the state's items. */
  exposureCatalog?: () => Promise<ExposureCatalog | null>;
}

/** The served model's items with the catalog's categories (none while the catalog cannot be read). */
export function servedExposureCatalog(
  models: Pick<ModelCache, 'peek'>,
  catalog: Pick<CatalogCache, 'refresh' | 'ready' | 'viewOf'>,
): () => Promise<ExposureCatalog | null> {
  return async () => {
    const pm = models.peek();
    if (!pm) return null;
    await catalog.refresh();
    if (!catalog.ready) return { itemIds: pm.model.itemIds };
    const view = catalog.viewOf(pm.itemIndex, pm.items);
    const properties = new Map<string, Readonly<Record<string, unknown>>>();
    view.forEachRecord((_, r) => {
      if (r.properties) properties.set(r.itemId, r.properties);
    });
    return {
      itemIds: pm.model.itemIds,
      categoriesOf: (id) => view.categoriesOf(pm.itemIndex.get(id) ?? -1),
      propertiesOf: (id) => properties.get(id),
    };
  };
}

/** The experiment the report is about: the running one, else the latest updated. */
export function reportedExperiment(all: readonly Experiment[]): Experiment | null {
  const running = all.filter((e) => e.status === 'running').sort((a, b) => (a.experimentId < b.experimentId ? -1 : 1));
  if (running.length > 0) return running[0];
  return [...all].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))[0] ?? null;
}

export function onlineRoutes(deps: OnlineRouteDeps): Record<string, RouteImpl> {
  return {
    'GET /metrics/online': async (req) => {
      validate(NoQuery, req.query, 'invalid_query');
      const [state, experiments, catalog] = await Promise.all([
        deps.state?.load() ?? null,
        deps.experiments(),
        deps.exposureCatalog?.() ?? null,
      ]);
      const report = buildReport(state, reportedExperiment(experiments), deps.catalogItems(), catalog);
      return { status: 200, body: report, headers: { 'cache-control': 'no-store' } };
    },
  };
}
