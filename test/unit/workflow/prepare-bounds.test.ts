/**
 * Prepare lays the run out a shard at a time: the files are those of the
 * whole-side computation (byte for byte), and while it writes the seeded
 * starting factors it holds one shard's buffers, whatever the data's size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import type { AlsParams } from '../../../shared/math/als';
import { confidences } from '../../../shared/math/confidence';
import { transpose, type Csr } from '../../../shared/math/csr';
import { Rng } from '../../../shared/math/rng';
import type { ModelStore } from '../../../shared/ports/model-store';
import { LocalModelStore } from '../../../shared/storage/local/model-store';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { DEFAULT_USER_CAP, pairsToCsr, type Dataset } from '../../../shared/training/dataset';
import { arrayOf } from '../../../shared/training/distributed/blob';
import { controlStep } from '../../../shared/training/distributed/dispatch';
import { prepare as prepareStep, type StreamSizes } from '../../../shared/training/distributed/prepare';
import { keys, readBlob, readPlan } from '../../../shared/training/distributed/layout';
import type { StepDeps } from '../../../shared/training/distributed/record';
import { makeHoldout } from '../../../shared/training/evaluate';
import { loadTrainingData } from '../../../shared/training/snapshot/load';
import { openLatestSnapshot } from '../../../shared/training/snapshot/repository';
import { syntheticInteractions } from '../training/data';
import { largePathDeps, readRunDataset, residentBuffers } from './fixture';

const PARAMS: Partial<AlsParams> = { factors: 16, iterations: 2 };
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function deps(users: number, models: ModelStore, shardInteractions = 400): StepDeps {
  return largePathDeps(new MemoryTrainingStore(syntheticInteractions({ users, items: 90, seed: 11 })), models, {
    shardInteractions,
  });
}

/** Prepare with the stream's sizes (chunks, spills) given. */
async function preparePlain(d: StepDeps, sizes: StreamSizes): Promise<string> {
  const out = await prepareStep(d, { distributed: true, params: PARAMS }, sizes);
  if (out.path !== 'large') throw new Error(`prepare took the ${out.path} path`);
  return out.runId;
}

async function prepare(d: StepDeps): Promise<string> {
  const out = (await controlStep(d, { step: 'prepare', input: { distributed: true, params: PARAMS } })) as {
    runId: string;
  };
  return out.runId;
}

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Every file of the run against the whole-data computation from its dataset file; returns the dataset. */
async function checkAgainstWhole(models: ModelStore, runId: string): Promise<Dataset> {
  const plan = await readPlan(models, 'workflow/', runId);
  const k = keys('workflow/', runId);
  const data = await readRunDataset(models, runId);
  const p = plan.params;
  const full = pairsToCsr(data);
  const evalM = makeHoldout(data, 'user', p.seed).train;
  const sides: [string, Csr, Csr, typeof plan.userRanges][] = [
    ['user', evalM, full, plan.userRanges],
    ['item', transpose(evalM), transpose(full), plan.itemRanges],
  ];
  for (const [side, e, f, ranges] of sides) {
    const conf = { eval: confidences(e.data, p), full: confidences(f.data, p) };
    for (let s = 0; s < ranges.length; s++) {
      const got = await readBlob(models, k.shard(side as 'user', s));
      for (const [name, m] of [
        ['eval', e],
        ['full', f],
      ] as const) {
        const [a, z] = [m.indptr[ranges[s]![0]]!, m.indptr[ranges[s]![1]]!];
        expect(bytes(arrayOf(got, `${name}Indices`, Int32Array)).equals(bytes(m.indices.subarray(a, z)))).toBe(true);
        expect(bytes(arrayOf(got, `${name}Conf`, Float32Array)).equals(bytes(conf[name].subarray(a, z)))).toBe(true);
      }
    }
  }
  // trainAls draws every item's row, then every user's, from one stream
  const rng = new Rng(p.seed);
  const scale = p.initScale / Math.sqrt(p.factors);
  for (const [side, n, ranges] of [
    ['item', plan.items, plan.itemRanges],
    ['user', plan.users, plan.userRanges],
  ] as const) {
    const whole = new Float32Array(n * p.factors);
    for (let q = 0; q < whole.length; q++) whole[q] = rng.normal() * scale;
    for (let s = 0; s < ranges.length; s++) {
      const got = arrayOf(await readBlob(models, k.rows(side, 0, s)), 'full', Float32Array);
      expect(bytes(got).equals(bytes(whole.subarray(ranges[s]![0] * p.factors, ranges[s]![1] * p.factors)))).toBe(true);
    }
  }
  return data;
}

