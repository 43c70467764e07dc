import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { CorruptModelError } from '../../../shared/model/codec';
import { als } from '../../../shared/model/kinds';
import { COLD_FILES } from '../../../shared/model/kinds/cold-ridge';
import { fitTokenRidge } from '../../../shared/training/cold-items';
import type { Dataset } from '../../../shared/training/dataset';
import { throughCodec } from '../model/make-model';
import { plantedWithMetadata } from './planted';

const planted = plantedWithMetadata({
  users: 300,
  items: 120,
  clusters: 4,
  eventsPerUser: 10,
  seed: 2,
  informative: true,
});
const { ui, userCluster, itemCluster } = planted;
const userIds = Array.from({ length: ui.rows }, (_, u) => `u${u}`);
const itemIds = Array.from({ length: ui.cols }, (_, i) => `i${i}`);
const items = itemIds.map((itemId, i) => ({ itemId, categories: [`k${itemCluster[i]}`], properties: { shelf: 'x' } }));
const d = { userIds, itemIds, pairTime: new Float64Array(0), pairItem: new Int32Array(0), watermark: 0 } as Dataset;
const params = { factors: 8, iterations: 6 };

describe('cold items on the ALS kind (ridge from metadata tokens to factors)', () => {
  it('the sparse normal equations equal the dense ridge W = (XᵀX + λI)⁻¹XᵀV, intercept unpenalized', () => {
    const bags = { indptr: Int32Array.from([0, 1, 3, 3, 5]), indices: Int32Array.from([0, 0, 1, 1, 2]) };
    const V = Float32Array.from([1, 2, 3, 4, -1, 0.5, 2, -2]);
    const W = fitTokenRidge(bags, 3, V, 2, [0, 1, 2, 3], 0.7);
    const X = new Matrix([
      [1, 0, 0, 1],
      [1, 1, 0, 1],
      [0, 0, 0, 1],
      [0, 1, 1, 1],
    ]);
    const A = X.transpose().mmul(X);
    for (let t = 0; t < 3; t++) A.set(t, t, A.get(t, t) + 0.7);
    const want = solve(
      A,
      X.transpose().mmul(
        new Matrix([
          [1, 2],
          [3, 4],
          [-1, 0.5],
          [2, -2],
        ]),
      ),
    ).to1DArray();
    for (const [k, w] of want.entries()) expect(W[k]).toBeCloseTo(w, 10);
  });

  it('fits the ridge when the data has item metadata and ships it through the codec (sha256-checked)', () => {
    const fitted = als.fit({ ui, userIds, itemIds, side: { items } }, params, { seed: 1 });
    expect(fitted.coldItems?.vocabulary).toEqual(expect.arrayContaining(['c:k0', 'c:k3', 'p:shelf=x']));
    const { manifest, model } = throughCodec(fitted, d, ui);
    expect(manifest.files[COLD_FILES.ridge].sha256).toMatch(/^[0-9a-f]{64}$/);
    const loaded = als.load(model);
    const v = fitted.coldItems!.vectorOf(['c:k2'])!;
    expect(Array.from(loaded.coldItems!.vectorOf(['c:k2'])!)).toEqual(Array.from(v));
    // a user's score of the vector is U_u · v̂, like any item's
    const s = loaded.user(5).scoreVector!(v);
    const U = model.userFactors;
    expect(s).toBeCloseTo(
      Array.from(v).reduce((a, x, k) => a + x * U[5 * 8 + k], 0),
      4,
    );
  });

  it("users score the new item of their own cluster highest (planted: category = the users' taste)", () => {
    const fitted = als.fit({ ui, userIds, itemIds, side: { items } }, params, { seed: 1 });
    const vs = [0, 1, 2, 3].map((c) => fitted.coldItems!.vectorOf([`c:k${c}`, 'p:shelf=x'])!);
    let right = 0;
    for (let u = 0; u < ui.rows; u++) {
      const s = vs.map((v) => fitted.user(u).scoreVector!(v));
      if (s.indexOf(Math.max(...s)) === userCluster[u]) right++;
    }
    expect(right / ui.rows).toBeGreaterThan(0.8);
    expect(fitted.coldItems!.vectorOf(['c:unknown'])).toBeNull();
  });

  it('carries no cold files without metadata, and refuses a ridge that does not fit its vocabulary', () => {
    const plain = als.fit({ ui, userIds, itemIds }, params, { seed: 1 });
    expect(plain.coldItems).toBeUndefined();
    expect(Object.keys(throughCodec(plain, d, ui).manifest.files)).not.toContain(COLD_FILES.ridge);
    const { model } = throughCodec(als.fit({ ui, userIds, itemIds, side: { items } }, params, { seed: 1 }), d, ui);
    model.parts![COLD_FILES.ridge] = new Float64Array(3);
    expect(() => als.load(model)).toThrow(CorruptModelError);
  });
});
