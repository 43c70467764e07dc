/**
 * User-fold validation (session 21, issue 16): can the chooser see what test sees? The tuner's validation
 * fits see 56% of the ratings (confirm 68%), the refit 75%, and settings near the λ·α0 ridge do not transfer
 * (docs/quality.md, "A stronger base model?"). Here one 75/25 label split of train (per item or per user, the
 * protocol's law) is held out only for 1/K of the users at a time: fold k fits on all of train except the
 * label rows of fold k's users (≈ 1 − 0.25/K of train, 73% of the ratings at K = 10) and is scored on those
 * users alone; every user is scored once per label seed. So the item side is fitted on the refit's amount of
 * data and each scored user holds out 25% of their rows, as in test. Cost: K fits a configuration and label seed.
 *   nice -n 10 npx tsx bench/quality-userfold.ts --split item|user [--split-seed 42] [--folds 10]
 *     [--label-seeds 7] [--test none|all|pick] '{"regularization":0.015}' '[{…},{…}]' …
 * A config is a JSON object overriding TUNED_ML100K_ALS, or an array of them (mean of per-user z-scores).
 * --set NAME: a named candidate set (bench/userfold-candidates.ts; the first is the reference); --grid is
 * --set ridge, session 21's 11 candidates around the center. Fits are cached per member, so a pair of
 * members already fitted costs only its scoring.
 * --test all scores test for every config (development split seeds only); --test pick scores test once, for
 * the config ranked first on user-fold validation and for the first config (the reference); with it,
 * --fixed LABEL also scores the candidate so labelled (a rule fixed in advance, not chosen by this run).
 */
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMl100k, toCsr, TUNED_ML100K_ALS } from './quality-data';
import { stratifiedSplit } from '../shared/math/split';
import { holdoutSplit } from '../shared/math/hpo';
import type { Csr } from '../shared/math/csr';
import { trainAls, type AlsParams } from '../shared/math/als';
import { scoreAll } from '../shared/math/topk';
import { standardize } from '../shared/math/blend';
import { evaluateRanking } from '../shared/math/metrics';
import { Rng } from '../shared/math/rng';
import { CANDIDATE_SETS, type Candidate } from './userfold-candidates';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(opt('--data', resolve(repoRoot, '../shared/data/ml-100k')));
const by = opt('--split', 'item') as 'item' | 'user';
const splitSeed = Number(opt('--split-seed', '42'));
const folds = Number(opt('--folds', '10'));
const labelSeeds = opt('--label-seeds', '7').split(',').map(Number);
const testMode = opt('--test', 'none');
const setName = args.includes('--grid') ? 'ridge' : opt('--set', '');
if (setName !== '' && !(setName in CANDIDATE_SETS)) throw new Error(`--set: one of ${Object.keys(CANDIDATE_SETS)}`);
const candidates: Candidate[] =
  setName !== ''
    ? CANDIDATE_SETS[setName]()
    : args.filter((a) => a.startsWith('{') || a.startsWith('[')).map((a) => [a, a] as Candidate);
const configs = candidates.map(([name, json]) => {
  const j = JSON.parse(json) as Record<string, number> | Record<string, number>[];
  return { name, members: (Array.isArray(j) ? j : [j]).map((o) => ({ ...TUNED_ML100K_ALS, ...o }) as AlsParams) };
});

/**
 * Fits by (matrix, member): a pair reuses its members' fits (seeded, so a refit would be identical), which
 * makes every pair of already-fitted members free. The matrices are cached too, so one object per fold.
 */
const fitCache = new Map<string, ReturnType<typeof trainAls>>();
function fitOf(key: string, m: Csr, p: AlsParams) {
  const k = `${key} ${JSON.stringify(p)}`;
  let model = fitCache.get(k);
  if (!model) {
    model = trainAls(m, p);
    fitCache.set(k, model);
  }
  return model;
}

/** Scorer of one fit, or of the mean of several fits' per-user z-scored scores (as the blend kind mixes). */
function fitScorer(key: string, fit: Csr, members: AlsParams[]): (u: number, out: Float32Array) => void {
  const models = members.map((p) => fitOf(key, fit, p));
  const tmp = new Float32Array(fit.cols);
  return (u, out) => {
    out.fill(0);
    for (const m of models) {
      scoreAll(m.userFactors.subarray(u * m.factors, (u + 1) * m.factors), m.itemFactors, m.factors, tmp);
      if (models.length > 1) standardize(tmp);
      for (let i = 0; i < out.length; i++) out[i] += tmp[i];
    }
  };
}

