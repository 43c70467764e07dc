/**
 * P(click) source choice (shared/training/calibration-choice.ts) measured through the training
 * pipeline's own code: Platt σ(a·score + b) vs the neural ranker's P — raw, prior-corrected per user,
 * and Platt on its prior-corrected log-odds — on the same holdout slots.
 *   npx tsx bench/calibration.ts [<ml-100k dir>] [--data ml100k|demo|both] [--split user|item|both] [--json]
 * ML-100K (read in place; every rating a positive; genres from u.item, age band / gender /
 * occupation from u.user): the pipeline's stratified 75/25 holdout (seed 42) per user and per item,
 * ALS with docs/quality.md's tuned configuration fitted on its train part, then the job's gate
 * (`gateNeural`: the ranker stacked over that ALS, scored on the same holdout) and its choice.
 * Also Platt on ALS alone (ALS's own top-10 slots, cross-fitted the same way): the issue's
 * "ECE ≤ that of Platt on ALS". Demo shop: npm start's generated shop (400 users × 320 items,
 * categories = taste themes) through trainPipeline with a 60 s budget, as the deployed job runs it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemoDataset } from '../infra/local/demo-data';
import { holdoutScoreHits, type ReliabilityBin, reliabilityBins } from '../shared/math/calibration';
import { eceOfBins } from '../shared/math/neural/ece';
import type { ItemMetadata, UserAttributes } from '../shared/metadata/vocabulary';
import { kindSpec } from '../shared/model/kinds';
import { crossFittedPlatt } from '../shared/training/calibration-choice';
import { type Dataset, DatasetBuilder } from '../shared/training/dataset';
import { evaluateFitted, makeHoldout } from '../shared/training/evaluate';
import { fitKind } from '../shared/training/fit';
import { gateNeural } from '../shared/training/neural-gate';
import { ageBand } from './movielens-meta';
import { trainPipeline } from '../shared/training/pipeline';
import { TUNED_ML100K_ALS } from './quality-data';

const args = process.argv.slice(2);
const json = args.includes('--json');
const opt = (name: string, d: string) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : d);
const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = positional[0] ? resolve(positional[0]) : resolve(repoRoot, '../shared/data/ml-100k');
const which = opt('--data', 'both');
const splits = opt('--split', 'both') === 'both' ? (['user', 'item'] as const) : [opt('--split', 'user') as 'user'];
const log = (...m: unknown[]) => (json ? console.error(...m) : console.log(...m));
const f4 = (x: number) => x.toFixed(4);
const binText = (b: ReliabilityBin) => `${b.meanPredicted.toFixed(2)} → ${b.observedRate.toFixed(2)} (${b.count})`;

function ml100k(dir: string): Dataset {
  const b = new DatasetBuilder();
  for (const line of readFileSync(join(dir, 'u.data'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [u, i, , t] = line.split('\t');
    b.addOne(u, i, 1, Number(t) * 1000);
  }
  const d = b.build();
  const genres = readFileSync(join(dir, 'u.genre'), 'latin1')
    .split('\n')
    .filter((l) => l.includes('|'))
    .map((l) => l.split('|')[0]);
  const items: ItemMetadata[] = [];
  for (const line of readFileSync(join(dir, 'u.item'), 'latin1').split('\n')) {
    const f = line.split('|');
    if (f.length < 5 + genres.length) continue;
    const flags = f.slice(f.length - genres.length);
    items.push({ itemId: f[0], categories: genres.filter((_, g) => flags[g] === '1'), properties: {} });
  }
  const users: UserAttributes[] = [];
  for (const line of readFileSync(join(dir, 'u.user'), 'latin1').split('\n')) {
    const [id, age, gender, occupation] = line.split('|');
    if (!occupation) continue;
    users.push({ userId: id, attributes: { age: ageBand(Number(age)), gender, occupation } });
  }
  d.side = { items, users };
  return d;
}

/**
 * The ECE a perfectly calibrated P would still show on these bins from sampling alone:
 * Σ (n_b/N)·E|mean of n_b Bernoulli(p_b) − p_b| ≈ Σ (n_b/N)·√(2·p_b(1 − p_b)/(π·n_b)), p_b the observed rate.
 */
function eceNoise(bins: readonly ReliabilityBin[]): number {
  const total = bins.reduce((s, b) => s + b.count, 0);
  let e = 0;
  for (const b of bins)
    e += (b.count / total) * Math.sqrt((2 * b.observedRate * (1 - b.observedRate)) / (Math.PI * b.count));
  return e;
}

