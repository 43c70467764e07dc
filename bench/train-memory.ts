/**
 * Peak memory of the small path's Train job (shared/training/job.ts) per
 * interaction, by the method of bench/workflow-memory.ts: a first run
 * publishes a model and saves the training snapshot (models and snapshot in a
 * folder, so the stores hold nothing in this process), then the measured run
 * happens alone in a fresh process: a rebuild (every event read again) or,
 * with --delta, the usual run (snapshot + 200 new events). Its figure is the
 * process's peak RSS above the RSS it started at (after a GC, with the
 * generated events already held by the in-memory training store). Run at two
 * sizes: the slope between them is what an interaction costs.
 *
 *   node --expose-gc --import tsx bench/train-memory.ts [--users 10000] [--items 5000] [--events 30]
 *                                                       [--budget 20] [--delta]
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalModelStore } from '../shared/storage/local/model-store';
import { MemoryTrainingStore } from '../shared/storage/local/memory-training';
import { type JobDeps, runTrainingJob } from '../shared/training/job';
import { plantedEvents } from './synthetic-events';

const { values: a } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    items: { type: 'string', default: '5000' },
    events: { type: 'string', default: '30' },
    budget: { type: 'string', default: '20' },
    delta: { type: 'boolean', default: false },
    measure: { type: 'boolean', default: false },
    dir: { type: 'string' },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const events = plantedEvents(Number(a.users), Number(a.items), Number(a.events));
const store = new MemoryTrainingStore(events);
const dir = a.dir ?? mkdtempSync(join(tmpdir(), 'attune-trainmem-'));
// tune on as deployed (its sample is at most 500,000 interactions); the budget only bounds time, not data held
const deps = (rebuild: boolean): JobDeps => ({
  store,
  models: new LocalModelStore(dir),
  prefix: 'models/',
  seed: 7,
  rebuild,
  logger: { info: () => {}, warn: () => {} },
  config: {
    keepVersions: 2,
    trainBudgetSeconds: Number(a.budget),
    gateTolerance: 0.02,
    leaseSeconds: 3600,
    tune: true,
  },
});
const late = () => events.slice(0, 200).map((e, n) => ({ ...e, eventId: `late${n}`, receivedAt: Date.now() }));

if (a.measure) {
  if (a.delta) store.addEvents(late());
  gc();
  const start = process.memoryUsage.rss();
  const out = await runTrainingJob(deps(!a.delta));
  const peak = process.resourceUsage().maxRSS * 1024 - start;
  console.log(JSON.stringify({ peak, decision: out.decision, interactions: out.counts?.interactions }));
  process.exit(0);
}

const first = await runTrainingJob(deps(true));
if (first.decision !== 'published') throw new Error(`first run: ${first.decision} (${first.reason})`);
const copy = mkdtempSync(join(tmpdir(), 'attune-trainmem-run-'));
cpSync(dir, copy, { recursive: true });
const args = [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), '--measure', '--dir', copy];
const got = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }).trim().split('\n').pop()!) as {
  peak: number;
  decision: string;
  interactions: number;
};
rmSync(copy, { recursive: true, force: true });
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    run: a.delta ? 'usual (snapshot + 200 new events)' : 'rebuild',
    decision: got.decision,
    interactions: got.interactions,
    peakMiB: Math.round(got.peak / 2 ** 20),
    bytesPerInteraction: Math.round(got.peak / got.interactions),
  }),
);