/** Rows of `a` for users with inFold[u] === keep, rows of `b` for the others (both users × items). */
function mergeRows(a: Csr, b: Csr, inFold: Uint8Array, keep: number): Csr {
  const indptr = new Int32Array(a.rows + 1);
  for (let u = 0; u < a.rows; u++) {
    const m = inFold[u] === keep ? a : b;
    indptr[u + 1] = indptr[u] + m.indptr[u + 1] - m.indptr[u];
  }
  const indices = new Int32Array(indptr[a.rows]);
  const data = new Float32Array(indptr[a.rows]);
  for (let u = 0; u < a.rows; u++) {
    const m = inFold[u] === keep ? a : b;
    indices.set(m.indices.subarray(m.indptr[u], m.indptr[u + 1]), indptr[u]);
    data.set(m.data.subarray(m.indptr[u], m.indptr[u + 1]), indptr[u]);
  }
  return { rows: a.rows, cols: a.cols, indptr, indices, data };
}

const EMPTY = (rows: number, cols: number): Csr => ({
  rows,
  cols,
  indptr: new Int32Array(rows + 1),
  indices: new Int32Array(0),
  data: new Float32Array(0),
});

/** Mean nDCG@10 over every (label seed, user) pair, each user scored by the fit that held out its labels. */
function userFold(train: Csr, members: AlsParams[]): number {
  let sum = 0;
  let users = 0;
  for (const s of labelSeeds) {
    const { fit, valid } = holdoutSplit(train, 0.75, s, by);
    const perm = new Int32Array(train.rows).map((_, u) => u);
    new Rng(1000 + s).shuffle(perm);
    const fold = new Uint8Array(train.rows);
    perm.forEach((u, q) => {
      fold[u] = q % folds;
    });
    const none = EMPTY(train.rows, train.cols);
    for (let k = 0; k < folds; k++) {
      const inFold = fold.map((f) => (f === k ? 1 : 0));
      const fitK = mergeRows(fit, train, inFold, 1);
      const validK = mergeRows(valid, none, inFold, 1);
      const r = evaluateRanking(fitK, validK, fitScorer(`${s}/${k}`, fitK, members), 10);
      sum += r.ndcg * r.users;
      users += r.users;
    }
  }
  return sum / users;
}

function main() {
  const d = loadMl100k(dataDir);
  const split = stratifiedSplit(by === 'item' ? d.item : d.user, 0.75, splitSeed);
  const train = toCsr(d, split.train);
  const test = toCsr(d, split.test, () => 1);
  const testOf = (members: AlsParams[]) => evaluateRanking(train, test, fitScorer('train', train, members), 10);
  const rows: { name: string; uf: number; members: AlsParams[] }[] = [];
  for (const c of configs) {
    const t0 = performance.now();
    const uf = userFold(train, c.members);
    let line = `${c.name} userfold ${uf.toFixed(4)}`;
    if (testMode === 'all') line += ` TEST ${testOf(c.members).ndcg.toFixed(4)}`;
    console.log(`${line} (${((performance.now() - t0) / 1000).toFixed(0)} s)`, '');
    rows.push({ name: c.name, uf, members: c.members });
  }
  if (testMode === 'pick' && rows.length > 0) {
    const best = rows.reduce((a, b) => (b.uf > a.uf ? b : a));
    const ref = testOf(rows[0].members);
    console.log(`reference ${rows[0].name}: TEST ${ref.ndcg.toFixed(4)} P@10 ${ref.precision.toFixed(4)}`);
    if (best !== rows[0]) {
      const r = testOf(best.members);
      console.log(`pick ${best.name}: TEST ${r.ndcg.toFixed(4)} P@10 ${r.precision.toFixed(4)}`);
    } else console.log('pick = reference');
    // a second rule fixed in advance (session 22's rule B): its test, scored once whatever the pick was
    const fixed = rows.find((r) => r.name === opt('--fixed', ''));
    if (fixed && fixed !== rows[0] && fixed !== best) {
      const r = testOf(fixed.members);
      console.log(`fixed ${fixed.name}: TEST ${r.ndcg.toFixed(4)} P@10 ${r.precision.toFixed(4)}`);
    } else if (fixed) console.log(`fixed ${fixed.name}: scored above`);
  }
}

main();
