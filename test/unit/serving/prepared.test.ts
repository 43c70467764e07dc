import { describe, expect, it } from 'vitest';
import { foldInUser } from '../../../shared/math/foldin';
import { gramian } from '../../../shared/math/linalg';
import { scoreAll } from '../../../shared/math/topk';
import { ItemFactors } from '../../../shared/model/kinds/factors';
import { CorruptModelError } from '../../../shared/model/codec';
import { idIndex, prepareModel, type Scratch } from '../../../shared/serving/prepared';
import { makeModel } from '../model/make-model';

describe('prepareModel', () => {
  it('serves the artifact’s YᵀY when it ships one, and computes the same matrix when it does not', () => {
    const shipped = makeModel({ items: 40, factors: 8 });
    const g = gramian(shipped.itemFactors, 40, 8);
    expect(new ItemFactors(shipped.itemFactors, 40, 8, {}, g).gramian()).toBe(g);
    const plain = makeModel({ items: 40, factors: 8 });
    const params = {
      regularization: 0.1,
      alpha: 1,
      confidence: 'linear' as const,
      epsilon: 1,
      unobservedWeight: 0.5,
      regularizationExponent: 0,
    };
    plain.manifest.foldIn = params;
    const h = { itemIdx: Int32Array.of(1, 4, 9), weights: Float64Array.of(1, 3, 2) };
    const x = foldInUser(plain.itemFactors, 8, g, h.itemIdx, h.weights, params);
    const want = new Float32Array(40);
    scoreAll(x, plain.itemFactors, 8, want);
    for (const simd of [true, false]) {
      // fold-in needs YᵀY: the serving kernel computes it when the artifact ships none
      const got = new Float32Array(40);
      prepareModel(plain, { simd }).fitted.foldIn!(h)!.scoreAll(got);
      for (let i = 0; i < 40; i++) expect(got[i]).toBeCloseTo(want[i], 4);
    }
  });

  it('computes inverse item norms on first read, once', () => {
    const model = makeModel({ items: 6, factors: 3 });
    model.itemFactors.fill(0, 3, 6); // item 1 is a zero row
    const y = new ItemFactors(model.itemFactors, 6, 3);
    const inv = y.invNorms();
    expect(y.invNorms()).toBe(inv);
    const f = model.itemFactors;
    expect(inv[0]).toBeCloseTo(1 / Math.hypot(f[0], f[1], f[2]), 5);
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

  it('refuses a kind this build does not serve, like a corrupt artifact', () => {
    const model = makeModel();
    expect(() => prepareModel({ ...model, manifest: { ...model.manifest, kind: 'quantum' } })).toThrow(
      CorruptModelError,
    );
  });

  it('gives each checkout scratch of its own, and never lends it across an await', () => {
    const pm = prepareModel(makeModel({ items: 9 }));
    const seen: Scratch[] = [];
    pm.withScratch((a) => {
      seen.push(a);
      pm.withScratch((b) => seen.push(b)); // re-entered: another scratch, never the one in use
    });
    expect(seen[0]).not.toBe(seen[1]);
    pm.withScratch((c) => expect([seen[0], seen[1]]).toContain(c)); // returned to the pool
    expect(() => pm.withScratch(async () => 1)).toThrow(/promise/);
  });
});
