/** Ingest: logs interactions, serves a user their events, catalog upserts and erasure. */
import { Logger } from '@aws-lambda-powertools/logger';
import { SERVICE_NAME } from '../../shared/topology';
import { loadConfig } from '../../shared/config';
import { createHttpHandler } from '../../shared/http/api';
import { ingestRoutes } from '../../shared/ingest/routes';
import { dynamoDocumentClient } from '../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';

const config = loadConfig();
const logger = new Logger({ serviceName: SERVICE_NAME });
const store = new DynamoInteractionStore(dynamoDocumentClient(), config.tableName, {
  retentionDays: config.retentionDays,
});

export const handler = createHttpHandler('Ingest', ingestRoutes({ store, authMode: config.authMode }), {
  authMode: config.authMode,
  adminGroup: config.adminGroup,
  logger,
});
