/**
 * The training job on the snapshot: a first run reads everything, later runs
 * read the snapshot plus what arrived since its watermark (counted in the run
 * record), a rebuild reproduces the incremental result, and erasure is exact.
 */
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import { loadLatestModel } from '../../../shared/model/repository';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { runTrainingJob, type JobConfig, type JobDeps } from '../../../shared/training/job';
import { encodeSnapshot } from '../../../shared/training/snapshot/codec';
import type { TrainingSnapshot } from '../../../shared/training/snapshot/format';
import { loadTrainingData } from '../../../shared/training/snapshot/load';
import { readSnapshot, writeSnapshot } from '../../../shared/training/snapshot/repository';
import { syntheticInteractions } from './data';

const P = 'models/';
const S = 'training/';
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 10);
const CONFIG: JobConfig = {
  keepVersions: 3,
  trainBudgetSeconds: 5,
  gateTolerance: 0.02,
  leaseSeconds: 60,
  tune: false,
};
const quiet = { info: () => {}, warn: () => {} };

/** ~900 planted-cluster events, received one a minute (16 h), so the 10-minute overlap re-reads ~10. */
function table(): Interaction[] {
  return syntheticInteractions().map((e, n) => ({ ...e, receivedAt: T0 + n * MIN }));
}

/** n more events by existing users, received after everything else. */
function more(evs: Interaction[], n: number, after: number, tag: string): Interaction[] {
  return evs.slice(0, n).map((e, k) => ({ ...e, eventId: `${tag}${k}`, receivedAt: after + (k + 1) * MIN }));
}

const strip = (s: TrainingSnapshot) =>
  encodeSnapshot({
    ...s,
    header: { ...s.header, createdAt: '', rebuiltAt: '', runsSinceRebuild: 0, erasureWatermark: 0 },
  });

describe('training job on the snapshot', () => {
  it('reads snapshot + 1% new events, and a rebuild gives the same snapshot', async () => {
    const evs = table();
    const store = new MemoryTrainingStore(evs);
    const models = new MemoryModelStore();
    const last = evs.at(-1)!.receivedAt;
    let clock = last + MIN;
    const d: JobDeps = { store, models, prefix: P, config: CONFIG, logger: quiet, now: () => clock };

    const first = await runTrainingJob(d);
    expect(first.decision).toBe('published');
    expect(first.read).toMatchObject({ mode: 'rebuild', reason: 'first run: no snapshot yet', itemsRead: evs.length });
    expect(first.counts?.itemsRead).toBe(evs.length);

    store.addEvents(more(evs, 10, clock, 'n'));
    clock += 20 * MIN;
    const second = await runTrainingJob(d);
    expect(second.read?.mode).toBe('incremental');
    // 10 new events plus the overlap's ~10, never the other ~880: about 1% of the table
    expect(second.read!.itemsRead).toBeLessThanOrEqual(25);
    expect(second.read!.duplicates).toBe(second.read!.eventsRead - 10);
    expect((await store.listRuns(1))[0].counts?.itemsRead).toBe(second.read!.itemsRead);
    const incremental = (await readSnapshot(models, S))!.snapshot;
    expect(incremental.header.watermark).toBe(clock - 10 * MIN);

    clock += MIN;
    const rebuilt = await runTrainingJob({ ...d, rebuild: true });
    expect(rebuilt.read).toMatchObject({ mode: 'rebuild', reason: 'rebuild requested', itemsRead: evs.length + 10 });
    expect(strip((await readSnapshot(models, S))!.snapshot)).toEqual(strip(incremental));
    // one snapshot kept: the previous one is deleted once the pointer moves
    expect((await models.list(S)).filter((k) => k.endsWith('snapshot.bin'))).toHaveLength(1);
  });

  it('skips a run whose new events are impressions only: no training signal, the served model stays', async () => {
    const evs = table();
    const store = new MemoryTrainingStore(evs);
    const models = new MemoryModelStore();
    let clock = evs.at(-1)!.receivedAt + MIN;
    const d: JobDeps = { store, models, prefix: P, config: CONFIG, logger: quiet, now: () => clock };
    const first = await runTrainingJob(d);
    expect(first.decision).toBe('published');
    const shown = more(evs, 5, clock, 'imp').map((e) => ({ ...e, type: 'impression' as const, value: undefined }));
    store.addEvents(shown);
    clock += 20 * MIN;
    const second = await runTrainingJob(d);
    expect(second.decision).toBe('skipped');
    expect(second.reason).toMatch(/none a training signal/);
    expect(second.servedVersion).toBe(first.version);
    // a click afterwards trains again
    store.addEvents(more(evs, 1, clock, 'click'));
    clock += 20 * MIN;
    expect((await runTrainingJob(d)).decision).toBe('published');
  });

  it('an erased user leaves the next snapshot and every model published from then on', async () => {
    const evs = table();
    const store = new MemoryTrainingStore(evs);
    const models = new MemoryModelStore();
    let clock = evs.at(-1)!.receivedAt + MIN;
    const d: JobDeps = { store, models, prefix: P, config: CONFIG, logger: quiet, now: () => clock };
    expect((await runTrainingJob(d)).decision).toBe('published');
    const victim = evs[0].userId;
    expect((await loadLatestModel(models, P))!.userIds).toContain(victim);

    // the marker is written; the victim's events are still in the table (the sweep has not run yet)
    store.erase(victim, clock);
    clock += MIN;
    const run = await runTrainingJob(d);
    expect(run.decision).toBe('published');
    expect(run.read?.mode).toBe('incremental');
    const snap = (await readSnapshot(models, S))!.snapshot;
    expect(snap.userIds).not.toContain(victim);
    expect((await loadLatestModel(models, P))!.userIds).not.toContain(victim);

    // later runs, incremental or rebuilt, never bring them back while the marker stands
    store.addEvents(more(evs.slice(1), 5, clock, 'late'));
    clock += 10 * MIN;
    const later = await runTrainingJob({ ...d, rebuild: true });
    expect(later.read?.mode).toBe('rebuild');
    expect((await readSnapshot(models, S))!.snapshot.userIds).not.toContain(victim);
    const served = await loadLatestModel(models, P);
    expect(served!.userIds).not.toContain(victim);
  });
});

