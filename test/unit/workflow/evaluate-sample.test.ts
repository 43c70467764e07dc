/**
 * Evaluate's holdout is read from the run's files for a seeded sample of users: their rows are exactly the
 * single path's holdout rows (train part with its raw weights, test part), all eligible users when there are
 * no more than the bound, and the gate's users are the ones sampleHoldout picks from the whole holdout.
 */
import { describe, expect, it } from 'vitest';
import type { Csr } from '../../../shared/math/csr';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { controlStep } from '../../../shared/training/distributed/dispatch';
import { sampleHoldoutFromRun } from '../../../shared/training/distributed/holdout-sample';
import { readPlan } from '../../../shared/training/distributed/layout';
import type { StepDeps } from '../../../shared/training/distributed/record';
import { sampleHoldout } from '../../../shared/training/distributed/served-gate';
import { makeHoldout } from '../../../shared/training/evaluate';
import { syntheticInteractions } from '../training/data';
import { largePathDeps, readRunDataset } from './fixture';

async function laidOut() {
  const models = new MemoryModelStore();
  const deps: StepDeps = largePathDeps(
    new MemoryTrainingStore(syntheticInteractions({ users: 300, items: 90, seed: 11 })),
    models,
  );
  const input = { distributed: true, params: { factors: 8, iterations: 1 } };
  const { runId } = (await controlStep(deps, { step: 'prepare', input })) as { runId: string };
  const plan = await readPlan(models, 'workflow/', runId);
  const d = await readRunDataset(models, runId);
  return { models, plan, whole: makeHoldout(d, 'user', plan.params.seed) };
}

const row = (m: Csr, r: number) => ({
  items: [...m.indices.subarray(m.indptr[r], m.indptr[r + 1])],
  weights: [...m.data.subarray(m.indptr[r], m.indptr[r + 1])],
});
const testUsers = (m: Csr, users: Int32Array) => [...users].filter((_, q) => m.indptr[q + 1]! > m.indptr[q]!);

describe('the sampled holdout of a distributed run', () => {
  it('holds the single path holdout rows of the sampled users, gate users as sampleHoldout picks them', async () => {
    const { models, plan, whole } = await laidOut();
    expect(plan.userRanges.length).toBeGreaterThan(2);
    const all = await sampleHoldoutFromRun(models, 'workflow/', plan);
    expect(all.eligible).toBe(whole.evalUsers);
    expect(all.users.length).toBe(whole.evalUsers);
    for (let q = 0; q < all.users.length; q++) {
      expect(row(all.holdout.train, q)).toEqual(row(whole.train, all.users[q]!));
      expect(row(all.holdout.test, q)).toEqual(row(whole.test, all.users[q]!));
    }

    const s = await sampleHoldoutFromRun(models, 'workflow/', plan, 40, 15);
    expect(s.users.length).toBe(40);
    expect([...s.users]).toEqual([...s.users].sort((a, b) => a - b));
    for (let q = 0; q < 40; q++) {
      expect(row(s.holdout.train, q)).toEqual(row(whole.train, s.users[q]!));
      expect(row(s.holdout.test, q)).toEqual(row(whole.test, s.users[q]!));
    }
    const picked = sampleHoldout(whole, 15, plan.params.seed);
    const pickedUsers = Array.from({ length: whole.test.rows }, (_, u) => u).filter(
      (u) => picked.test.indptr[u + 1]! > picked.test.indptr[u]!,
    );
    expect(testUsers(s.gate.test, s.users)).toEqual(pickedUsers);
    expect(s.gate.evalUsers).toBe(15);
    // a pair budget cuts the same shuffle shorter: a prefix of it, within the budget
    const short = await sampleHoldoutFromRun(models, 'workflow/', plan, 40, 15, 150);
    const pairs = short.holdout.train.indptr.at(-1)! + short.holdout.test.indptr.at(-1)!;
    expect(pairs).toBeLessThanOrEqual(150);
    expect(short.users.length).toBeGreaterThan(5);
    expect(short.users.length).toBeLessThan(40);
    expect([...short.users].every((u) => s.users.includes(u))).toBe(true);
    // another seed, another sample
    const other = await sampleHoldoutFromRun(models, 'workflow/', { ...plan, params: { ...plan.params, seed: 7 } }, 40);
    expect([...other.users]).not.toEqual([...s.users]);
  });
});
