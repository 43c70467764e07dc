/** Train: the EventBridge-scheduled retraining run (shared/training/job.ts does the work). */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../../shared/config';
import { resolveTrainThreads, setTrainingThreads } from '../../shared/math/parallel/threads';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoTableExport, EXPORT_PREFIX } from '../../shared/storage/aws/export';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { DynamoExperimentStore } from '../../shared/experiments/dynamo-store';
import { DynamoTrainingStore } from '../../shared/storage/dynamodb/training';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { runTrainingJob, type JobSummary } from '../../shared/training/job';
import { metadataOf } from '../../shared/training/metadata';
import { TRAIN_METRICS as M } from '../../shared/topology';
import { onlineRefresher } from '../online/refresh';
import { instrument, observedLogger, powertools } from '../observe';
import { BadStepInput } from '../train-steps/validate';

// Adapters live across warm invocations: one client pool, no per-run setup.
const config = loadConfig();
// ALS uses every vCPU the memory size buys (3008 MB: 2, 10 GB: 6) unless ATTUNE_TRAIN_THREADS says otherwise
setTrainingThreads(resolveTrainThreads(config.trainThreads));
const pt = powertools();
const models = new S3ModelStore(pt.tracer.captureAWSv3Client(s3Client()), config.bucketName);
// With the table's ARN (set by the stack), full rebuilds read a point-in-time export instead of a Scan.
const exporter = config.tableArn
  ? new DynamoTableExport(pt.tracer.captureAWSv3Client(new DynamoDBClient({})), models, {
      tableArn: config.tableArn,
      bucket: config.bucketName,
      prefix: EXPORT_PREFIX,
    })
  : undefined;
const store = new DynamoTrainingStore(pt.tracer.captureAWSv3Client(dynamoDocumentClient()), config.tableName, {
  exporter,
});
// the catalog (Directory index) and user attributes: item and user metadata for the models
const metadata = metadataOf(
  new DynamoInteractionStore(pt.tracer.captureAWSv3Client(dynamoDocumentClient()), config.tableName),
);
const logger = observedLogger(pt);
const jobLogger = {
  info: (message: string, extra: Record<string, unknown> = {}) => logger.info(message, extra),
  warn: (message: string, extra: Record<string, unknown> = {}) => logger.warn(message, extra),
};

// After each run the online metrics (attribution, A/B) catch up with the events received meanwhile.
const doc = pt.tracer.captureAWSv3Client(dynamoDocumentClient());
const refreshOnline = onlineRefresher(pt, config, doc, models, () => store.listErasures());
// A/B experiments: their pinned versions survive retention, the kinds they name are fitted too
const experiments = new DynamoExperimentStore(doc, config.tableName);

export const handler = instrument(pt, async (event: unknown, context?: Context): Promise<JobSummary> => {
  pt.metrics.addMetric(M.runs, MetricUnit.Count, 1);
  // The job plans its budget from what is left after the read and stops every
  // stage by this deadline (publish reserved). A direct call without a Lambda
  // context runs on the configured budget alone.
  const remainingMs = context?.getRemainingTimeInMillis?.();
  try {
    // {"rebuild": "true"} quietly ran an incremental read: a manual invoke's typo is an error naming it
    const rebuild = (event as { rebuild?: unknown } | null)?.rebuild;
    if (rebuild !== undefined && typeof rebuild !== 'boolean')
      throw new BadStepInput(`Train: rebuild must be true or false, got ${JSON.stringify(rebuild)}`);
    const summary = await runTrainingJob({
      store,
      models,
      prefix: config.modelPrefix,
      config,
      logger: jobLogger,
      metadata,
      experiments: () => experiments.list(),
      deadline: remainingMs === undefined ? undefined : Date.now() + remainingMs,
      // {"rebuild": true} (a manual invoke) reads the whole table again; the schedule's event never has it.
      rebuild: rebuild === true,
    });
    pt.metrics.addMetric(M.failures, MetricUnit.Count, 0);
    pt.metrics.addMetric(M.published, MetricUnit.Count, summary.decision === 'published' ? 1 : 0);
    // Published, or nothing new to learn: the model is as fresh as the data. A run
    // that found the lease taken says nothing about freshness, so it emits nothing.
    if (summary.decision === 'published' || summary.decision === 'skipped') {
      pt.metrics.addMetric(M.succeeded, MetricUnit.Count, 1);
    }
    if (summary.metrics?.ndcg10 !== undefined)
      pt.metrics.addMetric(M.ndcg10, MetricUnit.NoUnit, summary.metrics.ndcg10);
    pt.metrics.addMetric(M.seconds, MetricUnit.Seconds, (summary.timings.total ?? 0) / 1000);
    if (summary.modelAgeSeconds !== undefined)
      pt.metrics.addMetric(M.modelAge, MetricUnit.Seconds, summary.modelAgeSeconds);
    return summary;
  } catch (err) {
    logger.error('training failed', { error: err });
    pt.metrics.addMetric(M.failures, MetricUnit.Count, 1);
    // Rethrow: the schedule's retry policy and DLQ must see the failure.
    throw err;
  } finally {
    await refreshOnline();
  }
});