describe('Prepare, a shard at a time', () => {
  it('writes the whole-side computation’s bytes: CSR slices, their confidences, trainAls’s draw', async () => {
    const models = new MemoryModelStore();
    const d = deps(240, models);
    const runId = await prepare(d);
    expect((await readPlan(models, 'workflow/', runId)).userRanges.length).toBeGreaterThan(1);
    await checkAgainstWhole(models, runId);
  });

  it('in many chunks and spills, on a usual run with an erasure: the same bytes, the single read’s dataset', async () => {
    const models = new MemoryModelStore();
    // the runs' clock a day after the events: the snapshot's watermark is recent enough for a delta read
    const d = { ...deps(240, models), now: () => Date.UTC(2026, 0, 11, 1) };
    const sizes = { chunkPairs: 97, spillEntries: 301 };
    const first = await preparePlain(d, sizes);
    await d.store.releaseLease('train', first);
    const store = d.store as MemoryTrainingStore;
    const later = Date.UTC(2026, 0, 11);
    const more = syntheticInteractions({ users: 300, items: 95, seed: 5, receivedAt: later });
    store.addEvents(more.map((e, n) => ({ ...e, eventId: `late${n}` })));
    store.erase('u3', later + 5000);
    const logged: Record<string, unknown>[] = [];
    const runId = await preparePlain(
      { ...d, logger: { info: (_m, e) => logged.push(e ?? {}), warn: () => {} } },
      sizes,
    );
    // snapshot + delta: the first run's snapshot was the base
    expect((await openLatestSnapshot(models, 'training/'))!.index.header.runsSinceRebuild).toBe(1);
    expect(logged[0]!.spills).toBeGreaterThan(5);
    const plan = await readPlan(models, 'workflow/', runId);
    expect(plan.userRanges.length).toBeGreaterThan(1);
    expect(plan.itemRanges.length).toBeGreaterThan(1);
    const chunks = (await models.list('training/')).filter((k) => /chunk-\d+\.bin$/.test(k));
    expect(chunks.length).toBeGreaterThan(10);
    const data = await checkAgainstWhole(models, runId);
    // the single job's read of the same table (a full read) gives the same dataset
    const whole = await loadTrainingData(store, new MemoryModelStore(), 'training/', {
      erasures: await store.listErasures(),
      cap: DEFAULT_USER_CAP,
      now: Date.now(),
    });
    const w = whole.dataset;
    expect(data.userIds).toEqual(w.userIds);
    expect(data.userIds).not.toContain('u3');
    expect(data.itemIds).toEqual(w.itemIds);
    for (const k of ['pairUser', 'pairItem', 'pairWeight', 'pairTime'] as const)
      expect(bytes(data[k]).equals(bytes(w[k]))).toBe(true);
    expect(data.events).toBe(w.events);
    // the scratch holds no spill or column files once Prepare is done
    expect((await models.list(`workflow/${runId}/tmp/`)).length).toBe(0);
  });

  it('holds one shard’s buffers while it writes the starting factors, at 1x and 8x the users', async () => {
    const resident = residentBuffers();
    const over: Record<number, { rows: number; pairs: number }> = {};
    // the first run pays Node's one-time buffers (fs, crypto pools): a warm-up, not measured
    for (const users of [240, 2000, 16000]) {
      const dir = mkdtempSync(join(tmpdir(), 'attune-prepare-'));
      dirs.push(dir);
      // a folder store: the written files are not resident, so what is resident is Prepare's
      const store = new LocalModelStore(dir);
      let rows = 0;
      const models: ModelStore = Object.create(store, {
        put: {
          value: async (key: string, body: Uint8Array, ...rest: unknown[]) => {
            if (/\/rows\/(user|item)\/0\//.test(key)) rows = Math.max(rows, resident() - base);
            return (store.put as (...a: unknown[]) => Promise<unknown>).call(store, key, body, ...rest);
          },
        },
      });
      const d = deps(users, models, 4000);
      const base = resident();
      // the stream's sizes well below the data: at the defaults (1M-pair chunks) one chunk is the whole set
      const runId = await preparePlain(d, { chunkPairs: 2048, spillEntries: 2048 });
      over[users] = { rows, pairs: (await readPlan(store, 'workflow/', runId)).counts.interactions };
    }
    // a shard’s rows (< 160 KB here) and Node's I/O buffers: the whole-side draw held all rows of both sides,
    // and the matrices, dataset and snapshot were still referenced then (> 60 bytes an interaction)
    expect(over[16000]!.pairs).toBeGreaterThan(100_000);
    for (const users of [2000, 16000]) expect(over[users]!.rows).toBeLessThan(1024 * 1024);
    expect(over[16000]!.rows).toBeLessThan(4 * over[16000]!.pairs);
  });

  it('on a usual run holds the ids, the delta, a chunk, a spill and a shard: not growing with the interactions', async () => {
    const resident = residentBuffers();
    const DAY = 86_400_000;
    const T0 = Date.UTC(2026, 0, 1);
    const users = 500;
    // events received over 60 days (the snapshot keeps a day of event keys for dedupe, as in use)
    const table = (per: number): Interaction[] =>
      Array.from({ length: users * per }, (_, n) => {
        const u = n % users;
        const at = T0 + Math.floor((n * 60 * DAY) / (users * per));
        const itemId = `i${(u * 131 + Math.floor(n / users) * 17) % 300}`;
        return { eventId: `e${n}`, userId: `u${u}`, itemId, type: 'click', timestamp: at, receivedAt: at };
      });
    const peaks: Record<number, { held: number; pairs: number }> = {};
    for (const per of [8, 32]) {
      const dir = mkdtempSync(join(tmpdir(), 'attune-prepare-'));
      dirs.push(dir);
      const store = new LocalModelStore(dir);
      let held = 0;
      let base = -1;
      const models: ModelStore = Object.create(store, {
        put: {
          value: async (key: string, body: Uint8Array, ...rest: unknown[]) => {
            if (base >= 0) held = Math.max(held, resident() - base);
            return (store.put as (...a: unknown[]) => Promise<unknown>).call(store, key, body, ...rest);
          },
        },
      });
      const events = table(per);
      const last = events.at(-1)!.receivedAt;
      const d: StepDeps = { ...deps(10, models, 4000), store: new MemoryTrainingStore(events), now: () => last + DAY };
      const sizes = { chunkPairs: 2048, spillEntries: 2048 };
      await d.store.releaseLease('train', await preparePlain(d, sizes));
      (d.store as MemoryTrainingStore).addEvents(
        events.slice(0, 100).map((e, n) => ({ ...e, eventId: `late${n}`, receivedAt: last + 60_000 })),
      );
      base = resident();
      held = 0;
      const runId = await preparePlain(d, sizes);
      peaks[per] = { held, pairs: (await readPlan(store, 'workflow/', runId)).counts.interactions };
    }
    // 4x the interactions, the same users: what Prepare holds stays (the whole read held ≈ 240 B an interaction)
    expect(peaks[32]!.pairs).toBeGreaterThan(3.5 * peaks[8]!.pairs);
    expect(peaks[32]!.held).toBeLessThan(1.25 * peaks[8]!.held + 256 * 1024);
    // a chunk (2,048 pairs), a spill (2,048 entries) and a shard (4,000 interactions) are ~100-200 KB each
    expect(peaks[32]!.held).toBeLessThan(1024 * 1024);
  });
});
