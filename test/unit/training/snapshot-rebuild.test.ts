/**
 * The streamed rebuild (./shared/training/snapshot/rebuild.ts): the events of a full read partitioned by user
 * through spill files, then merged a group of users at a time, write the snapshot the whole read's merge
 * gives — ids, pairs, weights (summed in read order), counts, times, cap windows, item counts, recent keys,
 * header, run-record counts — with many spills and groups, erasures, the cap and its ties, weights of 0,
 * and through the export-fails fallbacks; each read attempt's spills are gone afterwards.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import type { ModelStore } from '../../../shared/ports/model-store';
import type { BatchVisitor } from '../../../shared/ports/training';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { encodeSnapshot } from '../../../shared/training/snapshot/codec';
import type { TrainingSnapshot } from '../../../shared/training/snapshot/format';
import { loadTrainingData, streamTrainingData, type LoadOptions } from '../../../shared/training/snapshot/load';
import {
  commitSnapshot,
  openLatestSnapshot,
  readSnapshot,
  writeSnapshot,
} from '../../../shared/training/snapshot/repository';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const S = 'training/';

/** Ratings of non-dyadic values: their Float64 sums depend on the order they are added in. */
const RATINGS = [0.1, 0.7, 1.3, 2.2, 3.3, 4.9, 0];

function table(n: number, seed: number): Interaction[] {
  let x = seed;
  const next = (k: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % k;
  };
  return Array.from({ length: n }, (_, e) => {
    const u = next(60);
    const type = (['view', 'click', 'purchase', 'rating', 'rating'] as const)[next(5)]!;
    // a few times shared within the hour (the cap's ties), some unknown (NaN: time 0), receipts over 3 days
    const at = T0 + next(4) * 20 * MIN + next(3) * HOUR;
    return {
      eventId: `e${e}`,
      userId: `user-${u.toString(36)}`,
      itemId: `i${next(u % 7 === 0 ? 4 : 30)}`,
      type,
      timestamp: e % 97 === 0 ? Number.NaN : at,
      receivedAt: T0 + Math.floor((e * 3 * 24 * HOUR) / n),
      ...(type === 'rating' ? { value: RATINGS[next(RATINGS.length)] } : {}),
    };
  });
}

const strip = (s: TrainingSnapshot) => encodeSnapshot({ ...s, header: { ...s.header, createdAt: '', rebuiltAt: '' } });

/** A model store that counts spill writes and ranged reads. */
function counting(inner: ModelStore) {
  const seen = { spills: 0, ranged: 0 };
  const store: ModelStore = Object.create(inner, {
    put: {
      value: (k: string, b: Uint8Array) => {
        if (/rebuild-\d+\/spill-\d+\.bin$/.test(k)) seen.spills++;
        return inner.put(k, b);
      },
    },
    getRange: {
      value: (k: string, a: number, b: number) => {
        if (/rebuild-\d+\/spill-/.test(k)) seen.ranged++;
        return inner.getRange(k, a, b);
      },
    },
  });
  return { store, seen };
}

/** The whole read's merge and the streamed rebuild of one table; the streamed snapshot committed. */
async function both(
  store: MemoryTrainingStore,
  o: LoadOptions,
  sizes: { spill: number; group: number; chunk: number; block?: number },
) {
  const whole = await loadTrainingData(store, new MemoryModelStore(), S, o);
  const { store: models, seen } = counting(new MemoryModelStore());
  const streamed = await streamTrainingData(store, models, S, {
    ...o,
    chunkPairs: sizes.chunk,
    rebuildSizes: { spillEntries: sizes.spill, groupEvents: sizes.group, readBlock: sizes.block },
  });
  await commitSnapshot(models, S, streamed.pointer, 1);
  return { whole, streamed, models, seen };
}

