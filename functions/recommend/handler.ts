/** Recommend: recommendations, ranking, similar items and health from the cached model. */
import { Logger } from '@aws-lambda-powertools/logger';
import { SERVICE_NAME } from '../../shared/topology';
import { loadConfig } from '../../shared/config';
import { createHttpHandler } from '../../shared/http/api';
import { createRecommendService } from '../../shared/serving/service';

const config = loadConfig();
const logger = new Logger({ serviceName: SERVICE_NAME });
const service = createRecommendService(config, { logger });

// Start reading the model during init (full CPU, not billed as latency);
// the first request awaits the same load instead of starting another.
void service.warm();

export const handler = createHttpHandler('Recommend', service.routes, {
  authMode: config.authMode,
  adminGroup: config.adminGroup,
  logger,
});
