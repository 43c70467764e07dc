/**
 * The training state machine's large path, run on the local ASL interpreter
 * with in-memory stores: same quality as the single-Lambda pipeline at the
 * same parameters and seed, a failed shard retried into the same result, a
 * run failing for good publishes nothing and frees the lease.
 */
import { describe, expect, it } from 'vitest';
import { runWorkflowLocally, type LocalHandler } from '../../../infra/local/train-workflow';
import type { AlsParams } from '../../../shared/math/als';
import { loadLatestModel, readLatest } from '../../../shared/model/repository';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { DEFAULT_USER_CAP } from '../../../shared/training/dataset';
import { controlStep, shardStep } from '../../../shared/training/distributed/dispatch';
import type { StepDeps } from '../../../shared/training/distributed/record';
import { runTrainingJob } from '../../../shared/training/job';
import { loadTrainingData } from '../../../shared/training/snapshot/load';
import type { WorkflowFunction } from '../../../shared/workflow/definition';
import { syntheticInteractions } from '../training/data';
import { largePathDeps, singlePath, quiet } from './fixture';

const PARAMS: Partial<AlsParams> = { factors: 16, iterations: 6 };
function setup(users = 240, items = 90) {
  const events = syntheticInteractions({ users, items, seed: 11 });
  const store = new MemoryTrainingStore(events);
  const models = new MemoryModelStore();
  const deps: StepDeps = largePathDeps(store, models);
  const handlers: Record<WorkflowFunction, LocalHandler> = {
    control: (e) => controlStep(deps, e),
    shard: (e) => shardStep(deps, e),
    single: () => runTrainingJob({ ...deps, logger: quiet }),
  };
  return { events, store, models, deps, handlers };
}

const run = (h: Record<WorkflowFunction, LocalHandler>, input: Record<string, unknown> = {}) =>
  runWorkflowLocally(h, { distributed: true, params: PARAMS, ...input }) as Promise<Record<string, unknown>>;