describe('the streamed rebuild', () => {
  it('writes the whole read’s snapshot from many spills and groups: erasures, the cap and its ties, order-dependent sums', async () => {
    const events = table(6000, 7);
    const store = new MemoryTrainingStore(events);
    const erasures = [
      { userId: 'user-3', erasedAt: T0 + HOUR },
      { userId: 'user-1b', erasedAt: T0 + 2 * HOUR },
    ];
    const o = { erasures, cap: { events: 4, windowMs: HOUR }, now: T0 + 4 * 24 * HOUR };
    const { whole, streamed, models, seen } = await both(store, o, { spill: 97, group: 131, chunk: 50, block: 7 });
    const w = whole.snapshot;
    expect(streamed.read).toEqual(whole.read);
    expect(streamed.stats).toEqual(whole.stats);
    // the test means something: events erased, capped and of weight 0, and many spills, groups and chunks
    expect(whole.stats.erasedEvents).toBeGreaterThan(50);
    expect(whole.stats.cappedEvents).toBeGreaterThan(100);
    expect(whole.stats.added).toBeLessThan(whole.stats.read - whole.stats.erasedEvents - whole.stats.cappedEvents);
    expect(seen.spills).toBeGreaterThan(40);
    expect(seen.ranged).toBeGreaterThan(seen.spills);
    const back = (await readSnapshot(models, S))!.snapshot;
    expect(strip(back)).toEqual(strip(w));
    expect(back.userIds).not.toContain('user-3');
    expect(back.recentKey.length).toBeGreaterThan(100);
    expect(back.windowUser.length).toBeGreaterThan(0);
    // the index: ids, per-user and per-item counts, recent keys, header, as the canonical snapshot has them
    const open = (await openLatestSnapshot(models, S))!;
    expect(open.index.chunks.length).toBeGreaterThan(5);
    expect(open.index.header).toEqual({ ...w.header, createdAt: open.index.header.createdAt });
    expect(open.index.userIds).toEqual(w.userIds);
    expect(open.index.itemIds).toEqual(w.itemIds);
    const perUser = new Int32Array(w.userIds.length);
    const perItem = new Int32Array(w.itemIds.length);
    for (let q = 0; q < w.pairUser.length; q++) {
      perUser[w.pairUser[q]!]++;
      perItem[w.pairItem[q]!]++;
    }
    expect(open.index.userPairs).toEqual(perUser);
    expect(open.index.itemPairs).toEqual(perItem);
    expect(open.index.events).toBe(whole.dataset.events);
    // the spills are gone; only the snapshot and its pointer stay
    expect((await models.list(S)).filter((k) => k.includes('rebuild'))).toEqual([]);

    // the next run re-reads the overlap: its duplicates are found through the rebuild's recent keys, as after
    // the whole read's rebuild
    const wholeModels = new MemoryModelStore();
    await writeSnapshot(wholeModels, S, w, { keep: 1, now: o.now });
    store.addEvents(events.slice(0, 300).map((e, n) => ({ ...e, eventId: `late${n}`, receivedAt: T0 + 3 * DAY + n })));
    const o2 = { ...o, now: o.now + HOUR };
    const ref = await loadTrainingData(store, wholeModels, S, o2);
    const inc = await streamTrainingData(store, models, S, o2);
    expect(inc.read.mode).toBe('incremental');
    expect(inc.stats.duplicates).toBeGreaterThan(5);
    expect(inc.read).toEqual(ref.read);
    expect(inc.stats).toEqual(ref.stats);
    await commitSnapshot(models, S, inc.pointer, 1);
    expect(strip((await readSnapshot(models, S))!.snapshot)).toEqual(strip(ref.snapshot));
  });

  it('any stream, any sizes: the same snapshot, counts and read summary as the whole read (property)', async () => {
    const arb = fc.record({
      rows: fc.array(
        fc.record({
          u: fc.integer({ min: 0, max: 12 }),
          i: fc.integer({ min: 0, max: 9 }),
          type: fc.constantFrom<Interaction['type']>('view', 'click', 'purchase', 'rating'),
          value: fc.constantFrom(...RATINGS),
          t: fc.integer({ min: 0, max: 12 }),
          r: fc.integer({ min: 0, max: 48 }),
        }),
        { minLength: 1, maxLength: 120 },
      ),
      spill: fc.integer({ min: 1, max: 30 }),
      group: fc.integer({ min: 1, max: 30 }),
      block: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
      chunk: fc.integer({ min: 1, max: 12 }),
      gone: fc.integer({ min: 0, max: 15 }),
      cap: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ rows, spill, group, block, chunk, gone, cap }) => {
        const events: Interaction[] = rows.map((x, n) => ({
          eventId: `e${n}`,
          userId: `u${x.u}`,
          itemId: `i${x.i}`,
          type: x.type,
          timestamp: T0 + x.t * 10 * MIN,
          receivedAt: T0 + x.r * HOUR,
          ...(x.type === 'rating' ? { value: x.value } : {}),
        }));
        const o = {
          erasures: [{ userId: `u${gone}`, erasedAt: T0 }],
          ...(cap ? { cap: { events: cap, windowMs: HOUR } } : {}),
          now: T0 + 50 * HOUR,
        };
        const { whole, streamed, models } = await both(new MemoryTrainingStore(events), o, {
          spill,
          group,
          chunk,
          block,
        });
        expect(streamed.read).toEqual(whole.read);
        expect(streamed.stats).toEqual(whole.stats);
        expect(strip((await readSnapshot(models, S))!.snapshot)).toEqual(strip(whole.snapshot));
        expect((await models.list(S)).filter((k) => k.includes('rebuild'))).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('an export that fails mid-way: the Scan reads into a fresh partition set; a late batch of the failed read reaches nothing', async () => {
    const events = table(2000, 3);
    let late: Promise<unknown> | null = null;
    class FailingExport extends MemoryTrainingStore {
      override async readAll(visit: BatchVisitor, opts: { scan?: boolean } = {}) {
        if (opts.scan) return super.readAll(visit);
        // half the table delivered (and spilled), then the export fails; one more batch arrives afterwards
        for (let i = 0; i < 1000; i += 100) await visit(this.events.slice(i, i + 100));
        setTimeout(() => {
          late = Promise.resolve(visit(this.events.slice(0, 100))).catch((e: Error) => e.message);
        }, 0);
        throw new Error('export FAILED: PITR off');
      }
    }
    const store = new FailingExport(events);
    const o = { erasures: [], cap: { events: 4, windowMs: HOUR }, now: T0 + 4 * 24 * HOUR };
    const whole = await loadTrainingData(new MemoryTrainingStore(events), new MemoryModelStore(), S, o);
    const { store: models, seen } = counting(new MemoryModelStore());
    const warnings: string[] = [];
    const r = await streamTrainingData(store, models, S, {
      ...o,
      chunkPairs: 64,
      rebuildSizes: { spillEntries: 50, groupEvents: 70 },
      rebuildScratch: 'workflow/run1/rebuild/',
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings).toEqual(['full read failed; falling back']);
    expect(r.read).toMatchObject({ mode: 'rebuild', via: 'scan', eventsRead: events.length });
    expect(r.read.reason).toBe(
      'first run: no snapshot yet; full read failed (export FAILED: PITR off), read by Scan instead',
    );
    expect(r.stats).toEqual(whole.stats);
    await commitSnapshot(models, S, r.pointer, 1);
    expect(strip((await readSnapshot(models, S))!.snapshot)).toEqual(strip(whole.snapshot));
    expect(seen.spills).toBeGreaterThan(30);
    await new Promise((done) => setTimeout(done, 5));
    expect(await late).toBe('rebuild: events after the read was discarded');
    expect(await models.list('workflow/')).toEqual([]);
  });

  it('an export that fails on a periodic rebuild: snapshot + delta this run, the failed attempt’s spills deleted', async () => {
    const events = table(800, 5);
    class FailingExport extends MemoryTrainingStore {
      failing = false;
      override async readAll(visit: BatchVisitor, opts: { scan?: boolean } = {}) {
        if (!this.failing || opts.scan) return super.readAll(visit);
        for (let i = 0; i < 400; i += 100) await visit(this.events.slice(i, i + 100));
        throw new Error('export timed out');
      }
    }
    const store = new FailingExport(events);
    const models = new MemoryModelStore();
    const o = { erasures: [], now: T0 + 3 * 24 * HOUR + MIN, rebuildSizes: { spillEntries: 30, groupEvents: 30 } };
    await commitSnapshot(models, S, (await streamTrainingData(store, models, S, o)).pointer, 1);
    store.failing = true;
    const due = await streamTrainingData(store, models, S, { ...o, rebuildEvery: 1, now: o.now + HOUR });
    expect(due.read.mode).toBe('incremental');
    expect(due.read.reason).toMatch(/^full read failed \(export timed out\); snapshot \+ delta this run/);
    expect((await models.list(S)).filter((k) => k.includes('rebuild'))).toEqual([]);
  });
});
