/**
 * The accuracy / diversity / exposure trade-off on MovieLens 100K (docs/fairness.md):
 * the tuned iALS of docs/quality.md on its protocol (stratified per item 75/25,
 * seed 42, top-10, train items excluded), each user's best 40 re-ranked by
 *   - MMR over item-factor cosine at λ = 0 … 1 (serving's `diversity`),
 *   - a genre cap (serving's `maxPerCategory`),
 *   - Steck's calibrated re-rank toward the user's train genres (serving's `calibrate`),
 * reporting nDCG@10, intra-list diversity (by genres and by factors), miscalibration,
 * and exposure (coverage, Gini, long-tail share). Exactly serving's code path
 * (shared/math/diversity.ts, calibrated-rerank.ts, exposure.ts) on the same pool size.
 *
 *   npm run bench:diversity [-- path/to/ml-100k] [--json]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainAls } from '../shared/math/als';
import { categoryDistribution, miscalibration } from '../shared/math/calibrated-rerank';
import { categorySimilarity, cosineSimilarity, intraListDiversity } from '../shared/math/diversity';
import { exposureReport } from '../shared/math/exposure';
import { ndcgAtK } from '../shared/math/metrics';
import { stratifiedSplit } from '../shared/math/split';
import { TopK, scoreAll } from '../shared/math/topk';
import { type DiversityOptions, POOL_FACTOR, pickFromPool, poolSize } from '../shared/serving/diversify';
import { TUNED_ML100K_ALS, loadMl100k, toCsr } from './quality-data';

const args = process.argv.slice(2);
const json = args.includes('--json');
const positional = args.filter((a) => !a.startsWith('--'));
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = positional[0] ? resolve(positional[0]) : resolve(repoRoot, '../shared/data/ml-100k');
const log = (...m: unknown[]) => (json ? console.error(...m) : console.log(...m));
const K = 10;
/** What serving selects with a cap (the re-rankers use its best 4k). */
const POOL = poolSize(K, { maxPerCategory: 1 });

/** Genres per item, in loadMl100k's index order (first appearance in u.data). */
function genresByIndex(): string[][] {
  const order = new Map<string, number>();
  for (const line of readFileSync(join(dir, 'u.data'), 'utf8').split('\n')) {
    const id = line.split('\t')[1];
    if (id !== undefined && !order.has(id)) order.set(id, order.size);
  }
  const names = readFileSync(join(dir, 'u.genre'), 'latin1')
    .split('\n')
    .filter((l) => l.includes('|'))
    .map((l) => l.split('|')[0]);
  const out: string[][] = Array.from({ length: order.size }, () => []);
  for (const line of readFileSync(join(dir, 'u.item'), 'latin1').split('\n')) {
    const f = line.split('|');
    const i = order.get(f[0]);
    if (i === undefined || f.length < 5 + names.length) continue;
    const flags = f.slice(f.length - names.length);
    // "unknown" is MovieLens's no-genre flag, not a genre
    out[i] = names.filter((g, j) => flags[j] === '1' && g !== 'unknown');
  }
  return out;
}

interface UserPool {
  items: Int32Array;
  scores: Float32Array;
  relevant: Set<number>;
  target: Map<string, number>;
}

