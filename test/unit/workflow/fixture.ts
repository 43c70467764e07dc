import type { ModelStore } from '../../../shared/ports/model-store';
import type { TrainingStore } from '../../../shared/ports/training';
import type { DistributedConfig, StepDeps } from '../../../shared/training/distributed/record';

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
