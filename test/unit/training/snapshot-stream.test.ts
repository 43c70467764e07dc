/**
 * The snapshot in chunks (format 2): the streamed read-merge-write of the large path gives the snapshot the
 * single job's whole merge gives, at any chunk size, with erasures and the cap; every file is checked.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { encodeSnapshot } from '../../../shared/training/snapshot/codec';
import { CorruptSnapshotError, type TrainingSnapshot } from '../../../shared/training/snapshot/format';
import { loadTrainingData, streamTrainingData } from '../../../shared/training/snapshot/load';
import {
  commitSnapshot,
  openLatestSnapshot,
  readSnapshot,
  writeSnapshot,
} from '../../../shared/training/snapshot/repository';

const T0 = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;
const S = 'training/';

const ev = (id: string, u: number, i: number, type: Interaction['type'], at: number): Interaction => ({
  eventId: id,
  userId: `u${u}`,
  itemId: `i${i}`,
  type,
  timestamp: at,
  receivedAt: at,
  ...(type === 'rating' ? { value: 1 + (at % 5) } : {}),
});

const arbEvents = (tag: string, from: number) =>
  fc
    .array(
      fc.record({
        u: fc.integer({ min: 0, max: 9 }),
        i: fc.integer({ min: 0, max: 8 }),
        type: fc.constantFrom<Interaction['type']>('view', 'click', 'purchase', 'rating'),
        dt: fc.integer({ min: 0, max: 3 * HOUR }),
      }),
      { minLength: 1, maxLength: 60 },
    )
    .map((rows) => rows.map((r, n) => ev(`${tag}${n}`, r.u, r.i, r.type, from + r.dt)));

const strip = (s: TrainingSnapshot) => encodeSnapshot({ ...s, header: { ...s.header, createdAt: '', rebuiltAt: '' } });

describe('snapshot in chunks', () => {
  it('the streamed merge over chunks writes the whole merge’s snapshot (any chunk size, erasures, the cap)', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbEvents('a', T0),
        arbEvents('b', T0 + 4 * HOUR),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 12 }),
        async (first, later, chunkPairs, gone) => {
          const store = new MemoryTrainingStore(first);
          const whole = new MemoryModelStore();
          const streamed = new MemoryModelStore();
          const o = { erasures: [], cap: { events: 3, windowMs: HOUR }, now: T0 + 8 * HOUR };
          const a = await loadTrainingData(store, whole, S, o);
          await writeSnapshot(whole, S, a.snapshot, { keep: 1, now: o.now });
          const b = await streamTrainingData(store, streamed, S, { ...o, chunkPairs });
          await commitSnapshot(streamed, S, b.pointer, 1);
          expect(b.read).toEqual(a.read);

          store.addEvents(later);
          // an erased user (maybe one with items no one else has): their rows and such items leave
          const o2 = { ...o, erasures: [{ userId: `u${gone}`, erasedAt: T0 + 5 * HOUR }] };
          const a2 = await loadTrainingData(store, whole, S, o2);
          const b2 = await streamTrainingData(store, streamed, S, { ...o2, chunkPairs });
          await commitSnapshot(streamed, S, b2.pointer, 1);
          expect(b2.read).toEqual(a2.read);
          expect(b2.stats).toEqual(a2.stats);
          const back = (await readSnapshot(streamed, S))!.snapshot;
          expect(strip(back)).toEqual(strip(a2.snapshot));
          // the index's counts are those of the canonical snapshot; the previous snapshot's files are gone
          const open = (await openLatestSnapshot(streamed, S))!;
          expect(open.index.pairs).toBe(a2.snapshot.pairUser.length);
          expect(open.index.events).toBe(a2.dataset.events);
          expect(Array.from(open.index.itemPairs).reduce((s, n) => s + n, 0)).toBe(open.index.pairs);
          const ids = new Set((await streamed.list(S)).map((k) => k.slice(S.length).split('/')[0]));
          expect(ids).toEqual(new Set([b2.pointer.id, 'latest.json']));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a chunk that differs from the index is refused: the whole read throws, the streamed one rebuilds', async () => {
    const events = Array.from({ length: 40 }, (_, n) => ev(`e${n}`, n % 7, n % 5, 'click', T0 + n));
    const store = new MemoryTrainingStore(events);
    const models = new MemoryModelStore();
    const o = { erasures: [], now: T0 + HOUR, chunkPairs: 4 };
    const first = await streamTrainingData(store, models, S, o);
    await commitSnapshot(models, S, first.pointer, 1);
    const keys = await models.list(`${S}${first.pointer.id}/`);
    expect(keys.filter((k) => /chunk-\d+\.bin$/.test(k)).length).toBeGreaterThan(3);
    const chunk = keys.find((k) => k.endsWith('chunk-000002.bin'))!;
    const bytes = (await models.get(chunk))!;
    bytes[bytes.length - 1] ^= 1;
    await models.put(chunk, bytes);
    await expect(readSnapshot(models, S)).rejects.toThrow(CorruptSnapshotError);
    const warnings: string[] = [];
    const again = await streamTrainingData(store, models, S, { ...o, onWarning: (m) => warnings.push(m) });
    expect(again.read.mode).toBe('rebuild');
    expect(again.read.reason).toMatch(/snapshot unreadable .*sha256/);
    expect(warnings).toEqual(['training snapshot chunk unreadable; reading everything']);
  });

  it('an old single-file snapshot (format 1) is not decoded: the streamed read rebuilds on its pointer alone', async () => {
    const events = Array.from({ length: 20 }, (_, n) => ev(`e${n}`, n % 4, n % 3, 'click', T0 + n));
    const store = new MemoryTrainingStore(events);
    const models = new MemoryModelStore();
    const old = (await loadTrainingData(store, new MemoryModelStore(), S, { erasures: [], now: T0 + HOUR })).snapshot;
    const bytes = encodeSnapshot({ ...old, header: { ...old.header, format: 1 } });
    await models.put(`${S}old/snapshot.bin`, bytes);
    const pointer = { id: 'old', createdAt: '', watermark: old.header.watermark, sha256: 'x', bytes: 1, format: 1 };
    await models.put(`${S}latest.json`, new TextEncoder().encode(JSON.stringify(pointer)));
    const r = await streamTrainingData(store, models, S, { erasures: [], now: T0 + HOUR });
    expect(r.read).toMatchObject({ mode: 'rebuild', reason: 'snapshot format 1, this code reads 2' });
    await commitSnapshot(models, S, r.pointer, 1);
    expect(await models.list(`${S}old/`)).toEqual([]);
  });
});
