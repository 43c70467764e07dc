/** The scheduled Train handler end to end on embedded DynamoDB (dynalite) and S3 (s3rver). */
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { DynamoTrainingStore } from '../../shared/storage/dynamodb/training';
import { loadLatestModel } from '../../shared/model/repository';
import { ENV } from '../../shared/config';
import { useEmbeddedAws } from '../helpers/aws';
import { syntheticInteractions } from '../unit/training/data';
import { writeErasure, writeEvents } from '../unit/training/seed';

const aws = useEmbeddedAws();
let handler: () => Promise<{
  decision: string;
  version?: string;
  metrics?: Record<string, number>;
  modelAgeSeconds?: number;
}>;

describe('Train handler (EventBridge schedule)', () => {
  beforeAll(async () => {
    process.env[ENV.trainBudgetSeconds] = '4';
    process.env[ENV.tune] = 'false';
    process.env[ENV.modelPrefix] = 'models/';
    const doc = dynamoDocumentClient();
    const evs = syntheticInteractions({ users: 60, items: 30, receivedAt: Date.now() - 60_000 });
    await writeEvents(doc, aws().tableName, evs);
    await writeErasure(doc, aws().tableName, 'u5', Date.now() - 1000);
    // Imported after the environment is set: the handler builds its adapters at module scope.
    ({ handler } = (await import('../../functions/train/handler')) as unknown as { handler: typeof handler });
  });

  it('trains from stored events, publishes a loadable model, leaves erased users out, then skips', async () => {
    const first = await handler();
    expect(first.decision).toBe('published');
    expect(first.metrics?.ndcg10).toBeGreaterThan(0);
    const model = await loadLatestModel(new S3ModelStore(s3Client(), aws().bucketName), 'models/');
    expect(model?.manifest.version).toBe(first.version);
    expect(model?.userIds.length).toBe(59);
    expect(model?.userIds).not.toContain('u5');
    expect(model?.userFactors.length).toBe(59 * model!.factors);

    const second = await handler();
    expect(second).toMatchObject({ decision: 'skipped' });
    expect(second.modelAgeSeconds).toBeGreaterThanOrEqual(0);

    const runs = await new DynamoTrainingStore(dynamoDocumentClient(), aws().tableName).listRuns(5);
    expect(runs.map((r) => r.decision)).toEqual(['skipped', 'published']);
  });
});
