/**
 * The starting factors drawn straight into WebAssembly memory by every thread
 * (shared/math/parallel/start-factors.ts) must be exactly the serial Rng
 * stream trainAls's JS path draws: Y's rows then X's, normal() · scale.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALS_PARAMS, trainAls, type AlsParams } from '../../../shared/math/als';
import { buildInteractionMatrix } from '../../../shared/math/interactions';
import { drawStartRows, streamState } from '../../../shared/math/parallel/start-factors';
import { Rng } from '../../../shared/math/rng';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { alsWasmAvailable } from '../../../shared/math/wasm/als-kernels';

/** The serial draw: what trainAls's JS path starts from. */
function serial(seed: number, users: number, items: number, f: number, scale: number) {
  const rng = new Rng(seed);
  const Y = new Float32Array(items * f).map(() => rng.normal() * scale);
  const X = new Float32Array(users * f).map(() => rng.normal() * scale);
  return { X, Y };
}

const data = generateSynthetic({ users: 300, items: 200, clusters: 6, eventsPerUser: 12, seed: 4 });
const ui = buildInteractionMatrix(data.triples).matrix;

describe('starting factors', () => {
  it('drawStartRows gives the Rng stream from any row, padded or not', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        (seed, f, items, users) => {
          const fp = (f + 3) & ~3;
          const { X, Y } = serial(seed, users, items, f, 0.7);
          // Y at float 0, X after one spare row; rows drawn in two arbitrary pieces
          const out = new Float32Array((items + 1 + users) * fp);
          const xAt = (items + 1) * fp;
          const rows = items + users;
          const cut = Math.abs(seed) % (rows + 1);
          const st = streamState(seed);
          expect(drawStartRows(out, 0, xAt, items, f, fp, cut, rows, st, 0.7)).toBe(0);
          expect(drawStartRows(out, 0, xAt, items, f, fp, 0, cut, st, 0.7)).toBe(0);
          for (let r = 0; r < items; r++)
            for (let j = 0; j < fp; j++) expect(out[r * fp + j]).toBe(j < f ? Y[r * f + j] : 0);
          for (let r = 0; r < users; r++)
            for (let j = 0; j < fp; j++) expect(out[xAt + r * fp + j]).toBe(j < f ? X[r * f + j] : 0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it.skipIf(!alsWasmAvailable(10))('trainAls starts from the serial stream on 1 and 2 threads', () => {
    for (const f of [10, 64]) {
      const p: AlsParams = { ...DEFAULT_ALS_PARAMS, factors: f, iterations: 0, seed: 11 };
      const want = serial(11, ui.rows, ui.cols, f, p.initScale / Math.sqrt(f));
      for (const threads of [1, 2]) {
        const m = trainAls(ui, p, { threads });
        expect(m.itemFactors).toEqual(want.Y);
        expect(m.userFactors).toEqual(want.X);
      }
    }
  });

  it.skipIf(!alsWasmAvailable(8))('falls back to the serial stream when a uniform is zero (Rng redraws it)', () => {
    // this seed's state is 0 — mulberry32's one state whose output is 0 — at draw 11: value 5's u
    const seed = -1794988847;
    const st = streamState(seed);
    expect((st + 11 * 0x6d2b79f5) % 2 ** 32).toBe(0);
    const out = new Float32Array(16);
    expect(drawStartRows(out, 0, 0, 2, 8, 8, 0, 1, st, 1)).toBe(1);
    const p: AlsParams = { ...DEFAULT_ALS_PARAMS, factors: 8, iterations: 0, seed };
    const want = serial(seed, ui.rows, ui.cols, 8, p.initScale / Math.sqrt(8));
    for (const threads of [1, 2]) {
      const m = trainAls(ui, p, { threads });
      expect(m.itemFactors).toEqual(want.Y);
      expect(m.userFactors).toEqual(want.X);
    }
  });
});
