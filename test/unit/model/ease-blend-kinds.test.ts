import { describe, expect, it } from 'vitest';
import { CorruptModelError, decodeModel } from '../../../shared/model/codec';
import { kindSpec, loadFitted, type FittedModel } from '../../../shared/model/kinds';
import type { FittedEase } from '../../../shared/model/kinds/ease';
import { DatasetBuilder, pairsToCsr } from '../../../shared/training/dataset';
import { fitKind } from '../../../shared/training/fit';
import { trainEase } from '../../../shared/math/ease';
import { syntheticInteractions } from '../training/data';
import { throughCodec } from './make-model';

const builder = new DatasetBuilder();
builder.add(syntheticInteractions({ users: 120, items: 60, seed: 5 }));
const d = builder.build();
const ui = pairsToCsr(d);

const roundTrip = (fitted: FittedModel) => throughCodec(fitted, d, ui);

const scores = (m: FittedModel, u: number) => {
  const out = new Float32Array(m.items);
  m.user(u).scoreAll(out);
  return out;
};
const rowOf = (u: number) => ({
  itemIdx: ui.indices.slice(ui.indptr[u], ui.indptr[u + 1]),
  weights: Float64Array.from(ui.data.subarray(ui.indptr[u], ui.indptr[u + 1])),
});

