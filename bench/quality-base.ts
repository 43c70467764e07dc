/**
 * Base-model (ALS) variants on MovieLens 100K, on the exact splits the tuner uses: three per-<split>
 * 75/25 validation splits of train (seeds t … t + 2) and three 90/10 confirm splits (t + 3 … t + 5).
 *   nice -n 10 npx tsx bench/quality-base.ts --split item|user [--tune-seed 7] [--test]
 *     [--split-seed 42] [--nested [--lambdas 0.015,0.02 --a0s 0.225,0.3]]
 *     '{"factors":256,"iterations":20}' '{…}' …   (each JSON overrides TUNED_ML100K_ALS)
 * A config may carry "seeds": n (mean of n init seeds' per-user z-scored scores). Test is scored only
 * with --test: choose on validation first, then score the chosen configuration(s) once. --oracle scores
 * test only (no validation), to bound what any configuration of the family could reach: never a result.
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

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(opt('--data', resolve(repoRoot, '../shared/data/ml-100k')));
const by = opt('--split', 'item') as 'item' | 'user';
const t = Number(opt('--tune-seed', '7'));
// another test split (default the protocol's 42): how far test alone moves one configuration
const splitSeed = Number(opt('--split-seed', '42'));
const withTest = args.includes('--test');
const oracle = args.includes('--oracle');
// --nested: does the best (λ, α0) move with the fit's data size? Train only (test untouched): per outer
// 75/25 split of train, a λ × α0 grid scored on the outer validation part (fits on 56% of the ratings)
// and on two inner 75/25 splits of the outer fit part (fits on 42%).
const nested = args.includes('--nested');
const configs = args.filter((a) => a.startsWith('{')).map((a) => JSON.parse(a) as Record<string, number | string>);

type Config = AlsParams & { seeds?: number };

/** Scorer of the mean of `seeds` fits' per-user z-scored scores (one fit: raw scores). */
function fitScorer(fit: Csr, c: Config): (u: number, out: Float32Array) => void {
  const n = c.seeds ?? 1;
  const models = Array.from({ length: n }, (_, s) => trainAls(fit, { ...c, seed: c.seed + s }));
  const tmp = new Float32Array(fit.cols);
  return (u, out) => {
    out.fill(0);
    for (const m of models) {
      scoreAll(m.userFactors.subarray(u * m.factors, (u + 1) * m.factors), m.itemFactors, m.factors, tmp);
      if (n > 1) standardize(tmp);
      for (let i = 0; i < out.length; i++) out[i] += tmp[i];
    }
  };
}

function main() {
  const d = loadMl100k(dataDir);
  const split = stratifiedSplit(by === 'item' ? d.item : d.user, 0.75, splitSeed);
  const train = toCsr(d, split.train);
  const test = toCsr(d, split.test, () => 1);
  if (nested) return nestedGrid(train);
  const valid = [0, 1, 2].map((k) => holdoutSplit(train, 0.75, t + k, by));
  // --confirm-ratio 0.95 --confirm-splits 6: confirm fits closer to the refit's size (more splits against noise)
  const cRatio = Number(opt('--confirm-ratio', '0.9'));
  const cSplits = Number(opt('--confirm-splits', '3'));
  const confirm = Array.from({ length: cSplits }, (_, k) => holdoutSplit(train, cRatio, t + 3 + k, by));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const raw of configs) {
    const c = { ...TUNED_ML100K_ALS, ...raw } as Config;
    const t0 = performance.now();
    if (oracle) {
      const r = evaluateRanking(train, test, fitScorer(train, c), 10);
      console.log(
        `${JSON.stringify(raw)} ORACLE test ${r.ndcg.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      );
      continue;
    }
    const v = valid.map((s) => evaluateRanking(s.fit, s.valid, fitScorer(s.fit, c), 10).ndcg);
    const cf = confirm.map((s) => evaluateRanking(s.fit, s.valid, fitScorer(s.fit, c), 10).ndcg);
    let line = `${JSON.stringify(raw)} val ${mean(v).toFixed(4)} confirm ${mean(cf).toFixed(4)}`;
    if (withTest) {
      const r = evaluateRanking(train, test, fitScorer(train, c), 10);
      line += ` TEST ${r.ndcg.toFixed(4)} P@10 ${r.precision.toFixed(4)}`;
    }
    console.log(`${line} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
}

function nestedGrid(train: Csr) {
  const lambdas = opt('--lambdas', '0.0125,0.015,0.02,0.025').split(',').map(Number);
  const a0s = opt('--a0s', '0.15,0.225,0.3,0.4').split(',').map(Number);
  for (let o = 0; o < 3; o++) {
    const outer = holdoutSplit(train, 0.75, t + o, by);
    const inner = [0, 1].map((k) => holdoutSplit(outer.fit, 0.75, t + 100 + k, by));
    for (const regularization of lambdas)
      for (const unobservedWeight of a0s) {
        const c = { ...TUNED_ML100K_ALS, regularization, unobservedWeight } as Config;
        const score = (s: { fit: Csr; valid: Csr }) => evaluateRanking(s.fit, s.valid, fitScorer(s.fit, c), 10).ndcg;
        const inn = (score(inner[0]) + score(inner[1])) / 2;
        const grid = `λ ${regularization} α0 ${unobservedWeight}`;
        console.log(`outer ${o} ${grid} inner ${inn.toFixed(4)} outer ${score(outer).toFixed(4)}`);
      }
  }
}

main();
