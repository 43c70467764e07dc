import { describe, expect, it } from 'vitest';
import { csrFromTriples, transpose, type Csr } from '../../../shared/math/csr';
import {
  DEFAULT_ALS_PARAMS,
  explainScore,
  foldInUser,
  gramian,
  trainAls,
  type AlsParams,
} from '../../../shared/math/als';
import { alsScratch, solveRowsCg, solveRowsCholesky } from '../../../shared/math/als-step';
import { confidences } from '../../../shared/math/confidence';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { buildInteractionMatrix } from '../../../shared/math/interactions';
import { TopK, dot, scoreAll } from '../../../shared/math/topk';
import { Rng } from '../../../shared/math/rng';

const blocks = [
  [0, 1, 2],
  [3, 4],
  [5, 6],
];
function blockMatrix(): Csr {
  // 7 users × 6 items, 3 disjoint blocks → exactly rank 3
  const r: number[] = [];
  const c: number[] = [];
  blocks.forEach((us, b) => {
    for (const u of us) for (const i of [2 * b, 2 * b + 1]) r.push(u), c.push(i);
  });
  return csrFromTriples(
    7,
    6,
    r,
    c,
    r.map(() => 1),
  );
}

function params(over: Partial<AlsParams>): AlsParams {
  return { ...DEFAULT_ALS_PARAMS, ...over };
}

function randomFactors(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return new Float32Array(n).map(() => rng.normal() * 0.3);
}

function syntheticMatrix(seed = 3) {
  const d = generateSynthetic({ users: 240, items: 400, clusters: 5, eventsPerUser: 20, seed });
  return { d, m: buildInteractionMatrix(d.triples) };
}

describe('ALS exact cases', () => {
  for (const solver of ['cholesky', 'cg'] as const) {
    it(`${solver}: with λ = 0 reconstructs an exactly rank-3 7×6 matrix`, () => {
      const ui = blockMatrix();
      const p = params({
        factors: 3,
        iterations: 60,
        regularization: 0,
        alpha: 2,
        unobservedWeight: 0.5,
        solver,
        cgSteps: 3,
        seed: 1,
      });
      const { userFactors: X, itemFactors: Y } = trainAls(ui, p);
      let maxErr = 0;
      for (let u = 0; u < 7; u++)
        for (let i = 0; i < 6; i++) {
          const target = blocks.findIndex((b) => b.includes(u)) === i >> 1 ? 1 : 0;
          maxErr = Math.max(maxErr, Math.abs(dot(X, u * 3, Y, i * 3, 3) - target));
        }
      expect(maxErr).toBeLessThan(1e-3);
    });
  }

  it('CG with enough steps agrees with the Cholesky half-step', () => {
    const { m } = syntheticMatrix();
    const ui = m.matrix;
    const f = 8;
    const p = params({ factors: f, regularization: 0.5, alpha: 3, unobservedWeight: 0.2, regularizationExponent: 0.5 });
    const conf = confidences(ui.data, p);
    const Y = randomFactors(ui.cols * f, 1);
    const yty = gramian(Y, ui.cols, f);
    const Xc = randomFactors(ui.rows * f, 2);
    const Xg = Xc.slice();
    solveRowsCholesky(ui, conf, Xc, Y, yty, f, p, alsScratch(f));
    solveRowsCg(ui, conf, Xg, Y, yty, f, p, 3 * f, alsScratch(f));
    let maxErr = 0;
    for (let k = 0; k < Xc.length; k++) maxErr = Math.max(maxErr, Math.abs(Xc[k] - Xg[k]));
    expect(maxErr).toBeLessThan(1e-4);
  });

  it('3-step warm-started CG training reaches nearly the Cholesky loss; Cholesky loss never increases', () => {
    const { m } = syntheticMatrix();
    const losses: Record<string, number[]> = { cg: [], cholesky: [] };
    for (const solver of ['cg', 'cholesky'] as const) {
      trainAls(m.matrix, params({ factors: 8, iterations: 8, solver, regularization: 0.1, alpha: 2 }), {
        computeLoss: true,
        onProgress: (pr) => losses[solver].push(pr.loss!),
      });
    }
    const ch = losses.cholesky;
    for (let k = 1; k < ch.length; k++) expect(ch[k]).toBeLessThanOrEqual(ch[k - 1] * (1 + 1e-6));
    expect(losses.cg.at(-1)!).toBeLessThan(ch.at(-1)! * 1.02);
  });

  it('foldInUser equals the ALS user step and explainScore parts sum to the score', () => {
    const { m } = syntheticMatrix();
    const ui = m.matrix;
    const f = 6;
    const p = params({
      factors: f,
      iterations: 4,
      regularization: 0.3,
      alpha: 1.5,
      confidence: 'log',
      epsilon: 0.5,
      unobservedWeight: 0.3,
      regularizationExponent: 1,
    });
    const { itemFactors: Y } = trainAls(ui, p);
    const yty = gramian(Y, ui.cols, f);
    const X = new Float32Array(ui.rows * f);
    solveRowsCholesky(ui, confidences(ui.data, p), X, Y, yty, f, p, alsScratch(f));
    for (const u of [0, 17, 101]) {
      const idx = ui.indices.subarray(ui.indptr[u], ui.indptr[u + 1]);
      const w = ui.data.subarray(ui.indptr[u], ui.indptr[u + 1]);
      const x = foldInUser(Y, f, yty, idx, w, p);
      for (let k = 0; k < f; k++) expect(x[k]).toBeCloseTo(X[u * f + k], 5);
      const parts = explainScore(Y, f, yty, idx, w, p, 5);
      expect(parts.length).toBe(idx.length);
      for (let q = 1; q < parts.length; q++) expect(parts[q].weight).toBeLessThanOrEqual(parts[q - 1].weight);
      const sum = parts.reduce((s, e) => s + e.weight, 0);
      expect(sum).toBeCloseTo(dot(x, 0, Y, 5 * f, f), 4);
    }
  });
});

describe('ALS on planted clusters', () => {
  it('recommends mostly from the user’s own cluster', () => {
    const { d, m } = syntheticMatrix(11);
    const ui = m.matrix;
    const f = 16;
    const { userFactors: X, itemFactors: Y } = trainAls(
      ui,
      params({ factors: f, iterations: 10, regularization: 0.05, alpha: 2, unobservedWeight: 0.5 }),
    );
    const clusterOf = (id: string, arr: Int32Array) => arr[Number(id.slice(1))];
    const seen = transpose(transpose(ui));
    const scores = new Float32Array(ui.cols);
    const heap = new TopK(10);
    const oi = new Int32Array(10);
    const os = new Float32Array(10);
    let inCluster = 0;
    let total = 0;
    for (let u = 0; u < ui.rows; u++) {
      scoreAll(X.subarray(u * f, u * f + f), Y, f, scores);
      for (let q = seen.indptr[u]; q < seen.indptr[u + 1]; q++) scores[seen.indices[q]] = -Infinity;
      heap.reset(10);
      for (let i = 0; i < ui.cols; i++) heap.push(i, scores[i]);
      const n = heap.drain(oi, os);
      const uc = clusterOf(m.userIds[u], d.userCluster);
      for (let r = 0; r < n; r++) if (clusterOf(m.itemIds[oi[r]], d.itemCluster) === uc) inCluster++;
      total += n;
    }
    // chance is 0.2 (5 clusters); 15% of events are off-cluster and land on other clusters' hits
    expect(inCluster / total).toBeGreaterThan(0.7);
  });
});
