/**
 * The large path's Publish streams the artifact a user shard at a time: its files are byte for byte those the
 * whole-data artifact (toModel + the codec) would have, user histories partitioned into one or many bucket
 * groups; and a Publish that fails midway publishes nothing (the served model stays, the run says failed).
 */
import { describe, expect, it } from 'vitest';
import { runWorkflowLocally, type LocalHandler } from '../../../infra/local/train-workflow';
import { encodeModel } from '../../../shared/model/codec';
import { kindSpec } from '../../../shared/model/kinds';
import { foldInOf } from '../../../shared/model/kinds/als';
import { loadLatestModel, readLatest, readLatestManifest } from '../../../shared/model/repository';
import type { Model } from '../../../shared/model/types';
import type { ModelStore } from '../../../shared/ports/model-store';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { pairsToCsr } from '../../../shared/training/dataset';
import { controlStep, shardStep } from '../../../shared/training/distributed/dispatch';
import { joinSide } from '../../../shared/training/distributed/gather';
import { readPlan } from '../../../shared/training/distributed/layout';
import { publishRun } from '../../../shared/training/distributed/publish-stream';
import type { StepDeps } from '../../../shared/training/distributed/record';
import { toModel, UNCALIBRATED } from '../../../shared/training/fit';
import type { WorkflowFunction } from '../../../shared/workflow/definition';
import { syntheticInteractions } from '../training/data';
import { largePathDeps, readRunDataset } from './fixture';

function setup(models: ModelStore) {
  const store = new MemoryTrainingStore(syntheticInteractions({ users: 260, items: 90, seed: 11 }));
  const deps: StepDeps = largePathDeps(store, models);
  return { store, deps };
}

/** The artifact the whole-data path builds from the run's files (what Publish used to hold). */
async function wholeArtifact(models: ModelStore, runId: string, info: Parameters<typeof toModel>[3]) {
  const plan = await readPlan(models, 'workflow/', runId);
  const d = await readRunDataset(models, runId);
  const p = plan.params;
  const side = (s: 'user' | 'item', ranges: typeof plan.userRanges, n: number) =>
    joinSide(models, 'workflow/', runId, s, p.iterations, ranges, n, p.factors, 'full');
  const model = {
    manifest: { kind: 'als', foldIn: foldInOf(p), hyperParameters: { ...p } },
    factors: p.factors,
    userFactors: await side('user', plan.userRanges, plan.users),
    itemFactors: await side('item', plan.itemRanges, plan.items),
  } as unknown as Model;
  const fit = kindSpec('als').load(model, {});
  return { plan, fit, model: toModel(fit, d, pairsToCsr(d), info) };
}

describe('the large path publishes in a stream', () => {
  it('writes the whole-data artifact byte for byte, with one or many history groups', async () => {
    const models = new MemoryModelStore();
    const { deps } = setup(models);
    const checked: number[] = [];
    const control: LocalHandler = async (e) => {
      if (e.step === 'publish') {
        const runId = String(e.runId);
        const info = {
          version: `v${checked.length}`,
          createdAt: '2026-01-01T00:00:00.000Z',
          metrics: { ndcg10: 0.5 },
          calibration: UNCALIBRATED,
          note: 'n',
          erasureWatermark: 0,
          popularityHalfLifeDays: 14,
        };
        const whole = await wholeArtifact(models, runId, info);
        const expected = encodeModel(whole.model).manifest;
        for (const groupBytes of [1 << 30, 2048]) {
          const itemSide = kindSpec('als').load({ ...whole.model, userFactors: new Float32Array(0) } as Model, {});
          const got = await publishRun(models, 'check/', 'workflow/', whole.plan, itemSide, info, {
            keep: 5,
            historyGroupBytes: groupBytes,
          });
          expect(got.files).toEqual(expected.files);
          const { files: _a, ...rest } = got;
          const { files: _b, ...want } = expected;
          expect(rest).toEqual({ ...want, version: 'v0', createdAt: info.createdAt });
          checked.push(groupBytes);
        }
        expect(Object.keys(expected.files)).toContain('user_histories.i32');
      }
      return controlStep(deps, e);
    };
    const handlers: Record<WorkflowFunction, LocalHandler> = {
      control,
      shard: (e) => shardStep(deps, e),
      single: async () => null,
    };
    const out = (await runWorkflowLocally(handlers, { distributed: true, params: { factors: 8, iterations: 2 } })) as {
      decision: string;
    };
    expect(out.decision).toBe('published');
    expect(checked).toHaveLength(2);
    // what the step itself published loads and verifies (every file's sha256, shapes)
    const served = await loadLatestModel(models, 'models/');
    expect(served?.userIds).toHaveLength(260);
    expect(served?.manifest.counts.interactions).toBe(served?.seenIndices.length);
  });

  it('a Publish failing midway publishes nothing: the served model stays and the run is failed', async () => {
    const inner = new MemoryModelStore();
    let failing = false;
    let failed = 0;
    const models: ModelStore = Object.assign(Object.create(inner) as MemoryModelStore, {
      async putParts(key: string, parts: AsyncIterable<Uint8Array>) {
        if (failing && key.endsWith('/user_histories.i32')) {
          failed++;
          for await (const _p of parts) throw new Error('injected upload failure');
        }
        return inner.putParts(key, parts);
      },
    });
    const { deps, store } = setup(models);
    const handlers: Record<WorkflowFunction, LocalHandler> = {
      control: (e) => controlStep(deps, e),
      shard: (e) => shardStep(deps, e),
      single: async () => null,
    };
    const params = { factors: 8, iterations: 2 };
    await runWorkflowLocally(handlers, { distributed: true, params });
    const served = await readLatest(models, 'models/');
    const servedManifest = await readLatestManifest(models, 'models/');
    failing = true;
    await expect(runWorkflowLocally(handlers, { distributed: true, rebuild: true, params })).rejects.toThrow();
    expect(failed).toBeGreaterThan(0);
    expect(await readLatest(models, 'models/')).toEqual(served);
    expect(await readLatestManifest(models, 'models/')).toEqual(servedManifest);
    const manifests = (await models.list('models/')).filter((k) => k.endsWith('/manifest.json'));
    expect(manifests).toHaveLength(1);
    const [last] = await store.listRuns();
    expect(last).toMatchObject({ decision: 'failed' });
    expect(last!.error).toMatch(/injected upload failure/);
    expect(await models.list('workflow/')).toEqual([]);
  });
});
