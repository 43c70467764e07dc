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
import type { Csr } from '../shared/math/csr';
import { trainAls, type AlsParams } from '../shared/math/als';
import { scoreAll } from '../shared/math/topk';
import { standardize } from '../shared/math/blend';
import { evaluateRanking } from '../shared/math/metrics';
import { userFoldNdcg, userFolds } from '../shared/math/user-folds';
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

/**
 * Mean nDCG@10 over the label seeds of the user folds (shared/math/user-folds.ts, the folds the pair gate
 * of `--model auto` uses): every user scored once per label seed, by the fit that held out their labels.
 */
function userFold(train: Csr, members: AlsParams[]): number {
  const perSeed = labelSeeds.map((s) => {
    const fs = userFolds(train, { folds, seed: s, by });
    return userFoldNdcg(fs, (k) => [fitScorer(`${s}/${k}`, fs[k].fit, members)])[0];
  });
  return perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
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
