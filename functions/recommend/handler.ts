/** Recommend: recommendations, ranking, similar items and health from the cached model. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { loadConfig } from '../../shared/config';
import { createHttpHandler } from '../../shared/http/api';
import { createRecommendService } from '../../shared/serving/service';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { DynamoExperimentStore } from '../../shared/experiments/dynamo-store';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { DynamoRuleStore } from '../../shared/storage/dynamodb/rules';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { API_METRICS as M } from '../../shared/topology';
import { countingLogger, instrument, observeRoutes, observedLogger, powertools } from '../observe';

const config = loadConfig();
const pt = powertools();
const doc = pt.tracer.captureAWSv3Client(dynamoDocumentClient());
const service = createRecommendService(config, {
  logger: countingLogger(pt),
  store: new DynamoInteractionStore(doc, config.tableName),
  experiments: new DynamoExperimentStore(doc, config.tableName),
  rules: new DynamoRuleStore(doc, config.tableName),
  modelStore: new S3ModelStore(pt.tracer.captureAWSv3Client(s3Client()), config.bucketName),
});

// Load the model during init (full CPU, and frozen into provisioned-concurrency
// snapshots): the first request finds it in memory. warm() never rejects.
await service.warm();

// Answers by source (personalized / fold-in / popular) as their own dimension.
const answered = (res: { status: number; body?: unknown }, ms: number) => {
  const source = (res.body as { source?: string } | undefined)?.source;
  pt.metrics.addMetric(M.coreLatency, MetricUnit.Milliseconds, ms);
  if (source) pt.metrics.singleMetric().addDimension('source', source).addMetric(M.answers, MetricUnit.Count, 1);
};
const routes = observeRoutes(service.routes, {
  'GET /users/{userId}/recommendations': answered,
  'POST /users/{userId}/rank': answered,
  'GET /items/{itemId}/similar': answered,
});

const logger = observedLogger(pt);
export const handler = instrument(
  pt,
  createHttpHandler('Recommend', routes, { authMode: config.authMode, adminGroup: config.adminGroup, logger }),
);
