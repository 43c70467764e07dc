import type { AlsParams } from '../../../shared/math/als';
import type { ModelStore } from '../../../shared/ports/model-store';
import type { TrainingStore } from '../../../shared/ports/training';
import type { Dataset } from '../../../shared/training/dataset';
import { arrayOf } from '../../../shared/training/distributed/blob';
import { keys, readBlob } from '../../../shared/training/distributed/layout';
import type { DistributedConfig, StepDeps } from '../../../shared/training/distributed/record';
import { trainPipeline } from '../../../shared/training/pipeline';

export const quiet = { info: () => {}, warn: () => {} };

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
