/**
 * Prepare lays the run out a shard at a time: the files are those of the
 * whole-side computation (byte for byte), and while it writes the seeded
 * starting factors it holds one shard's buffers, whatever the data's size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlsParams } from '../../../shared/math/als';
import { confidences } from '../../../shared/math/confidence';
import { transpose, type Csr } from '../../../shared/math/csr';
import { Rng } from '../../../shared/math/rng';
import type { ModelStore } from '../../../shared/ports/model-store';
import { LocalModelStore } from '../../../shared/storage/local/model-store';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { pairsToCsr, type Dataset } from '../../../shared/training/dataset';
import { arrayOf } from '../../../shared/training/distributed/blob';
import { controlStep } from '../../../shared/training/distributed/dispatch';
import { keys, readBlob, readPlan } from '../../../shared/training/distributed/layout';
import type { StepDeps } from '../../../shared/training/distributed/record';
import { makeHoldout } from '../../../shared/training/evaluate';
import { syntheticInteractions } from '../training/data';

const PARAMS: Partial<AlsParams> = { factors: 16, iterations: 2 };
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function deps(users: number, models: ModelStore, shardInteractions = 400): StepDeps {
  return {
    store: new MemoryTrainingStore(syntheticInteractions({ users, items: 90, seed: 11 })),
    models,
    prefix: 'models/',
    scratch: 'workflow/',
    logger: { info: () => {}, warn: () => {} },
    config: {
      keepVersions: 3,
      trainBudgetSeconds: 5,
      gateTolerance: 0.02,
      leaseSeconds: 600,
      tune: false,
      distributedMinInteractions: 1,
      shardInteractions,
    },
  };
}

async function prepare(d: StepDeps): Promise<string> {
  const out = (await controlStep(d, { step: 'prepare', input: { distributed: true, params: PARAMS } })) as {
    runId: string;
  };
  return out.runId;
}

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('Prepare, a shard at a time', () => {
  it('writes the whole-side computation’s bytes: CSR slices, their confidences, trainAls’s draw', async () => {
    const models = new MemoryModelStore();
    const d = deps(240, models);
    const runId = await prepare(d);
    const plan = await readPlan(models, 'workflow/', runId);
    const k = keys('workflow/', runId);
    const b = await readBlob<Dataset>(models, k.data);
    const data: Dataset = {
      ...b.meta,
      pairUser: arrayOf(b, 'pairUser', Int32Array),
      pairItem: arrayOf(b, 'pairItem', Int32Array),
      pairWeight: arrayOf(b, 'pairWeight', Float32Array),
      pairTime: arrayOf(b, 'pairTime', Float64Array),
    };
    const p = plan.params;
    const full = pairsToCsr(data);
    const evalM = makeHoldout(data, 'user', p.seed).train;
    const sides: [string, Csr, Csr, typeof plan.userRanges][] = [
      ['user', evalM, full, plan.userRanges],
      ['item', transpose(evalM), transpose(full), plan.itemRanges],
    ];
    expect(plan.userRanges.length).toBeGreaterThan(1);
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
        expect(bytes(got).equals(bytes(whole.subarray(ranges[s]![0] * p.factors, ranges[s]![1] * p.factors)))).toBe(
          true,
        );
      }
    }
  });

  it('holds one shard’s buffers while it writes the starting factors, at 1x and 8x the users', async () => {
    // array buffers are otherwise freed on a background thread after gc(): the count would lag
    setFlagsFromString('--expose-gc');
    setFlagsFromString('--no-concurrent-array-buffer-sweeping');
    const gc = runInNewContext('gc') as () => void;
    const resident = () => (gc(), process.memoryUsage().arrayBuffers);
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
      const runId = await prepare(d);
      over[users] = { rows, pairs: (await readPlan(store, 'workflow/', runId)).counts.interactions };
    }
    // a shard’s rows (< 160 KB here) and Node's I/O buffers: the whole-side draw held all rows of both sides,
    // and the matrices, dataset and snapshot were still referenced then (> 60 bytes an interaction)
    expect(over[16000]!.pairs).toBeGreaterThan(100_000);
    for (const users of [2000, 16000]) expect(over[users]!.rows).toBeLessThan(1024 * 1024);
    expect(over[16000]!.rows).toBeLessThan(4 * over[16000]!.pairs);
  });
});
