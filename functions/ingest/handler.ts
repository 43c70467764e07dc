/** Ingest: logs interactions, serves a user their events, catalog upserts and erasure. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { loadConfig } from '../../shared/config';
import { createHttpHandler } from '../../shared/http/api';
import { DynamoExperimentStore } from '../../shared/experiments/dynamo-store';
import { storeCatalog } from '../../shared/experiments/models';
import { experimentRoutes } from '../../shared/experiments/routes';
import { kindNames } from '../../shared/model/kinds';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { ingestRoutes } from '../../shared/ingest/routes';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { DynamoRuleStore } from '../../shared/storage/dynamodb/rules';
import { API_METRICS as M } from '../../shared/topology';
import { instrument, observeRoutes, observedLogger, powertools, timed } from '../observe';

const config = loadConfig();
const pt = powertools();
const doc = pt.tracer.captureAWSv3Client(dynamoDocumentClient());
const store = new DynamoInteractionStore(doc, config.tableName, { retentionDays: config.retentionDays });
const experiments = new DynamoExperimentStore(doc, config.tableName);

type Batch = { accepted?: number; rejected?: unknown[]; failed?: unknown[] };
const core = {
  store: timed(store, ['putEvents'], pt, M.storeLatency),
  authMode: config.authMode,
  ratingRange: config.ratingRange,
  rules: new DynamoRuleStore(doc, config.tableName),
};
// experiments' pinned versions are checked against the published models (read-only on the model prefix)
const models = config.bucketName
  ? storeCatalog(
      new S3ModelStore(pt.tracer.captureAWSv3Client(s3Client()), config.bucketName),
      config.modelPrefix,
      kindNames(),
    )
  : undefined;
const impls = { ...ingestRoutes(core), ...experimentRoutes({ store: experiments, models }) };
const routes = observeRoutes(impls, {
  // 202, and 503 with what was stored: both bodies carry the counts.
  'POST /events': (res) => {
    const b = (res.body ?? {}) as Batch;
    if (b.accepted === undefined) return;
    const failed = b.failed?.length ?? 0;
    const rejected = b.rejected?.length ?? 0;
    pt.metrics.addMetric(M.eventsAccepted, MetricUnit.Count, b.accepted);
    pt.metrics.addMetric(M.eventsRejected, MetricUnit.Count, rejected);
    pt.metrics.addMetric(M.eventsFailed, MetricUnit.Count, failed);
    pt.metrics.addMetric(M.batchSize, MetricUnit.Count, b.accepted + rejected + failed);
  },
});

const logger = observedLogger(pt);
export const handler = instrument(
  pt,
  createHttpHandler('Ingest', routes, { authMode: config.authMode, adminGroup: config.adminGroup, logger }),
);
