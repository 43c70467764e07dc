/**
 * Checks docs/scale.md's capacity model against this machine: for generated
 * interaction sets (default 1M, 5M and 20M distinct user–item pairs, about 40
 * per user, long-tailed items in planted clusters) it measures ALS set-up and
 * seconds per iteration (64 factors, 3 CG steps) with 1 thread and with every
 * core, the process's peak memory, the artifact's bytes and the time to read
 * and verify those bytes back (serving's model load, minus the network), and
 * prints the model's prediction beside each measurement.
 *   NODE_OPTIONS=--expose-gc npm run bench:scale [-- --sizes 1e6,5e6,20e6] [--iterations 2] [--threads 1,2]
 *     [--skip-dataset] [--setup-runs 2]
 * Sizes run in ascending order, so the peak RSS printed after a size is that
 * size's. Long: run it under nice on a shared machine; the load average is
 * printed with each row.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainAls, alsDefaultsFor, type AlsModel } from '../shared/math/als';
import type { Csr } from '../shared/math/csr';
import { Rng } from '../shared/math/rng';
import { DatasetBuilder } from '../shared/training/dataset';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = (flag('--sizes') ?? '1e6,5e6,20e6').split(',').map(Number);
const iterations = Number(flag('--iterations') ?? 2);
const threadList = (flag('--threads') ?? `1,${availableParallelism()}`).split(',').map(Number);
const skipDataset = args.includes('--skip-dataset');
const setupRuns = Number(flag('--setup-runs') ?? 2);
const F = 64;
const CG_STEPS = 3;
const PER_USER = 40;

/**
 * The capacity model (docs/scale.md), calibrated on this machine nearly idle (load ≈ 3):
 * multiply-adds per second of one thread in the CG kernels, and the parallel
 * efficiency of each added thread.
 */
export const MODEL = {
  maddsPerSecondPerThread: 8.7e9,
  /**
   * CPU seconds per pair and iteration lost to cache misses once a side's
   * factors outgrow the cache (8 random row reads per pair): by the larger side's bytes,
   * up to 8 MB, up to 64 MB, beyond (fitted at 1M, 5M and 20M, machine nearly idle).
   */
  missSecondsPerPair: [0, 0.05e-6, 0.22e-6],
  parallelEfficiency: 0.9,
  /** Bytes read and hashed per second when loading an artifact from local disk (255 MB in 1.9 CPU s at 20M). */
  loadBytesPerSecond: 1.3e8,
  /** Events a second one thread turns into (user, item) pairs (DatasetBuilder: id interning, summing). */
  datasetEventsPerSecond: 1.0e6,
  /** Bytes the builder holds per pair and per distinct id while reading, before the CSR is built. */
  datasetBytesPerPair: 60,
  datasetBytesPerId: 120,
};

/** Multiply-adds of one ALS iteration: (steps + 1) sparse passes of 4f per nonzero per side, f² per row per pass. */
export function iterationMadds(nnz: number, rows: number, f = F, steps = CG_STEPS): number {
  return (steps + 1) * (4 * f * nnz + f * f * rows) + f * f * rows;
}

/**
 * Bytes the training holds beyond its input CSR: the transpose and both sides'
 * confidences in JS (16/nnz), both CSR sides with confidences in WebAssembly
 * memory (16/nnz), and the factors three times (initial, padded in WebAssembly,
 * copied out: 12·f per row) plus per-row pointers and λ.
 */
export function trainingBytes(nnz: number, rows: number, f = F): number {
  return 32 * nnz + (12 * f + 16) * rows;
}

/** Artifact bytes: factors, the seen CSR and its row pointers (ids excluded: ~12 bytes each as JSON). */
export function artifactBytes(nnz: number, users: number, items: number, f = F): number {
  return 4 * f * (users + items) + 4 * nnz + 4 * (users + 1) + 4 * items;
}

