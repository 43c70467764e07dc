import { describe, expect, it } from 'vitest';
import { gramian } from '../../../shared/math/linalg';
import { idIndex, prepareModel } from '../../../shared/serving/prepared';
import { makeModel } from '../model/make-model';

describe('prepareModel', () => {
  it('serves the artifact’s YᵀY when it ships one, and computes the same matrix when it does not', () => {
    const shipped = makeModel({ items: 40, factors: 8 });
    shipped.itemGramian = gramian(shipped.itemFactors, 40, 8);
    const withG = prepareModel(shipped);
    expect(withG.yty()).toBe(shipped.itemGramian);

    const plain = makeModel({ items: 40, factors: 8 });
    for (const simd of [true, false]) {
      const computed = prepareModel(plain, { simd }).yty();
      expect(computed.length).toBe(64);
      for (let k = 0; k < 64; k++) expect(computed[k]).toBeCloseTo(shipped.itemGramian[k], 5);
    }
  });

  it('computes inverse item norms on first read, once', () => {
    const model = makeModel({ items: 6, factors: 3 });
    model.itemFactors.fill(0, 3, 6); // item 1 is a zero row
    const pm = prepareModel(model);
    const inv = pm.invNorms;
    expect(pm.invNorms).toBe(inv);
    const y = model.itemFactors;
    expect(inv[0]).toBeCloseTo(1 / Math.hypot(y[0], y[1], y[2]), 5);
    expect(inv[1]).toBe(0);
  });

  it('uses id indexes built ahead (while loading) instead of building them again', () => {
    const model = makeModel({ users: 4, items: 5 });
    const items = idIndex(model.itemIds);
    expect(idIndex(model.itemIds)).toBe(items);
    expect(items.get('item-3')).toBe(3);
    const pm = prepareModel(model);
    expect(pm.itemIndex).toBe(items);
    expect(pm.userIndex.get(model.userIds[2])).toBe(2);
  });
});
