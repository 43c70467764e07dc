/** Train: the EventBridge-scheduled retraining run (shared/training/job.ts does the work). */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { loadConfig } from '../../shared/config';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { DynamoTrainingStore } from '../../shared/storage/dynamodb/training';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { runTrainingJob, type JobSummary } from '../../shared/training/job';
import { METRICS_NAMESPACE, SERVICE_NAME, TRAIN_METRICS as M } from '../../shared/topology';

// Adapters live across warm invocations: one client pool, no per-run setup.
const config = loadConfig();
const logger = new Logger({ serviceName: SERVICE_NAME });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
const store = new DynamoTrainingStore(dynamoDocumentClient(), config.tableName);
const models = new S3ModelStore(s3Client(), config.bucketName);
const jobLogger = {
  info: (message: string, extra: Record<string, unknown> = {}) => logger.info(message, extra),
  warn: (message: string, extra: Record<string, unknown> = {}) => logger.warn(message, extra),
};

export const handler = async (): Promise<JobSummary> => {
  metrics.addMetric(M.runs, MetricUnit.Count, 1);
  try {
    const summary = await runTrainingJob({ store, models, prefix: config.modelPrefix, config, logger: jobLogger });
    metrics.addMetric(M.failures, MetricUnit.Count, 0);
    metrics.addMetric(M.published, MetricUnit.Count, summary.decision === 'published' ? 1 : 0);
    metrics.addMetric(M.seconds, MetricUnit.Seconds, (summary.timings.total ?? 0) / 1000);
    if (summary.modelAgeSeconds !== undefined) metrics.addMetric(M.modelAge, MetricUnit.Seconds, summary.modelAgeSeconds);
    return summary;
  } catch (err) {
    logger.error('training failed', err as Error);
    metrics.addMetric(M.failures, MetricUnit.Count, 1);
    // Rethrow: the schedule's retry policy and DLQ must see the failure.
    throw err;
  } finally {
    metrics.publishStoredMetrics();
  }
};
