import { describe, expect, it } from 'vitest';
import { CorruptModelError, decodeModel, encodeModel, FILES, sha256 } from '../../../shared/model/codec';
import { gramian } from '../../../shared/math/linalg';
import { makeModel } from './make-model';

function roundTrip(kind: 'als' | 'mf' | 'item-knn') {
  const model = makeModel({ kind });
  const { manifest, files } = encodeModel(model);
  return { model, manifest, files, decoded: decodeModel(manifest, files) };
}

describe('model codec', () => {
  it.each(['als', 'mf', 'item-knn'] as const)('round-trips a %s model bit for bit', (kind) => {
    const { model, manifest, decoded } = roundTrip(kind);
    expect(decoded.userIds).toEqual(model.userIds);
    expect(decoded.itemIds).toEqual(model.itemIds);
    expect(decoded.userFactors).toEqual(model.userFactors);
    expect(decoded.itemFactors).toEqual(model.itemFactors);
    expect(decoded.seenIndptr).toEqual(model.seenIndptr);
    expect(decoded.seenIndices).toEqual(model.seenIndices);
    expect(decoded.popularity).toEqual(model.popularity);
    expect(decoded.userBias).toEqual(model.userBias);
    expect(decoded.itemBias).toEqual(model.itemBias);
    expect(decoded.globalBias).toEqual(model.globalBias);
    expect(decoded.neighbors).toEqual(model.neighbors);
    expect(manifest.counts).toEqual({ users: 5, items: 7, interactions: model.seenIndices.length });
    for (const [name, entry] of Object.entries(manifest.files)) expect(entry.sha256, name).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes little-endian float32 row-major factors', () => {
    const { model, files } = roundTrip('als');
    const bytes = files.get(FILES.userFactors)!;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(dv.getFloat32(4 * 4, true)).toBe(model.userFactors[4]);
  });

  it('decodes views without copying when aligned, and copies misaligned bytes', () => {
    const { manifest, files } = roundTrip('als');
    const raw = files.get(FILES.itemFactors)!;
    const aligned = new Uint8Array(new ArrayBuffer(raw.byteLength + 8), 4, raw.byteLength);
    aligned.set(raw);
    const misaligned = new Uint8Array(new ArrayBuffer(raw.byteLength + 8), 1, raw.byteLength);
    misaligned.set(raw);
    const a = decodeModel(manifest, new Map(files).set(FILES.itemFactors, aligned));
    expect(a.itemFactors.buffer).toBe(aligned.buffer);
    const m = decodeModel(manifest, new Map(files).set(FILES.itemFactors, misaligned));
    expect(m.itemFactors.buffer).not.toBe(misaligned.buffer);
    expect(m.itemFactors).toEqual(a.itemFactors);
  });

  it('rejects a flipped byte, a truncated file and a missing file', () => {
    const { manifest, files } = roundTrip('als');
    const flipped = new Uint8Array(files.get(FILES.itemFactors)!);
    flipped[5] ^= 0x01;
    expect(() => decodeModel(manifest, new Map(files).set(FILES.itemFactors, flipped))).toThrow(/sha256/);
    const truncated = files.get(FILES.seenIndices)!.subarray(0, 8);
    expect(() => decodeModel(manifest, new Map(files).set(FILES.seenIndices, truncated))).toThrow(CorruptModelError);
    const missing = new Map(files);
    missing.delete(FILES.popularity);
    expect(() => decodeModel(manifest, missing)).toThrow(/popularity.f32: missing/);
  });

  it('rejects a tampered manifest whose shapes disagree with the files', () => {
    const { manifest, files } = roundTrip('als');
    expect(() => decodeModel({ ...manifest, factors: 2 }, files)).toThrow(CorruptModelError);
    expect(() => decodeModel({ ...manifest, counts: { ...manifest.counts, users: 4 } }, files)).toThrow(
      CorruptModelError,
    );
    const { [FILES.popularity]: _dropped, ...fewer } = manifest.files;
    expect(() => decodeModel({ ...manifest, files: fewer }, files)).toThrow(/not listed/);
  });

  it('rejects a well-hashed file whose CSR points outside the catalog', () => {
    const model = makeModel();
    model.seenIndices[0] = 99;
    expect(() => encodeModel(model)).toThrow(CorruptModelError);
  });

  describe('shipped YᵀY (item_gramian.f64, optional)', () => {
    const withGramian = () => {
      const model = makeModel({ items: 9, factors: 4 });
      model.itemGramian = gramian(model.itemFactors, 9, 4);
      return { model, ...encodeModel(model) };
    };
    /** Files and manifest with the Gramian replaced by `g`, re-hashed (a well-formed but wrong artifact). */
    const replaced = (
      manifest: ReturnType<typeof withGramian>['manifest'],
      files: Map<string, Uint8Array>,
      g: Float64Array,
    ) => {
      const bytes = new Uint8Array(g.buffer, g.byteOffset, g.byteLength).slice();
      const entry = { sha256: sha256(bytes), bytes: bytes.byteLength };
      return {
        manifest: { ...manifest, files: { ...manifest.files, [FILES.itemGramian]: entry } },
        files: new Map(files).set(FILES.itemGramian, bytes),
      };
    };

    it('round-trips bit for bit, listed in the manifest like every file', () => {
      const { model, manifest, files } = withGramian();
      expect(manifest.files[FILES.itemGramian]).toEqual({
        sha256: sha256(files.get(FILES.itemGramian)!),
        bytes: 4 * 4 * 8,
      });
      expect(decodeModel(manifest, files).itemGramian).toEqual(model.itemGramian);
    });

    it('is optional: an artifact without it (older trainings) still loads', () => {
      const { manifest, files } = encodeModel(makeModel());
      expect(FILES.itemGramian in manifest.files).toBe(false);
      expect(decodeModel(manifest, files).itemGramian).toBeUndefined();
    });

    it('rejects a flipped byte, a truncated file and a file missing from the store', () => {
      const { manifest, files } = withGramian();
      const flipped = new Uint8Array(files.get(FILES.itemGramian)!);
      flipped[9] ^= 0x10;
      expect(() => decodeModel(manifest, new Map(files).set(FILES.itemGramian, flipped))).toThrow(
        /item_gramian.f64: sha256/,
      );
      expect(() => decodeModel(manifest, new Map(files).set(FILES.itemGramian, flipped.subarray(0, 64)))).toThrow(
        /item_gramian.f64: 64 bytes/,
      );
      const missing = new Map(files);
      missing.delete(FILES.itemGramian);
      expect(() => decodeModel(manifest, missing)).toThrow(/item_gramian.f64: missing/);
    });

    it('rejects a well-hashed Gramian of the wrong shape, asymmetric, non-finite or of other factors', () => {
      const { model, manifest, files } = withGramian();
      const g = model.itemGramian!;
      const bad = (mutate: (x: Float64Array) => Float64Array) => {
        const r = replaced(manifest, files, mutate(Float64Array.from(g)));
        return () => decodeModel(r.manifest, r.files);
      };
      expect(bad((x) => x.subarray(0, 9))).toThrow(/item gramian: 9 values/);
      expect(bad((x) => ((x[1] += 1), x))).toThrow(/symmetric/);
      expect(bad((x) => ((x[5] = NaN), x))).toThrow(/finite/);
      expect(bad(() => gramian(makeModel({ items: 9, factors: 4, seed: 5 }).itemFactors, 9, 4))).toThrow(/diagonal/);
      // and the encoder refuses to write one that does not belong to the factors
      expect(() => encodeModel({ ...model, itemGramian: new Float64Array(16) })).toThrow(CorruptModelError);
    });
  });
});
