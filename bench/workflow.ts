/**
 * The training state machine's Distributed Map path against the single-Lambda
 * pipeline on one generated planted-cluster set, at the same ALS parameters and
 * seed: holdout nDCG@10 of both, wall time of both, the shard count, and what
 * the shard solves read of the other side (rows touched, bytes fetched by
 * ranged GETs, against the whole side). Runs the deployed definition on the
 * local interpreter with in-memory stores (no S3 latency: the time is compute
 * plus the scratch files' encoding).
 *
 * With --tune: then a run with no parameters given and tuning on (Prepare tunes
 * on a user sample of --sample interactions, planned for --budget seconds),
 * then a run on the same data with a few new events (the gate against the
 * served, tuned model; the tuned parameters reused).
 *
 * With --demo: the demo shop's generator instead (infra/local/demo-data.ts: themed categories that decide
 * taste, as npm start seeds it; --users/--items scale it), with its catalog as item metadata on both paths and
 * a budget of at least 60 s, so both plan the neural ranker: which kind each serves, both nDCG@10, and the
 * FitRanker step's time and peak RSS over its start (sampled every 20 ms) per sampled interaction.
 *
 *   npx tsx bench/workflow.ts [--users 3000] [--items 1500] [--events 30] [--factors 32] [--iterations 10]
 *                             [--shard 20000] [--tune] [--sample 20000] [--budget 30] [--movielens DIR] [--demo]
 *   (--events: 30 planted, 25 with --demo, as npm start's shop; --ranker-users N: FitRanker's sample bound)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runWorkflowLocally } from '../infra/local/train-workflow';
import type { Interaction } from '../shared/events';
import { MemoryModelStore } from '../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../shared/storage/local/memory-training';
import { DEFAULT_USER_CAP } from '../shared/training/dataset';
import { controlStep, shardStep } from '../shared/training/distributed/dispatch';
import type { StepDeps } from '../shared/training/distributed/record';
import type { SolveResult } from '../shared/training/distributed/solve';
import { loadLatestModel } from '../shared/model/repository';
import { trainPipeline } from '../shared/training/pipeline';
import { readTrainingMetadata } from '../shared/training/metadata';
import { loadTrainingData } from '../shared/training/snapshot/load';
import { generateDemoDataset } from '../infra/local/demo-data';
import { plantedEvents, RECEIVED_FROM } from './synthetic-events';

const { values: a } = parseArgs({
  options: {
    users: { type: 'string', default: '3000' },
    items: { type: 'string', default: '1500' },
    events: { type: 'string' },
    factors: { type: 'string', default: '32' },
    iterations: { type: 'string', default: '10' },
    shard: { type: 'string', default: '20000' },
    tune: { type: 'boolean', default: false },
    sample: { type: 'string', default: '20000' },
    budget: { type: 'string', default: '30' },
    movielens: { type: 'string' },
    demo: { type: 'boolean', default: false },
    'ranker-users': { type: 'string' },
  },
});
const demo = a.demo
  ? generateDemoDataset({
      users: Number(a.users),
      items: Number(a.items),
      eventsPerUser: Number(a.events ?? 25),
      now: RECEIVED_FROM,
    })
  : null;
// the catalog as Train and TrainControl read it (shared/training/metadata.ts)
const metadata = demo
  ? { listCatalog: async () => demo.items.map((i) => ({ ...i, createdAt: '', updatedAt: '' })) }
  : undefined;
const budget = demo ? Math.max(60, Number(a.budget)) : Number(a.budget);
/** Planted clusters, or MovieLens 100K's ratings as rating events (--movielens DIR with u.data). */
function inputEvents(): Interaction[] {
  if (a.movielens) {
    const lines = readFileSync(join(a.movielens, 'u.data'), 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    return lines.map((line, n) => {
      const [u, i, r, ts] = line.split('\t');
      const e = { eventId: `m${n}`, userId: `u${u}`, itemId: `i${i}`, type: 'rating' as const, value: Number(r) };
      return { ...e, timestamp: Number(ts) * 1000, receivedAt: RECEIVED_FROM + n };
    });
  }
  if (demo) return demo.events.map((e, n) => ({ ...e, receivedAt: RECEIVED_FROM + n }));
  return plantedEvents(Number(a.users), Number(a.items), Number(a.events ?? 30));
}
const events = inputEvents();
const params = { factors: Number(a.factors), iterations: Number(a.iterations) };
const TUNED = ['factors', 'iterations', 'regularization', 'unobservedWeight', 'confidence', 'regularizationExponent'];

const read = await loadTrainingData(new MemoryTrainingStore(events), new MemoryModelStore(), 'training/', {
  erasures: [],
  cap: DEFAULT_USER_CAP,
  now: Date.now(),
});
if (metadata) read.dataset.side = (await readTrainingMetadata(metadata, new Set())).side;
const t = performance.now();
const single = trainPipeline(read.dataset, {
  kind: 'als',
  params,
  tune: false,
  budgetSeconds: demo ? budget : 3600,
  seed: 42,
  split: 'user',
  evaluate: true,
  version: 'bench',
  createdAt: new Date().toISOString(),
});
const singleMs = performance.now() - t;

const quiet = { info: () => {}, warn: () => {} };
const store = new MemoryTrainingStore(events);
const deps: StepDeps = {
  store,
  models: new MemoryModelStore(),
  prefix: 'models/',
  scratch: 'workflow/',
  logger: quiet,
  ...(metadata ? { metadata } : {}),
  config: {
    keepVersions: 2,
    trainBudgetSeconds: budget,
    gateTolerance: 0.02,
    leaseSeconds: 3600,
    tune: true,
    distributedMinInteractions: 1,
    shardInteractions: Number(a.shard),
    tuneSampleInteractions: Number(a.sample),
    ...(a['ranker-users'] ? { rankerSampleUsers: Number(a['ranker-users']) } : {}),
  },
};
const reads = { solves: 0, touched: 0, bytes: 0, sideBytes: 0, requests: 0 };
let shards = 0;
const shard = async (e: Record<string, unknown>) => {
  const r = (await shardStep(deps, e)) as Partial<SolveResult>;
  if (e.step === 'solve') {
    reads.solves++;
    reads.touched += r.otherRows ?? 0;
    reads.bytes += r.otherBytes ?? 0;
    reads.sideBytes += r.sideBytes ?? 0;
    reads.requests += r.otherRequests ?? 0;
  }
  return r;
};
/**
 * The FitRanker step's wall time and its peak memory above the step's start, sampled every 20 ms: RSS (what
 * the Lambda's limit counts, but it only shows growth past the process's earlier peak) and the live heap plus
 * array buffers (after a GC at the start: what the step holds).
 */
const rankerSteps: { ms: number; rssMb: number; liveMb: number }[] = [];
const live = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const control = async (e: Record<string, unknown>) => {
  if (e.step !== 'ranker') return controlStep(deps, e);
  (globalThis as { gc?: () => void }).gc?.();
  const rss0 = process.memoryUsage().rss;
  const live0 = live();
  let [rss, held] = [rss0, live0];
  const sample = () => {
    rss = Math.max(rss, process.memoryUsage().rss);
    held = Math.max(held, live());
  };
  const timer = setInterval(sample, 20);
  const t0 = performance.now();
  try {
    return await controlStep(deps, e);
  } finally {
    clearInterval(timer);
    sample();
    rankerSteps.push({ ms: performance.now() - t0, rssMb: (rss - rss0) / 2 ** 20, liveMb: (held - live0) / 2 ** 20 });
  }
};
const handlers = { control, shard, single: async () => null };
const distributed = async (input: Record<string, unknown>) => {
  const t0 = performance.now();
  const out = (await runWorkflowLocally(handlers, input, {
    onState: (s) => (s === 'SolveUserShard' || s === 'SolveItemShard' ? shards++ : undefined),
  })) as { metrics: Record<string, number>; reason: string; decision: string; timings?: Record<string, number> };
  return { out, seconds: ((performance.now() - t0) / 1000).toFixed(1) };
};
const first = await distributed({ distributed: true, params });

const f = (x: number | undefined) => x?.toFixed(4);
const report: Record<string, unknown> = {
  interactions: read.dataset.pairUser.length,
  users: read.dataset.userIds.length,
  items: read.dataset.itemIds.length,
  params,
  shardSolvesPerIteration: shards / params.iterations,
  single: { ndcg10: f(single.metrics.ndcg10), seconds: (singleMs / 1000).toFixed(1) },
  distributed: {
    ndcg10: f(first.out.metrics.ndcg10),
    seconds: first.seconds,
    // Publish's exposure block (included in its publish time)
    exposureSeconds: ((first.out.timings?.exposure ?? 0) / 1000).toFixed(1),
  },
  shardReads: {
    meanTouchedRowsPerSolve: Math.round(reads.touched / reads.solves),
    fetchedOfSide: (reads.bytes / reads.sideBytes).toFixed(3),
    meanGetsPerSolve: (reads.requests / reads.solves).toFixed(1),
  },
};
if (demo) {
  const m = (await loadLatestModel(deps.models, 'models/'))!.manifest;
  const log = m.tuning?.neuralRanker as { sample?: { interactions: number } } | undefined;
  const step = rankerSteps[0]!;
  const sampled = log?.sample?.interactions ?? 0;
  report.single = {
    ...(report.single as object),
    kind: single.model.manifest.kind,
    ranker: single.model.manifest.tuning?.neuralRanker,
  };
  report.distributed = { ...(report.distributed as object), kind: m.kind, ranker: log };
  report.fitRanker = {
    seconds: (step.ms / 1000).toFixed(1),
    peakRssGrowthMb: step.rssMb.toFixed(0),
    peakLiveGrowthMb: step.liveMb.toFixed(0),
    microsecondsPerSampledInteraction: sampled ? ((step.ms * 1000) / sampled).toFixed(1) : undefined,
    liveBytesPerSampledInteraction: sampled ? Math.round((step.liveMb * 2 ** 20) / sampled) : undefined,
  };
}
if (a.tune) {
  // what this path ran before it tuned: the data-scaled defaults
  const defaults = await distributed({ distributed: true, rebuild: true, params: {} });
  report.defaults = {
    decision: defaults.out.decision,
    ndcg10: f(defaults.out.metrics.ndcg10),
    seconds: defaults.seconds,
  };
  const tuned = await distributed({ distributed: true, rebuild: true });
  const m = (await loadLatestModel(deps.models, 'models/'))!.manifest;
  const t = m.tuning as { source: string; sample?: unknown; trials?: unknown[]; seconds?: number };
  // a few new events (the same shape): the gate scores the served, tuned model against the candidate
  const more = events.slice(0, 200).map((e, n) => ({ ...e, eventId: `late${n}`, receivedAt: Date.now() }));
  store.addEvents(more);
  const again = await distributed({ distributed: true });
  const m2 = (await loadLatestModel(deps.models, 'models/'))!.manifest;
  const hp = (x: Record<string, unknown>) => Object.fromEntries(Object.entries(x).filter(([k]) => TUNED.includes(k)));
  report.tuned = {
    decision: tuned.out.decision,
    reason: tuned.out.reason,
    ndcg10: f(tuned.out.metrics.ndcg10),
    seconds: tuned.seconds,
    tuning: { source: t.source, sample: t.sample, trials: t.trials?.length, seconds: t.seconds },
    params: hp(m.hyperParameters),
  };
  report.nextRun = {
    decision: again.out.decision,
    reason: again.out.reason,
    ndcg10: f(again.out.metrics.ndcg10),
    tuningSource: (m2.tuning as { source: string }).source,
  };
}
console.log(JSON.stringify(report, null, 2));