function report(name: string, cal: ReturnType<typeof gateNeural>['calibration'], extra: Record<string, unknown>) {
  const c = cal.comparison!;
  const m = c.methods ?? {};
  const e = (x?: { ece: number }) => (x ? f4(x.ece) : '-');
  log(
    `  ECE on the ${c.slots} holdout top-10 slots of ALS + neural (${c.networkSlots} with a network P): ` +
      `Platt ${f4(c.platt.ece)}; network raw ${e(m.raw)}, prior-corrected ${e(m.prior)}, ` +
      `Platt on its log-odds ${e(m.platt)} → source ${cal.source}` +
      (cal.source === 'network' ? ` (${cal.network?.method})` : ` (network's best: ${cal.network?.method})`),
  );
  const n = cal.network;
  if (n?.method === 'platt') log(`   served network map: σ(${n.a.toFixed(3)}·z + ${n.b.toFixed(3)})`);
  log(`   sampling noise of an ECE on these bins (a calibrated P's ECE): network ${f4(eceNoise(c.network.bins))}`);
  if (c.prior) log(`   prior: ${c.prior.negatives} negatives per positive, ρ = ${c.prior.perHistoryItem.toFixed(4)}`);
  log(`   Platt bins:   ${c.platt.bins.map(binText).join('; ')}`);
  for (const [k, v] of Object.entries(m)) log(`   network ${k} bins: ${v.bins.map(binText).join('; ')}`);
  return { name, source: cal.source, network: cal.network, comparison: c, ...extra };
}

const out: unknown[] = [];
const t0 = performance.now();
if (which !== 'demo') {
  const d = ml100k(dataDir);
  for (const split of splits) {
    const t = performance.now();
    const h = makeHoldout(d, split, 42);
    const als = fitKind('als', { ...TUNED_ML100K_ALS, seed: 42 }, h.train, d);
    const ev = evaluateFitted(als, d, h, 10);
    const g = gateNeural(d, h, als, ev.metrics);
    log(`\n== ML-100K per-${split} 75/25 seed 42 (${h.evalUsers} test users)`);
    log(
      `  nDCG@10 ALS ${f4(g.log.alsNdcg10)}, ALS + neural ${f4(g.log.neuralNdcg10)}: the gate serves ${g.log.served}`,
    );
    const sh = holdoutScoreHits(h.train, h.test, (u, o) => als.user(u).scoreAll(o), 10);
    const alsBins = reliabilityBins(crossFittedPlatt(sh), sh.hits, 10);
    const alsEce = eceOfBins(alsBins);
    log(`  ECE of Platt on ALS alone (own top-10 slots, cross-fitted): ${f4(alsEce)} (noise ${f4(eceNoise(alsBins))})`);
    out.push(report(`ml100k-${split}`, g.calibration, { gate: g.log, plattOnAls: alsEce }));
    log(`  ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
}
if (which !== 'ml100k') {
  const t = performance.now();
  const demo = generateDemoDataset({ now: Date.parse('2026-01-01T00:00:00Z') });
  const b = new DatasetBuilder();
  b.add(demo.events);
  const d = b.build();
  d.side = { items: demo.items.map((i) => ({ itemId: i.itemId, categories: i.categories ?? [], properties: {} })) };
  const r = trainPipeline(d, {
    kind: 'als',
    tune: false,
    budgetSeconds: 60,
    seed: 42,
    split: 'user',
    evaluate: true,
    version: 'bench',
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  const gate = r.model.manifest.tuning?.neuralRanker as { alsNdcg10: number; neuralNdcg10: number; served: string };
  log(`\n== demo shop (npm start's data), trainPipeline budget 60 s, per-user holdout seed 42`);
  log(`  nDCG@10 ALS ${f4(gate.alsNdcg10)}, ALS + neural ${f4(gate.neuralNdcg10)}: served ${r.model.manifest.kind}`);
  // Platt on ALS alone as the pipeline fitted it on the same holdout (untuned defaults, seed 42)
  const h = makeHoldout(d, 'user', 42);
  const stats = { users: d.userIds.length, items: d.itemIds.length, interactions: d.pairUser.length };
  const als = fitKind('als', { ...kindSpec('als').defaults(stats), seed: 42 }, h.train, d);
  const sh = holdoutScoreHits(h.train, h.test, (u, o) => als.user(u).scoreAll(o), 10);
  const alsBins = reliabilityBins(crossFittedPlatt(sh), sh.hits, 10);
  const alsEce = eceOfBins(alsBins);
  log(`  ECE of Platt on ALS alone (own top-10 slots, cross-fitted): ${f4(alsEce)} (noise ${f4(eceNoise(alsBins))})`);
  if (r.model.manifest.calibration.comparison)
    out.push(report('demo', r.model.manifest.calibration, { gate, plattOnAls: alsEce }));
  else log('  (ALS served: Platt, no network P to compare)');
  log(`  ${((performance.now() - t) / 1000).toFixed(0)} s`);
}
log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
if (json) console.log(JSON.stringify(out));
