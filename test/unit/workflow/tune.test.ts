/**
 * The large path's hyper-parameters: tuned on a seeded user sample in
 * Prepare, or the served model's tuned ones while the data keeps its shape;
 * the manifest says which.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runWorkflowLocally, type LocalHandler } from '../../../infra/local/train-workflow';
import { loadLatestModel } from '../../../shared/model/repository';
import type { ModelManifest } from '../../../shared/model/types';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { controlStep, shardStep } from '../../../shared/training/distributed/dispatch';
import type { StepDeps } from '../../../shared/training/distributed/record';
import { reuseRule, sampleUsers, SHAPE_DRIFT } from '../../../shared/training/distributed/tune';
import type { WorkflowFunction } from '../../../shared/workflow/definition';
import { syntheticInteractions } from '../training/data';
import { largePathDeps } from './fixture';

const shape = { users: 1000, items: 200, interactions: 20_000 };
const manifest = (m: Partial<ModelManifest>) =>
  ({ kind: 'als', version: 'v1', createdAt: '2026-01-01T00:00:00.000Z', counts: shape, ...m }) as ModelManifest;

describe('reusing the served parameters', () => {
  it('only when they were tuned, for ALS, on data within the drift of today’s shape', () => {
    const tuned = manifest({ tuning: { source: 'sample', shape } });
    expect(reuseRule(tuned, shape)).toMatch(/tuned on 1000 users × 200 items, 20000 interactions/);
    expect(reuseRule(tuned, { ...shape, users: Math.floor(1000 * SHAPE_DRIFT) })).not.toBeNull();
    expect(reuseRule(tuned, { ...shape, users: Math.ceil(1000 * SHAPE_DRIFT) + 1 })).toBeNull();
    expect(reuseRule(tuned, { ...shape, interactions: 15_000 })).toBeNull();
    expect(reuseRule(tuned, { ...shape, items: 150 })).toBeNull();
    // untuned (defaults, or tuning off), another kind, nothing served: tune again
    expect(reuseRule(manifest({}), shape)).toBeNull();
    expect(reuseRule(manifest({ tuning: { source: 'defaults', shape } }), shape)).toBeNull();
    expect(reuseRule(manifest({ kind: 'ease', tuning: { source: 'sample', shape } }), shape)).toBeNull();
    expect(reuseRule(null, shape)).toBeNull();
    // the single path's tuner searched on the served model's own data: its counts are the tuned shape
    expect(reuseRule(manifest({ tuning: { trials: [{ ndcg10: 0.3 }] } }), shape)).not.toBeNull();
    // a reuse keeps the shape it rests on: drift adds up across runs
    const reused = manifest({ tuning: { source: 'served', shape }, counts: { ...shape, users: 1200 } });
    expect(reuseRule(reused, { ...shape, users: 1300 })).toBeNull();
  });
});

describe('the tuning sample', () => {
  it('holds whole users, about the asked interactions, and a user sampled stays sampled as data grows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 99 }), (max, seed) => {
        const events = syntheticInteractions({ users: 120, items: 30, seed: 3 });
        const ids = [...new Set(events.map((e) => e.userId))].sort();
        // a CSR with one interaction per (user, 5 items) stands in for the data
        const rows = ids.length;
        const indptr = Int32Array.from({ length: rows + 1 }, (_, u) => u * 5);
        const indices = Int32Array.from({ length: rows * 5 }, (_, q) => q % 30);
        const all = { rows, cols: 30, indptr, indices, data: new Float32Array(rows * 5).fill(1) };
        const s = sampleUsers(all, ids, max, seed);
        expect(s.ui.indptr[s.ui.rows]).toBe(s.ui.rows * 5);
        const bigger = sampleUsers(all, ids, max * 2, seed);
        for (const id of s.userIds) expect(bigger.userIds).toContain(id);
      }),
      { numRuns: 30 },
    );
  });
});

function setup() {
  const events = syntheticInteractions({ users: 240, items: 90, seed: 11 });
  const store = new MemoryTrainingStore(events);
  const models = new MemoryModelStore();
  const deps: StepDeps = largePathDeps(store, models, {
    trainBudgetSeconds: 2,
    tune: true,
    shardInteractions: 800,
    tuneSampleInteractions: 800,
  });
  const handlers: Record<WorkflowFunction, LocalHandler> = {
    control: (e) => controlStep(deps, e),
    shard: (e) => shardStep(deps, e),
    single: async () => null,
  };
  return { store, models, deps, handlers };
}

describe('the large path’s parameters (local interpreter)', () => {
  it('tunes on a user sample on the first run, reuses the served ones while the shape holds', async () => {
    const s = setup();
    const first = (await runWorkflowLocally(s.handlers, { distributed: true })) as Record<string, unknown>;
    expect(first).toMatchObject({ decision: 'published' });
    const m1 = (await loadLatestModel(s.models, 'models/'))!.manifest;
    const t1 = m1.tuning as Record<string, unknown> & {
      sample: { users: number; interactions: number };
      trials: unknown[];
    };
    expect(t1.source).toBe('sample');
    // about the asked 800 of ~1,800 interactions, in whole users
    expect(t1.sample.interactions).toBeGreaterThan(400);
    expect(t1.sample.interactions).toBeLessThan(1200);
    expect(t1.sample.users).toBeLessThan(m1.counts.users * 0.75);
    expect(t1.trials.length).toBeGreaterThanOrEqual(1);
    expect(t1.shape).toEqual(m1.counts);

    // a few more users: the same shape within the drift, so the served parameters are kept
    s.store.addEvents(syntheticInteractions({ users: 12, items: 90, seed: 5, receivedAt: Date.UTC(2026, 5, 1) }));
    const second = (await runWorkflowLocally(s.handlers, { distributed: true })) as Record<string, unknown>;
    expect(second).toMatchObject({ decision: 'published' });
    const m2 = (await loadLatestModel(s.models, 'models/'))!.manifest;
    expect(m2.tuning).toMatchObject({ source: 'served', from: m1.version, shape: m1.counts });
    for (const k of ['factors', 'iterations', 'regularization', 'unobservedWeight', 'confidence'])
      expect(m2.hyperParameters[k]).toEqual(m1.hyperParameters[k]);
  });
});
