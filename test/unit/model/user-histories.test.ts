/** Users' histories by bucket: exact layout cases, corruption, and a round-trip property through ranged reads. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csrFromTriples } from '../../../shared/math/csr';
import { CorruptModelError } from '../../../shared/model/errors';
import {
  bucketCount,
  encodeUserHistories,
  rangedUserHistories,
  UserHistoryIndex,
} from '../../../shared/model/user-histories';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';

function publish(userIds: string[], items: number, triples: [number, number, number][]) {
  const ui = csrFromTriples(
    userIds.length,
    items,
    Int32Array.from(triples, (t) => t[0]),
    Int32Array.from(triples, (t) => t[1]),
    Float32Array.from(triples, (t) => t[2]),
  );
  const { body, index } = encodeUserHistories(userIds, ui);
  const store = new MemoryModelStore();
  const bytes = new Uint8Array(body.buffer);
  return { ui, body, index, store, bytes, put: () => store.put('v/h.i32', bytes) };
}

describe('user histories by bucket', () => {
  it('finds each user with their items and weights, and nobody else', async () => {
    const p = publish(['a', 'bé', 'c,"x"'], 4, [
      [0, 1, 2],
      [0, 3, 0.5],
      [2, 0, 5],
    ]);
    await p.put();
    const src = rangedUserHistories(p.store, 'v/h.i32', p.index, 4, p.bytes.byteLength);
    expect(await src.read('a')).toEqual({ itemIdx: Int32Array.from([1, 3]), weights: Float64Array.from([2, 0.5]) });
    expect(await src.read('bé')).toEqual({ itemIdx: new Int32Array(0), weights: new Float64Array(0) });
    expect(await src.read('c,"x"')).toEqual({ itemIdx: Int32Array.from([0]), weights: Float64Array.from([5]) });
    expect(await src.read('d')).toBeNull();
    expect(bucketCount(3)).toBe(1);
    expect(bucketCount(65)).toBe(2);
  });

  it('refuses a bucket whose bytes changed, and an index that does not span the file', async () => {
    const p = publish(['a', 'b'], 3, [
      [0, 1, 1],
      [1, 2, 1],
    ]);
    p.bytes[9] ^= 1;
    await p.put();
    const src = rangedUserHistories(p.store, 'v/h.i32', p.index, 3, p.bytes.byteLength);
    await expect(src.read('a')).rejects.toBeInstanceOf(CorruptModelError);
    expect(() => new UserHistoryIndex(p.index, 3, p.bytes.byteLength + 4)).toThrow(CorruptModelError);
    const bad = Float64Array.from(p.index);
    bad[0] = 3;
    expect(() => new UserHistoryIndex(bad, 3, p.bytes.byteLength)).toThrow(CorruptModelError);
    // an item index beyond the catalog the index was built for
    const q = publish(['a'], 9, [[0, 8, 1]]);
    await q.put();
    await expect(rangedUserHistories(q.store, 'v/h.i32', q.index, 5, q.bytes.byteLength).read('a')).rejects.toThrow(
      /out of range/,
    );
  });

  it('round-trips any users and histories through one ranged read each', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 0, maxLength: 12 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (userIds, items, seed) => {
          let s = seed;
          const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
          const triples: [number, number, number][] = [];
          userIds.forEach((_, u) => {
            const n = Math.floor(rnd() * 6);
            const picked = new Set<number>();
            for (let q = 0; q < n; q++) picked.add(Math.floor(rnd() * items));
            for (const i of picked) triples.push([u, i, Math.fround(0.5 + rnd() * 4)]);
          });
          const p = publish(userIds, items, triples);
          await p.put();
          const src = rangedUserHistories(p.store, 'v/h.i32', p.index, items, p.bytes.byteLength);
          for (let u = 0; u < userIds.length; u++) {
            const got = await src.read(userIds[u]);
            const lo = p.ui.indptr[u];
            const hi = p.ui.indptr[u + 1];
            expect(got?.itemIdx).toEqual(p.ui.indices.slice(lo, hi));
            expect(got?.weights).toEqual(Float64Array.from(p.ui.data.subarray(lo, hi)));
          }
          let absent = 'absent';
          while (userIds.includes(absent)) absent += '!';
          expect(await src.read(absent)).toBeNull();
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});
