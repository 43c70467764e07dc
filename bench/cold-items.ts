/**
 * The cold-items protocol on MovieLens 100K with genres (and user attributes
 * for the network): 20% of the items held out entirely (seed 42), models
 * trained on the rest, each test user's held-out items ranked by metadata
 * score alone.
 *   npx tsx bench/cold-items.ts [<dir>] [--json]
 * Ridge λ and the network's point are chosen on a validation cold split carved
 * from the warm part only (20% of the warm items, seed 7); test is scored once.
 */
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMl100k, toCsr } from './quality-data';
import { loadMl100kMeta } from './movielens-meta';
import { trainAls, type AlsParams } from '../shared/math/als';
import { fitMetadataNetwork, type MetadataNetOptions } from '../shared/math/neural/cold';
import {
  categoryHeuristic,
  coldItemSplit,
  evaluateColdItems,
  evaluateRandomOrder,
  factorScorer,
  regressFactorsOnTokens,
  warmItemsWithData,
  type ColdItemSplit,
} from '../shared/training/cold-items';
import { TUNED_ML100K_ALS } from './quality-data';

const args = process.argv.slice(2);
const json = args.includes('--json');
const positional = args.filter((a) => !a.startsWith('--'));
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = positional[0] ? resolve(positional[0]) : resolve(repoRoot, '../shared/data/ml-100k');
const log = (...m: unknown[]) => (json ? console.error(...m) : console.log(...m));

const ALS: AlsParams = TUNED_ML100K_ALS;
const LAMBDAS = [0.3, 3, 30];
const NETS: MetadataNetOptions[] = [
  { embed: 8, hidden: [16], seed: 42, train: { epochs: 3, learningRate: 0.003, batchSize: 64, negatives: 4 } },
  { embed: 16, hidden: [32], seed: 42, train: { epochs: 5, learningRate: 0.003, batchSize: 64, negatives: 4 } },
];

const d = loadMl100k(dataDir);
const meta0 = loadMl100kMeta(dataDir);
const meta = {
  itemBags: meta0.itemBags,
  userBags: meta0.userBags,
  itemTokens: meta0.itemVocab.size,
  userTokens: meta0.userVocab.size,
};
const all = toCsr(
  d,
  Array.from({ length: d.rating.length }, (_, t) => t),
  () => 1,
);

/** Every method on one split; `ridge` and `net` fix the points (undefined: try all and report each). */
function run(split: ColdItemSplit, lambdas: number[], nets: MetadataNetOptions[]) {
  const t0 = performance.now();
  const als = trainAls(split.warm, ALS);
  const warmItems = warmItemsWithData(split);
  const rows: Record<string, { ndcg: number; recall: number; users: number; seconds?: number }> = {};
  rows.random = evaluateRandomOrder(split, 10, 20, 1);
  rows.categories = evaluateColdItems(split, categoryHeuristic(split.warm, meta.itemBags, meta.itemTokens));
  for (const l of lambdas) {
    const pred = regressFactorsOnTokens(meta.itemBags, meta.itemTokens, als.itemFactors, als.factors, warmItems, l);
    rows[`ridge λ=${l}`] = evaluateColdItems(split, factorScorer(als.userFactors, pred, als.factors));
  }
  nets.forEach((n, k) => {
    const t = performance.now();
    const p = fitMetadataNetwork(split.warm, als, meta, warmItems, n);
    rows[`network #${k}`] = {
      ...evaluateColdItems(split, (u, items, out) => {
        for (let q = 0; q < items.length; q++) out[q] = p(u, items[q]);
      }),
      seconds: (performance.now() - t) / 1000,
    };
  });
  log(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  for (const [name, r] of Object.entries(rows))
    log(`  ${name.padEnd(14)} nDCG@10 ${r.ndcg.toFixed(4)}  Recall@10 ${r.recall.toFixed(4)}  users ${r.users}`);
  return rows;
}

/** 20% of the outer split's warm items (seed 7) held out of its warm part: the validation split. */
function validationSplit(outer: ColdItemSplit): ColdItemSplit {
  const warmItems = Array.from(outer.isCold.keys()).filter((i) => !outer.isCold[i]);
  return coldItemSplit(outer.warm, 0.2, 7, warmItems);
}

const test = coldItemSplit(all, 0.2, 42);
log(
  `MovieLens 100K: ${test.coldItems.length} cold items of ${all.cols}; ` +
    `${test.test.indptr[test.test.rows]} held-out interactions`,
);
log('\nValidation (20% of the warm items, seed 7):');
const val = run(validationSplit(test), LAMBDAS, NETS);
const bestLambda = LAMBDAS.reduce((a, b) => (val[`ridge λ=${b}`].ndcg > val[`ridge λ=${a}`].ndcg ? b : a));
const bestNet = NETS.map((_, k) => k).reduce((a, b) => (val[`network #${b}`].ndcg > val[`network #${a}`].ndcg ? b : a));
log(`chosen: ridge λ=${bestLambda}, network #${bestNet} ${JSON.stringify(NETS[bestNet])}`);
log('\nTest (20% of all items, seed 42):');
const res = run(test, [bestLambda], [NETS[bestNet]]);
if (json)
  console.log(JSON.stringify({ validation: val, chosen: { lambda: bestLambda, network: NETS[bestNet] }, test: res }));
