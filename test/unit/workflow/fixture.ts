import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runWorkflowLocally, type LocalHandler } from '../../../infra/local/train-workflow';
import type { CatalogItem, Interaction } from '../../../shared/events';
import type { AlsParams } from '../../../shared/math/als';
import type { ModelStore } from '../../../shared/ports/model-store';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { controlStep, shardStep } from '../../../shared/training/distributed/dispatch';
import type { WorkflowFunction } from '../../../shared/workflow/definition';
import type { TrainingStore } from '../../../shared/ports/training';
import { DEFAULT_USER_CAP, type Dataset } from '../../../shared/training/dataset';
import { arrayOf } from '../../../shared/training/distributed/blob';
import { keys, readBlob } from '../../../shared/training/distributed/layout';
import type { DistributedConfig, StepDeps } from '../../../shared/training/distributed/record';
import { readTrainingMetadata, type MetadataSource } from '../../../shared/training/metadata';
import { trainPipeline } from '../../../shared/training/pipeline';
import { loadTrainingData } from '../../../shared/training/snapshot/load';
import { plantedWithMetadata } from '../neural/planted';

export const quiet = { info: () => {}, warn: () => {} };

/**
 * The array-buffer bytes alive after a full gc: the bound tests' measure. Array buffers are otherwise
 * freed on a background thread after gc(), so the count would lag.
 */
export function residentBuffers(): () => number {
  setFlagsFromString('--expose-gc');
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  const gc = runInNewContext('gc') as () => void;
  return () => (gc(), process.memoryUsage().arrayBuffers);
}

/**
 * The large path's steps over given stores, as the workflow tests run them: the path forced (threshold 1),
 * no tuning and small shards unless a test says otherwise.
 */
export function largePathDeps(
  store: TrainingStore,
  models: ModelStore,
  config: Partial<DistributedConfig> = {},
): StepDeps {
  return {
    store,
    models,
    prefix: 'models/',
    scratch: 'workflow/',
    logger: quiet,
    config: {
      keepVersions: 3,
      trainBudgetSeconds: 5,
      gateTolerance: 0.02,
      leaseSeconds: 600,
      tune: false,
      distributedMinInteractions: 1,
      shardInteractions: 400,
      ...config,
    },
  };
}

/** The single path's pipeline at the large path's test settings: the reference a large run must match. */
export function singlePath(d: Dataset, params: Partial<AlsParams>) {
  return trainPipeline(d, {
    kind: 'als',
    params,
    tune: false,
    budgetSeconds: 60,
    seed: 42,
    split: 'user',
    evaluate: true,
    version: 'v',
    createdAt: new Date().toISOString(),
  });
}

/** The run's dataset file read whole (what the steps used to hold; the tests' whole-data reference). */
export async function readRunDataset(models: ModelStore, runId: string): Promise<Dataset> {
  const b = await readBlob<Dataset>(models, keys('workflow/', runId).data);
  return {
    ...b.meta,
    pairUser: arrayOf(b, 'pairUser', Int32Array),
    pairItem: arrayOf(b, 'pairItem', Int32Array),
    pairWeight: arrayOf(b, 'pairWeight', Float32Array),
    pairTime: arrayOf(b, 'pairTime', Float64Array),
  };
}

/** Sparse planted data whose item categories are the clusters users prefer (the ranker wins on it). */
export function plantedShop() {
  const p = plantedWithMetadata({ users: 800, items: 400, clusters: 8, eventsPerUser: 5, seed: 3, informative: true });
  const events: Interaction[] = [];
  const base = Date.UTC(2026, 0, 10);
  for (let u = 0; u < p.ui.rows; u++)
    for (let q = p.ui.indptr[u]!; q < p.ui.indptr[u + 1]!; q++)
      for (let c = 0; c < p.ui.data[q]!; c++) {
        const n = events.length;
        events.push({
          eventId: `e${n}`,
          userId: `u${u}`,
          itemId: `i${p.ui.indices[q]}`,
          type: 'view',
          timestamp: base + n,
          receivedAt: base + n,
        });
      }
  const bags = p.meta.itemBags!;
  const catalog: CatalogItem[] = Array.from({ length: p.ui.cols }, (_, i) => ({
    itemId: `i${i}`,
    categories: Array.from(bags.indices.subarray(bags.indptr[i], bags.indptr[i + 1]), (t) => `k${t}`),
    available: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  }));
  return { events, metadata: { listCatalog: async () => catalog } satisfies MetadataSource };
}

/** The shop's events read as the single path reads them, with the catalog's metadata: the reference's dataset. */
export async function shopDataset(shop: ReturnType<typeof plantedShop>): Promise<Dataset> {
  const read = await loadTrainingData(new MemoryTrainingStore(shop.events), new MemoryModelStore(), 'training/', {
    erasures: [],
    cap: DEFAULT_USER_CAP,
    now: Date.now(),
  });
  const d = read.dataset;
  d.side = (await readTrainingMetadata(shop.metadata, new Set())).side;
  return d;
}

/** One distributed run of the state machine at these parameters (the input may add or override). */
export const runLarge = (
  h: Record<WorkflowFunction, LocalHandler>,
  params: Partial<AlsParams>,
  input: Record<string, unknown> = {},
) => runWorkflowLocally(h, { distributed: true, params, ...input }) as Promise<Record<string, unknown>>;

/** The large path on the local interpreter over in-memory stores: the tests' handlers and the deps they change. */
export function localLargePath(
  events: Interaction[],
  metadata?: MetadataSource,
  config: Partial<DistributedConfig> = {},
) {
  const store = new MemoryTrainingStore(events);
  const models = new MemoryModelStore();
  const deps: StepDeps = { ...largePathDeps(store, models, config), ...(metadata ? { metadata } : {}) };
  const handlers: Record<WorkflowFunction, LocalHandler> = {
    control: (e) => controlStep(deps, e),
    shard: (e) => shardStep(deps, e),
    single: () => Promise.reject(new Error('the large path was forced')),
  };
  return { store, models, deps, handlers };
}
