/** TrainControl: the training state machine's control steps (shared/training/distributed does the work). */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../../shared/config';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { DynamoTableExport, EXPORT_PREFIX } from '../../shared/storage/aws/export';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { DynamoTrainingStore } from '../../shared/storage/dynamodb/training';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { DynamoExperimentStore } from '../../shared/experiments/dynamo-store';
import { metadataOf } from '../../shared/training/metadata';
import { experimentModels } from '../../shared/training/variant-kinds';
import { controlStep } from '../../shared/training/distributed/dispatch';
import type { StepDeps, StepSummary } from '../../shared/training/distributed/record';
import { FUNCTIONS, TRAIN_METRICS as M, TRAINING_WORKFLOW, WORKFLOW_PREFIX } from '../../shared/topology';
import { instrument, observedLogger, powertools } from '../observe';
import { checkControlEvent, stepOf } from './validate';

// Adapters live across warm invocations: one client pool, no per-step setup.
const config = loadConfig();
const pt = powertools();
const logger = observedLogger(pt);
const models = new S3ModelStore(pt.tracer.captureAWSv3Client(s3Client()), config.bucketName);
// Prepare reads as Train does: snapshot + delta, and full rebuilds from a point-in-time export (the table's ARN set).
const exporter = config.tableArn
  ? new DynamoTableExport(pt.tracer.captureAWSv3Client(new DynamoDBClient({})), models, {
      tableArn: config.tableArn,
      bucket: config.bucketName,
      prefix: EXPORT_PREFIX,
    })
  : undefined;
const experiments = new DynamoExperimentStore(pt.tracer.captureAWSv3Client(dynamoDocumentClient()), config.tableName);
const deps: StepDeps = {
  store: new DynamoTrainingStore(pt.tracer.captureAWSv3Client(dynamoDocumentClient()), config.tableName, {
    exporter,
  }),
  models,
  prefix: config.modelPrefix,
  scratch: WORKFLOW_PREFIX,
  config: {
    ...config,
    shardInteractions: TRAINING_WORKFLOW.shardInteractions,
    shardMemoryMb: FUNCTIONS[TRAINING_WORKFLOW.functions.shard].memoryMb,
  },
  logger: {
    info: (message, extra = {}) => logger.info(message, extra),
    warn: (message, extra = {}) => logger.warn(message, extra),
  },
  // versions A/B experiments pin survive retention, as on Train's path
  pinned: async () => experimentModels(await experiments.list()).pinned,
  // the catalog and user attributes, as Train reads them: the neural ranker's input (FitRanker)
  metadata: metadataOf(
    new DynamoInteractionStore(pt.tracer.captureAWSv3Client(dynamoDocumentClient()), config.tableName),
  ),
};

/** A run that ended here emits what Train emits, so the failure and staleness alarms see both paths. */
function emitRun(s: StepSummary): void {
  pt.metrics.addMetric(M.runs, MetricUnit.Count, 1);
  pt.metrics.addMetric(M.failures, MetricUnit.Count, s.decision === 'failed' ? 1 : 0);
  pt.metrics.addMetric(M.published, MetricUnit.Count, s.decision === 'published' ? 1 : 0);
  if (s.decision === 'published' || s.decision === 'skipped') pt.metrics.addMetric(M.succeeded, MetricUnit.Count, 1);
  if (s.metrics?.ndcg10 !== undefined) pt.metrics.addMetric(M.ndcg10, MetricUnit.NoUnit, s.metrics.ndcg10);
  pt.metrics.addMetric(M.seconds, MetricUnit.Seconds, (s.timings.total ?? 0) / 1000);
  if (s.modelAgeSeconds !== undefined) pt.metrics.addMetric(M.modelAge, MetricUnit.Seconds, s.modelAgeSeconds);
}

export const handler = instrument(pt, async (event: Record<string, unknown>, context?: Context) => {
  try {
    // per invocation: Prepare's tuning stops in time to lay the run out before the Lambda ends
    const deadline = context ? Date.now() + context.getRemainingTimeInMillis() : undefined;
    checkControlEvent(event);
    const out = (await controlStep({ ...deps, deadline }, event)) as Partial<StepSummary> & { summary?: StepSummary };
    // publish/reject/fail return the run's summary; prepare returns one when it ended the run (locked, skipped)
    const ended = out.summary ?? (out.path === 'distributed' ? (out as StepSummary) : undefined);
    if (ended && ended.decision !== 'locked') emitRun(ended);
    return out;
  } catch (err) {
    logger.error('training step failed', { step: stepOf(event), error: err });
    // Rethrow: the state machine's Retry and Catch decide what happens next.
    throw err;
  }
});
