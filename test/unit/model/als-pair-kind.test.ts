import { describe, expect, it } from 'vitest';
import { CorruptModelError, decodeModel, PAIR_USER_FACTORS_FILE, USER_SIDE_FILES } from '../../../shared/model/codec';
import { kindSpec, loadFitted } from '../../../shared/model/kinds';
import { PAIR_FILES } from '../../../shared/model/kinds/als-pair';
import { ratingMember } from '../../../shared/math/als-pair';
import { DEFAULT_ALS_PARAMS } from '../../../shared/math/als';
import { DatasetBuilder, pairsToCsr } from '../../../shared/training/dataset';
import { fitKind } from '../../../shared/training/fit';
import { syntheticInteractions } from '../training/data';
import { throughCodec } from './make-model';

const builder = new DatasetBuilder();
builder.add(syntheticInteractions({ users: 120, items: 60, seed: 5 }));
const d = builder.build();
const ui = pairsToCsr(d);

const scores = (s: { scoreAll(out: Float32Array): void }) => {
  const out = new Float32Array(60);
  s.scoreAll(out);
  return out;
};
const z = (v: Float32Array) => {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length);
  return Array.from(v, (x) => (x - m) / sd);
};
const rowOf = (u: number) => ({
  itemIdx: ui.indices.slice(ui.indptr[u], ui.indptr[u + 1]),
  weights: Float64Array.from(ui.data.subarray(ui.indptr[u], ui.indptr[u + 1])),
});

describe('als-pair kind', () => {
  // small members so the test is quick; b keeps the rating member's confidence, α0 and λ
  const a = { factors: 8, iterations: 4 };
  const b = { ...ratingMember({ ...DEFAULT_ALS_PARAMS, ...a }), factors: 6, iterations: 4 };
  const fitted = fitKind('als-pair', { seed: 1, a, b }, ui, d);
  const { manifest, files, model } = throughCodec(fitted, d, ui);
  const loaded = loadFitted(model);
  const alsA = fitKind('als', { seed: 1, ...a }, ui, d);
  const alsB = fitKind('als', { ...b }, ui, d);

  it('scores the mean of the two ALS fits’ per-user z-scores, the same after a round trip', () => {
    expect(manifest.kind).toBe('als-pair');
    expect(manifest.factors).toBe(8);
    expect(manifest.files[PAIR_FILES.itemFactors].bytes).toBe(4 * 60 * 6);
    expect(manifest.files[PAIR_FILES.gramian].bytes).toBe(8 * 6 * 6);
    expect(manifest.files[PAIR_USER_FACTORS_FILE].bytes).toBe(4 * d.userIds.length * 6);
    for (const u of [0, 7, 99]) {
      const za = z(scores(alsA.user(u)));
      const zb = z(scores(alsB.user(u)));
      const got = scores(loaded.user(u));
      for (let i = 0; i < 60; i++) expect(got[i]).toBeCloseTo(0.5 * za[i] + 0.5 * zb[i], 4);
      expect(Array.from(got)).toEqual(Array.from(scores(fitted.user(u))));
    }
  });

  it('folds a history into each side with that side’s own parameters, explains from side a', () => {
    const h = rowOf(3);
    const s = loaded.foldIn!(h)!;
    const za = z(scores(alsA.foldIn!(h)!));
    const zb = z(scores(alsB.foldIn!(h)!));
    const got = scores(s);
    for (let i = 0; i < 60; i++) expect(got[i]).toBeCloseTo(0.5 * za[i] + 0.5 * zb[i], 4);
    expect(s.score(11)).toBe(got[11]);
    for (const i of h.itemIdx) got[i] = -Infinity;
    const top = got.indexOf(Math.max(...got));
    expect(s.explain!(top, 3)).toEqual(alsA.foldIn!(h)!.explain!(top, 3));
    const sim = new Float32Array(60);
    loaded.similarItems!(4, sim);
    expect(sim[4]).toBe(-Infinity);
    expect(sim.some((x) => x > 0)).toBe(true);
  });

  it('a reader that omits the user side omits both sides’ user factors and still folds users in', () => {
    const omitted = new Set(USER_SIDE_FILES);
    const kept = new Map([...files].filter(([n]) => !omitted.has(n)));
    const slim = loadFitted(decodeModel(manifest, kept, { omitted }));
    expect(slim.users).toBe(0);
    expect(Array.from(scores(slim.foldIn!(rowOf(3))!))).toEqual(Array.from(scores(loaded.foldIn!(rowOf(3))!)));
  });

  it('refuses side-b files that do not fit the catalog or its factors', () => {
    const parts = model.parts!;
    const broken = (name: string, value: unknown) => ({ ...model, parts: { ...parts, [name]: value } });
    expect(() => loadFitted(broken(PAIR_FILES.itemFactors, new Float32Array(60 * 5)))).toThrow(CorruptModelError);
    expect(() => loadFitted(broken(PAIR_FILES.gramian, new Float64Array(5)))).toThrow(/side b/);
    expect(() => loadFitted(broken(PAIR_USER_FACTORS_FILE, new Float32Array(3)))).toThrow(/side b/);
    const noB = { ...model, parts: {} };
    expect(() => loadFitted(noB)).toThrow(CorruptModelError);
  });

  it('its defaults pair ALS’s data-scaled defaults with the rating member', () => {
    const p = kindSpec('als-pair').defaults({ users: 120, items: 60, interactions: ui.indptr[120] }) as {
      a: typeof DEFAULT_ALS_PARAMS;
      b: typeof DEFAULT_ALS_PARAMS;
    };
    expect(p.b).toEqual(ratingMember(p.a));
    expect(p.b.confidence).toBe('linear');
    expect(p.b.unobservedWeight).toBe(100);
  });
});
