/**
 * User side information on MovieLens 100K (issue 16, session 20): does u.user (age band, gender, occupation)
 * lift the served iALS? Two forms, on the tuner's exact splits (three per-<split> 75/25 validation splits of
 * train, seeds t … t + 2; three 90/10 confirm splits, t + 3 … t + 5):
 *   aug w   iALS on the user rows augmented with one pseudo-item per attribute value (30 columns), each
 *           observed with confidence w (the real items keep confidence 1; pseudo-items are never ranked);
 *   pop β   z(ALS) + β·z(log popularity of the item among users sharing each of the user's attributes, summed).
 *   nice -n 10 npx tsx bench/proto/user-attr.ts --split item|user [--split-seed 42] [--weights 1,3,10]
 *     [--betas 0.05,0.1,0.2,0.4] [--test | --oracle-all]
 * --test scores on test the served model and each form's validation choice; --oracle-all scores every row
 * (development split seeds only).
 */
import { readFileSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMl100k, toCsr, TUNED_ML100K_ALS } from '../quality-data';
import { ageBand } from '../movielens-meta';
import { stratifiedSplit } from '../../shared/math/split';
import { holdoutSplit } from '../../shared/math/hpo';
import { csrFromTriples, type Csr } from '../../shared/math/csr';
import { trainAls, type AlsModel } from '../../shared/math/als';
import { scoreAll, TopK } from '../../shared/math/topk';
import { standardize } from '../../shared/math/blend';
import { ndcgAtK } from '../../shared/math/metrics';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = resolve(opt('--data', resolve(repoRoot, '../shared/data/ml-100k')));
const by = opt('--split', 'item') as 'item' | 'user';
const t = Number(opt('--tune-seed', '7'));
const splitSeed = Number(opt('--split-seed', '42'));
const weights = opt('--weights', '1,3,10').split(',').map(Number);
const betas = opt('--betas', '0.05,0.1,0.2,0.4').split(',').map(Number);
const withTest = args.includes('--test');
const oracleAll = args.includes('--oracle-all');

/** Attribute tokens per user, in loadMl100k's index order (first appearance in u.data). */
function userTokens(dir: string): { tokens: Int32Array[]; count: number } {
  const order = new Map<string, number>();
  for (const line of readFileSync(join(dir, 'u.data'), 'utf8').split('\n')) {
    const u = line.split('\t')[0];
    if (line.trim() && !order.has(u)) order.set(u, order.size);
  }
  const vocab = new Map<string, number>();
  const id = (s: string) => vocab.get(s) ?? (vocab.set(s, vocab.size), vocab.size - 1);
  const tokens: Int32Array[] = Array.from({ length: order.size }, () => new Int32Array(0));
  for (const line of readFileSync(join(dir, 'u.user'), 'latin1').split('\n')) {
    const [raw, age, gender, occupation] = line.split('|');
    const u = order.get(raw);
    if (u === undefined || !occupation) continue;
    tokens[u] = Int32Array.from([id(`age:${ageBand(Number(age))}`), id(`gender:${gender}`), id(`occ:${occupation}`)]);
  }
  return { tokens, count: vocab.size };
}

const attrs = userTokens(dataDir);

/** fit's rows with one extra column per attribute value: real entries confidence 1, attribute entries w. */
function augment(fit: Csr, w: number): Csr {
  const u: number[] = [];
  const i: number[] = [];
  const v: number[] = [];
  for (let r = 0; r < fit.rows; r++) {
    for (let q = fit.indptr[r]; q < fit.indptr[r + 1]; q++) u.push(r), i.push(fit.indices[q]), v.push(0);
    for (const a of attrs.tokens[r]) u.push(r), i.push(fit.cols + a), v.push(w - 1);
  }
  return csrFromTriples(fit.rows, fit.cols + attrs.count, u, i, v);
}

/** Log popularity of each item among the users holding each attribute value, from the fit part only. */
function groupLogPop(fit: Csr): Float32Array[] {
  const counts = Array.from({ length: attrs.count }, () => new Float32Array(fit.cols));
  for (let r = 0; r < fit.rows; r++)
    for (const a of attrs.tokens[r])
      for (let q = fit.indptr[r]; q < fit.indptr[r + 1]; q++) counts[a][fit.indices[q]]++;
  return counts.map((c) => c.map((x) => Math.log1p(x)));
}

type Scorer = (u: number, out: Float32Array) => void;

