/**
 * The training state machine's handlers given malformed Task payloads (session 21
 * review, docs/reliability.md), on dynalite + s3rver: each fails naming the field before
 * any read or write; a publish of an evaluation that did not pass publishes nothing (it
 * published); a run with "factors": 0 never starts; a retried shard rewrites only its own
 * output, byte for byte.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '../../shared/storage/aws/clients';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { WORKFLOW_PREFIX } from '../../shared/topology';
import { useEmbeddedAws } from '../helpers/aws';
import { trainStepsOn } from './train-steps-setup';

const aws = useEmbeddedAws();
type Handler = (event: unknown) => Promise<Record<string, unknown>>;
let control: Handler;
let shard: Handler;
let train: Handler;
let models: S3ModelStore;

const fails = async (h: Handler, event: unknown, message: RegExp) => {
  await expect(h(event)).rejects.toThrow(message);
};

describe('training steps: malformed payloads', () => {
  beforeAll(async () => {
    ({ control, shard } = await trainStepsOn(aws()));
    models = new S3ModelStore(s3Client(), aws().bucketName);
    ({ handler: train } = (await import('../../functions/train/handler')) as unknown as { handler: Handler });
  });

  it('TrainControl: wrong types, missing fields, bad parameters and unknown runs name the field', async () => {
    await fails(control, null, /^TrainControl: the event must be a JSON object, got null$/);
    await fails(control, [], /the event must be a JSON object/);
    await fails(control, { step: 'nope' }, /^TrainControl nope: step: /);
    // ignored before: a string "true" ran the small path
    await fails(
      control,
      { step: 'prepare', input: { distributed: 'true' } },
      /^TrainControl prepare: input\.distributed: /,
    );
    // a 0-factor run, or a typo'd parameter silently dropped
    await fails(control, { step: 'prepare', input: { params: { factors: 0 } } }, /input\.params\.factors: /);
    await fails(control, { step: 'prepare', input: { params: { factor: 8 } } }, /input\.params: .*factor/);
    await fails(control, { step: 'evaluate' }, /^TrainControl evaluate: runId: /);
    await fails(control, { step: 'evaluate', runId: 42 }, /runId: /);
    await fails(control, { step: 'ranker', runId: '../../models' }, /runId: a run id is 8\.\.32 lowercase hex digits/);
    // well-formed but never started: its plan is missing, nothing else is touched
    await fails(control, { step: 'evaluate', runId: 'abcdef0123456789' }, /plan.*missing/);
  });

  it('publish takes only an evaluation that passed: nothing is published otherwise', async () => {
    const run = await control({ step: 'prepare', input: { distributed: true, params: { factors: 4, iterations: 1 } } });
    expect(run.path).toBe('large');
    const runId = run.runId as string;
    const evaluation = { pass: false, reason: 'worse than served', metrics: { ndcg10: 0.1 }, calibration: {} };
    await fails(
      control,
      { step: 'publish', runId, evaluation },
      /^TrainControl publish: evaluation\.pass: publish takes only/,
    );
    await fails(control, { step: 'publish', runId }, /^TrainControl publish: evaluation: /);
    await fails(
      control,
      { step: 'publish', runId, evaluation: { pass: true, metrics: {} } },
      /evaluation\.reason: .*evaluation\.calibration/s,
    );
    expect(await models.list('models/')).toEqual([]);
    // the run is still whole: the state machine's failure path records it and frees the lease
    expect(await control({ step: 'fail', runId, error: { Error: 'test', Cause: 'malformed publish' } })).toMatchObject({
      decision: 'failed',
    });
    expect(await models.list(`${WORKFLOW_PREFIX}${runId}`)).toEqual([]);
  });

  it('TrainShard: bad side, iteration or shard name the field; a retried solve rewrites only its own file', async () => {
    await fails(shard, null, /^TrainShard: the event must be a JSON object/);
    const base = { step: 'solve', runId: 'abcdef0123456789', side: 'user', iteration: 1, shard: 0 };
    await fails(shard, { ...base, side: 'users' }, /^TrainShard solve: side: /);
    await fails(shard, { ...base, iteration: '1' }, /iteration: /);
    await fails(shard, { ...base, iteration: 0 }, /iteration: /);
    await fails(shard, { ...base, shard: -1 }, /shard: /);
    await fails(shard, { ...base, shard: 1.5 }, /shard: /);

    const run = await control({ step: 'prepare', input: { distributed: true, params: { factors: 4, iterations: 1 } } });
    const runId = run.runId as string;
    const scratch = `${WORKFLOW_PREFIX}${runId}`;
    const solve = { step: 'solve', runId, side: 'user', iteration: 1, shard: 0 };
    await shard(solve);
    const keys = await models.list(scratch);
    const bytes = new Map(await Promise.all(keys.map(async (k) => [k, await models.get(k)] as const)));
    await shard(solve);
    expect(await models.list(scratch)).toEqual(keys);
    for (const k of keys) expect(Buffer.from((await models.get(k))!).equals(Buffer.from(bytes.get(k)!)), k).toBe(true);
    await control({ step: 'fail', runId, error: { Error: 'test', Cause: 'done' } });
  });

  it('Train: a "rebuild" that is not a boolean is an error (it ran an incremental read)', async () => {
    await fails(train, { rebuild: 'true' }, /^Train: rebuild must be true or false, got "true"$/);
  });
});
