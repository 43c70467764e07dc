/** Top-k selection (math TopK and serving's selectTop with every filter) against a full sort. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopK } from '../../shared/math/topk';
import { Scratch } from '../../shared/serving/prepared';
import { selectTop } from '../../shared/serving/select';
import { FC } from './fc';

/** Best first; ties to the lower index. */
const byScore = (scores: ArrayLike<number>) => (a: number, b: number) => scores[b] - scores[a] || a - b;

// a small value set makes ties and NaN common, where selection bugs hide
const score = fc.oneof(
  fc.constantFrom(0, 1, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.float({ noNaN: true, noDefaultInfinity: true }),
);

describe('TopK', () => {
  it('keeps the k best of any stream, best first, NaN ignored, ties to the lower index', () => {
    fc.assert(
      fc.property(fc.array(score, { maxLength: 60 }), fc.nat(70), (scores, kRaw) => {
        const k = Math.min(kRaw, 64);
        const top = new TopK(64);
        top.reset(k);
        for (let i = 0; i < scores.length; i++) top.push(i, scores[i]);
        const idx = new Int32Array(64);
        const out = new Float32Array(64);
        const n = top.drain(idx, out);
        const want = scores
          .map((_, i) => i)
          .filter((i) => !Number.isNaN(scores[i]))
          .sort(byScore(scores))
          .slice(0, k);
        expect(Array.from(idx.subarray(0, n))).toEqual(want);
        expect(Array.from(out.subarray(0, n))).toEqual(want.map((i) => Math.fround(scores[i])));
      }),
      FC,
    );
  });
});

describe('selectTop (serving)', () => {
  const item = fc.record({
    score,
    excluded: fc.boolean(),
    // a mark from an earlier request must not count: marks are generation-stamped
    staleExcluded: fc.boolean(),
    included: fc.boolean(),
    blocked: fc.boolean(),
  });
  it('equals filter-then-sort for every combination of exclude, include, blocked and score floor', () => {
    fc.assert(
      fc.property(
        fc.array(item, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(Number.NEGATIVE_INFINITY, -0.5, 0, 0.5, 1),
        (items, k, restrict, withCatalog, floor) => {
          const n = items.length;
          const s = new Scratch(n);
          const earlier = s.nextGeneration();
          items.forEach((it, i) => {
            if (it.staleExcluded) s.excl[i] = earlier;
          });
          const gen = s.nextGeneration();
          const scores = Float32Array.from(items, (it) => it.score);
          const blocked = withCatalog ? Uint8Array.from(items, (it) => (it.blocked ? 1 : 0)) : null;
          items.forEach((it, i) => {
            if (it.excluded) s.excl[i] = gen;
            if (it.included) s.incl[i] = gen;
          });
          const got = selectTop(s, scores, k, { restrict, blocked, floor });
          const want = items
            .map((_, i) => i)
            .filter((i) => {
              const it = items[i];
              const x = scores[i];
              // -∞ is never a recommendation: it is no better than an empty slot
              if (Number.isNaN(x) || x === Number.NEGATIVE_INFINITY || x < floor) return false;
              return !it.excluded && (!restrict || it.included) && !(withCatalog && it.blocked);
            })
            .sort(byScore(scores))
            .slice(0, k);
          expect(Array.from(s.outIndex.subarray(0, got))).toEqual(want);
          expect(Array.from(s.outScore.subarray(0, got))).toEqual(want.map((i) => scores[i]));
        },
      ),
      FC,
    );
  });
});
