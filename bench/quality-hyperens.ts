/**
 * Hyper-ensembles along the iALS λ·α0 ridge (issue 16, session 20): the mean of per-user z-scored scores of
 * ALS fits at points (λ·c, α0/c) around the served configuration, on the tuner's exact splits (three
 * per-<split> 75/25 validation splits of train, seeds t … t + 2; three 90/10 confirm splits, t + 3 … t + 5).
 *   nice -n 10 npx tsx bench/quality-hyperens.ts --split item|user [--split-seed 42] [--tune-seed 7]
 *     [--fan 0.5,0.7,1,1.4,2] [--center '{"regularization":0.0216,…}'] [--fixed 0.7,1]
 *     [--test [--rules subset@confirm,fixed] | --oracle-all]
 * Every non-empty subset of the fan is scored (equal weights). Rules, each a pure function of validation:
 * "fan" (symmetric fans of 1, 3, 5 points, best on validation), "topK" (the fan's points ranked by their own
 * validation score, K chosen on validation), "subset" (best of all subsets on validation), and the same three
 * ranked on confirm; "trend" (the center and the neighbour that gains more from the validation to the confirm
 * fits); "fixed" is the --fixed subset (a rule fixed in advance). --test scores on test only the
 * served point and what the --rules (default all) pick (for the protocol's split seed 42: name the rules
 * before looking); --oracle-all scores every subset on test (development split seeds only: a look at test).
 */
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMl100k, toCsr, TUNED_ML100K_ALS } from './quality-data';
import { stratifiedSplit } from '../shared/math/split';
import { holdoutSplit } from '../shared/math/hpo';
import type { Csr } from '../shared/math/csr';
import { trainAls, type AlsModel, type AlsParams } from '../shared/math/als';
import { scoreAll, TopK } from '../shared/math/topk';
import { standardize } from '../shared/math/blend';
import { ndcgAtK } from '../shared/math/metrics';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(opt('--data', resolve(repoRoot, '../shared/data/ml-100k')));
const by = opt('--split', 'item') as 'item' | 'user';
const t = Number(opt('--tune-seed', '7'));
const splitSeed = Number(opt('--split-seed', '42'));
const fan = opt('--fan', '0.5,0.7,1,1.4,2').split(',').map(Number);
const center: AlsParams = { ...TUNED_ML100K_ALS, ...JSON.parse(opt('--center', '{}')) };
const withTest = args.includes('--test');
const oracleAll = args.includes('--oracle-all');
const fixed = args.includes('--fixed') ? opt('--fixed', '').split(',').map(Number) : [];
const testRules = args.includes('--rules') ? opt('--rules', '').split(',') : undefined;

const points: AlsParams[] = fan.map((c) => ({
  ...center,
  regularization: center.regularization * c,
  unobservedWeight: center.unobservedWeight / c,
}));
const P = points.length;
// every non-empty subset of the fan, as a bit mask over its points
const subsets = Array.from({ length: (1 << P) - 1 }, (_, s) => s + 1);
const members = (mask: number) => points.map((_, p) => p).filter((p) => mask & (1 << p));
const label = (mask: number) =>
  `{${members(mask)
    .map((p) => fan[p])
    .join(',')}}`;

/**
 * nDCG@10 of every subset's equal-weight ensemble on one split: each user's P score vectors are computed and
 * z-scored once (over the catalog, as the blend kind does), then summed per subset.
 */
function scoreSubsets(fit: Csr, valid: Csr, models: AlsModel[]): Float64Array {
  const n = fit.cols;
  const z = models.map(() => new Float32Array(n));
  const sum = new Float32Array(n);
  const heap = new TopK(10);
  const oi = new Int32Array(10);
  const os = new Float32Array(10);
  const sums = new Float64Array(subsets.length);
  const rel = new Set<number>();
  let users = 0;
  for (let u = 0; u < valid.rows; u++) {
    if (valid.indptr[u + 1] === valid.indptr[u]) continue;
    if (u >= fit.rows || fit.indptr[u + 1] === fit.indptr[u]) continue;
    models.forEach((m, p) => {
      scoreAll(m.userFactors.subarray(u * m.factors, (u + 1) * m.factors), m.itemFactors, m.factors, z[p]);
      standardize(z[p]);
      for (let q = fit.indptr[u]; q < fit.indptr[u + 1]; q++) z[p][fit.indices[q]] = -Infinity;
    });
    rel.clear();
    for (let q = valid.indptr[u]; q < valid.indptr[u + 1]; q++) rel.add(valid.indices[q]);
    subsets.forEach((mask, s) => {
      sum.fill(0);
      for (const p of members(mask)) for (let i = 0; i < n; i++) sum[i] += z[p][i];
      heap.reset(10);
      for (let i = 0; i < n; i++) if (sum[i] > -Infinity) heap.push(i, sum[i]);
      const c = heap.drain(oi, os);
      sums[s] += ndcgAtK(oi.subarray(0, c), rel, 10);
    });
    users++;
  }
  return sums.map((x) => x / Math.max(1, users));
}