function main(): void {
  const t0 = performance.now();
  const d = loadMl100k(dir);
  const genres = genresByIndex();
  const split = stratifiedSplit(d.item, 0.75, 42);
  const train = toCsr(d, split.train);
  const test = toCsr(d, split.test, () => 1);
  const als = trainAls(train, { ...TUNED_ML100K_ALS, seed: 42 });
  const f = als.factors;
  const trainSeconds = (performance.now() - t0) / 1000;
  log(`ALS ${f} factors trained in ${trainSeconds.toFixed(1)} s`);

  const interactions = new Float64Array(d.items);
  for (let q = 0; q < train.indptr[train.rows]; q++) interactions[train.indices[q]]++;

  // each evaluated user's pool: the best POOL items with train items excluded, best-first
  const pools: UserPool[] = [];
  const scores = new Float32Array(d.items);
  const heap = new TopK(POOL);
  for (let u = 0; u < d.users; u++) {
    if (test.indptr[u + 1] === test.indptr[u] || train.indptr[u + 1] === train.indptr[u]) continue;
    scoreAll(als.userFactors.subarray(u * f, (u + 1) * f), als.itemFactors, f, scores);
    const hist: { categories: string[] }[] = [];
    for (let q = train.indptr[u]; q < train.indptr[u + 1]; q++) {
      scores[train.indices[q]] = -Infinity;
      hist.push({ categories: genres[train.indices[q]] });
    }
    heap.reset(POOL);
    for (let i = 0; i < d.items; i++) if (scores[i] > -Infinity) heap.push(i, scores[i]);
    const items = new Int32Array(POOL);
    const s = new Float32Array(POOL);
    const n = heap.drain(items, s);
    const relevant = new Set<number>();
    for (let q = test.indptr[u]; q < test.indptr[u + 1]; q++) relevant.add(test.indices[q]);
    pools.push({ items: items.subarray(0, n), scores: s.subarray(0, n), relevant, target: categoryDistribution(hist) });
  }

  const measure = (name: string, opts: DiversityOptions) => {
    const pick = (p: UserPool) =>
      pickFromPool(
        {
          relevance: p.scores,
          categoriesOf: (c) => genres[p.items[c]],
          similarity: (n) => cosineSimilarity(als.itemFactors, f, p.items.subarray(0, n)),
          target: () => p.target,
        },
        K,
        opts,
      );
    let ndcg = 0;
    let ildGenre = 0;
    let ildFactor = 0;
    let miscal = 0;
    let length = 0;
    const lists: Int32Array[] = [];
    for (const p of pools) {
      const picked = pick(p);
      const list = Int32Array.from(picked, (c) => p.items[c]);
      lists.push(list);
      length += list.length;
      ndcg += ndcgAtK(list, p.relevant, K);
      // similarities among the list's own items (positions 0..n-1 of `list`)
      const at = Array.from(list.keys());
      ildGenre += intraListDiversity(
        at,
        categorySimilarity((c) => genres[list[c]], list.length),
        list.length,
      );
      ildFactor += intraListDiversity(at, cosineSimilarity(als.itemFactors, f, list), list.length);
      miscal += miscalibration(
        p.target,
        picked.map((c) => genres[p.items[c]]),
      );
    }
    const n = pools.length;
    const e = exposureReport({ lists, k: K, items: d.items, interactions });
    return {
      name,
      length: length / n,
      ndcg: ndcg / n,
      ildGenre: ildGenre / n,
      ildFactor: ildFactor / n,
      miscalibration: miscal / n,
      coverage: e.coverage,
      gini: e.gini,
      longTail: e.longTail,
    };
  };

  const rows: ReturnType<typeof measure>[] = [];
  for (const lambda of [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])
    rows.push(measure(`diversity ${lambda}`, { diversity: lambda }));
  for (const cap of [1, 2, 3]) rows.push(measure(`maxPerCategory ${cap}`, { maxPerCategory: cap }));
  rows.push(measure('diversity 0.6 + maxPerCategory 3', { diversity: 0.6, maxPerCategory: 3 }));
  for (const lambda of [0.1, 0.3, 0.5, 0.7, 0.9, 0.99])
    rows.push(measure(`calibrate ${lambda}`, { calibrate: lambda }));
  const tailInteractions = exposureReport({ lists: [], k: K, items: d.items, interactions }).longTailInteractions;
  // what a re-rank adds to a request: the pick alone (the pool's scan is the plain request's own)
  const cost = (k: number, opts: DiversityOptions) => {
    const input = (p: UserPool) => ({
      relevance: p.scores,
      categoriesOf: (c: number) => genres[p.items[c]],
      similarity: (n: number) => cosineSimilarity(als.itemFactors, f, p.items.subarray(0, n)),
      target: () => p.target,
    });
    for (const p of pools.slice(0, 50)) pickFromPool(input(p), k, opts); // warm-up
    // CPU time, not wall time: on a shared, loaded machine the wall clock measures the neighbours
    const t = process.cpuUsage();
    const w = performance.now();
    for (const p of pools) pickFromPool(input(p), k, opts);
    const cpu = process.cpuUsage(t);
    return {
      cpu: (cpu.user + cpu.system) / pools.length,
      wall: ((performance.now() - w) * 1000) / pools.length,
    };
  };
  const costs = [10, 100].flatMap((k) =>
    (
      [
        ['diversity 0.6', { diversity: 0.6 }],
        ['maxPerCategory 3', { maxPerCategory: 3 }],
        ['calibrate 0.5', { calibrate: 0.5 }],
      ] as [string, DiversityOptions][]
    ).map(([name, o]) => ({ k, name, pool: poolSize(k, o), ...cost(k, o) })),
  );
  const seconds = (performance.now() - t0) / 1000;

  log(
    `\n${pools.length} users, pool ${POOL_FACTOR}k = ${POOL_FACTOR * K} (${POOL} with a cap), k ${K}; long-tail items hold ${pct(tailInteractions)} of train interactions`,
  );
  log(
    '\n| re-rank | items | nDCG@10 | ILD genres | ILD factors | miscalibration C_KL | coverage | Gini | long-tail share |',
  );
  log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    log(
      `| ${r.name} | ${r.length.toFixed(2)} | ${r.ndcg.toFixed(3)} | ${r.ildGenre.toFixed(3)} | ${r.ildFactor.toFixed(3)} | ` +
        `${r.miscalibration.toFixed(3)} | ${pct(r.coverage)} | ${r.gini.toFixed(3)} | ${pct(r.longTail)} |`,
    );
  const load = loadavg()[0].toFixed(1);
  log(`\nAdded per request by the re-rank (${f} factors; mean over ${pools.length} users; load average ${load}):`);
  for (const c of costs)
    log(`  k ${c.k}, pool ${c.pool}: ${c.name}: ${c.cpu.toFixed(0)} µs CPU (${c.wall.toFixed(0)} µs wall)`);
  log(`\ntotal ${seconds.toFixed(1)} s`);
  if (json)
    console.log(
      JSON.stringify({
        dataset: 'ml-100k',
        protocol:
          'stratified per item 75/25 seed 42, tuned iALS (bench/quality-data.ts), top-10 from a pool of 40 (400 with a cap), as serving',
        users: pools.length,
        longTailInteractions: tailInteractions,
        rows,
        costs,
        trainSeconds,
        seconds,
      }),
    );
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

main();
