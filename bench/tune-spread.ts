/**
 * Tuning-seed spread of the served model, without the rest of the bench: per
 * tuning seed, the bench's iALS tuning (48 trials on three per-item 75/25
 * validation splits of TRAIN, top five at the chosen size re-ranked on three
 * 90/10 splits), then the search's own choice and the confirmed choice are each
 * trained on the full train split and scored on test once. Nothing here looks
 * at test before both choices are fixed.
 *   npx tsx bench/tune-spread.ts [--seeds 7,11,23,42] [--trials 48] [--budget 420] [<dir-with-u.data>]
 * Output: two lines per seed, then one JSON line per seed.
 */
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMl100k, toCsr } from './quality-data';
import { stratifiedSplit } from '../shared/math/split';
import { evaluateRanking } from '../shared/math/metrics';
import { scoreAll } from '../shared/math/topk';
import { trainAls, type AlsParams } from '../shared/math/als';
import { holdoutSplit, tuneAls } from '../shared/math/hpo';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : dflt);
const seeds = opt('--seeds', '7,11,23,42').split(',').map(Number);
const maxTrials = Number(opt('--trials', '48'));
const budget = Number(opt('--budget', '420'));
const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = positional[0] ? resolve(positional[0]) : resolve(repoRoot, '../shared/data/ml-100k');

const d = loadMl100k(dataDir);
const split = stratifiedSplit(d.item, 0.75, 42);
const train = toCsr(d, split.train);
const test = toCsr(d, split.test, () => 1);

function onTest(p: AlsParams) {
  const m = trainAls(train, p);
  const f = m.factors;
  const r = evaluateRanking(
    train,
    test,
    (u, out) => scoreAll(m.userFactors.subarray(u * f, u * f + f), m.itemFactors, f, out),
    10,
  );
  return {
    ndcg: r.ndcg,
    precision: r.precision,
    f: p.factors,
    it: p.iterations,
    lambda: p.regularization,
    a0: p.unobservedWeight,
    confidence: p.confidence,
    alpha: p.alpha,
  };
}

for (const seed of seeds) {
  const t0 = performance.now();
  const tuned = tuneAls(train, {
    budgetSeconds: budget,
    maxTrials,
    seed,
    split: [seed, seed + 1, seed + 2].map((s) => holdoutSplit(train, 0.75, s, 'item')),
    confirm: { splits: [seed + 3, seed + 4, seed + 5].map((s) => holdoutSplit(train, 0.9, s, 'item')), top: 5 },
    factors: [64, 128, 256],
  });
  const tuneSeconds = (performance.now() - t0) / 1000;
  // the search's own choice is the first configuration the confirm phase retrains
  const searchPick = tuned.log.find((t) => t.phase === 'confirm')?.params ?? tuned.best;
  const out = {
    seed,
    tuneSeconds,
    trials: tuned.log.length,
    search: onTest(searchPick),
    confirmed: onTest(tuned.best),
  };
  for (const name of ['search', 'confirmed'] as const) {
    const r = out[name];
    console.log(
      `seed ${seed} ${name.padEnd(9)} test nDCG ${r.ndcg.toFixed(4)} P@10 ${r.precision.toFixed(4)}  f=${r.f} it=${r.it} λ=${r.lambda.toPrecision(3)} α0=${r.a0.toPrecision(3)} ${r.confidence} α=${r.alpha}`,
    );
  }
  console.log(JSON.stringify(out));
}