describe('rebuild policy (loadTrainingData)', () => {
  const opts = { erasures: [], now: T0 + 2000 * MIN };

  it('rebuilds on the first run, every N runs, on a settings change and on an unreadable snapshot', async () => {
    const store = new MemoryTrainingStore(table());
    const models = new MemoryModelStore();
    const run = async (o: Partial<Parameters<typeof loadTrainingData>[3]> = {}) => {
      const r = await loadTrainingData(store, models, S, { ...opts, rebuildEvery: 3, ...o });
      await writeSnapshot(models, S, r.snapshot, { keep: 1 });
      return r.read;
    };
    expect((await run()).reason).toBe('first run: no snapshot yet');
    expect((await run()).mode).toBe('incremental');
    expect((await run()).mode).toBe('incremental');
    expect((await run()).reason).toBe('periodic rebuild (every 3 runs)');
    expect((await run({ range: { min: 1, max: 10 } })).reason).toBe('the rating range changed');
    expect((await run({ range: { min: 1, max: 10 }, cap: { events: 5, windowMs: MIN } })).reason).toBe(
      'the per-user cap changed',
    );
    expect((await run({ range: { min: 1, max: 10 }, cap: { events: 5, windowMs: MIN } })).mode).toBe('incremental');
    expect((await run({ rebuild: true })).reason).toBe('rebuild requested');
    const stale = await loadTrainingData(store, models, S, { ...opts, now: T0 + 30 * 86_400_000 });
    expect(stale.read.reason).toMatch(/more than 7 days old/);
    const key = (await models.list(S)).find((k) => k.endsWith('snapshot.bin'))!;
    await models.put(key, new Uint8Array(16));
    const warnings: string[] = [];
    const corrupt = await loadTrainingData(store, models, S, { ...opts, onWarning: (m) => warnings.push(m) });
    expect(corrupt.read.reason).toMatch(/snapshot unreadable/);
    expect(warnings).toHaveLength(1);
  });

  it('an export that fails does not stop training: a periodic rebuild waits, a first run scans', async () => {
    class FailingExport extends MemoryTrainingStore {
      override async readAll(visit: (b: Interaction[]) => void, opts: { scan?: boolean } = {}) {
        if (!opts.scan) throw new Error('export FAILED: PITR off');
        return super.readAll(visit);
      }
    }
    const store = new FailingExport(table());
    const models = new MemoryModelStore();
    const first = await loadTrainingData(store, models, S, opts);
    expect(first.read).toMatchObject({ mode: 'rebuild', via: 'scan', eventsRead: store.events.length });
    expect(first.read.reason).toBe(
      'first run: no snapshot yet; full read failed (export FAILED: PITR off), read by Scan instead',
    );
    await writeSnapshot(models, S, first.snapshot, { keep: 1 });
    const due = await loadTrainingData(store, models, S, { ...opts, rebuildEvery: 1 });
    expect(due.read.mode).toBe('incremental');
    expect(due.read.reason).toMatch(/^full read failed \(export FAILED: PITR off\); snapshot \+ delta this run/);
    expect(due.snapshot.header.runsSinceRebuild).toBe(1);
    expect(strip(due.snapshot)).toEqual(strip(first.snapshot));
  });
});
