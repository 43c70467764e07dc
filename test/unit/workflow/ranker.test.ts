/**
 * The neural ranker on the large path (state FitRanker), on the local ASL
 * interpreter with in-memory stores: on planted data where item metadata
 * decides preference it serves kind `neural` with the single path's holdout
 * nDCG@10 (within 0.005 at the same parameters and seed); without metadata it
 * serves ALS and says why; a failing ranker step publishes nothing.
 */
import { describe, expect, it } from 'vitest';
import type { LocalHandler } from '../../../infra/local/train-workflow';
import type { Interaction } from '../../../shared/events';
import type { AlsParams } from '../../../shared/math/als';
import { loadFitted } from '../../../shared/model/kinds';
import { loadLatestModel, readLatest } from '../../../shared/model/repository';
import { rankerSample } from '../../../shared/training/distributed/ranker';
import { reuseRule } from '../../../shared/training/distributed/tune';
import type { ModelManifest } from '../../../shared/model/types';
import type { MetadataSource } from '../../../shared/training/metadata';
import type { WorkflowFunction } from '../../../shared/workflow/definition';
import { localLargePath, plantedShop as planted, singlePath, runLarge, shopDataset } from './fixture';

const PARAMS: Partial<AlsParams> = { factors: 16, iterations: 8 };
// the single path plans the ranker from 60 s (plansNeural): the same budget here
const setup = (events: Interaction[], metadata?: MetadataSource) =>
  localLargePath(events, metadata, { trainBudgetSeconds: 60, shardInteractions: 2000 });

const run = (h: Record<WorkflowFunction, LocalHandler>, input: Record<string, unknown> = {}) =>
  runLarge(h, PARAMS, input);

