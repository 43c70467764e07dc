/**
 * Automatic model choice (ALS, EASE, their blend) against each single kind.
 *   nice -n 10 npx tsx bench/quality-auto.ts --dataset ml-item|ml-user|synthetic|pairs [--trials 48] [--tune-seed 7] [--als JSON]
 *   npx tsx bench/quality-auto.ts --ease-peer            Attune EASE λ=250 on both ML-100K splits (+ pruning cost)
 *   npx tsx bench/quality-auto.ts --write-split <file> --split item|user   the split, for bench/ease-peer.py
 *   npx tsx bench/quality-auto.ts --scale 1000,2000,5000   EASE fit time and memory per catalog size
 * Protocol as bench/quality.ts: every rating a positive, 75/25 stratified seed 42
 * (per item or per user), top-10, train items removed; the kind, its parameters
 * and the blend weight are chosen on validation splits of train only, then each
 * candidate is refit on all of train and scored once on test.
 */
import { writeFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resourceUsage } from 'node:process';
import { loadMl100k, toCsr } from './quality-data';
import { stratifiedSplit } from '../shared/math/split';
import { evaluateRanking } from '../shared/math/metrics';
import { holdoutSplit } from '../shared/math/hpo';
import { generateSynthetic } from '../shared/math/synthetic';
import { buildInteractionMatrix } from '../shared/math/interactions';
import { csrFromTriples, type Csr } from '../shared/math/csr';
import { pruneEase, trainEase } from '../shared/math/ease';
import { DEFAULT_ALS_PARAMS } from '../shared/math/als';
import { Rng } from '../shared/math/rng';
import { easeScorer, fitSelection, selectModel, type AutoKind } from '../shared/training/select-model';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(opt('--data', resolve(repoRoot, '../shared/data/ml-100k')));
const trials = Number(opt('--trials', '48'));
const tuneSeed = Number(opt('--tune-seed', '7'));
// a safety stop only: the plan (trials, λ points, weights) decides, so runs repeat on a loaded machine
const budget = Number(opt('--budget', '3600'));
// --als '{"factors":256,…}': fixed ALS parameters (skips the tuner), e.g. what bench/quality.ts's tuner chose
const alsFixed = args.includes('--als') ? { ...DEFAULT_ALS_PARAMS, ...JSON.parse(opt('--als', '{}')) } : undefined;
const secs = (t0: number) => (performance.now() - t0) / 1000;
const cpuSeconds = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
const f4 = (x: number) => x.toFixed(4);

function mlSplit(by: 'item' | 'user') {
  const d = loadMl100k(dataDir);
  const split = stratifiedSplit(by === 'item' ? d.item : d.user, 0.75, 42);
  return { d, split, train: toCsr(d, split.train), test: toCsr(d, split.test, () => 1) };
}

