/**
 * Retrieval variants on MovieLens 100K, chosen on validation only, scored once on test:
 * EASE, EDLAE (Steck 2020: dropout-emphasised diagonal), RP3beta, popularity, ALS at the
 * tuned configuration (TUNED_ML100K_ALS, also with other init seeds), and blends of them.
 *   nice -n 10 npx tsx bench/quality-variants.ts --split item|user [--tune-seed 7] [--cache DIR]
 *     [--only ease,edlae,rp3,als,als43,als44,pop,blend] [--ease-lambdas 100,200,400,800]
 *     [--blend als,ease,rp3,pop] [--oracle]
 * Validation: three per-<split> 75/25 splits of train (seeds t … t + 2), as selectModel carves them.
 * Each family's best configuration on validation is scored on test; the blend's weights (a 0.1 grid
 * over the simplex) are picked on validation. --oracle also prints the weights that are best ON TEST:
 * an upper bound on what any weights could reach, never a result. Scores are z-scored per user.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMl100k, toCsr, TUNED_ML100K_ALS } from './quality-data';
import { stratifiedSplit } from '../shared/math/split';
import { holdoutSplit } from '../shared/math/hpo';
import type { Csr } from '../shared/math/csr';
import { trainAls } from '../shared/math/als';
import { scoreAll } from '../shared/math/topk';
import { itemGram } from '../shared/math/ease';
import { invertSpdInPlace } from '../shared/math/spd-inverse';
import { standardize } from '../shared/math/blend';
import { ndcgAtK } from '../shared/math/metrics';
import { TopK } from '../shared/math/topk';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(opt('--data', resolve(repoRoot, '../shared/data/ml-100k')));
const by = opt('--split', 'item') as 'item' | 'user';
const tuneSeed = Number(opt('--tune-seed', '7'));
const only = opt('--only', 'ease,edlae,rp3,als,pop,blend').split(',');
// score matrices are cached per candidate and split, so blends can be re-run without refitting
const cacheDir = opt('--cache', '');
const blendFams = opt('--blend', '').split(',').filter(Boolean);
const f4 = (x: number) => x.toFixed(4);

/** Users × items score matrix (z-scored per user) of a scorer. */
type Scores = Float32Array;

function matrixOf(ui: Csr, score: (u: number, out: Float32Array) => void): Scores {
  const n = ui.cols;
  const m = new Float32Array(ui.rows * n);
  for (let u = 0; u < ui.rows; u++) {
    const row = m.subarray(u * n, u * n + n);
    score(u, row);
    standardize(row);
  }
  return m;
}

/** Mean nDCG@10 of a linear mix of z-scored matrices, train items removed. */
function ndcgMix(fit: Csr, valid: Csr, mats: Scores[], w: number[]): number {
  const n = fit.cols;
  const mixed = new Float32Array(n);
  const heap = new TopK(10);
  const oi = new Int32Array(10);
  const os = new Float32Array(10);
  const rel = new Set<number>();
  let sum = 0;
  let users = 0;
  for (let u = 0; u < valid.rows; u++) {
    if (valid.indptr[u + 1] === valid.indptr[u] || fit.indptr[u + 1] === fit.indptr[u]) continue;
    mixed.fill(0);
    for (let m = 0; m < mats.length; m++) {
      if (w[m] === 0) continue;
      const row = mats[m].subarray(u * n, u * n + n);
      for (let i = 0; i < n; i++) mixed[i] += w[m] * row[i];
    }
    for (let q = fit.indptr[u]; q < fit.indptr[u + 1]; q++) mixed[fit.indices[q]] = -Infinity;
    heap.reset(10);
    for (let i = 0; i < n; i++) if (mixed[i] > -Infinity) heap.push(i, mixed[i]);
    const c = heap.drain(oi, os);
    rel.clear();
    for (let q = valid.indptr[u]; q < valid.indptr[u + 1]; q++) rel.add(valid.indices[q]);
    sum += ndcgAtK(oi.subarray(0, c), rel, 10);
    users++;
  }
  return sum / Math.max(1, users);
}

const rowScorer =
  (ui: Csr, w: Float32Array) =>
  (u: number, out: Float32Array): void => {
    const n = ui.cols;
    out.fill(0);
    for (let p = ui.indptr[u]; p < ui.indptr[u + 1]; p++) {
      const io = ui.indices[p] * n;
      for (let j = 0; j < n; j++) out[j] += w[io + j];
    }
  };

