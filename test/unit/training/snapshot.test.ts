/** The training snapshot: merge rules (pure), the binary codec and the pointer discipline. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { DatasetBuilder } from '../../../shared/training/dataset';
import { decodeSnapshot, encodeSnapshot } from '../../../shared/training/snapshot/codec';
import { CorruptSnapshotError, type TrainingSnapshot } from '../../../shared/training/snapshot/format';
import { SnapshotMerger, type MergeOptions } from '../../../shared/training/snapshot/merge';
import { readSnapshot, writeSnapshot } from '../../../shared/training/snapshot/repository';

const T0 = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;
const OPTS: MergeOptions = { dedupeMs: 10 * 60_000, now: T0 };

function ev(n: number, userId: string, itemId: string, type: Interaction['type'], at: number, value?: number) {
  return { eventId: `e${n}`, userId, itemId, type, timestamp: at, receivedAt: at, ...(value ? { value } : {}) };
}

function merge(base: TrainingSnapshot | null, events: Interaction[], opts: Partial<MergeOptions> = {}) {
  const m = new SnapshotMerger(base, { ...OPTS, ...opts });
  m.add(events);
  return m.result();
}

/** The pairs as sortable strings, for comparing datasets numbered differently. */
function pairs(
  d: { userIds: string[]; itemIds: string[]; pairUser: ArrayLike<number>; pairItem: ArrayLike<number> },
  w: ArrayLike<number>,
) {
  return Array.from(d.pairUser, (u, q) => `${d.userIds[u]}|${d.itemIds[d.pairItem[q]]}|${w[q].toFixed(4)}`).sort();
}

const arbEvents = fc
  .array(
    fc.record({
      u: fc.integer({ min: 0, max: 6 }),
      i: fc.integer({ min: 0, max: 8 }),
      type: fc.constantFrom<Interaction['type']>('view', 'click', 'purchase', 'rating'),
      dt: fc.integer({ min: 0, max: 6 * HOUR }),
    }),
    { minLength: 1, maxLength: 80 },
  )
  .map((rows) =>
    rows.map((r, n) => ev(n, `u${r.u}`, `i${r.i}`, r.type, T0 + r.dt, r.type === 'rating' ? 1 + (n % 5) : undefined)),
  );

