/**
 * ALS alone vs ALS + neural re-ranker on MovieLens 100K with genres and user
 * attributes (read in place).
 *   npx tsx bench/neural.ts [<dir>] [--split user|item|both] [--json] [--grid small|full]
 * Protocol: stratified 75/25 seed 42 per user and per item (as bench/quality.ts),
 * every rating a positive, top-10 with train items removed. ALS uses the
 * configuration docs/quality.md's tuner chose on validation splits of the
 * per-item train part (tuning seed 7). The ranker's hyper-parameters are chosen
 * on a per-user 75/25 validation split of TRAIN only (seed 7): each grid point
 * is fitted on the validation fit part and scored against ALS fitted on the same
 * part; test is scored once, with the chosen point, and the gate's rule (keep
 * ALS unless the ranker won on validation) is applied to what test shows.
 */
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMl100k, toCsr } from './quality-data';
import { loadMl100kMeta } from './movielens-meta';
import { stratifiedSplit } from '../shared/math/split';
import { evaluateRanking } from '../shared/math/metrics';
import type { AlsParams } from '../shared/math/als';
import { holdoutSplit } from '../shared/math/hpo';
import { scoreAll } from '../shared/math/topk';
import { calibrate, fitPlatt, holdoutScoreHits, reliabilityBins } from '../shared/math/calibration';
import { eceOfBins } from '../shared/math/neural/ece';
import { fitRanker, type RankerMeta, type RankerOptions } from '../shared/math/neural/ranker';
import type { Csr } from '../shared/math/csr';
import { TUNED_ML100K_ALS } from './quality-data';

const args = process.argv.slice(2);
const json = args.includes('--json');
const opt = (name: string, d: string) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : d);
const splitArg = opt('--split', 'both');
const gridArg = opt('--grid', 'small');
// --only K: just the grid's K-th point (to re-score a point a full run chose, when the full run is too slow)
const only = args.includes('--only') ? Number(opt('--only', '0')) : undefined;
const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = positional[0] ? resolve(positional[0]) : resolve(repoRoot, '../shared/data/ml-100k');
const log = (...m: unknown[]) => (json ? console.error(...m) : console.log(...m));

const ALS: AlsParams = TUNED_ML100K_ALS;

type Point = Pick<RankerOptions, 'idFactors' | 'embed' | 'hidden'> & {
  epochs: number;
  lr: number;
  batch: number;
  negatives: number;
};
const base: Point = { idFactors: false, embed: 8, hidden: [16], epochs: 5, lr: 0.01, batch: 32, negatives: 4 };
const GRID: Record<string, Point[]> = {
  one: [base],
  small: [
    base,
    { ...base, hidden: [32, 16] },
    { ...base, epochs: 10, lr: 0.003 },
    { ...base, idFactors: true, lr: 0.003 },
  ],
};
GRID.full = [...GRID.small, { ...base, embed: 16, hidden: [32], negatives: 8 }, { ...base, hidden: [] }];

function alsScorer(m: { userFactors: Float32Array; itemFactors: Float32Array; factors: number }) {
  const f = m.factors;
  return (u: number, out: Float32Array) => scoreAll(m.userFactors.subarray(u * f, u * f + f), m.itemFactors, f, out);
}

function ranker(train: Csr, meta: RankerMeta, p: Point) {
  return fitRanker(train, meta, {
    als: ALS,
    idFactors: p.idFactors,
    embed: p.embed,
    hidden: p.hidden,
    train: { epochs: p.epochs, learningRate: p.lr, batchSize: p.batch, negatives: p.negatives, learnFactors: true },
  });
}

/** (predicted probability, hit) of each top-10 slot of a pipeline on a holdout. */
function slots(
  train: Csr,
  test: Csr,
  scoreUser: (u: number, out: Float32Array) => void,
  prob: (u: number, i: number, s: number) => number,
) {
  const p: number[] = [];
  const h: number[] = [];
  const buf = new Float32Array(train.cols);
  for (let u = 0; u < test.rows; u++) {
    if (test.indptr[u + 1] === test.indptr[u] || train.indptr[u + 1] === train.indptr[u]) continue;
    scoreUser(u, buf);
    for (let q = train.indptr[u]; q < train.indptr[u + 1]; q++) buf[train.indices[q]] = -Infinity;
    const top = Array.from(buf.keys())
      .sort((a, b) => buf[b] - buf[a] || a - b)
      .slice(0, 10);
    const rel = new Set(test.indices.subarray(test.indptr[u], test.indptr[u + 1]));
    for (const i of top) {
      p.push(prob(u, i, buf[i]));
      h.push(rel.has(i) ? 1 : 0);
    }
  }
  return { p, h };
}

const binText = (b: { lo: number; hi: number; count: number; meanPredicted: number; observedRate: number }) =>
  `[${b.lo.toFixed(1)},${b.hi.toFixed(1)}) n=${b.count} ` +
  `p̄=${b.meanPredicted.toFixed(3)} obs=${b.observedRate.toFixed(3)}`;

