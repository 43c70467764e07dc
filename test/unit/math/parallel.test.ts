/**
 * Threaded ALS (shared/math/parallel): the half-steps split over worker threads
 * must give the same bytes as one thread (each row's solve reads only the fixed
 * side), the same bytes on every run, and use the threads they were given.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALS_PARAMS, trainAls, type AlsParams } from '../../../shared/math/als';
import type { Csr } from '../../../shared/math/csr';
import { buildInteractionMatrix } from '../../../shared/math/interactions';
import { balancedChunks, pooledWorkers } from '../../../shared/math/parallel/team';
import { resolveTrainThreads, setTrainingThreads, trainingThreads } from '../../../shared/math/parallel/threads';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { alsWasmAvailable, createAlsWasm, dropSpareMemory, setAlsKernel } from '../../../shared/math/wasm/als-kernels';

const hash = (m: { userFactors: Float32Array; itemFactors: Float32Array }) =>
  createHash('sha256')
    .update(new Uint8Array(m.userFactors.buffer, m.userFactors.byteOffset, m.userFactors.byteLength))
    .update(new Uint8Array(m.itemFactors.buffer, m.itemFactors.byteOffset, m.itemFactors.byteLength))
    .digest('hex');

const data = generateSynthetic({ users: 900, items: 600, clusters: 12, eventsPerUser: 25, seed: 3 });
const ui: Csr = buildInteractionMatrix(data.triples).matrix;

describe.skipIf(!alsWasmAvailable(64))('threaded ALS', () => {
  it('gives the same bytes for 1, 2 and 3 threads, and on a second run', () => {
    for (const factors of [64, 10]) {
      const p: AlsParams = { ...DEFAULT_ALS_PARAMS, factors, iterations: 4, seed: 7 };
      const one = hash(trainAls(ui, p, { threads: 1 }));
      expect(hash(trainAls(ui, p, { threads: 2 }))).toBe(one);
      expect(hash(trainAls(ui, p, { threads: 2 }))).toBe(one);
      expect(hash(trainAls(ui, p, { threads: 3 }))).toBe(one);
    }
  });

  it('gives the same bytes for 1 and 2 threads with the plain (unfused) kernel too', () => {
    const before = setAlsKernel('plain');
    try {
      const p: AlsParams = { ...DEFAULT_ALS_PARAMS, factors: 64, iterations: 2, seed: 7 };
      expect(hash(trainAls(ui, p, { threads: 2 }))).toBe(hash(trainAls(ui, p, { threads: 1 })));
    } finally {
      setAlsKernel(before);
    }
  });

  it('sums the Gramian in the same order when a side has more blocks than one team call holds', () => {
    // 128 factors: 8 block slots of 512 rows a call, so 4,600 users take two calls
    const wide = generateSynthetic({ users: 4600, items: 300, clusters: 6, eventsPerUser: 6, seed: 9 });
    const m = buildInteractionMatrix(wide.triples).matrix;
    expect(m.rows).toBeGreaterThan(8 * 512);
    const p: AlsParams = { ...DEFAULT_ALS_PARAMS, factors: 128, iterations: 1, seed: 2 };
    expect(hash(trainAls(m, p, { threads: 2 }))).toBe(hash(trainAls(m, p, { threads: 1 })));
  });

  it("gives the same bytes in an earlier run's memory, dirty from a larger problem", () => {
    const big = buildInteractionMatrix(
      generateSynthetic({ users: 1500, items: 900, clusters: 8, eventsPerUser: 30, seed: 5 }).triples,
    ).matrix;
    // 10 factors: padded columns, and zero rows after each side, that the small run must find zero again
    for (const threads of [1, 2]) {
      const p: AlsParams = { ...DEFAULT_ALS_PARAMS, factors: 10, iterations: 2, seed: 7 };
      const fresh: Record<string, number> = {};
      dropSpareMemory();
      const first = hash(trainAls(ui, p, { threads, phases: fresh }));
      expect(fresh.reusedMemory).toBe(0);
      trainAls(big, { ...p, factors: 64 }, { threads });
      const again: Record<string, number> = {};
      expect(hash(trainAls(ui, p, { threads, phases: again }))).toBe(first);
      expect(again.reusedMemory).toBe(1);
    }
  });

  it('agrees with the single-threaded JS solver to float tolerance', () => {
    const p: AlsParams = { ...DEFAULT_ALS_PARAMS, factors: 16, iterations: 3, seed: 5 };
    const js = trainAls(ui, p, { kernel: 'js' });
    const par = trainAls(ui, p, { threads: 2 });
    let worst = 0;
    for (let k = 0; k < js.itemFactors.length; k++)
      worst = Math.max(worst, Math.abs(js.itemFactors[k] - par.itemFactors[k]));
    expect(worst).toBeLessThan(1e-3);
  });

  it('solves every row when there are more threads than rows', () => {
    const tiny = buildInteractionMatrix(data.triples.filter((t) => t.userId === 'u1' || t.userId === 'u2')).matrix;
    const p: AlsParams = { ...DEFAULT_ALS_PARAMS, factors: 8, iterations: 2 };
    expect(hash(trainAls(tiny, p, { threads: 4 }))).toBe(hash(trainAls(tiny, p, { threads: 1 })));
  });

  it('runs a team of the requested size on shared memory, and the worker solves chunks', () => {
    const p = { ...DEFAULT_ALS_PARAMS, factors: 8 };
    const X = new Float32Array(ui.rows * 8).fill(0.1);
    const Y = new Float32Array(ui.cols * 8).fill(0.1);
    const k = createAlsWasm(ui, { X, Y }, 8, p, 2)!;
    try {
      expect(k.threads).toBe(2);
      expect(k.X.buffer).toBeInstanceOf(SharedArrayBuffer);
      // the worker starts while the caller solves; within a bounded number of half-steps it takes chunks too
      const gram = new Float64Array(64);
      for (let h = 0; h < 400 && k.workerChunks() === 0; h++) k.half(h % 2 ? 'items' : 'users', 1, gram);
      expect(k.workerChunks()).toBeGreaterThan(0);
    } finally {
      k.close();
    }
  });

  it('trains with the process-wide thread count when the caller gives none', () => {
    const p: AlsParams = { ...DEFAULT_ALS_PARAMS, factors: 8, iterations: 2 };
    const one = hash(trainAls(ui, p));
    setTrainingThreads(2);
    try {
      expect(trainingThreads()).toBe(2);
      // the pool is started when the count is set, not by the first fit (earlier tests used at most 3 workers)
      setTrainingThreads(5);
      expect(pooledWorkers()).toBe(4);
      setTrainingThreads(2);
      expect(hash(trainAls(ui, p))).toBe(one);
    } finally {
      setTrainingThreads(1);
    }
    expect(() => setTrainingThreads(0)).toThrow(/integer >= 1/);
  });
});

describe('balancedChunks', () => {
  it('covers the rows in order with at most the asked number of chunks of similar work', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(50), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        (lens, n) => {
          const indptr = new Int32Array(lens.length + 1);
          lens.forEach((l, u) => {
            indptr[u + 1] = indptr[u] + l;
          });
          const s = balancedChunks(indptr, lens.length, 16, n);
          expect(s[0]).toBe(0);
          expect(s[s.length - 1]).toBe(lens.length);
          expect(s.length - 1).toBeLessThanOrEqual(n);
          for (let k = 1; k < s.length; k++) expect(s[k]).toBeGreaterThanOrEqual(s[k - 1]);
          // no chunk holds more than its share plus one row's work
          const cost = (lo: number, hi: number) => indptr[hi] - indptr[lo] + (hi - lo) * 8;
          const share = cost(0, lens.length) / (s.length - 1);
          for (let k = 1; k < s.length; k++) expect(cost(s[k - 1], s[k])).toBeLessThanOrEqual(share + 58);
        },
      ),
    );
  });

  it('resolves 0 threads to the cores, capped at 8', () => {
    expect(resolveTrainThreads(0, 2)).toBe(2);
    expect(resolveTrainThreads(0, 64)).toBe(8);
    expect(resolveTrainThreads(3, 64)).toBe(3);
  });
});