function writeSplit(file: string, by: 'item' | 'user') {
  const { d, split } = mlSplit(by);
  const lines: string[] = [];
  for (const [set, rows] of [
    [0, split.train],
    [1, split.test],
  ] as const)
    for (const t of rows) lines.push(`${d.user[t]}\t${d.item[t]}\t${d.rating[t]}\t${set}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  console.log(`wrote ${lines.length} rows (${split.train.length} train, ${split.test.length} test) to ${file}`);
}

function easePeer() {
  for (const by of ['item', 'user'] as const) {
    const { train, test } = mlSplit(by);
    const t0 = performance.now();
    const m = trainEase(train, { lambda: 250 });
    const fit = secs(t0);
    const r = evaluateRanking(train, test, easeScorer(m, train), 10);
    console.log(
      `Attune EASE λ=250, per-${by} split: nDCG@10 ${f4(r.ndcg)}  P@10 ${f4(r.precision)}  users ${r.users}  fit ${fit.toFixed(1)} s`,
    );
    for (const top of [500, 200, 100, 50]) {
      const p = pruneEase(m, top);
      const rp = evaluateRanking(train, test, easeScorer(p, train), 10);
      console.log(
        `  pruned to top ${top} per column (${p.sparse!.indices.length} weights): nDCG@10 ${f4(rp.ndcg)} (${(((rp.ndcg - r.ndcg) / r.ndcg) * 100).toFixed(1)}%)`,
      );
    }
  }
}

/** Fit time and peak memory of EASE per catalog size on planted-cluster data (40 events per item on average). */
function scale(sizes: number[]) {
  for (const n of sizes) {
    const syn = generateSynthetic({
      users: 2 * n,
      items: n,
      clusters: Math.max(3, Math.round(n / 40)),
      eventsPerUser: 20,
      seed: 3,
    });
    const m = buildInteractionMatrix(syn.triples).matrix;
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    const c0 = cpuSeconds();
    const model = trainEase(m, { lambda: 10 }, Infinity);
    const s = secs(t0);
    console.log(
      `EASE n=${m.cols} items (${m.indptr[m.rows]} nnz): fit ${s.toFixed(1)} s wall, ${(cpuSeconds() - c0).toFixed(1)} s CPU, weights ${(model.weights!.byteLength / 2 ** 20).toFixed(0)} MB, peak RSS ${(resourceUsage().maxRSS / 1024).toFixed(0)} MB (array buffers before ${(before / 2 ** 20).toFixed(0)} MB)`,
    );
  }
}

interface Row {
  kind: AutoKind;
  validation: number | null;
  test: number;
  precision: number;
  fitSeconds: number;
}

/** Selection on train, then every candidate refit on train and scored on test. */
function compare(
  name: string,
  train: Csr,
  test: Csr,
  by: 'user' | 'item',
  opts: { trials: number; factors?: number[]; confirm: boolean },
) {
  const t0 = performance.now();
  console.log(`\n## ${name}: ${train.rows} users × ${train.cols} items, ${train.indptr[train.rows]} train entries`);
  const confirm =
    opts.confirm && !alsFixed ? [3, 4, 5].map((s) => holdoutSplit(train, 0.9, tuneSeed + s, by)) : undefined;
  const sel = selectModel(train, {
    seed: tuneSeed,
    budgetSeconds: budget,
    by,
    splits: 3,
    alsTrials: opts.trials,
    alsFactors: opts.factors,
    alsConfirm: confirm ? { splits: confirm, top: 5 } : undefined,
    alsParams: alsFixed,
    log: (l) => console.log(`  ${l}`),
  });
  console.log(`  choice: ${sel.kind} — ${sel.reason} (${sel.seconds.toFixed(0)} s)`);
  const alsC = sel.candidates.find((c) => c.kind === 'als');
  const easeC = sel.candidates.find((c) => c.kind === 'ease');
  const blendC = sel.candidates.find((c) => c.kind === 'blend');
  // the ALS pair's number is on the training data's user folds (select-pair.ts), not the 75/25 splits
  const pairC = sel.candidates.find((c) => c.kind === 'als-pair');
  const rows: Row[] = [];
  for (const c of [alsC, easeC, blendC, pairC]) {
    if (!c || c.validation === null) continue;
    const s0 = performance.now();
    const fitted = fitSelection(train, {
      kind: c.kind,
      als: alsC?.params as never,
      ease: easeC?.params as never,
      weight: c.kind === 'blend' ? (c.params.weight as number) : undefined,
      pairB: c.kind === 'als-pair' ? (c.params.b as never) : undefined,
    });
    const fitSeconds = secs(s0);
    const r = evaluateRanking(train, test, fitted.score, 10);
    rows.push({ kind: c.kind, validation: c.validation, test: r.ndcg, precision: r.precision, fitSeconds });
  }
  const auto = rows.find((r) => r.kind === sel.kind)!;
  const bestSingle = Math.max(...rows.filter((r) => r.kind === 'als' || r.kind === 'ease').map((r) => r.test));
  console.log('\n| kind | validation nDCG@10 | test nDCG@10 | test P@10 | refit s |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    const label =
      r.kind === 'blend'
        ? `blend (w_als ${blendC!.params.weight})`
        : r.kind === 'als-pair'
          ? `als-pair (user folds: ${pairC!.note})`
          : r.kind === 'ease'
            ? `ease (λ ${easeC!.params.lambda})`
            : `als (f ${alsC!.params.factors})`;
    console.log(
      `| ${label}${r.kind === sel.kind ? ' **auto**' : ''} | ${r.validation === null ? '–' : f4(r.validation)} | ${f4(r.test)} | ${f4(r.precision)} | ${r.fitSeconds.toFixed(1)} |`,
    );
  }
  const gap = ((bestSingle - auto.test) / bestSingle) * 100;
  console.log(
    `auto ${f4(auto.test)} vs best single ${f4(bestSingle)}: ${gap > 0 ? `${gap.toFixed(2)}% worse` : `${(-gap).toFixed(2)}% better`}; ${secs(t0).toFixed(0)} s wall, ${cpuSeconds().toFixed(0)} s CPU so far`,
  );
  return {
    name,
    choice: sel.kind,
    reason: sel.reason,
    rows,
    auto: auto.test,
    bestSingle,
    gapPercent: gap,
    selectSeconds: sel.seconds,
  };
}

function main() {
  if (args.includes('--write-split'))
    return writeSplit(opt('--write-split', ''), opt('--split', 'item') as 'item' | 'user');
  if (args.includes('--ease-peer')) return easePeer();
  if (args.includes('--scale')) return scale(opt('--scale', '1000,2000,5000').split(',').map(Number));
  const dataset = opt('--dataset', 'ml-item');
  const t0 = performance.now();
  const results = [];
  if (dataset === 'ml-item' || dataset === 'ml-user') {
    const by = dataset === 'ml-item' ? 'item' : 'user';
    const { train, test } = mlSplit(by);
    results.push(
      compare(`ML-100K, per-${by} 75/25 seed 42`, train, test, by, { trials, factors: [64, 128, 256], confirm: true }),
    );
  } else if (dataset === 'pairs') {
    // bought-together pairs (items 2p and 2p + 1 come together): item-item structure beyond a low rank,
    // the shape where EASE should win (as in test/unit/training/select-model.test.ts, larger)
    const rng = new Rng(4);
    const r: number[] = [];
    const c: number[] = [];
    for (let u = 0; u < 2000; u++) {
      const seen = new Set<number>();
      for (let e = 0; e < 6; e++) {
        const p = rng.int(150);
        for (const i of [2 * p, 2 * p + 1]) if (rng.next() < 0.9 && !seen.has(i)) seen.add(i), r.push(u), c.push(i);
      }
    }
    const m = csrFromTriples(2000, 300, r, c, new Float32Array(r.length).fill(1));
    const s = holdoutSplit(m, 0.75, 42, 'user');
    results.push(compare('bought-together pairs 2000 × 300', s.fit, s.valid, 'user', { trials: 24, confirm: false }));
  } else {
    for (const o of [
      { users: 150, items: 120, eventsPerUser: 12 },
      { users: 1000, items: 500, eventsPerUser: 20 },
      { users: 5000, items: 2000, eventsPerUser: 30 },
    ]) {
      const m = buildInteractionMatrix(
        generateSynthetic({ ...o, clusters: Math.max(3, Math.round(o.items / 40)), seed: 5 }).triples,
      ).matrix;
      const s = holdoutSplit(m, 0.75, 42, 'user');
      const test = csrFromTriples(
        s.valid.rows,
        s.valid.cols,
        rowsOf(s.valid),
        s.valid.indices,
        new Float32Array(s.valid.indices.length).fill(1),
      );
      results.push(
        compare(`planted ${o.users} × ${o.items}`, s.fit, test, 'user', {
          trials: Math.min(trials, 24),
          confirm: false,
        }),
      );
    }
  }
  const cpu = process.cpuUsage();
  console.log(
    `\ntotal ${secs(t0).toFixed(0)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU, peak RSS ${(resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
  if (args.includes('--json')) console.log(JSON.stringify(results));
}

function rowsOf(m: Csr): Int32Array {
  const r = new Int32Array(m.indptr[m.rows]);
  for (let u = 0; u < m.rows; u++) r.fill(u, m.indptr[u], m.indptr[u + 1]);
  return r;
}

main();