describe('ease kind', () => {
  const fitted = fitKind('ease', { lambda: 20 }, ui, d);
  const { manifest, files, model } = roundTrip(fitted);
  const loaded = loadFitted(model);

  it('ships B as its own checksummed file and serves it back exactly', () => {
    expect(manifest.kind).toBe('ease');
    expect(manifest.files['ease_weights.f32'].bytes).toBe(4 * 60 * 60);
    const direct = trainEase(ui, { lambda: 20 });
    expect(model.parts!['ease_weights.f32']).toEqual(direct.weights);
    for (const u of [0, 17, 99]) expect(Array.from(scores(loaded, u))).toEqual(Array.from(scores(fitted, u)));
    const bad = new Map(files).set('ease_weights.f32', new Uint8Array(8));
    expect(() => decodeModel(manifest, bad)).toThrow(/ease_weights.f32/);
  });

  it('a user is their row × B: a folded-in history equals the stored user, score(i) equals scoreAll', () => {
    const s = loaded.user(9);
    const all = scores(loaded, 9);
    const folded = new Float32Array(loaded.items);
    loaded.foldIn!(rowOf(9))!.scoreAll(folded);
    expect(Array.from(folded)).toEqual(Array.from(all));
    for (const i of [0, 30, 59]) expect(s.score(i)).toBeCloseTo(all[i], 5);
  });

  it('explains from the history items that carry the score, and similar items come from B’s column', () => {
    const h = rowOf(9);
    const all = scores(loaded, 9);
    for (const i of h.itemIdx) all[i] = -Infinity;
    const target = all.indexOf(Math.max(...all));
    const parts = loaded.foldIn!(h)!.explain!(target, 3);
    expect(parts.length).toBeGreaterThan(0);
    const B = model.parts!['ease_weights.f32'] as Float32Array;
    for (const p of parts) {
      expect(Array.from(h.itemIdx)).toContain(p.itemIndex);
      expect(p.weight).toBeCloseTo(B[p.itemIndex * 60 + target], 6);
    }
    const sim = new Float32Array(60);
    loaded.similarItems!(4, sim);
    expect(sim[4]).toBe(-Infinity);
    expect(sim[7]).toBe(B[7 * 60 + 4]);
  });

  it('a pruned model ships sparse rows and is served from them: same scores, similar, explain, no n² copy', () => {
    const pruned = fitKind('ease', { lambda: 20, pruneTop: 10 }, ui, d);
    const rt = roundTrip(pruned);
    expect(rt.manifest.files['ease_weights.f32']).toBeUndefined();
    expect(rt.manifest.files['ease_values.f32'].bytes).toBe(4 * 60 * 10);
    const served = loadFitted(rt.model) as FittedEase;
    expect(served.model.weights).toBeUndefined();
    expect(Array.from(scores(served, 3))).toEqual(Array.from(scores(pruned, 3)));
    // the dense reference: B with every dropped weight 0
    const B = new Float32Array(60 * 60);
    const sp = served.model.sparse!;
    for (let i = 0; i < 60; i++)
      for (let p = sp.indptr[i]; p < sp.indptr[i + 1]; p++) B[i * 60 + sp.indices[p]] = sp.values[p];
    const sim = new Float32Array(60);
    served.similarItems(4, sim);
    for (let i = 0; i < 60; i++) expect(sim[i]).toBe(i === 4 ? -Infinity : B[i * 60 + 4]);
    const h = rowOf(9);
    const s = served.foldIn(h)!;
    const all = scores(served, 9);
    for (const t of [0, 31, 59]) expect(s.score(t)).toBeCloseTo(all[t], 5);
    for (const p of s.explain!(31, 3)) expect(p.weight).toBe(B[p.itemIndex * 60 + 31]);
    // easeWeight's binary search needs ascending columns in a row: a shuffled row is refused
    const bad = Int32Array.from(sp.indices);
    [bad[0], bad[1]] = [bad[1], bad[0]];
    expect(() => loadFitted({ ...rt.model, parts: { ...rt.model.parts, 'ease_indices.i32': bad } })).toThrow(
      CorruptModelError,
    );
  });

  it('refuses an artifact whose weights do not fit, and is not offered above the item limit', () => {
    expect(() => loadFitted({ ...model, parts: { 'ease_weights.f32': new Float32Array(10) } })).toThrow(
      CorruptModelError,
    );
    expect(() => loadFitted({ ...model, parts: {} })).toThrow(CorruptModelError);
    const spec = kindSpec('ease');
    expect(spec.infeasible!({ users: 10, items: 60, interactions: 100 })).toBeNull();
    expect(spec.infeasible!({ users: 10, items: 1_000_000, interactions: 100 })).toMatch(/above EASE's \d+-item limit/);
  });
});

describe('blend kind', () => {
  const params = { weight: 0.6, als: { factors: 8, iterations: 4 }, ease: { lambda: 20 } };
  const fitted = fitKind('blend', { seed: 1, ...params }, ui, d);
  const { manifest, model } = roundTrip(fitted);
  const loaded = loadFitted(model);

  it('carries both models and scores w·z(ALS) + (1 − w)·z(EASE) after a round trip', () => {
    expect(manifest.kind).toBe('blend');
    expect(manifest.files['item_factors.f32']).toBeDefined();
    expect(manifest.files['ease_weights.f32']).toBeDefined();
    expect(manifest.foldIn).toBeDefined();
    const a = fitKind('als', { seed: 1, factors: 8, iterations: 4 }, ui, d);
    const e = fitKind('ease', { lambda: 20 }, ui, d);
    const z = (v: Float32Array) => {
      const m = v.reduce((s, x) => s + x, 0) / v.length;
      const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length);
      return Array.from(v, (x) => (x - m) / sd);
    };
    const za = z(scores(a, 5));
    const ze = z(scores(e, 5));
    const got = scores(loaded, 5);
    for (let i = 0; i < 60; i++) expect(got[i]).toBeCloseTo(0.6 * za[i] + 0.4 * ze[i], 4);
    expect(Array.from(got)).toEqual(Array.from(scores(fitted, 5)));
  });

  it('folds in, explains and finds similar items', () => {
    const h = rowOf(2);
    const s = loaded.foldIn!(h)!;
    const out = new Float32Array(60);
    s.scoreAll(out);
    expect(s.score(11)).toBe(out[11]);
    for (const i of h.itemIdx) out[i] = -Infinity;
    const top = out.indexOf(Math.max(...out));
    for (const p of s.explain!(top, 3)) expect(Array.from(h.itemIdx)).toContain(p.itemIndex);
    const sim = new Float32Array(60);
    loaded.similarItems!(4, sim);
    expect(sim[4]).toBe(-Infinity);
    expect(sim.some((x) => x > 0)).toBe(true);
  });

  it('its tuner returns fittable params: the ALS half, the EASE half and the weight, all from validation', () => {
    const r = kindSpec('blend').tune!(
      { ui, userIds: d.userIds, itemIds: d.itemIds },
      { seed: 2, maxTrials: 2, budgetSeconds: 600 },
    );
    const p = r.params as { weight: number; als: { factors: number }; ease: { lambda: number } };
    expect(p.weight).toBeGreaterThanOrEqual(0);
    expect(p.weight).toBeLessThanOrEqual(1);
    expect(p.als.factors).toBeGreaterThan(0);
    expect(p.ease.lambda).toBeGreaterThan(0);
    expect(r.metric).toBeGreaterThan(0);
    expect(fitKind('blend', { seed: 2, ...r.params }, ui, d).kind).toBe('blend');
  });
});
