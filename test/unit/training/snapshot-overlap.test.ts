/**
 * Late events (#13 §1): an event that becomes visible to the delta read after a
 * run already read past its receive time is counted by the next run when it is
 * at most the overlap late, exactly once however often the overlap re-reads it;
 * later than the overlap, it waits for the next rebuild. The overlap is a setting.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config';
import type { Interaction } from '../../../shared/events';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { loadTrainingData, overlapMsOf, saveTrainingSnapshot } from '../../../shared/training/snapshot/load';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 10);
const S = 'training/';
const click = (eventId: string, userId: string, itemId: string, receivedAt: number): Interaction => ({
  eventId,
  userId,
  itemId,
  type: 'click',
  timestamp: receivedAt,
  receivedAt,
});

/** Runs the read and writes the snapshot, as the job does; returns what the run counted. */
async function run(store: MemoryTrainingStore, models: MemoryModelStore, now: number, overlapMinutes?: number) {
  const r = await loadTrainingData(store, models, S, {
    erasures: [],
    now,
    overlapMs: overlapMsOf({ snapshotOverlapMinutes: overlapMinutes }),
  });
  await saveTrainingSnapshot(models, S, r.snapshot, now);
  return r;
}

/** A table of 60 events a minute apart, read once; then one event received 5 and one 20 minutes before its end. */
async function setup() {
  const evs = Array.from({ length: 60 }, (_, k) => click(`e${k}`, `u${k % 6}`, `i${k % 7}`, T0 + k * MIN));
  const store = new MemoryTrainingStore(evs);
  const models = new MemoryModelStore();
  const end = T0 + 59 * MIN;
  await run(store, models, end + MIN);
  // visible only now (a slow write, an index catching up), with receive times behind the watermark
  store.addEvents([click('late5', 'u1', 'late-a', end - 5 * MIN), click('late20', 'u2', 'late-b', end - 20 * MIN)]);
  return { store, models, end };
}

const weightOf = (r: Awaited<ReturnType<typeof run>>, itemId: string) => {
  const d = r.dataset;
  const i = d.itemIds.indexOf(itemId);
  let w = 0;
  for (let p = 0; p < d.pairItem.length; p++) if (d.pairItem[p] === i) w += d.pairWeight[p];
  return w;
};

describe('the delta read overlap', () => {
  it('default 10 minutes: the 5-minute-late event counts once, the 20-minute-late one waits for a rebuild', async () => {
    const { store, models, end } = await setup();
    const r = await run(store, models, end + 2 * MIN);
    expect(r.read.mode).toBe('incremental');
    expect(weightOf(r, 'late-a')).toBe(2);
    expect(r.dataset.itemIds).not.toContain('late-b');
    // the events the overlap re-read (old ones) were recognised by key and counted once
    expect(r.read.duplicates).toBe(r.read.eventsRead - 1);
    // a second run re-reads late5 inside its own overlap: still counted once
    const again = await run(store, models, end + 3 * MIN);
    expect(weightOf(again, 'late-a')).toBe(2);
    const rebuilt = await loadTrainingData(store, models, S, { erasures: [], now: end + 4 * MIN, rebuild: true });
    expect([weightOf(rebuilt, 'late-a'), weightOf(rebuilt, 'late-b')]).toEqual([2, 2]);
  });

  it('ATTUNE_SNAPSHOT_OVERLAP_MINUTES=30 catches the 20-minute-late event, once', async () => {
    expect(loadConfig({ ATTUNE_TABLE: 't', ATTUNE_SNAPSHOT_OVERLAP_MINUTES: '30' }).snapshotOverlapMinutes).toBe(30);
    const { store, models, end } = await setup();
    const r = await run(store, models, end + 2 * MIN, 30);
    expect(weightOf(r, 'late-a')).toBe(2);
    expect(weightOf(r, 'late-b')).toBe(2);
    const again = await run(store, models, end + 3 * MIN, 30);
    expect(weightOf(again, 'late-b')).toBe(2);
    expect(again.read.duplicates).toBe(again.read.eventsRead);
  });

  it('refuses an overlap beyond the 24 h of event keys a snapshot keeps', () => {
    expect(() => loadConfig({ ATTUNE_TABLE: 't', ATTUNE_SNAPSHOT_OVERLAP_MINUTES: '1441' })).toThrow(
      /ATTUNE_SNAPSHOT_OVERLAP_MINUTES must be at most 1440/,
    );
    expect(overlapMsOf({})).toBeUndefined();
    expect(overlapMsOf({ snapshotOverlapMinutes: 0 })).toBe(0);
  });
});
