import { describe, expect, it } from 'vitest';
import { TopK, dot, scoreAll } from '../../../shared/math/topk';
import { Rng } from '../../../shared/math/rng';

function fullSortTop(scores: Float32Array, k: number): number[] {
  const idx = Array.from(scores.keys());
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.slice(0, k);
}

describe('TopK', () => {
  it('matches a full sort on random data with many ties', () => {
    const rng = new Rng(7);
    const heap = new TopK(50);
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + rng.int(400);
      const k = 1 + rng.int(50);
      // few distinct values → lots of ties
      const scores = new Float32Array(n).map(() => rng.int(trial % 2 ? 5 : 1000) / 7);
      heap.reset(k);
      for (let i = 0; i < n; i++) heap.push(i, scores[i]);
      expect(heap.size).toBe(Math.min(k, n));
      const oi = new Int32Array(k);
      const os = new Float32Array(k);
      const c = heap.drain(oi, os);
      const expected = fullSortTop(scores, k);
      expect(Array.from(oi.slice(0, c))).toEqual(expected);
      expect(Array.from(os.slice(0, c))).toEqual(expected.map((i) => scores[i]));
      expect(heap.size).toBe(0);
    }
  });

  it('threshold is -Infinity until full, then the k-th best', () => {
    const h = new TopK(3);
    h.reset(3);
    h.push(0, 5);
    h.push(1, 1);
    expect(h.threshold).toBe(-Infinity);
    h.push(2, 3);
    expect(h.threshold).toBe(1);
    h.push(3, 4);
    expect(h.threshold).toBe(3);
  });

  it('rejects k above capacity and ignores NaN', () => {
    const h = new TopK(2);
    expect(() => h.reset(3)).toThrow();
    h.reset(2);
    h.push(0, Number.NaN);
    expect(h.size).toBe(0);
  });
});

describe('dot / scoreAll', () => {
  it('agree with a naive loop for lengths not divisible by 4', () => {
    const rng = new Rng(1);
    for (const f of [1, 3, 4, 7, 64, 65]) {
      const items = new Float32Array(f * 9).map(() => rng.normal());
      const user = new Float32Array(f).map(() => rng.normal());
      const out = new Float32Array(9);
      scoreAll(user, items, f, out);
      for (let i = 0; i < 9; i++) {
        let s = 0;
        for (let k = 0; k < f; k++) s += user[k] * items[i * f + k];
        expect(out[i]).toBeCloseTo(s, 4);
        expect(dot(user, 0, items, i * f, f)).toBeCloseTo(s, 5);
      }
    }
  });
});