/** Mean over splits of every subset's nDCG@10 (P fits per split). */
function meanOver(splits: { fit: Csr; valid: Csr }[], tag: string): Float64Array {
  const acc = new Float64Array(subsets.length);
  for (const s of splits) {
    const t0 = performance.now();
    const models = points.map((c) => trainAls(s.fit, c));
    const r = scoreSubsets(s.fit, s.valid, models);
    for (let q = 0; q < acc.length; q++) acc[q] += r[q] / splits.length;
    console.error(`${tag}: ${P} fits + ${subsets.length} subsets in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return acc;
}

const argmax = (xs: number[], f: (x: number) => number) => xs.reduce((b, x) => (f(x) > f(b) ? x : b), xs[0]);

/** The rules: each picks a subset index from one score vector (validation or confirm). */
function rules(score: Float64Array): Record<string, number> {
  const idx = (mask: number) => subsets.indexOf(mask);
  const mid = fan.indexOf(1);
  const maskOf = (ps: number[]) => ps.reduce((m, p) => m | (1 << p), 0);
  // symmetric fans of half-width 0, 1, 2 … around the served point, as far as the fan reaches on both sides
  const fans = [0, 1, 2, 3]
    .filter((w) => mid - w >= 0 && mid + w < P)
    .map((w) => idx(maskOf(points.map((_, p) => p).filter((p) => Math.abs(p - mid) <= w))));
  const ranked = points.map((_, p) => p).sort((a, b) => score[idx(1 << b)] - score[idx(1 << a)]);
  const tops = ranked.map((_, k) => idx(maskOf(ranked.slice(0, k + 1))));
  return {
    fan: argmax(fans, (q) => score[q]),
    topK: argmax(tops, (q) => score[q]),
    subset: argmax(
      subsets.map((_, q) => q),
      (q) => score[q],
    ),
  };
}

function main() {
  const d = loadMl100k(dataDir);
  const split = stratifiedSplit(by === 'item' ? d.item : d.user, 0.75, splitSeed);
  const train = toCsr(d, split.train);
  const test = toCsr(d, split.test, () => 1);
  const valid = [0, 1, 2].map((k) => holdoutSplit(train, 0.75, t + k, by));
  const confirm = [0, 1, 2].map((k) => holdoutSplit(train, 0.9, t + 3 + k, by));
  console.log(`split ${by} seed ${splitSeed}, tune seed ${t}, fan ${fan.join(',')} around ${JSON.stringify(center)}`);
  const v = meanOver(valid, 'validation');
  const c = meanOver(confirm, 'confirm');
  const chosen = new Map<number, string[]>();
  const served = subsets.indexOf(1 << fan.indexOf(1));
  chosen.set(served, ['served']);
  for (const [src, sc] of [
    ['val', v],
    ['confirm', c],
  ] as const)
    for (const [rule, q] of Object.entries(rules(sc))) chosen.set(q, [...(chosen.get(q) ?? []), `${rule}@${src}`]);
  // "trend": pair the center with the neighbour whose score against the center improves more from the
  // validation fits (56% of the ratings) to the confirm fits (68%), i.e. toward the refit's size
  const mid = fan.indexOf(1);
  if (mid > 0 && mid < P - 1) {
    const gain = (p: number) => {
      const q = subsets.indexOf(1 << p);
      return c[q] - c[served] - (v[q] - v[served]);
    };
    const side = gain(mid - 1) >= gain(mid + 1) ? mid - 1 : mid + 1;
    const q = subsets.indexOf((1 << mid) | (1 << side));
    chosen.set(q, [...(chosen.get(q) ?? []), 'trend']);
  }
  if (fixed.length) {
    const q = subsets.indexOf(fixed.reduce((m, x) => m | (1 << fan.indexOf(x)), 0));
    chosen.set(q, [...(chosen.get(q) ?? []), 'fixed']);
  }
  let te: Float64Array | undefined;
  if (withTest || oracleAll) {
    const models = points.map((p) => trainAls(train, p));
    te = scoreSubsets(train, test, models);
  }
  for (let q = 0; q < subsets.length; q++) {
    const picked = chosen.get(q);
    const tested = picked?.some((r) => r === 'served' || !testRules || testRules.includes(r));
    const showTest = te && (oracleAll || tested);
    const line = `${label(subsets[q]).padEnd(22)} val ${v[q].toFixed(4)} confirm ${c[q].toFixed(4)}`;
    console.log(`${line}${showTest ? ` TEST ${te?.[q].toFixed(4)}` : ''}${picked ? `  <- ${picked.join(' ')}` : ''}`);
  }
}

main();
