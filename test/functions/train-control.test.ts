/**
 * The TrainControl handler on embedded DynamoDB (dynalite) and S3 (s3rver): its
 * FitRanker step reads the catalog from the table, as Train does, and decides
 * from it (here: metadata found, a 20 s budget plans no ranker). The second run
 * goes through the ALS loop first (the real order): with metadata FitRanker fits
 * ALS's cold-item ridge from the item factors the loop wrote.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runWorkflowLocally, type LocalHandler } from '../../infra/local/train-workflow';
import { loadLatestModel } from '../../shared/model/repository';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { useEmbeddedAws } from '../helpers/aws';
import { type StepHandler, trainStepsOn } from './train-steps-setup';

const aws = useEmbeddedAws();
let handler: StepHandler;
let shard: StepHandler;

describe('TrainControl handler: FitRanker reads the catalog from the table', () => {
  beforeAll(async () => {
    ({ control: handler, shard } = await trainStepsOn(aws()));
  });

  it('says "no item metadata" on an empty catalog, and names the budget once the catalog has categories', async () => {
    const prepare = () => handler({ step: 'prepare', input: { distributed: true, params: { factors: 4 } } });
    const first = await prepare();
    expect(first.path).toBe('large');
    expect(await handler({ step: 'ranker', runId: first.runId })).toMatchObject({
      served: 'als',
      reason: 'no item metadata',
    });
    await handler({ step: 'fail', runId: first.runId, error: { Error: 'test', Cause: 'ended here' } });

    const store = new DynamoInteractionStore(dynamoDocumentClient(), aws().tableName);
    for (let i = 0; i < 20; i++) await store.putItem({ itemId: `i${i}`, categories: [`c${i % 4}`], available: true });
    const out = await runWorkflowLocally(
      { control: handler as LocalHandler, shard: shard as LocalHandler, single: handler as LocalHandler },
      { distributed: true, params: { factors: 4, iterations: 2 } },
    );
    expect(out).toMatchObject({ decision: 'published' });
    const model = (await loadLatestModel(new S3ModelStore(s3Client(), aws().bucketName), 'models/'))!;
    expect(model.manifest.kind).toBe('als');
    expect(model.manifest.tuning?.neuralRanker).toEqual({
      served: 'als',
      reason: 'a 20 s training budget plans no ranker',
    });
  });
});
