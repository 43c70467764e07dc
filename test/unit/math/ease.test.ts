import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Matrix, inverse } from 'ml-matrix';
import { invertSpdInPlace } from '../../../shared/math/spd-inverse';
import { spdWorkspace } from '../../../shared/math/wasm/ease-kernels';
import {
  EASE_MAX_ITEMS,
  easeWeight,
  itemGram,
  pruneEase,
  scoreEase,
  trainEase,
  transposeRows,
} from '../../../shared/math/ease';
import { csrFromTriples, type Csr } from '../../../shared/math/csr';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { buildInteractionMatrix } from '../../../shared/math/interactions';
import { holdoutSplit } from '../../../shared/math/hpo';
import { evaluateRanking } from '../../../shared/math/metrics';
import { popularityFromCsr } from '../../../shared/math/popularity';
import { Rng } from '../../../shared/math/rng';

/** Random SPD matrix XᵀX + εI with X (n+3)×n standard normal. */
function spd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const x = Matrix.zeros(n + 3, n);
  for (let r = 0; r < n + 3; r++) for (let c = 0; c < n; c++) x.set(r, c, rng.normal());
  const a = x.transpose().mmul(x).add(Matrix.eye(n).mul(0.5));
  return Float64Array.from(a.to1DArray());
}

function denseOf(m: Csr, binary: boolean): Matrix {
  const x = Matrix.zeros(m.rows, m.cols);
  for (let u = 0; u < m.rows; u++)
    for (let q = m.indptr[u]; q < m.indptr[u + 1]; q++) x.set(u, m.indices[q], binary ? 1 : m.data[q]);
  return x;
}

describe('SPD inverse (blocked Cholesky)', () => {
  it('matches ml-matrix’s inverse on sizes around the block edges', () => {
    for (const n of [1, 2, 3, 4, 5, 31, 32, 33, 65, 97]) {
      const a = spd(n, n);
      const ref = inverse(
        new Matrix(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, i * n + n)))),
      ).to1DArray();
      expect(invertSpdInPlace(a, n)).toBe(true);
      let err = 0;
      let scale = 0;
      for (let i = 0; i < n * n; i++)
        (err = Math.max(err, Math.abs(a[i] - ref[i]))), (scale = Math.max(scale, Math.abs(ref[i])));
      expect(err / scale).toBeLessThan(1e-10);
    }
  });

  it('the WebAssembly kernel inverts in its own memory like the JS one (sizes around block and step edges)', () => {
    for (const n of [1, 3, 4, 5, 8, 31, 32, 33, 34, 35, 67, 130]) {
      const a = spd(n, 100 + n);
      const ws = spdWorkspace(n);
      expect(ws.kernel).toBe('wasm');
      ws.a.set(a);
      expect(invertSpdInPlace(ws.a, n, ws.kernels)).toBe(true);
      const js = Float64Array.from(a);
      expect(invertSpdInPlace(js, n)).toBe(true);
      let err = 0;
      let scale = 0;
      for (let i = 0; i < n * n; i++)
        (err = Math.max(err, Math.abs(ws.a[i] - js[i]))), (scale = Math.max(scale, Math.abs(js[i])));
      expect(err / scale).toBeLessThan(1e-12);
    }
    // the kernel reads its own memory: handing it another buffer is a bug, not a silent wrong answer
    const ws = spdWorkspace(4);
    expect(() => invertSpdInPlace(spd(4, 1), 4, ws.kernels)).toThrow(/own buffer/);
    expect(spdWorkspace(4, 'js').kernel).toBe('js');
  });

  it('inverts a hand case exactly and refuses an indefinite matrix', () => {
    // [[4, 2], [2, 3]]⁻¹ = [[3, −2], [−2, 4]] / 8
    const a = Float64Array.from([4, 2, 2, 3]);
    expect(invertSpdInPlace(a, 2)).toBe(true);
    expect(Array.from(a)).toEqual([3 / 8, -2 / 8, -2 / 8, 4 / 8].map((v) => expect.closeTo(v, 14)));
    expect(invertSpdInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toBe(false);
  });

  it('A·A⁻¹ = I for random SPD matrices (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
        const a = spd(n, seed);
        const inv = Float64Array.from(a);
        if (!invertSpdInPlace(inv, n)) return false;
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
            if (Math.abs(s - (i === j ? 1 : 0)) > 1e-8) return false;
          }
        return true;
      }),
      { numRuns: 40 },
    );
  });
});