describe('snapshot merge', () => {
  it('sums weights and counts and keeps the newest time of a pair (tiny exact case)', () => {
    const { snapshot: s, dataset: d } = merge(null, [
      ev(1, 'b', 'x', 'click', T0 + 5),
      ev(2, 'a', 'y', 'view', T0 + 1),
      ev(3, 'b', 'x', 'purchase', T0 + 2),
      ev(4, 'a', 'y', 'rating', T0 + 9, 4.5),
    ]);
    expect(s.userIds).toEqual(['a', 'b']);
    expect(s.itemIds).toEqual(['x', 'y']);
    expect([...s.pairUser]).toEqual([0, 1]);
    expect([...s.pairItem]).toEqual([1, 0]);
    expect([...s.pairWeight]).toEqual([5.5, 7]);
    expect([...s.pairCount]).toEqual([2, 2]);
    expect([...s.pairTime]).toEqual([T0 + 9, T0 + 5]);
    expect(s.header.watermark).toBe(T0 + 9);
    expect(d.events).toBe(4);
  });

  it('trains on the same pairs as the full-read DatasetBuilder', () => {
    fc.assert(
      fc.property(arbEvents, (events) => {
        const b = new DatasetBuilder(new Set(['u3']), { events: 4, windowMs: HOUR });
        b.add(events);
        const full = b.build();
        const { dataset } = merge(null, events, { erased: new Set(['u3']), cap: { events: 4, windowMs: HOUR } });
        expect(pairs(dataset, dataset.pairWeight)).toEqual(pairs(full, full.pairWeight));
        expect(dataset.events).toBe(full.events);
        expect(dataset.cappedEvents).toBe(full.cappedEvents);
        expect(dataset.watermark).toBe(full.watermark);
      }),
      { numRuns: 60 },
    );
  });

  it('snapshot + delta (with the overlap re-read) equals one read of everything, byte for byte', () => {
    fc.assert(
      fc.property(arbEvents, fc.integer({ min: 0, max: 6 * HOUR }), (events, cut) => {
        const opts = { dedupeMs: HOUR, cap: { events: 1000, windowMs: HOUR } };
        const first = events.filter((e) => e.receivedAt <= T0 + cut);
        const base = merge(null, first, opts).snapshot;
        // the next run re-reads an hour before the watermark: those events must count once
        const delta = events.filter((e) => e.receivedAt > base.header.watermark - HOUR);
        const next = merge(base, delta, opts).snapshot;
        const once = merge(null, events, opts).snapshot;
        const strip = (s: TrainingSnapshot) => ({ ...s, header: { ...s.header, runsSinceRebuild: 0 } });
        expect(encodeSnapshot(strip(next))).toEqual(encodeSnapshot(strip(once)));
      }),
      { numRuns: 80 },
    );
  });

  it('the cap counts what the base already used in a window', () => {
    const cap = { events: 3, windowMs: HOUR };
    const base = merge(
      null,
      [0, 1].map((n) => ev(n, 'bot', `i${n}`, 'view', T0 + n)),
      { cap },
    ).snapshot;
    const r = merge(
      base,
      [2, 3, 4].map((n) => ev(n, 'bot', `i${n}`, 'view', T0 + n)),
      { cap },
    );
    expect(r.stats.cappedEvents).toBe(2);
    expect(r.dataset.events).toBe(3);
    expect([...r.snapshot.windowCount]).toEqual([3]);
  });

  it('an erased user leaves the snapshot with every row, window and item only they had', () => {
    const base = merge(null, [ev(1, 'gone', 'only-theirs', 'view', T0), ev(2, 'kept', 'x', 'click', T0 + 1)], {
      cap: { events: 10, windowMs: HOUR },
    }).snapshot;
    const r = merge(base, [ev(3, 'gone', 'x', 'view', T0 + 2)], { erased: new Set(['gone']) });
    expect(r.snapshot.userIds).toEqual(['kept']);
    expect(r.snapshot.itemIds).toEqual(['x']);
    expect(r.stats).toMatchObject({ erasedEvents: 1, erasedUsersDropped: 1 });
    expect(r.dataset.userIds).not.toContain('gone');
  });

  it('a retried event within the dedupe window counts once; recent keys age out', () => {
    const base = merge(null, [ev(1, 'a', 'x', 'click', T0)]).snapshot;
    const retry = { ...ev(1, 'a', 'x', 'click', T0), receivedAt: T0 + 60_000 };
    const later = ev(2, 'a', 'y', 'view', T0 + OPTS.dedupeMs + 5);
    const r = merge(base, [retry, later]);
    expect(r.stats.duplicates).toBe(1);
    expect([...r.snapshot.pairWeight]).toEqual([2, 1]);
    // e1 was received more than dedupeMs before the new watermark: no longer kept
    expect(r.snapshot.recentKey.length).toBe(1);
  });
});

describe('snapshot codec and pointer', () => {
  const sample = () =>
    merge(null, [ev(1, 'ü"\n', 'x', 'click', T0), ev(2, 'b', 'y', 'rating', T0 + 3, 4)], {
      cap: { events: 5, windowMs: HOUR },
    }).snapshot;

  it('round-trips exactly', () => {
    const s = sample();
    const back = decodeSnapshot(encodeSnapshot(s));
    expect(back).toEqual(s);
  });

  it('refuses truncated and altered bytes', () => {
    const bytes = encodeSnapshot(sample());
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 8))).toThrow(CorruptSnapshotError);
    expect(() => decodeSnapshot(new Uint8Array(20))).toThrow(CorruptSnapshotError);
  });

  it('writes the file before the pointer, verifies its sha256 and keeps two', async () => {
    const store = new MemoryModelStore();
    expect(await readSnapshot(store, 'training/')).toBeNull();
    for (let n = 0; n < 3; n++) await writeSnapshot(store, 'training/', sample(), { now: T0 + n * 1000 });
    const keys = await store.list('training/');
    expect(keys.filter((k) => k.endsWith('snapshot.bin'))).toHaveLength(2);
    const read = await readSnapshot(store, 'training/');
    expect(read?.snapshot).toEqual(sample());
    const file = `training/${read!.pointer.id}/snapshot.bin`;
    const bytes = (await store.get(file))!;
    bytes[bytes.length - 1] ^= 1;
    await store.put(file, bytes);
    await expect(readSnapshot(store, 'training/')).rejects.toThrow(/sha256/);
  });
});