/** CPU seconds of one iteration on one thread: multiply-adds, plus cache misses by the larger side's size. */
export function predictCpuSeconds(nnz: number, users: number, items: number): number {
  const side = Math.max(users, items) * F * 4;
  const [fits, l3, beyond] = MODEL.missSecondsPerPair;
  const miss = side <= 8 << 20 ? fits : side <= 64 << 20 ? l3 : beyond;
  return iterationMadds(nnz, users + items) / MODEL.maddsPerSecondPerThread + miss * nnz;
}

export function predictSeconds(nnz: number, users: number, items: number, threads: number): number {
  return predictCpuSeconds(nnz, users, items) / (1 + (threads - 1) * MODEL.parallelEfficiency);
}

/** A users × items CSR with about `target` distinct pairs: Zipf items, 85% inside the user's cluster. */
function generate(target: number, seed = 1): Csr {
  // ~15% of draws repeat an item the user already has
  const users = Math.round(target / (PER_USER * 0.85));
  const items = Math.max(1000, Math.round(Math.sqrt(target) * 22));
  const clusters = 50;
  const rng = new Rng(seed);
  const perCluster = Math.floor(items / clusters);
  // inverse-CDF of a Zipf(1) rank over perCluster items: rank ≈ n^u − 1 for uniform u
  const zipf = () => Math.min(perCluster - 1, Math.floor(perCluster ** rng.next()) - 1);
  const indptr = new Int32Array(users + 1);
  const chunks: Int32Array[] = [];
  const row = new Set<number>();
  let total = 0;
  for (let u = 0; u < users; u++) {
    // draws per user ~ exponential; 1.2× the target since repeated items collapse into one pair
    const want = Math.max(1, Math.round(-PER_USER * 1.2 * Math.log(1 - rng.next() * 0.999)));
    row.clear();
    for (let k = 0; k < want; k++) {
      const c = rng.next() < 0.85 ? u % clusters : rng.int(clusters);
      row.add(Math.min(items - 1, zipf() * clusters + c));
    }
    const r = Int32Array.from(row).sort();
    chunks.push(r);
    total += r.length;
    indptr[u + 1] = total;
  }
  const indices = new Int32Array(total);
  let at = 0;
  for (const c of chunks) {
    indices.set(c, at);
    at += c.length;
  }
  return { rows: users, cols: items, indptr, indices, data: new Float32Array(total).fill(1) };
}

const mb = (b: number) => Math.round(b / 2 ** 20);
/** With NODE_OPTIONS=--expose-gc the held memory is measured after a collection, else it includes garbage. */
const gc = (globalThis as { gc?: () => void }).gc;

/**
 * The read side after the store: every pair of `m` as one event with string
 * ids (plus a repeat for every fifth pair) through the training's
 * DatasetBuilder, as a Scan's pages are; time, and memory held once built.
 */
function dataset(m: Csr): Record<string, number> {
  gc?.();
  const before = process.memoryUsage();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const b = new DatasetBuilder();
  let events = 0;
  for (let u = 0; u < m.rows; u++) {
    const user = `user-${u}`;
    for (let q = m.indptr[u]; q < m.indptr[u + 1]; q++) {
      const item = `item-${m.indices[q]}`;
      b.addOne(user, item, 1, 1_700_000_000_000 + q);
      events++;
      if (q % 5 === 0) {
        b.addOne(user, item, 3, 1_700_000_000_001 + q);
        events++;
      }
    }
  }
  const d = b.build();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  gc?.();
  const after = process.memoryUsage();
  const held = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  const ids = d.userIds.length + d.itemIds.length;
  return {
    events,
    datasetSeconds: +seconds.toFixed(2),
    datasetCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    predictedDatasetSeconds: +(events / MODEL.datasetEventsPerSecond).toFixed(2),
    datasetHeldMB: mb(held),
    predictedDatasetMB: mb(MODEL.datasetBytesPerPair * d.pairUser.length + MODEL.datasetBytesPerId * ids),
  };
}
const load = () => +loadavg()[0].toFixed(2);

