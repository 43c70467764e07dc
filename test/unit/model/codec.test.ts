import { describe, expect, it } from 'vitest';
import { CorruptModelError, decodeModel, encodeModel, FILES } from '../../../shared/model/codec';
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
    expect(() => decodeModel({ ...manifest, counts: { ...manifest.counts, users: 4 } }, files)).toThrow(CorruptModelError);
    const { [FILES.popularity]: _dropped, ...fewer } = manifest.files;
    expect(() => decodeModel({ ...manifest, files: fewer }, files)).toThrow(/not listed/);
  });

  it('rejects a well-hashed file whose CSR points outside the catalog', () => {
    const model = makeModel();
    model.seenIndices[0] = 99;
    expect(() => encodeModel(model)).toThrow(CorruptModelError);
  });
});