function protocol(by: 'user' | 'item') {
  const d = loadMl100k(dataDir);
  const meta0 = loadMl100kMeta(dataDir);
  const meta: RankerMeta = {
    itemBags: meta0.itemBags,
    userBags: meta0.userBags,
    itemTokens: meta0.itemVocab.size,
    userTokens: meta0.userVocab.size,
  };
  const split = stratifiedSplit(by === 'user' ? d.user : d.item, 0.75, 42);
  const train = toCsr(d, split.train);
  const test = toCsr(d, split.test, () => 1);
  log(`\n== per-${by} 75/25 seed 42: ${train.indptr[train.rows]} train, ${test.indptr[test.rows]} test entries`);

  // --- choose the ranker's point on a validation split of train only ---
  const { fit: vFit, valid } = holdoutSplit(train, 0.75, 7, 'user');
  const all = GRID[gridArg] ?? GRID.small;
  const grid = only === undefined ? all : [all[only]];
  const tried: { point: Point; ndcg: number; seconds: number }[] = [];
  let alsModelVal: ReturnType<typeof ranker>['retrieval'] | undefined;
  const fitted: ReturnType<typeof ranker>[] = [];
  let alsVal = NaN;
  for (const point of grid) {
    const t0 = performance.now();
    const r = ranker(vFit, meta, point);
    if (Number.isNaN(alsVal)) alsVal = evaluateRanking(vFit, valid, alsScorer(r.retrieval), 10).ndcg;
    alsModelVal = r.retrieval;
    const ndcg = evaluateRanking(vFit, valid, r.scoreUser, 10).ndcg;
    const seconds = (performance.now() - t0) / 1000;
    tried.push({ point, ndcg, seconds });
    fitted.push(r);
    log(
      `  val ${JSON.stringify(point)}: nDCG@10 ${ndcg.toFixed(4)} (ALS ${alsVal.toFixed(4)}; ` +
        `${seconds.toFixed(0)} s, loss ${r.losses.map((l) => l.toFixed(3)).join(' ')})`,
    );
  }
  const best = tried.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  // the rule of gateRanker: the ranker must win by ≥ 0.005 on validation
  const gateKeepsAls = best.ndcg < alsVal + 0.005;
  log(
    `  chosen ${JSON.stringify(best.point)} (val ${best.ndcg.toFixed(4)} vs ALS ${alsVal.toFixed(4)}): ` +
      `gate ${gateKeepsAls ? 'keeps ALS' : 'serves ALS + neural'}`,
  );

  // --- Platt on ALS scores, fitted on the validation split (never on test); every point's ALS is the same ---
  const val = holdoutScoreHits(vFit, valid, alsScorer(alsModelVal!), 10);
  const platt = fitPlatt(val.scores, val.hits, { plattTargets: true });
  // and Platt on the network's logit over its own validation slots: does recalibration fix it?
  const rBest = fitted[tried.indexOf(best)];
  const logit = (p: number) => Math.log(p / (1 - p));
  const nnVal = slots(vFit, valid, rBest.scoreUser, (u, i) => logit(rBest.probability(u, i)));
  const plattNn = fitPlatt(nnVal.p, nnVal.h, { plattTargets: true });

  // --- test, once ---
  const final = ranker(train, meta, best.point);
  const alsTest = evaluateRanking(train, test, alsScorer(final.retrieval), 10);
  const neuralTest = evaluateRanking(train, test, final.scoreUser, 10);
  log(
    `  test nDCG@10: ALS ${alsTest.ndcg.toFixed(4)}  ALS + neural ${neuralTest.ndcg.toFixed(4)}  ` +
      `(Δ ${(neuralTest.ndcg - alsTest.ndcg).toFixed(4)})`,
  );
  log(`  test P@10:    ALS ${alsTest.precision.toFixed(4)}  ALS + neural ${neuralTest.precision.toFixed(4)}`);
  const alsSlots = slots(train, test, alsScorer(final.retrieval), (_u, _i, s) => calibrate(platt, s));
  const nnSlots = slots(train, test, final.scoreUser, (u, i) => final.probability(u, i));
  const alsBins = reliabilityBins(alsSlots.p, alsSlots.h, 10);
  const nnBins = reliabilityBins(nnSlots.p, nnSlots.h, 10);
  const reSlots = slots(train, test, final.scoreUser, (u, i) => calibrate(plattNn, logit(final.probability(u, i))));
  const reBins = reliabilityBins(reSlots.p, reSlots.h, 10);
  const ece = { plattAls: eceOfBins(alsBins), neural: eceOfBins(nnBins), plattNeural: eceOfBins(reBins) };
  log(
    `  ECE of P(click) on the test top-10 slots: Platt on ALS ${ece.plattAls.toFixed(4)}, ` +
      `network ${ece.neural.toFixed(4)}, Platt on the network's logit ${ece.plattNeural.toFixed(4)}`,
  );
  for (const [name, bins] of [
    ['Platt/ALS', alsBins],
    ['network', nnBins],
    ['Platt/network', reBins],
  ] as const)
    log(`   ${name} bins: ${bins.map(binText).join('; ')}`);
  return {
    by,
    validation: { als: alsVal, tried },
    chosen: best.point,
    gateKeepsAls,
    test: { als: alsTest, neural: neuralTest },
    ece,
    bins: { plattAls: alsBins, neural: nnBins },
  };
}

const t0 = performance.now();
const out = (splitArg === 'both' ? (['user', 'item'] as const) : [splitArg as 'user' | 'item']).map(protocol);
log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
if (json) console.log(JSON.stringify(out));
