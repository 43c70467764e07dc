/**
 * The training state machine's Distributed Map path against the single-Lambda
 * pipeline on one generated planted-cluster set, at the same ALS parameters and
 * seed: holdout nDCG@10 of both, wall time of both, the shard count. Runs the
 * deployed definition on the local interpreter with in-memory stores (no S3
 * latency: the time is compute plus the scratch files' encoding).
 *
 *   npx tsx bench/workflow.ts [--users 3000] [--items 1500] [--events 30] [--factors 32] [--iterations 10]
 *                             [--shard 20000]
 */
import { parseArgs } from 'node:util';
import { runWorkflowLocally } from '../infra/local/train-workflow';
import type { EventType, Interaction } from '../shared/events';
import { generateSynthetic } from '../shared/math/synthetic';
import { MemoryModelStore } from '../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../shared/storage/local/memory-training';
import { DEFAULT_USER_CAP } from '../shared/training/dataset';
import { controlStep, shardStep } from '../shared/training/distributed/dispatch';
import type { StepDeps } from '../shared/training/distributed/record';
import { trainPipeline } from '../shared/training/pipeline';
import { loadTrainingData } from '../shared/training/snapshot/load';

const { values: a } = parseArgs({
  options: {
    users: { type: 'string', default: '3000' },
    items: { type: 'string', default: '1500' },
    events: { type: 'string', default: '30' },
    factors: { type: 'string', default: '32' },
    iterations: { type: 'string', default: '10' },
    shard: { type: 'string', default: '20000' },
  },
});
const TYPE: Record<string, EventType> = { view: 'view', cart: 'add_to_cart', purchase: 'purchase' };
const data = generateSynthetic({
  users: Number(a.users),
  items: Number(a.items),
  clusters: 8,
  eventsPerUser: Number(a.events),
  seed: 7,
});
const base = Date.UTC(2026, 0, 10);
const events: Interaction[] = data.triples.map((t, n) => ({
  eventId: `s${n}`,
  userId: t.userId,
  itemId: t.itemId,
  type: TYPE[t.eventType] ?? 'view',
  timestamp: t.timestamp,
  receivedAt: base + n,
}));
const params = { factors: Number(a.factors), iterations: Number(a.iterations) };

const read = await loadTrainingData(new MemoryTrainingStore(events), new MemoryModelStore(), 'training/', {
  erasures: [],
  cap: DEFAULT_USER_CAP,
  now: Date.now(),
});
let t = performance.now();
const single = trainPipeline(read.dataset, {
  kind: 'als',
  params,
  tune: false,
  budgetSeconds: 3600,
  seed: 42,
  split: 'user',
  evaluate: true,
  version: 'bench',
  createdAt: new Date().toISOString(),
});
const singleMs = performance.now() - t;

const quiet = { info: () => {}, warn: () => {} };
const deps: StepDeps = {
  store: new MemoryTrainingStore(events),
  models: new MemoryModelStore(),
  prefix: 'models/',
  scratch: 'workflow/',
  logger: quiet,
  config: {
    keepVersions: 1,
    trainBudgetSeconds: 3600,
    gateTolerance: 0.02,
    leaseSeconds: 3600,
    tune: false,
    distributedMinInteractions: 1,
    shardInteractions: Number(a.shard),
  },
};
let shards = 0;
t = performance.now();
const out = (await runWorkflowLocally(
  { control: (e) => controlStep(deps, e), shard: (e) => shardStep(deps, e), single: async () => null },
  { distributed: true, params },
  { onState: (s) => (s === 'SolveUserShard' || s === 'SolveItemShard' ? shards++ : undefined) },
)) as { metrics: Record<string, number> };
const distributedMs = performance.now() - t;

const f = (x: number) => x.toFixed(4);
console.log(
  JSON.stringify(
    {
      interactions: read.dataset.pairUser.length,
      users: read.dataset.userIds.length,
      items: read.dataset.itemIds.length,
      params,
      shardSolvesPerIteration: shards / params.iterations,
      single: { ndcg10: f(single.metrics.ndcg10!), seconds: (singleMs / 1000).toFixed(1) },
      distributed: { ndcg10: f(out.metrics.ndcg10!), seconds: (distributedMs / 1000).toFixed(1) },
    },
    null,
    2,
  ),
);