describe('the neural ranker on the large path (local interpreter)', () => {
  const data = planted();

  it('serves ALS + the ranker where metadata decides taste, the single path’s nDCG@10 (within 0.005)', async () => {
    const d = await shopDataset(data);
    const single = singlePath(d, PARAMS);
    expect(single.model.manifest.kind).toBe('neural');

    const s = setup(data.events, data.metadata);
    const out = await run(s.handlers);
    expect(out).toMatchObject({ path: 'distributed', decision: 'published' });
    const ndcg = (out.metrics as Record<string, number>).ndcg10!;
    expect(Math.abs(ndcg - single.metrics.ndcg10!)).toBeLessThan(0.005);
    const model = (await loadLatestModel(s.models, 'models/'))!;
    expect(model.manifest.kind).toBe('neural');
    const log = model.manifest.tuning?.neuralRanker as Record<string, unknown>;
    expect(log).toMatchObject({ served: 'als+neural', margin: 0.005, sample: { users: 800, of: 800 } });
    expect(log.finalFit).toEqual({ users: 800, interactions: (log.sample as { interactions: number }).interactions });
    expect(Number(log.neuralNdcg10)).toBeGreaterThanOrEqual(Number(log.alsNdcg10) + 0.005);
    expect(model.manifest.retrievalCalibration?.a).toBeGreaterThan(0);
    expect(model.manifest.hyperParameters).toMatchObject({ als: { factors: 16, iterations: 8 } });
    // the artifact serving loads: the user's list re-ranked (candidates score 1 + P), new items placeable
    const fitted = loadFitted(model);
    const out10 = new Float32Array(fitted.items);
    fitted.user(0).scoreAll(out10);
    expect(Math.max(...out10)).toBeGreaterThan(1);
    expect(fitted.coldItems?.vectorOf(['c:k0'])).toHaveLength(16);
    // the ranker's exposure, measured on the same users as the single path's (./extras.test.ts for ALS)
    const [ea, eb] = [single.model.manifest.exposure!, model.manifest.exposure!];
    expect(eb).toMatchObject({ users: ea.users, groupedBy: 'category' });
    expect(Math.abs(eb.gini - ea.gini)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(eb.coverage - ea.coverage)).toBeLessThanOrEqual(0.02);
    expect(await s.models.list('workflow/')).toEqual([]);
    // the next run gates its candidate against the served neural model, both folding users in through the ranker
    const next = await run(s.handlers, { rebuild: true });
    expect(next.reason).toMatch(/folded in on \d+ holdout users: nDCG@10 0\.\d+ vs the served neural model 0\.\d+/);
    expect(next).toMatchObject({ decision: 'published' });
    expect((await loadLatestModel(s.models, 'models/'))!.manifest.kind).toBe('neural');
  }, 120_000);

  it('serves ALS without item metadata, and records why', async () => {
    const s = setup(data.events);
    const out = await run(s.handlers);
    expect(out).toMatchObject({ decision: 'published' });
    const model = (await loadLatestModel(s.models, 'models/'))!;
    expect(model.manifest.kind).toBe('als');
    expect(model.manifest.tuning?.neuralRanker).toEqual({ served: 'als', reason: 'no item metadata' });
    expect(model.manifest.retrievalCalibration).toBeUndefined();
  }, 60_000);

  it('serves ALS, and says why, when the ranker wins but its final fit would not end before the Lambda', async () => {
    const s = setup(data.events, data.metadata);
    // TrainControl's deadline (its remaining time) already inside the step's reserve
    s.deps.deadline = Date.now() + 30_000;
    const out = await run(s.handlers);
    expect(out).toMatchObject({ decision: 'published' });
    const model = (await loadLatestModel(s.models, 'models/'))!;
    expect(model.manifest.kind).toBe('als');
    const log = model.manifest.tuning?.neuralRanker as Record<string, unknown>;
    expect(log.served).toBe('als');
    expect(log.reason).toMatch(/^the ranker won on the holdout but its final fit \(≈ \d+ s\) would not end in time$/);
    // ALS served over a catalog with metadata: ALS's cold-item ridge, as the single path's ALS has
    expect(loadFitted(model).coldItems?.vectorOf(['c:k0'])).toHaveLength(16);
    expect(Number(log.neuralNdcg10)).toBeGreaterThanOrEqual(Number(log.alsNdcg10) + 0.005);
  }, 60_000);

  it('a failing ranker step fails the execution: nothing published, the served model stays, run logged', async () => {
    const s = setup(data.events, data.metadata);
    s.deps.config.trainBudgetSeconds = 20; // a first ALS model, quickly: no ranker planned
    expect(await run(s.handlers)).toMatchObject({ decision: 'published' });
    const served = await readLatest(s.models, 'models/');
    s.deps.config.trainBudgetSeconds = 60;
    let calls = 0;
    const control: LocalHandler = async (e) => {
      if (e.step === 'ranker') {
        calls++;
        throw new Error('the ranker ran out of memory');
      }
      return s.handlers.control(e);
    };
    await expect(run({ ...s.handlers, control }, { rebuild: true })).rejects.toThrow();
    expect(calls).toBe(1); // a handler's own error is not retried (only Lambda service errors are)
    expect(await readLatest(s.models, 'models/')).toEqual(served);
    const [last] = await s.store.listRuns();
    expect(last).toMatchObject({ decision: 'failed' });
    expect(last!.error).toMatch(/the ranker ran out of memory/);
    expect(await s.models.list('workflow/')).toEqual([]);
    expect(await s.store.acquireLease('train', 'someone-else', 60)).toBe(true);
  }, 60_000);

  it('a served neural model’s ALS parameters are reused as a served ALS model’s are (same shape rule)', () => {
    const shape = { users: 1000, items: 200, interactions: 20_000 };
    const als = { factors: 64, iterations: 12, regularization: 0.05 };
    const m = (kind: string, hyperParameters: Record<string, unknown>) =>
      ({ kind, hyperParameters, counts: shape, tuning: { source: 'sample', shape } }) as unknown as ModelManifest;
    expect(reuseRule(m('neural', { als, epochs: 5 }), shape)).toMatch(/tuned on 1000 users/);
    expect(reuseRule(m('als', als), shape)).toMatch(/tuned on 1000 users/);
    expect(reuseRule(m('neural', { epochs: 5 }), shape)).toBeNull();
    expect(reuseRule(m('ease', { lambda: 100 }), shape)).toBeNull();
  });

  it('samples users by a hash of their id, under the three bounds, stable as data grows', () => {
    const ids = Array.from({ length: 10_000 }, (_, u) => `user-${u}`);
    expect(rankerSample(ids, 50_000, 1000, 42)).toHaveLength(10_000);
    const byPairs = rankerSample(ids, 4_000_000, 1000, 42); // a quarter of the pairs allowed
    expect(byPairs.length).toBeGreaterThan(2300);
    expect(byPairs.length).toBeLessThan(2700);
    const byScores = rankerSample(ids, 50_000, 200_000, 42); // 10,000 × 200,000 scores: a fifth allowed
    expect(byScores.length).toBeGreaterThan(1800);
    expect(byScores.length).toBeLessThan(2200);
    const many = Array.from({ length: 200_000 }, (_, u) => `user-${u}`);
    const byUsers = rankerSample(many, 400_000, 10, 42); // 50,000 of 200,000 users allowed
    expect(byUsers.length).toBeGreaterThan(48_000);
    expect(byUsers.length).toBeLessThan(52_000);
    // a sampled user stays sampled when more users arrive (at the same share of the pairs)
    const grown = new Set(rankerSample([...ids, ...ids.map((u) => `${u}-new`)], 4_000_000, 1000, 42));
    for (const u of byPairs) expect(grown.has(u)).toBe(true);
  });
});