/** Wall and CPU seconds (all threads of the process: on a loaded machine the CPU time is the steadier figure). */
function fit(m: Csr, threads: number, its: number): { seconds: number; cpu: number; model: AlsModel } {
  const p = { ...alsDefaultsFor({ rows: m.rows, cols: m.cols, nnz: m.indices.length }), factors: F, iterations: its };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const model = trainAls(m, p, { threads });
  const c = process.cpuUsage(c0);
  return { seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, model };
}

/** Writes the artifact's binary files, then times reading and hashing them back, as loadModel does. */
function artifactLoad(m: Csr, model: AlsModel): { bytes: number; seconds: number; cpu: number } {
  const dir = mkdtempSync(join(tmpdir(), 'attune-scale-'));
  try {
    const files = [model.userFactors, model.itemFactors, m.indptr, m.indices, new Float32Array(m.cols)];
    let bytes = 0;
    files.forEach((a, i) => {
      writeFileSync(join(dir, `f${i}`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      bytes += a.byteLength;
    });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < files.length; i++) {
      const b = readFileSync(join(dir, `f${i}`));
      createHash('sha256').update(b).digest();
      void new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
    }
    const c = process.cpuUsage(c0);
    return { bytes, seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const baselineRss = process.memoryUsage().rss;
console.log(JSON.stringify({ bench: 'scale', factors: F, cgSteps: CG_STEPS, cores: availableParallelism(), MODEL }));
for (const size of [...sizes].sort((a, b) => a - b)) {
  const tg = performance.now();
  const m = generate(size);
  const nnz = m.indices.length;
  const rows = m.rows + m.cols;
  const shape = {
    size,
    users: m.rows,
    items: m.cols,
    nnz,
    generateSeconds: +((performance.now() - tg) / 1000).toFixed(1),
  };
  console.log(JSON.stringify(shape));
  if (!skipDataset) console.log(JSON.stringify({ size, ...dataset(m), load: load() }));
  let last: AlsModel | undefined;
  for (const threads of threadList) {
    // the first call also compiles the kernels and starts the workers: best of two by default
    const setups = Array.from({ length: Math.max(1, setupRuns) }, () => fit(m, threads, 0));
    const setup = Math.min(...setups.map((r) => r.seconds));
    const run = fit(m, threads, iterations);
    last = run.model;
    const perIteration = (run.seconds - setup) / iterations;
    const cpuPerIteration = (run.cpu - Math.min(...setups.map((r) => r.cpu))) / iterations;
    const predicted = predictSeconds(nnz, m.rows, m.cols, threads);
    console.log(
      JSON.stringify({
        size,
        threads,
        setupSeconds: +setup.toFixed(2),
        secondsPerIteration: +perIteration.toFixed(3),
        cpuSecondsPerIteration: +cpuPerIteration.toFixed(3),
        predictedCpuSecondsPerIteration: +predictCpuSeconds(nnz, m.rows, m.cols).toFixed(3),
        predictedSecondsPerIteration: +predicted.toFixed(3),
        fit15Seconds: +(setup + 15 * perIteration).toFixed(1),
        predictedFit15Seconds: +(15 * predicted).toFixed(1),
        load: load(),
      }),
    );
  }
  const art = artifactLoad(m, last!);
  console.log(
    JSON.stringify({
      size,
      peakRssMB: mb(process.resourceUsage().maxRSS * 1024),
      // the process's own baseline, the input CSR (12 bytes a pair) and the training
      predictedPeakRssMB: mb(baselineRss + 12 * nnz + trainingBytes(nnz, rows)),
      artifactMB: mb(art.bytes),
      predictedArtifactMB: mb(artifactBytes(nnz, m.rows, m.cols)),
      loadSeconds: +art.seconds.toFixed(2),
      loadCpuSeconds: +art.cpu.toFixed(2),
      predictedLoadSeconds: +(art.bytes / MODEL.loadBytesPerSecond).toFixed(2),
      load: load(),
    }),
  );
}
