/**
 * The training state machine end to end, locally: the deployed definition on
 * aws-local-stepfunctions over the real Train, TrainControl and TrainShard
 * handlers, against embedded DynamoDB (dynalite) and S3 (s3rver).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { localFunctionEnv } from '../../infra/local/stack';
import { runTrainingWorkflow } from '../../infra/local/train-workflow';
import { ENV } from '../../shared/config';
import { loadLatestModel } from '../../shared/model/repository';
import { dynamoDocumentClient, s3Client } from '../../shared/storage/aws/clients';
import { DynamoTrainingStore } from '../../shared/storage/dynamodb/training';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { WORKFLOW_PREFIX } from '../../shared/topology';
import { useEmbeddedAws } from '../helpers/aws';
import { syntheticInteractions } from '../unit/training/data';
import { writeErasure, writeEvents } from '../unit/training/seed';

const aws = useEmbeddedAws();
type Summary = { path?: string; decision: string; version?: string; counts?: Record<string, number> };

describe('training state machine on the local interpreter, real handlers, embedded stores', () => {
  let models: S3ModelStore;
  beforeAll(async () => {
    Object.assign(process.env, localFunctionEnv(aws(), 'none'), {
      [ENV.trainBudgetSeconds]: '1',
      [ENV.tune]: 'false',
    });
    models = new S3ModelStore(s3Client(), aws().bucketName);
    const doc = dynamoDocumentClient();
    await writeEvents(
      doc,
      aws().tableName,
      syntheticInteractions({ users: 60, items: 30, receivedAt: Date.now() - 60_000 }),
    );
    await writeErasure(doc, aws().tableName, 'u5', Date.now() - 1000);
  });

  it('runs the single job below the threshold, then the Distributed Map path on demand', async () => {
    const small = (await runTrainingWorkflow({ source: 'aws.events' })) as Summary;
    expect(small).toMatchObject({ decision: 'published' });
    expect(small.path).toBeUndefined();

    await writeEvents(
      dynamoDocumentClient(),
      aws().tableName,
      syntheticInteractions({ users: 10, items: 30, seed: 3, receivedAt: Date.now() }).map((e) => ({
        ...e,
        eventId: `late-${e.eventId}`,
      })),
    );
    const states: string[] = [];
    const large = (await runTrainingWorkflow(
      { distributed: true, params: { factors: 8, iterations: 3 } },
      { onState: (s) => states.push(s) },
    )) as Summary;
    expect(large).toMatchObject({ path: 'distributed', decision: 'published' });
    // three iterations, each a map over user shards, an assembly, a map over item shards, an assembly
    expect(states.filter((s) => s === 'AssembleUsers')).toHaveLength(3);
    expect(states.filter((s) => s === 'SolveItemShard').length).toBeGreaterThanOrEqual(3);

    const model = await loadLatestModel(models, 'models/');
    expect(model?.manifest.version).toBe(large.version);
    expect(model?.manifest.hyperParameters).toMatchObject({ factors: 8, iterations: 3 });
    expect(model?.userIds).not.toContain('u5');
    expect(model?.userFactors.length).toBe(model!.userIds.length * 8);
    expect(await models.list(WORKFLOW_PREFIX)).toEqual([]);
    const [run] = await new DynamoTrainingStore(dynamoDocumentClient(), aws().tableName).listRuns(1);
    expect(run).toMatchObject({ decision: 'published', version: large.version });
    expect(run!.counts?.interactions).toBe(large.counts?.interactions);
  });
});