describe('EASE', () => {
  const small = csrFromTriples(
    4,
    5,
    [0, 0, 1, 1, 1, 2, 2, 3, 3, 3],
    [0, 1, 1, 2, 4, 0, 3, 0, 2, 4],
    [1, 2, 1, 3, 1, 1, 5, 2, 1, 1],
  );

  it('the Gram matrix is XᵀX, binary or weighted', () => {
    for (const binary of [true, false]) {
      const x = denseOf(small, binary);
      const ref = x.transpose().mmul(x).to1DArray();
      expect(Array.from(itemGram(small, binary))).toEqual(ref);
    }
  });

  it('B equals the closed form I − P·diagMat(1/diag P) computed with ml-matrix', () => {
    for (const binary of [true, false]) {
      const lambda = 0.7;
      const x = denseOf(small, binary);
      const p = inverse(x.transpose().mmul(x).add(Matrix.eye(5).mul(lambda)));
      const model = trainEase(small, { lambda, binary });
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 5; j++) {
          const want = (i === j ? 1 : 0) - p.get(i, j) / p.get(j, j);
          expect(model.weights![i * 5 + j]).toBeCloseTo(want, 6);
        }
      // diag(B) = 0 is the constraint that keeps an item from predicting itself
      for (let i = 0; i < 5; i++) expect(model.weights![i * 5 + i]).toBe(0);
    }
  });

  it('scores a history as the row × B, binary or weighted', () => {
    const model = trainEase(small, { lambda: 1, binary: false });
    const out = new Float32Array(5);
    scoreEase(model, [1, 3], [2, 0.5], out);
    for (let j = 0; j < 5; j++) expect(out[j]).toBeCloseTo(2 * model.weights![5 + j] + 0.5 * model.weights![15 + j], 6);
  });

  it('pruning keeps the m largest-magnitude weights of each column, as sparse rows only, and scores with them', () => {
    const model = trainEase(small, { lambda: 0.5 });
    const pruned = pruneEase(model, 2);
    // no dense copy: a served pruned model holds n·m weights
    expect(pruned.weights).toBeUndefined();
    expect(pruned.sparse!.values.length).toBe(5 * 2);
    const densified = new Float32Array(25);
    for (let j = 0; j < 5; j++) {
      const col = Array.from({ length: 5 }, (_, i) => model.weights![i * 5 + j]);
      const keptRows = [0, 1, 2, 3, 4].filter((i) => easeWeight(pruned, i, j) !== 0);
      expect(keptRows.length).toBe(2);
      for (const i of keptRows) expect(easeWeight(pruned, i, j)).toBe(model.weights![i * 5 + j]);
      for (const i of keptRows) densified[i * 5 + j] = col[i];
      const smallestKept = Math.min(...keptRows.map((i) => Math.abs(col[i])));
      for (let i = 0; i < 5; i++) if (!keptRows.includes(i)) expect(Math.abs(col[i])).toBeLessThanOrEqual(smallestKept);
    }
    const dense = new Float32Array(5);
    const sparse = new Float32Array(5);
    scoreEase({ items: 5, params: pruned.params, weights: densified }, [0, 4], null, dense);
    scoreEase(pruned, [0, 4], null, sparse);
    expect(Array.from(sparse)).toEqual(Array.from(dense));
    // the transpose lists each column's kept rows, ascending
    const cols = transposeRows(pruned.sparse!, 5);
    for (let j = 0; j < 5; j++) {
      const rows = Array.from(cols.indices.subarray(cols.indptr[j], cols.indptr[j + 1]));
      expect(rows).toEqual([0, 1, 2, 3, 4].filter((i) => densified[i * 5 + j] !== 0));
    }
  });

  it('EDLAE dropout p adds p/(1 − p)·diag(XᵀX) to the diagonal: the closed form with that regularizer', () => {
    const lambda = 0.7;
    const p = 0.25;
    const x = denseOf(small, true);
    const g = x.transpose().mmul(x);
    const reg = Matrix.eye(5).mul(lambda);
    for (let i = 0; i < 5; i++) reg.set(i, i, lambda + (p / (1 - p)) * g.get(i, i));
    const inv = inverse(g.add(reg));
    const model = trainEase(small, { lambda, dropout: p });
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++)
        expect(model.weights![i * 5 + j]).toBeCloseTo((i === j ? 1 : 0) - inv.get(i, j) / inv.get(j, j), 6);
    expect(() => trainEase(small, { lambda, dropout: 1 })).toThrow(/dropout/);
  });

  it('fits the same B with the WebAssembly and the JS kernel (to rounding)', () => {
    const d = generateSynthetic({ users: 200, items: 90, clusters: 3, eventsPerUser: 15, seed: 8 });
    const ui = buildInteractionMatrix(d.triples).matrix;
    const w = trainEase(ui, { lambda: 10 }, Infinity, 'wasm').weights!;
    const j = trainEase(ui, { lambda: 10 }, Infinity, 'js').weights!;
    for (let i = 0; i < w.length; i++) expect(w[i]).toBeCloseTo(j[i], 6);
  });

  it('refuses catalogs above the limit and λ ≤ 0', () => {
    expect(() => trainEase(small, { lambda: 1 }, 4)).toThrow(/above the 4-item limit/);
    expect(() => trainEase(small, { lambda: 0 })).toThrow(/lambda/);
    expect(EASE_MAX_ITEMS).toBeGreaterThanOrEqual(2000);
  });

  it('recovers planted clusters: validation nDCG far above popularity, neighbours in-cluster', () => {
    const d = generateSynthetic({ users: 600, items: 300, clusters: 6, eventsPerUser: 20, seed: 4 });
    const im = buildInteractionMatrix(d.triples);
    const { fit, valid } = holdoutSplit(im.matrix, 0.8, 3, 'user');
    const model = trainEase(fit, { lambda: 50 });
    const score = (u: number, out: Float32Array) =>
      scoreEase(model, fit.indices.subarray(fit.indptr[u], fit.indptr[u + 1]), null, out);
    const ease = evaluateRanking(fit, valid, score, 10).ndcg;
    const pop = popularityFromCsr(fit);
    const popular = evaluateRanking(fit, valid, (_, out) => out.set(pop), 10).ndcg;
    expect(ease).toBeGreaterThan(1.5 * popular);
    // the largest weights into an item come from its own cluster
    const cl = (i: number) => d.itemCluster[Number(im.itemIds[i].slice(1))];
    const n = model.items;
    let same = 0;
    for (let j = 0; j < n; j++) {
      let best = -1;
      for (let i = 0; i < n; i++)
        if (i !== j && (best < 0 || easeWeight(model, i, j) > easeWeight(model, best, j))) best = i;
      if (cl(best) === cl(j)) same++;
    }
    expect(same / n).toBeGreaterThan(0.8);
  });
});
