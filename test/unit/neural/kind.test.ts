import { describe, expect, it } from 'vitest';
import { decodeModel, CorruptModelError } from '../../../shared/model/codec';
import { neural } from '../../../shared/model/kinds/neural';
import type { FittedModel } from '../../../shared/model/kinds';
import { DatasetBuilder, pairsToCsr } from '../../../shared/training/dataset';
import { syntheticInteractions } from '../training/data';
import { plantedWithMetadata } from './planted';
import { throughCodec } from '../model/make-model';

const builder = new DatasetBuilder();
builder.add(syntheticInteractions({ users: 60, items: 30, seed: 3 }));
const d = builder.build();
const ui = pairsToCsr(d);
const side = {
  items: d.itemIds.map((itemId, i) => ({
    itemId,
    categories: [`k${i % 3}`],
    properties: { brand: i % 2 ? 'a' : 'b' },
  })),
  users: d.userIds.map((userId, u) => ({ userId, attributes: { band: String(u % 4) } })),
};
const data = { ui, userIds: d.userIds, itemIds: d.itemIds, side };

function roundTrip(fitted: FittedModel) {
  const { manifest, files, model } = throughCodec(fitted, d, ui);
  return { manifest, files, loaded: neural.load(model) };
}

describe('neural kind', () => {
  const fitted = neural.fit(data, { als: { factors: 8, iterations: 4 }, candidates: 10, epochs: 2 }, { seed: 1 });

  it('a loaded artifact scores exactly like the fitted model, the top-N candidates re-ranked above the rest', () => {
    const { loaded, manifest } = roundTrip(fitted);
    expect(Object.keys(manifest.files)).toEqual(
      expect.arrayContaining(['neural_params.f64', 'neural.json', 'neural_item_tokens.i32']),
    );
    expect(manifest.files['neural_params.f64'].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded.capabilities).toEqual(fitted.capabilities);
    for (const u of [0, 7, 33]) {
      const h = {
        itemIdx: ui.indices.slice(ui.indptr[u], ui.indptr[u + 1]),
        weights: Float64Array.from(ui.data.subarray(ui.indptr[u], ui.indptr[u + 1])),
      };
      const a = new Float32Array(fitted.items);
      const b = new Float32Array(fitted.items);
      fitted.user(u, h).scoreAll(a);
      loaded.user(u, h).scoreAll(b);
      expect(Array.from(b)).toEqual(Array.from(a));
      // 10 unseen candidates score 1 + P(click) ∈ (1, 2), every other item ≤ −1
      const seen = new Set(h.itemIdx);
      const cands = Array.from(a.keys()).filter((i) => a[i] > 1);
      expect(cands.length).toBe(Math.min(10, fitted.items - seen.size));
      for (const i of cands) expect(seen.has(i)).toBe(false);
      for (let i = 0; i < a.length; i++) expect(a[i] > 1 || a[i] <= -1).toBe(true);
    }
    const out = new Float32Array(fitted.items);
    loaded.foldIn!({ itemIdx: Int32Array.from([1, 2]), weights: Float64Array.from([1, 1]) })!.scoreAll(out);
    expect(out.filter((x) => x > 1).length).toBe(10);
    const cold = (x: FittedModel) =>
      Array.from(
        (x as FittedModel & { coldItemFactors(t: string[]): Float32Array }).coldItemFactors(['c:k1', 'p:brand=a']),
      );
    expect(cold(loaded)).toEqual(cold(fitted));
  });

  it('refuses an artifact whose network does not fit its spec like a corrupt one', () => {
    const { manifest, files } = roundTrip(fitted);
    const model = decodeModel(manifest, files);
    model.parts!['neural_params.f64'] = new Float64Array(3);
    expect(() => neural.load(model)).toThrow(CorruptModelError);
    delete model.parts!['neural.json'];
    expect(() => neural.load(model)).toThrow(/neural.json/);
  });

  it('fits without metadata', () => {
    const m = neural.fit(
      { ui, userIds: d.userIds, itemIds: d.itemIds },
      { als: { factors: 4, iterations: 2 }, candidates: 5, epochs: 1 },
      { seed: 2 },
    );
    const out = new Float32Array(m.items);
    m.user(3).scoreAll(out);
    expect(out.filter((x) => x > 1).length).toBe(5);
  });

  it('gives a new item a factor vector from its metadata that users of its cluster score highest', () => {
    const {
      ui: m,
      userCluster,
      itemCluster,
    } = plantedWithMetadata({
      users: 300,
      items: 120,
      clusters: 4,
      eventsPerUser: 10,
      seed: 2,
      informative: true,
    });
    const userIds = Array.from({ length: m.rows }, (_, u) => `u${u}`);
    const itemIds = Array.from({ length: m.cols }, (_, i) => `i${i}`);
    const items = itemIds.map((itemId, i) => ({ itemId, categories: [`k${itemCluster[i]}`], properties: {} }));
    const fitted = neural.fit(
      { ui: m, userIds, itemIds, side: { items } },
      { als: { factors: 8, iterations: 6 }, candidates: 10, epochs: 1 },
      { seed: 1 },
    ) as FittedModel & { coldItemFactors(t: string[]): Float32Array };
    const v = [0, 1, 2, 3].map((c) => fitted.coldItemFactors([`c:k${c}`]));
    const U = fitted.artifact().userFactors!;
    let right = 0;
    for (let u = 0; u < m.rows; u++) {
      const s = v.map((x) => x.reduce((acc, xk, k) => acc + xk * U[u * 8 + k], 0));
      if (s.indexOf(Math.max(...s)) === userCluster[u]) right++;
    }
    expect(right / m.rows).toBeGreaterThan(0.8);
    // unknown tokens fall back to the intercept (the mean item)
    expect(Array.from(fitted.coldItemFactors(['c:nope']))).toEqual(Array.from(fitted.coldItemFactors([])));
  });
});
