/**
 * Peak memory of TrainControl's steps (prepare, evaluate, publish) on the
 * large path, per interaction: the state machine runs on the local interpreter
 * with the scratch and models in a folder (so the stores hold nothing in this
 * process). The second of two runs saves each control step's input and the
 * scratch as it was, and each step is replayed alone in a fresh process: its
 * figure is the process's peak RSS above the RSS it started at (after a GC),
 * so memory freed by earlier steps cannot hide it. Run at two
 * sizes: the slope between them is the bytes an interaction costs, the
 * intercept the fixed part; 10 GB over the slope is the step's cap.
 *
 *   node --expose-gc --import tsx bench/workflow-memory.ts [--users 10000] [--items 3000] [--events 30]
 *                                                          [--factors 32] [--iterations 2] [--shard 100000]
 *                                                          [--delta] [--days 0] [--steps prepare,evaluate,publish]
 *                                                          [--chunk-pairs N] [--spill-entries N]
 *                                                          [--eval-users N] [--eval-pairs N]
 *
 * Without --delta the measured run is a rebuild (every event read again: partitioned by user through spill
 * files of --spill-entries events, shared/training/snapshot/rebuild.ts; the output's `rebuild` says how).
 *
 * --days N spreads the events' receive times over N days (0: a millisecond apart, all within the snapshot's
 * one-day dedupe window, so its recent keys hold every event); the runs' clock is 30 minutes after the last
 * event, so the --delta run reads snapshot + delta (the measured Prepare prints its read mode).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runWorkflowLocally } from '../infra/local/train-workflow';
import { LocalModelStore } from '../shared/storage/local/model-store';
import { MemoryTrainingStore } from '../shared/storage/local/memory-training';
import { controlStep, shardStep } from '../shared/training/distributed/dispatch';
import { prepare, type PrepareInput } from '../shared/training/distributed/prepare';
import type { StepDeps } from '../shared/training/distributed/record';
import { plantedEvents, RECEIVED_FROM } from './synthetic-events';

const { values: a } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    items: { type: 'string', default: '3000' },
    events: { type: 'string', default: '30' },
    factors: { type: 'string', default: '32' },
    iterations: { type: 'string', default: '2' },
    shard: { type: 'string', default: '100000' },
    'chunk-pairs': { type: 'string' },
    'spill-entries': { type: 'string' },
    'eval-users': { type: 'string' },
    'eval-pairs': { type: 'string' },
    step: { type: 'string' },
    delta: { type: 'boolean', default: false },
    days: { type: 'string', default: '0' },
    steps: { type: 'string', default: 'prepare,evaluate,publish' },
    dir: { type: 'string' },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const DAY = 86_400_000;
const planted = plantedEvents(Number(a.users), Number(a.items), Number(a.events));
const span = Number(a.days) * DAY;
const events =
  span > 0
    ? planted.map((e, n) => ({ ...e, receivedAt: RECEIVED_FROM + Math.floor((n * span) / planted.length) }))
    : planted;
const lastReceived = events.reduce((m, e) => Math.max(m, e.receivedAt), 0);
const clock = lastReceived + 30 * 60_000;

const dir = a.dir ?? mkdtempSync(join(tmpdir(), 'attune-wfmem-'));
const store = new MemoryTrainingStore(events);
const deps: StepDeps = {
  store,
  models: new LocalModelStore(dir),
  prefix: 'models/',
  scratch: 'workflow/',
  logger: {
    info: (m, e) => {
      if (m === 'distributed training prepared') prepared = e ?? {};
    },
    warn: () => {},
  },
  now: () => clock,
  config: {
    keepVersions: 2,
    trainBudgetSeconds: 60,
    gateTolerance: 0.02,
    leaseSeconds: 3600,
    tune: false,
    distributedMinInteractions: 1,
    shardInteractions: Number(a.shard),
    // Evaluate's sample bounds (defaults 20,000 users, 2M pairs): smaller ones show its plateau at small sizes
    finishBounds: {
      ...(a['eval-users'] ? { evalUsers: Number(a['eval-users']) } : {}),
      ...(a['eval-pairs'] ? { evalPairs: Number(a['eval-pairs']) } : {}),
    },
  },
};
const mib = (b: number) => Math.round(b / 2 ** 20);
// Prepare's stream sizes (defaults: a snapshot chunk of 1M pairs, a spill of 2M entries): smaller ones show at
// small sizes what the defaults show only past a few million interactions
const sizes = {
  ...(a['chunk-pairs'] ? { chunkPairs: Number(a['chunk-pairs']) } : {}),
  ...(a['spill-entries'] ? { spillEntries: Number(a['spill-entries']) } : {}),
};
const control1 = (e: Record<string, unknown>) =>
  e.step === 'prepare' ? prepare(deps, (e.input ?? {}) as PrepareInput, sizes) : controlStep(deps, e);
let prepared: Record<string, unknown> = {};

// --delta: the usual run, the snapshot plus a few new events (the replayed Prepare reads them too); else a
// rebuild, which reads every event again
const late = () =>
  events.slice(0, 200).map((e, n) => ({ ...e, eventId: `late${n}`, receivedAt: lastReceived + 60_000 }));
if (a.delta && a.step) store.addEvents(late());

if (a.step) {
  // one step in this fresh process: its peak RSS above the RSS it started at
  const event = JSON.parse(readFileSync(join(dir, `${a.step}.json`), 'utf8')) as Record<string, unknown>;
  if (event.runId) await store.acquireLease('train', event.runId as string, 3600);
  gc();
  const start = process.memoryUsage.rss();
  // the process's max RSS can predate the step (generating millions of events peaks above it): also the RSS
  // polled while the step runs (its awaits let the timer in), which only the step's own memory moves
  // and the JS heap plus buffers in use (RSS may not rise while the step reuses pages freed before it)
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const startUsed = used();
  let polled = start;
  let peakUsed = startUsed;
  const poll = () => {
    polled = Math.max(polled, process.memoryUsage.rss());
    peakUsed = Math.max(peakUsed, used());
  };
  const timer = setInterval(poll, 5);
  const t0 = performance.now();
  await control1(event);
  const seconds = Math.round(performance.now() - t0) / 1000;
  clearInterval(timer);
  poll();
  const peak = process.resourceUsage().maxRSS * 1024 - start;
  const read =
    a.step === 'prepare'
      ? { read: prepared.read, spills: prepared.spills, chunks: prepared.snapshotChunks, rebuild: prepared.rebuild }
      : {};
  console.log(
    JSON.stringify({ step: a.step, seconds, peak, polled: polled - start, used: peakUsed - startUsed, ...read }),
  );
  process.exit(0);
}

// the driver: a first run publishes (the second run's evaluate scores it), the second run's control steps are
// saved with the scratch as it was before each, then each is replayed in its own process
const saved = new Map<string, string>();
let record = false;
const control = async (e: Record<string, unknown>) => {
  const step = String(e.step);
  if (record && a.steps.split(',').includes(step)) {
    const copy = mkdtempSync(join(tmpdir(), `attune-wfmem-${step}-`));
    cpSync(dir, copy, { recursive: true });
    writeFileSync(join(copy, `${step}.json`), JSON.stringify(e));
    saved.set(step, copy);
  }
  return control1(e);
};
const handlers = { control, shard: (e: Record<string, unknown>) => shardStep(deps, e), single: async () => null };
const params = { factors: Number(a.factors), iterations: Number(a.iterations) };
await runWorkflowLocally(handlers, { distributed: true, params });
record = true;
if (a.delta) store.addEvents(late());
const out = (await runWorkflowLocally(handlers, { distributed: true, rebuild: !a.delta, params })) as {
  decision: string;
  counts: { interactions: number };
};
const peaks: Record<string, number> = {};
for (const [step, copy] of saved) {
  const args = [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), '--step', step, '--dir', copy];
  const got = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }).trim().split('\n').pop()!);
  peaks[step] = got.peak;
  if (got.read)
    console.log(JSON.stringify({ prepare: { ...got, polledMiB: mib(got.polled), usedMiB: mib(got.used) } }));
  rmSync(copy, { recursive: true, force: true });
}
rmSync(dir, { recursive: true, force: true });
const n = out.counts.interactions;
console.log(
  JSON.stringify({
    decision: out.decision,
    interactions: n,
    factors: params.factors,
    peakMiB: Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, mib(v)])),
    bytesPerInteraction: Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, Math.round(v / n)])),
  }),
);
