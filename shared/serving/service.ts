/**
 * Wires the serving core from configuration: S3 model store, DynamoDB
 * interaction store, model and catalog caches. The Lambda handler calls this
 * once at module scope; tests call it with their own config and adapters.
 */
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { ConfigError, type AttuneConfig } from '../config';
import type { RouteImpl } from '../http/api';
import type { InteractionStore } from '../ports/interactions';
import type { ModelStore } from '../ports/model-store';
import { dynamoDocumentClient, s3Client } from '../storage/aws/clients';
import { DynamoInteractionStore } from '../storage/dynamodb/interactions';
import { S3ModelStore } from '../storage/s3/model-store';
import { CatalogCache } from './catalog';
import { ColdCatalog } from './cold';
import { isUserAttributeStore } from '../ingest/attributes';
import type { Logger } from './context';
import { ExperimentCache } from '../experiments/cache';
import type { ExperimentStore } from '../experiments/store';
import { onlineRoutes, servedExposureCatalog } from '../online/routes';
import { AttributedCore } from '../online/serving';
import { modelStoreState } from '../online/state-store';
import type { ServingCore } from './core';
import { ModelCache, repositorySource, type ModelSource } from './model-cache';
import { recommendRoutes } from './routes';
import { VariantModels } from './variant-models';
import { catalogRoutes } from './catalog-routes';
import { RuleCache } from '../rules/cache';
import type { RuleStore } from '../rules/store';
import { DynamoRuleStore } from '../storage/dynamodb/rules';

export interface RecommendServiceDeps {
  logger?: Pick<PowertoolsLogger, 'info' | 'warn' | 'error'>;
  store?: InteractionStore;
  modelStore?: ModelStore;
  /** Overrides the model store + prefix entirely (tests, benchmarks). */
  modelSource?: ModelSource;
  /** A/B experiments (the table's, from the handler); absent: nobody is assigned. */
  experiments?: ExperimentStore;
  /** Stored filters and promotions (shared/rules); default the table's unless `store` is injected. */
  rules?: RuleStore;
  now?: () => number;
}

export interface RecommendService {
  core: ServingCore;
  models: ModelCache;
  catalog: CatalogCache;
  routes: Record<string, RouteImpl>;
  /** Starts loading the model and catalog; never rejects. */
  warm(): Promise<void>;
}

/** Builds the Recommend service. Throws ConfigError when no bucket is configured. */
export function createRecommendService(config: AttuneConfig, deps: RecommendServiceDeps = {}): RecommendService {
  const logger = deps.logger;
  const log: Logger = (level, message, extra) => logger?.[level](message, extra ?? {});
  // The model store also holds the online job's state (GET /metrics/online).
  const modelStore =
    deps.modelStore ??
    (config.bucketName && !deps.modelSource ? new S3ModelStore(s3Client(), config.bucketName) : null);
  let source = deps.modelSource;
  if (!source) {
    if (!modelStore) throw new ConfigError('ATTUNE_BUCKET is not set (the Recommend function reads models from it)');
    source = repositorySource(modelStore, config.modelPrefix, {
      maxUsersInMemory: config.servingMaxUsers,
    });
  }
  const store = deps.store ?? new DynamoInteractionStore(dynamoDocumentClient(), config.tableName);
  const models = new ModelCache(source, { refreshSeconds: config.modelRefreshSeconds, now: deps.now, log });
  // pinned versions and kinds' channels that A/B variants name, beside the latest (./variant-models.ts)
  const variants = new VariantModels(models, source, {
    refreshSeconds: config.modelRefreshSeconds,
    now: deps.now,
    log,
  });
  const cold = new ColdCatalog();
  const catalog = new CatalogCache(cold.tap(store), {
    refreshSeconds: config.modelRefreshSeconds,
    now: deps.now,
    onError: (message, err) => log('warn', message, { error: err }),
  });
  // stored filters and promotions: from the table, unless a test injected its own stores
  const ruleStore =
    deps.rules ?? (deps.store ? undefined : new DynamoRuleStore(dynamoDocumentClient(), config.tableName));
  const rules = ruleStore
    ? new RuleCache(ruleStore, {
        refreshSeconds: config.modelRefreshSeconds,
        now: deps.now,
        onError: (message, err) => log('warn', message, { error: err }),
      })
    : undefined;
  const experiments = deps.experiments
    ? new ExperimentCache(deps.experiments, {
        refreshSeconds: config.modelRefreshSeconds,
        now: deps.now,
        onError: (message, err) => log('warn', message, { error: err }),
      })
    : null;
  const core: ServingCore = new AttributedCore(
    {
      models,
      catalog,
      store,
      log,
      refreshSeconds: config.modelRefreshSeconds,
      ratingRange: config.ratingRange,
      cold,
      exploreShare: config.exploreShare,
      // declared interests for users served popular items (./interests.ts)
      attributes: isUserAttributeStore(store) ? store : undefined,
      rules,
      variants,
      now: deps.now,
    },
    experiments,
  );
  const online = onlineRoutes({
    state: modelStore ? modelStoreState(modelStore, config.modelPrefix) : null,
    experiments: async () => {
      if (!experiments) return [];
      await experiments.running();
      // never read: the report would silently lack the running experiment's A/B section (503 from the store's error)
      if (!experiments.loaded) throw experiments.lastError ?? new Error('experiments not read');
      return experiments.all();
    },
    catalogItems: () => models.peek()?.model.itemIds.length ?? null,
    exposureCatalog: servedExposureCatalog(models, catalog),
  });
  return {
    core,
    models,
    catalog,
    routes: { ...recommendRoutes(core), ...online, ...catalogRoutes(store) },
    warm: () => core.warm(),
  };
}