function alsScorer(m: AlsModel, items: number): Scorer {
  const v = m.itemFactors.subarray(0, items * m.factors);
  return (u, out) => scoreAll(m.userFactors.subarray(u * m.factors, (u + 1) * m.factors), v, m.factors, out);
}

/** z(ALS) + β·z(Σ the user's attribute groups' log popularity); β 0 is ALS alone. */
function popScorer(als: Scorer, pops: Float32Array[], beta: number, items: number): Scorer {
  const p = new Float32Array(items);
  return (u, out) => {
    als(u, out);
    if (beta === 0) return;
    standardize(out);
    p.fill(0);
    for (const a of attrs.tokens[u]) for (let i = 0; i < items; i++) p[i] += pops[a][i];
    standardize(p);
    for (let i = 0; i < items; i++) out[i] += beta * p[i];
  };
}

function ndcg(fit: Csr, valid: Csr, score: Scorer): number {
  const s = new Float32Array(fit.cols);
  const heap = new TopK(10);
  const oi = new Int32Array(10);
  const os = new Float32Array(10);
  const rel = new Set<number>();
  let sum = 0;
  let users = 0;
  for (let u = 0; u < valid.rows; u++) {
    if (valid.indptr[u + 1] === valid.indptr[u] || fit.indptr[u + 1] === fit.indptr[u]) continue;
    score(u, s);
    for (let q = fit.indptr[u]; q < fit.indptr[u + 1]; q++) s[fit.indices[q]] = -Infinity;
    rel.clear();
    for (let q = valid.indptr[u]; q < valid.indptr[u + 1]; q++) rel.add(valid.indices[q]);
    heap.reset(10);
    for (let i = 0; i < s.length; i++) if (s[i] > -Infinity) heap.push(i, s[i]);
    sum += ndcgAtK(oi.subarray(0, heap.drain(oi, os)), rel, 10);
    users++;
  }
  return sum / Math.max(1, users);
}

const rows = [
  { name: 'served', w: 0, beta: 0 },
  ...weights.map((w) => ({ name: `aug w ${w}`, w, beta: 0 })),
  ...betas.map((beta) => ({ name: `pop β ${beta}`, w: 0, beta })),
];

/** Every row's nDCG@10 on one split (one plain fit plus one augmented fit per weight). */
function scoreRows(fit: Csr, valid: Csr): number[] {
  const plain = alsScorer(trainAls(fit, TUNED_ML100K_ALS), fit.cols);
  const aug = new Map(
    weights.map((w) => [w, alsScorer(trainAls(augment(fit, w), { ...TUNED_ML100K_ALS, alpha: 1 }), fit.cols)]),
  );
  const pops = groupLogPop(fit);
  return rows.map((r) => ndcg(fit, valid, r.w ? (aug.get(r.w) as Scorer) : popScorer(plain, pops, r.beta, fit.cols)));
}

function main() {
  const d = loadMl100k(dataDir);
  const split = stratifiedSplit(by === 'item' ? d.item : d.user, 0.75, splitSeed);
  const train = toCsr(d, split.train, () => 1);
  const test = toCsr(d, split.test, () => 1);
  const mean = (sets: { fit: Csr; valid: Csr }[]) => {
    const all = sets.map((s) => scoreRows(s.fit, s.valid));
    return rows.map((_, q) => all.reduce((a, r) => a + r[q], 0) / all.length);
  };
  const v = mean([0, 1, 2].map((k) => holdoutSplit(train, 0.75, t + k, by)));
  const c = mean([0, 1, 2].map((k) => holdoutSplit(train, 0.9, t + 3 + k, by)));
  const best = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, q) => q + from).reduce((b, q) => (v[q] > v[b] ? q : b));
  const picked = new Set([0, best(0, 1 + weights.length), best(0, rows.length)]);
  picked.add([0, ...betas.map((_, q) => 1 + weights.length + q)].reduce((b, q) => (v[q] > v[b] ? q : b)));
  const te = withTest || oracleAll ? scoreRows(train, test) : undefined;
  console.log(`split ${by} seed ${splitSeed}, tune seed ${t}, ${attrs.count} attribute values`);
  rows.forEach((r, q) => {
    const show = te && (oracleAll || picked.has(q));
    const mark = picked.has(q) && q > 0 ? '  <- validation' : '';
    console.log(
      `${r.name.padEnd(12)} val ${v[q].toFixed(4)} confirm ${c[q].toFixed(4)}${show ? ` TEST ${te[q].toFixed(4)}` : ''}${mark}`,
    );
  });
}

main();
