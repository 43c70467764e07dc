/** TrainShard: one ALS shard solve, or one side's assembly, of the training state machine. Compute only. */
import type { Context } from 'aws-lambda';
import { loadConfig } from '../../shared/config';
import { s3Client } from '../../shared/storage/aws/clients';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { shardStep } from '../../shared/training/distributed/dispatch';
import type { ShardDeps } from '../../shared/training/distributed/solve';
import { WORKFLOW_PREFIX } from '../../shared/topology';
import { instrument, observedLogger, powertools } from '../observe';
import { checkShardEvent, logFields, stepOf } from './validate';

const config = loadConfig();
const pt = powertools();
const logger = observedLogger(pt);
const deps: ShardDeps = {
  models: new S3ModelStore(pt.tracer.captureAWSv3Client(s3Client()), config.bucketName),
  scratch: WORKFLOW_PREFIX,
};

export const handler = instrument(pt, async (event: Record<string, unknown>, _context?: Context) => {
  const started = performance.now();
  try {
    checkShardEvent(event);
    const result = await shardStep(deps, event);
    // a solve's result says how much of the other side it fetched (rows, bytes, GETs)
    logger.info('shard step', { ...event, result, ms: Math.round(performance.now() - started) });
    return result;
  } catch (err) {
    logger.error('shard step failed', { ...logFields(event), step: stepOf(event), error: err });
    // Rethrow: the map's Retry re-runs this shard, which rewrites only its own output.
    throw err;
  }
});