/** EASE / EDLAE weights: P = (G + λI + p/(1−p)·diag G)⁻¹, B = I − P·diagMat(1/diag P). */
function edlae(g: Float64Array, n: number, lambda: number, p: number): Float32Array {
  const a = Float64Array.from(g);
  const r = p / (1 - p);
  for (let i = 0; i < n; i++) a[i * n + i] += lambda + r * g[i * n + i];
  if (!invertSpdInPlace(a, n)) throw new Error('not SPD');
  const w = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i * n + j] = i === j ? 0 : -a[i * n + j] / a[j * n + j];
  return w;
}

/** RP3beta: W[i][j] = Σ_u deg(u)^−α [u∋i,j] · deg(i)^−α · deg(j)^−β, top-k per column. */
function rp3(ui: Csr, alpha: number, beta: number, k: number): Float32Array {
  const n = ui.cols;
  const du = new Float64Array(ui.rows);
  const di = new Float64Array(n);
  for (let u = 0; u < ui.rows; u++) {
    du[u] = ui.indptr[u + 1] - ui.indptr[u];
    for (let p = ui.indptr[u]; p < ui.indptr[u + 1]; p++) di[ui.indices[p]]++;
  }
  const w = new Float64Array(n * n);
  for (let u = 0; u < ui.rows; u++) {
    const c = du[u] > 0 ? du[u] ** -alpha : 0;
    for (let p = ui.indptr[u]; p < ui.indptr[u + 1]; p++) {
      const io = ui.indices[p] * n;
      for (let q = ui.indptr[u]; q < ui.indptr[u + 1]; q++) w[io + ui.indices[q]] += c;
    }
  }
  const out = new Float32Array(n * n);
  const col = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const sj = di[j] > 0 ? di[j] ** -beta : 0;
    for (let i = 0; i < n; i++) col[i] = i === j || di[i] === 0 ? 0 : w[i * n + j] * di[i] ** -alpha * sj;
    let thr = 0;
    if (k < n) thr = Float64Array.from(col).sort()[n - k];
    for (let i = 0; i < n; i++) if (col[i] >= thr && col[i] > 0) out[i * n + j] = col[i];
  }
  return out;
}

interface Cand {
  name: string;
  family: string;
  /** One builder: weights/scores for a fit matrix. */
  build(fit: Csr, gram: Float64Array): (u: number, out: Float32Array) => void;
}

function candidates(): Cand[] {
  const c: Cand[] = [];
  if (only.includes('ease'))
    for (const l of opt('--ease-lambdas', '100,200,400,800').split(',').map(Number))
      c.push({ name: `ease λ${l}`, family: 'ease', build: (fit, g) => rowScorer(fit, edlae(g, fit.cols, l, 0)) });
  if (only.includes('edlae'))
    for (const p of [0.1, 0.25, 0.4])
      for (const l of [25, 50, 100, 200, 400])
        c.push({
          name: `edlae p${p} λ${l}`,
          family: 'edlae',
          build: (fit, g) => rowScorer(fit, edlae(g, fit.cols, l, p)),
        });
  if (only.includes('rp3'))
    for (const a of [0.5, 0.8, 1])
      for (const b of [0.2, 0.35, 0.5])
        for (const k of [100, 400])
          c.push({ name: `rp3 α${a} β${b} k${k}`, family: 'rp3', build: (fit) => rowScorer(fit, rp3(fit, a, b, k)) });
  if (only.includes('pop'))
    c.push({
      name: 'pop',
      family: 'pop',
      build: (fit) => {
        const pop = new Float32Array(fit.cols);
        for (let p = 0; p < fit.indptr[fit.rows]; p++) pop[fit.indices[p]]++;
        for (let i = 0; i < fit.cols; i++) pop[i] = Math.log1p(pop[i]);
        return (_, out) => out.set(pop);
      },
    });
  for (const seed of [42, 43, 44])
    if (only.includes(`als${seed}`))
      c.push({
        name: `als tuned seed ${seed}`,
        family: `als${seed}`,
        build: (fit) => {
          const m = trainAls(fit, { ...TUNED_ML100K_ALS, seed });
          const f = m.factors;
          return (u, out) => scoreAll(m.userFactors.subarray(u * f, u * f + f), m.itemFactors, f, out);
        },
      });
  // --alsx '{"factors":512}': one more ALS configuration (overrides on the tuned one), family 'alsx'
  if (only.includes('alsx'))
    c.push({
      name: `alsx ${opt('--alsx', '{}')}`,
      family: 'alsx',
      build: (fit) => {
        const m = trainAls(fit, { ...TUNED_ML100K_ALS, ...JSON.parse(opt('--alsx', '{}')) });
        const f = m.factors;
        return (u, out) => scoreAll(m.userFactors.subarray(u * f, u * f + f), m.itemFactors, f, out);
      },
    });
  if (only.includes('als'))
    c.push({
      name: 'als tuned(seed7 item)',
      family: 'als',
      build: (fit) => {
        const m = trainAls(fit, TUNED_ML100K_ALS);
        const f = m.factors;
        return (u, out) => scoreAll(m.userFactors.subarray(u * f, u * f + f), m.itemFactors, f, out);
      },
    });
  return c;
}

