import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transpose } from '../../../shared/math/csr';
import { DEFAULT_ALS_PARAMS, gramian, trainAls, type AlsParams } from '../../../shared/math/als';
import { alsScratch, solveRowsCg, solveRowsCholesky } from '../../../shared/math/als-step';
import { confidences } from '../../../shared/math/confidence';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { buildInteractionMatrix } from '../../../shared/math/interactions';
import { Rng } from '../../../shared/math/rng';
import { alsKernel, alsWasmAvailable, createAlsWasm, setAlsKernel } from '../../../shared/math/wasm/als-kernels';
import { relaxedSimd } from '../../../shared/math/wasm/relaxed';
import { LISTINGS, disassemble } from '../../../shared/math/wasm/listings';

const p: AlsParams = {
  ...DEFAULT_ALS_PARAMS,
  regularization: 0.5,
  alpha: 3,
  unobservedWeight: 0.2,
  regularizationExponent: 0.5,
};

function problem(f: number, seed = 3) {
  const d = generateSynthetic({ users: 240, items: 400, clusters: 5, eventsPerUser: 20, seed });
  const ui = buildInteractionMatrix(d.triples).matrix;
  const iu = transpose(ui);
  const rng = new Rng(seed);
  const X = new Float32Array(ui.rows * f).map(() => rng.normal() * 0.3);
  const Y = new Float32Array(ui.cols * f).map(() => rng.normal() * 0.3);
  const q = { ...p, factors: f };
  return { ui, iu, X, Y, q, confU: confidences(ui.data, q), confI: confidences(iu.data, q) };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let k = 0; k < a.length; k++) e = Math.max(e, Math.abs(a[k] - b[k]));
  return e;
}

// the plain kernel everywhere; the fused one (relaxed SIMD) where the engine has it, as trainAls picks by default
const kernels = relaxedSimd() ? (['plain', 'fma'] as const) : (['plain'] as const);

describe.skipIf(!alsWasmAvailable(8)).each(kernels)(
  'ALS WebAssembly kernel %s agrees with the JS kernels',
  (kernel) => {
    let before: ReturnType<typeof setAlsKernel>;
    beforeAll(() => {
      before = setAlsKernel(kernel);
      expect(alsKernel()).toBe(kernel);
    });
    afterAll(() => {
      setAlsKernel(before);
    });

    // 3 and 10 exercise row padding, 8 the short unroll, 64 the full 4-accumulator unroll
    for (const f of [3, 8, 10, 64]) {
      it(`f = ${f}: Gramian and both CG half-steps`, () => {
        const { ui, iu, X, Y, q, confU, confI } = problem(f);
        const k = createAlsWasm(ui, { X, Y }, f, q)!;
        const g = new Float64Array(f * f);
        k.gramian('items', g);
        const yty = gramian(Y, ui.cols, f);
        let diag = 0;
        for (let a = 0; a < f; a++) diag = Math.max(diag, yty[a * f + a]);
        // f32 accumulation within 512-row blocks, float64 across them
        expect(maxAbsDiff(g, yty)).toBeLessThan(1e-6 * diag);

        const Xj = X.slice();
        solveRowsCg(ui, confU, Xj, Y, yty, f, q, 3, alsScratch(f));
        k.half('users', 3, g);
        expect(maxAbsDiff(k.factors('users'), Xj)).toBeLessThan(2e-5);

        const Yj = Y.slice();
        solveRowsCg(iu, confI, Yj, Xj, gramian(Xj, ui.rows, f), f, q, 3, alsScratch(f));
        k.half('items', 3, g);
        expect(maxAbsDiff(k.factors('items'), Yj)).toBeLessThan(2e-5);
      });
    }

    it('CG with enough steps reaches the Cholesky solution in float32', () => {
      const f = 8;
      const { ui, X, Y, q, confU } = problem(f);
      const Xc = X.slice();
      solveRowsCholesky(ui, confU, Xc, Y, gramian(Y, ui.cols, f), f, q, alsScratch(f));
      const k = createAlsWasm(ui, { X, Y }, f, q)!;
      k.half('users', 3 * f, new Float64Array(f * f));
      expect(maxAbsDiff(k.factors('users'), Xc)).toBeLessThan(1e-4);
    });

    it('trainAls: WebAssembly and JS runs agree, WebAssembly runs are bit-identical, the model is copied out', () => {
      const { ui } = problem(16);
      const q = { ...p, factors: 16, iterations: 6 };
      const losses: Record<string, number[]> = { auto: [], js: [] };
      const runs = (['auto', 'js'] as const).map((kernel) =>
        trainAls(ui, q, { kernel, computeLoss: true, onProgress: (pr) => losses[kernel].push(pr.loss!) }),
      );
      const again = trainAls(ui, q);
      expect(Buffer.from(again.userFactors.buffer).equals(Buffer.from(runs[0].userFactors.buffer))).toBe(true);
      expect(runs[0].userFactors.buffer.byteLength).toBe(ui.rows * 16 * 4);
      expect(maxAbsDiff(runs[0].userFactors, runs[1].userFactors)).toBeLessThan(1e-3);
      expect(maxAbsDiff(runs[0].itemFactors, runs[1].itemFactors)).toBeLessThan(1e-3);
      for (let it = 0; it < losses.js.length; it++)
        expect(Math.abs(losses.auto[it] / losses.js[it] - 1)).toBeLessThan(1e-6);
    });

    it('trainAls honours shouldStop between half-steps', () => {
      const { ui } = problem(8);
      let polls = 0;
      const m = trainAls(ui, { ...p, factors: 8, iterations: 50 }, { shouldStop: () => ++polls > 3 });
      expect(polls).toBe(4);
      expect(m.userFactors.length).toBe(ui.rows * 8);
    });
  },
);

describe('generated kernels as text', () => {
  it.each(LISTINGS.map((l) => [l.file, l] as const))(
    '%s is exactly the disassembly of what its generator emits (npm run wat rewrites it)',
    async (file, l) => {
      const committed = readFileSync(new URL(`../../../shared/math/wasm/${file}`, import.meta.url), 'utf8');
      expect(await disassemble(l.bytes())).toBe(committed);
    },
  );
});