describe('training state machine, large path (local interpreter)', () => {
  it('matches the single-Lambda pipeline at the same parameters and seed (nDCG@10 within 0.005)', async () => {
    const { events, models, store, handlers } = setup();
    // the data as the single job reads it (a first run: everything, through the snapshot merger)
    const read = await loadTrainingData(new MemoryTrainingStore(events), new MemoryModelStore(), 'training/', {
      erasures: [],
      cap: DEFAULT_USER_CAP,
      now: Date.now(),
    });
    const single = singlePath(read.dataset, PARAMS);
    const out = await run(handlers);
    expect(out).toMatchObject({ path: 'distributed', decision: 'published' });
    const metrics = out.metrics as Record<string, number>;
    expect(single.metrics.ndcg10).toBeGreaterThan(0.2);
    expect(Math.abs(metrics.ndcg10! - single.metrics.ndcg10!)).toBeLessThan(0.005);
    const model = await loadLatestModel(models, 'models/');
    expect(model?.manifest.kind).toBe('als');
    expect(model?.manifest.note).toMatch(/distributed ALS: [2-9]\d* user and [2-9]\d* item shards/);
    expect(model?.manifest.hyperParameters).toMatchObject({ factors: 16, iterations: 6, seed: 42 });
    // the run leaves no scratch, logs itself and frees the lease
    expect(await models.list('workflow/')).toEqual([]);
    expect((await store.listRuns())[0]).toMatchObject({ decision: 'published', version: out.version });
    expect(await store.acquireLease('train', 'someone-else', 60)).toBe(true);
  });

  it('retries a failed shard, which rewrites its own output: the same model as an undisturbed run', async () => {
    const calm = setup();
    await run(calm.handlers);
    const calmModel = await loadLatestModel(calm.models, 'models/');

    const s = setup();
    let failures = 0;
    const shard: LocalHandler = async (e) => {
      if (e.step === 'solve' && e.side === 'item' && e.shard === 1 && e.iteration === 3 && failures === 0) {
        failures++;
        // a partial write, then the crash: the retry must replace it
        const runId = String(e.runId);
        await s.models.put(`workflow/${runId}/rows/item/3/1.bin`, new Uint8Array([1, 2, 3]));
        throw new Error('injected shard failure');
      }
      return s.handlers.shard(e);
    };
    const out = await run({ ...s.handlers, shard });
    expect(failures).toBe(1);
    expect(out).toMatchObject({ decision: 'published' });
    const model = await loadLatestModel(s.models, 'models/');
    expect(Buffer.from(model!.itemFactors.buffer).equals(Buffer.from(calmModel!.itemFactors.buffer))).toBe(true);
    expect(Buffer.from(model!.userFactors.buffer).equals(Buffer.from(calmModel!.userFactors.buffer))).toBe(true);
  });

  it('a shard failing for good fails the execution: nothing published, the served model stays, the lease is freed', async () => {
    const s = setup();
    await run(s.handlers);
    const served = await readLatest(s.models, 'models/');
    s.store.addEvents(syntheticInteractions({ users: 20, items: 90, seed: 5, receivedAt: Date.UTC(2026, 5, 1) }));
    let attempts = 0;
    const shard: LocalHandler = async (e) => {
      if (e.step === 'solve' && e.side === 'user' && e.shard === 0 && e.iteration === 2) {
        attempts++;
        throw new Error('this shard always fails');
      }
      return s.handlers.shard(e);
    };
    await expect(run({ ...s.handlers, shard })).rejects.toThrow();
    expect(attempts).toBe(3); // the first try and the definition's two retries
    expect(await readLatest(s.models, 'models/')).toEqual(served);
    const [last] = await s.store.listRuns();
    expect(last).toMatchObject({ decision: 'failed' });
    expect(last!.error).toMatch(/this shard always fails/);
    expect(await s.models.list('workflow/')).toEqual([]);
    expect(await s.store.acquireLease('train', 'someone-else', 60)).toBe(true);
  });

  it('gates against the served model on the same holdout: a worse model is rejected, the served one stays', async () => {
    const s = setup();
    const first = await run(s.handlers);
    expect(first.reason).toBe('first model');
    const served = await readLatest(s.models, 'models/');
    s.store.addEvents(syntheticInteractions({ users: 20, items: 90, seed: 5, receivedAt: Date.UTC(2026, 5, 1) }));
    const worse = await run(s.handlers, { params: { factors: 2, iterations: 1 } });
    expect(worse).toMatchObject({ decision: 'rejected' });
    expect(worse.reason).toMatch(/folded in on \d+ holdout users: nDCG@10 0\.\d+ is worse than the served als model's/);
    expect(worse.baselineNdcg10).toBeGreaterThan(0.2);
    expect(await readLatest(s.models, 'models/')).toEqual(served);
    expect((await s.store.listRuns())[0]).toMatchObject({ decision: 'rejected' });
    // the served configuration again, on the grown data: not worse, so it replaces the served model
    const same = await run(s.handlers, { rebuild: true });
    expect(same).toMatchObject({ decision: 'published' });
    expect(same.reason).toMatch(/folded in on \d+ holdout users: nDCG@10 0\.\d+ vs the served als model 0\.\d+/);
    expect(await s.models.list('workflow/')).toEqual([]);
  });

  it('says so when the served kind cannot fold users in, and publishes on finiteness', async () => {
    const s = setup();
    await runTrainingJob({ ...s.deps, kind: 'popular', logger: quiet });
    expect((await loadLatestModel(s.models, 'models/'))?.manifest.kind).toBe('popular');
    const out = await run(s.handlers, { rebuild: true });
    expect(out).toMatchObject({ decision: 'published' });
    expect(out.reason).toMatch(/no baseline on the same holdout \(the served popular model cannot fold users in\)/);
  });

  it('below the threshold the single job runs, unchanged', async () => {
    const s = setup();
    s.deps.config.distributedMinInteractions = 1e9;
    const out = (await runWorkflowLocally(s.handlers, {})) as Record<string, unknown>;
    expect(out.decision).toBe('published');
    expect(out.path).toBeUndefined();
    expect(await s.models.list('workflow/')).toEqual([]);
  });
});
