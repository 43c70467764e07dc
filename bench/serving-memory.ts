/**
 * Issue #13 §4: can serving drop the stored user rows (memory and cold start that
 * grow with the user count) and fold every user in from the events it reads per
 * request? MovieLens 100K (read in place), tuned ALS, stratified 75/25 seed 42 per
 * user and per item, top-10 with train items removed — the quality protocol.
 *   npx tsx bench/serving-memory.ts [<ml-100k dir>] [--window 200]
 * Rows compared, each scoring every test user:
 * - stored:       the user's trained row (what serving holds in memory today);
 * - fold-in all:  one least-squares step from all the user's train items;
 * - fold-in last N: from the user's N newest train events only (what one Query of
 *   RECENT_EVENTS returns), older items are neither folded in nor excluded — so an
 *   old train item can come back; such an item counts as a miss and is reported.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Csr } from '../shared/math/csr';
import { evaluateRanking } from '../shared/math/metrics';
import { stratifiedSplit } from '../shared/math/split';
import { createRecommender } from '../shared/model/kinds/recommender';
import { RECENT_EVENTS } from '../shared/serving/history';
import { loadMl100k, type Ratings, toCsr, TUNED_ML100K_ALS } from './quality-data';

const args = process.argv.slice(2);
const opt = (name: string, d: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : d);
const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = positional[0] ? resolve(positional[0]) : resolve(root, '../shared/data/ml-100k');
const WINDOW = Number(opt('--window', String(RECENT_EVENTS)));

/** Each user's train rows, newest first (ties by row index for determinism). */
function newestFirst(d: Ratings, rows: Int32Array): Int32Array[] {
  const per: number[][] = Array.from({ length: d.users }, () => []);
  for (const q of rows) per[d.user[q]].push(q);
  return per.map((l) => Int32Array.from(l.sort((a, b) => d.time[b] - d.time[a] || a - b)));
}

function run(d: Ratings, how: 'user' | 'item') {
  const split = stratifiedSplit(how === 'user' ? d.user : d.item, 0.75, 42);
  const train = toCsr(d, split.train);
  const test = toCsr(d, split.test, () => 1);
  const t0 = performance.now();
  const m = createRecommender('als', { ...TUNED_ML100K_ALS, seed: 42 }).fit(train).fitted;
  const fitS = (performance.now() - t0) / 1000;
  const full = (u: number) => ({
    itemIdx: train.indices.slice(train.indptr[u], train.indptr[u + 1]),
    weights: Float64Array.from(train.data.subarray(train.indptr[u], train.indptr[u + 1])),
  });
  const stored = evaluateRanking(train, test, (u, out) => m.user(u).scoreAll(out), 10);
  const foldAll = evaluateRanking(train, test, (u, out) => (m.foldIn!(full(u)) ?? m.user(u)).scoreAll(out), 10);

  // Window: only the N newest train events are known. Items older than the window are
  // not excluded by serving, so they may be recommended again: score them as misses by
  // evaluating against a train matrix holding the window only, with old train items
  // never relevant (they are not in test).
  const newest = newestFirst(d, split.train);
  const windowRows = Int32Array.from(newest.flatMap((l) => Array.from(l.subarray(0, WINDOW))));
  const trainWindow: Csr = toCsr(d, windowRows);
  let usersBeyond = 0;
  for (const l of newest) if (l.length > WINDOW) usersBeyond++;
  let reRecommended = 0;
  let lists = 0;
  const foldWindow = evaluateRanking(
    trainWindow,
    test,
    (u, out) => {
      const h = {
        itemIdx: trainWindow.indices.slice(trainWindow.indptr[u], trainWindow.indptr[u + 1]),
        weights: Float64Array.from(trainWindow.data.subarray(trainWindow.indptr[u], trainWindow.indptr[u + 1])),
      };
      (m.foldIn!(h) ?? m.user(u)).scoreAll(out);
      // count old train items that reach this user's top-10 (window items are excluded by the evaluator)
      const win = new Set(h.itemIdx);
      const copy = Float32Array.from(out);
      for (const i of h.itemIdx) copy[i] = -Infinity;
      const top = Array.from(copy.keys())
        .sort((a, b) => copy[b] - copy[a] || a - b)
        .slice(0, 10);
      const old = new Set(train.indices.subarray(train.indptr[u], train.indptr[u + 1]));
      for (const i of top) if (old.has(i) && !win.has(i)) reRecommended++;
      lists++;
    },
    10,
  );
  const f = TUNED_ML100K_ALS.factors;
  return {
    split: how,
    fitSeconds: Number(fitS.toFixed(1)),
    users: d.users,
    items: d.items,
    storedNdcg10: Number(stored.ndcg.toFixed(4)),
    foldInAllNdcg10: Number(foldAll.ndcg.toFixed(4)),
    [`foldInLast${WINDOW}Ndcg10`]: Number(foldWindow.ndcg.toFixed(4)),
    usersBeyondWindow: usersBeyond,
    oldItemsRecommendedPerList: Number((reRecommended / Math.max(1, lists)).toFixed(4)),
    userRowBytes: d.users * f * 4,
    itemRowBytes: d.items * f * 4,
  };
}

const d = loadMl100k(dir);
for (const how of ['user', 'item'] as const) console.log(JSON.stringify(run(d, how)));