function cached(key: string, make: () => Scores): Scores {
  if (!cacheDir) return make();
  mkdirSync(cacheDir, { recursive: true });
  const f = join(cacheDir, `${by}-${tuneSeed}-${key.replace(/[^\w.]+/g, '_')}.f32`);
  if (existsSync(f)) {
    const b = readFileSync(f);
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  }
  const m = make();
  writeFileSync(f, m);
  return m;
}

function main() {
  const d = loadMl100k(dataDir);
  const split = stratifiedSplit(by === 'item' ? d.item : d.user, 0.75, 42);
  const train = toCsr(d, split.train, () => 1);
  const test = toCsr(d, split.test, () => 1);
  const folds = [0, 1, 2].map((s) => holdoutSplit(train, 0.75, tuneSeed + s, by));
  const grams = folds.map((f) => itemGram(f.fit, true));
  const gTrain = itemGram(train, true);
  const cands = candidates();
  const results: { c: Cand; val: number; valMats: Scores[] }[] = [];
  for (const c of cands) {
    const t0 = performance.now();
    const valMats = folds.map((f, q) => cached(`${c.name} v${q}`, () => matrixOf(f.fit, c.build(f.fit, grams[q]))));
    const val = folds.reduce((s, f, q) => s + ndcgMix(f.fit, f.valid, [valMats[q]], [1]), 0) / folds.length;
    results.push({ c, val, valMats });
    console.log(`${c.name.padEnd(28)} val ${f4(val)}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  // best per family on validation, then its test score
  const best = new Map<string, { c: Cand; val: number; valMats: Scores[] }>();
  for (const r of results) if (!best.has(r.c.family) || r.val > best.get(r.c.family)!.val) best.set(r.c.family, r);
  const testMats = new Map<string, Scores>();
  for (const [fam, r] of best) {
    const m = cached(`${r.c.name} test`, () => matrixOf(train, r.c.build(train, gTrain)));
    testMats.set(fam, m);
    console.log(`BEST ${fam}: ${r.c.name} val ${f4(r.val)} test ${f4(ndcgMix(train, test, [m], [1]))}`);
  }
  if (!only.includes('blend')) return;
  const fams = blendFams.length ? blendFams : [...best.keys()];
  // every weight vector on a 0.1 simplex over the families
  const grid: number[][] = [];
  const rec = (prefix: number[], left: number) => {
    if (prefix.length === fams.length - 1) return grid.push([...prefix, left / 10]);
    for (let x = 0; x <= left; x++) rec([...prefix, x / 10], left - x);
  };
  rec([], 10);
  let top = { w: grid[0], val: -1 };
  const scored: { w: number[]; val: number }[] = [];
  for (const w of grid) {
    const val =
      folds.reduce(
        (s, f, q) =>
          s +
          ndcgMix(
            f.fit,
            f.valid,
            fams.map((x) => best.get(x)!.valMats[q]),
            w,
          ),
        0,
      ) / folds.length;
    scored.push({ w, val });
    if (val > top.val) top = { w, val };
  }
  scored.sort((a, b) => b.val - a.val);
  for (const s of scored.slice(0, 8))
    console.log(`blend ${fams.map((f, q) => `${f}:${s.w[q]}`).join(' ')} val ${f4(s.val)}`);
  const t = ndcgMix(
    train,
    test,
    fams.map((f) => testMats.get(f)!),
    top.w,
  );
  console.log(`BLEND CHOSEN ${fams.map((f, q) => `${f}:${top.w[q]}`).join(' ')} val ${f4(top.val)} test ${f4(t)}`);
  if (args.includes('--oracle')) {
    // an upper bound only, never a result: the weights picked on the test split itself
    let o = { w: grid[0], t: -1 };
    for (const w of grid) {
      const x = ndcgMix(
        train,
        test,
        fams.map((f) => testMats.get(f)!),
        w,
      );
      if (x > o.t) o = { w, t: x };
    }
    console.log(
      `ORACLE (weights picked on test, not a result) ${fams.map((f, q) => `${f}:${o.w[q]}`).join(' ')} test ${f4(o.t)}`,
    );
  }
}

main();
