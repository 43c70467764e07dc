import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, CorruptModelError } from '../../../shared/model/codec';
import { findKind, kindNames, kindSpec, loadFitted, type FittedModel } from '../../../shared/model/kinds';
import { DatasetBuilder, pairsToCsr } from '../../../shared/training/dataset';
import { UNCALIBRATED, fitKind, toModel } from '../../../shared/training/fit';
import { syntheticInteractions } from '../training/data';

const builder = new DatasetBuilder();
builder.add(syntheticInteractions({ users: 60, items: 30, seed: 3 }));
const d = builder.build();
const ui = pairsToCsr(d);
const PARAMS: Record<string, Record<string, unknown>> = {
  als: { factors: 8, iterations: 4 },
  mf: { factors: 4, epochs: 5, clip: null },
  'item-knn': { k: 10 },
  'user-knn': { k: 10 },
  popular: {},
  neural: { als: { factors: 8, iterations: 4 }, candidates: 10, epochs: 2 },
  'als-pair': { a: { factors: 8, iterations: 4 }, b: { factors: 6, iterations: 4 } },
};

function artifactOf(fitted: FittedModel) {
  const model = toModel(fitted, d, ui, {
    version: 'v1',
    createdAt: '2026-01-01T00:00:00.000Z',
    metrics: {},
    calibration: UNCALIBRATED,
    popularityHalfLifeDays: Infinity,
  });
  const { manifest, files } = encodeModel(model);
  return decodeModel(manifest, files);
}

const scoresOf = (m: FittedModel, u: number) => {
  const out = new Float32Array(m.items);
  m.user(u).scoreAll(out);
  return out;
};

describe('model kinds', () => {
  it('the registry names every built-in kind', () => {
    expect(kindNames()).toEqual([
      'als',
      'mf',
      'item-knn',
      'user-knn',
      'popular',
      'ease',
      'blend',
      'neural',
      'als-pair',
    ]);
    expect(findKind('ease-not-yet')).toBeUndefined();
    expect(() => kindSpec('nope')).toThrow(/unknown model kind "nope"/);
  });

  for (const kind of kindNames()) {
    it(`${kind}: a loaded artifact scores exactly like the fitted model, and answers what it claims`, () => {
      const fitted = fitKind(kind, { seed: 1, ...PARAMS[kind] }, ui, d);
      expect(fitted.kind).toBe(kind);
      const loaded = loadFitted(artifactOf(fitted));
      const caps = loaded.capabilities;
      expect(caps).toEqual(fitted.capabilities);
      for (const u of [0, 7, 33]) {
        const a = scoresOf(fitted, u);
        // popular's artifact ships time-decayed popularity; with an infinite half-life it is the plain count
        expect(Array.from(scoresOf(loaded, u))).toEqual(Array.from(a));
        const s = loaded.user(u);
        for (const i of [0, 5, 29]) expect(s.score(i)).toBeCloseTo(a[i], 4);
      }
      expect(Boolean(loaded.foldIn)).toBe(caps.foldIn);
      expect(Boolean(loaded.similarItems)).toBe(caps.similarItems);
      expect(Boolean(loaded.predictRating)).toBe(caps.ratings);
      if (caps.similarItems) {
        const out = new Float32Array(loaded.items);
        loaded.similarItems!(2, out);
        expect(out.some((x) => x > 0)).toBe(true);
      }
      if (caps.foldIn) {
        // a user's own training row folded in ranks like their stored row (top item of each in the other's top 5)
        const h = {
          itemIdx: ui.indices.slice(ui.indptr[4], ui.indptr[5]),
          weights: Float64Array.from(ui.data.subarray(ui.indptr[4], ui.indptr[5])),
        };
        const folded = new Float32Array(loaded.items);
        loaded.foldIn!(h)!.scoreAll(folded);
        const stored = scoresOf(loaded, 4);
        for (const i of h.itemIdx) folded[i] = stored[i] = -Infinity;
        const top = (x: Float32Array) =>
          Array.from(x.keys())
            .sort((p, q) => x[q] - x[p])
            .slice(0, 5);
        expect(top(folded)).toContain(top(stored)[0]);
        expect(loaded.foldIn!({ itemIdx: new Int32Array(0), weights: new Float64Array(0) })).toBeNull();
        if (caps.explain) {
          const parts = loaded.foldIn!(h)!.explain!(top(folded)[0], 3);
          expect(parts.length).toBeGreaterThan(0);
          for (const p of parts) expect(Array.from(h.itemIdx)).toContain(p.itemIndex);
        }
      }
    });
  }

  it("an artifact of a kind this build does not know, or missing its kind's arrays, is corrupt", () => {
    const fitted = fitKind('item-knn', { k: 5 }, ui, d);
    const m = artifactOf(fitted);
    expect(() => loadFitted({ ...m, manifest: { ...m.manifest, kind: 'ease' } })).toThrow(CorruptModelError);
    expect(() => loadFitted({ ...m, neighbors: undefined })).toThrow(CorruptModelError);
    expect(() => loadFitted({ ...m, manifest: { ...m.manifest, kind: 'als' } })).toThrow(CorruptModelError);
  });

  it("a kind's own files round-trip through the codec with sha256 and length checks", () => {
    const fitted = fitKind('popular', {}, ui, d);
    const m = toModel(fitted, d, ui, {
      version: 'v',
      createdAt: '2026-01-01T00:00:00.000Z',
      metrics: {},
      calibration: UNCALIBRATED,
      popularityHalfLifeDays: 14,
    });
    m.parts = {
      'ease_weights.f32': Float32Array.of(1, 2, 3),
      'vocab.json': { genres: ['a', 'b'] },
      'layers.f64': Float64Array.of(0.5),
    };
    const { manifest, files } = encodeModel(m);
    expect(manifest.files['ease_weights.f32'].bytes).toBe(12);
    const back = decodeModel(manifest, files);
    expect(back.parts).toEqual(m.parts);
    const bad = new Map(files).set('ease_weights.f32', Uint8Array.of(1, 2, 3, 4));
    expect(() => decodeModel(manifest, bad)).toThrow(/ease_weights.f32/);
    expect(() => encodeModel({ ...m, parts: { 'x.f32': Int32Array.of(1) } })).toThrow(/cannot hold/);
    expect(() => encodeModel({ ...m, parts: { 'item_factors.f32': Float32Array.of(1) } })).toThrow(
      /not a free file name/,
    );
  });

  it('generic tuning reads the search space, never worse than the defaults on validation', async () => {
    const { randomSearch } = await import('../../../shared/model/kinds/tune');
    const spec = kindSpec('item-knn');
    const r = randomSearch(
      spec,
      { ui, userIds: d.userIds, itemIds: d.itemIds },
      { seed: 1, maxTrials: 4, budgetSeconds: 60 },
    );
    expect(r.log.length).toBe(4);
    expect(r.metric).toBeGreaterThanOrEqual((r.log[0].ndcg10 as number) - 1e-4);
  });
});
