/** The model artifact round-trips bit for bit through its files, whatever the ids and numbers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gramian } from '../../shared/math/linalg';
import { decodeModel, encodeModel } from '../../shared/model/codec';
import type { Model } from '../../shared/model/types';
import { Id } from '../../shared/http/validation';
import { FC } from './fc';

/** Any id the API accepts (unicode, quotes, commas, `#`, `/`, …). */
const id = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => Id.safeParse(s).success);
/** Any float32 bit pattern but NaN (NaN payloads are not a model value): ±0, ±∞, subnormals. */
const f32 = fc.float({ noNaN: true });

const model = fc
  .record({
    users: fc.uniqueArray(id, { maxLength: 6 }),
    items: fc.uniqueArray(id, { minLength: 1, maxLength: 8 }),
    factors: fc.integer({ min: 0, max: 4 }),
    kind: fc.constantFrom('als', 'mf'),
    shipGramian: fc.boolean(),
  })
  .chain((m) =>
    fc.record({
      ...Object.fromEntries(Object.entries(m).map(([k, v]) => [k, fc.constant(v)])),
      userFactors: fc.array(f32, { minLength: m.users.length * m.factors, maxLength: m.users.length * m.factors }),
      itemFactors: fc.array(f32, { minLength: m.items.length * m.factors, maxLength: m.items.length * m.factors }),
      userBias: fc.array(f32, { minLength: m.users.length, maxLength: m.users.length }),
      itemBias: fc.array(f32, { minLength: m.items.length, maxLength: m.items.length }),
      popularity: fc.array(fc.float({ min: 0, noNaN: true }), { minLength: m.items.length, maxLength: m.items.length }),
      seen: fc.array(fc.uniqueArray(fc.nat(m.items.length - 1)), {
        minLength: m.users.length,
        maxLength: m.users.length,
      }),
      globalBias: fc.double({ noNaN: true, noDefaultInfinity: true }),
    }),
  ) as unknown as fc.Arbitrary<Record<string, any>>;

function build(m: Record<string, any>): Model {
  const seen = (m.seen as number[][]).map((row) => [...row].sort((a, b) => a - b));
  const indptr = Int32Array.from([0, ...seen.map((_, u) => seen.slice(0, u + 1).flat().length)]);
  const itemFactors = Float32Array.from(m.itemFactors);
  const out: Model = {
    manifest: {
      formatVersion: 1,
      version: '20260101T000000Z-abcdef',
      createdAt: '2026-01-01T00:00:00.000Z',
      kind: m.kind,
      factors: m.factors,
      hyperParameters: {},
      counts: { users: 0, items: 0, interactions: 0 },
      metrics: {},
      watermark: 0,
      calibration: { a: 1, b: 0 },
      files: {},
    },
    userIds: m.users,
    itemIds: m.items,
    factors: m.factors,
    userFactors: Float32Array.from(m.userFactors),
    itemFactors,
    seenIndptr: indptr,
    seenIndices: Int32Array.from(seen.flat()),
    popularity: Float32Array.from(m.popularity),
  };
  if (m.kind === 'mf') {
    out.userBias = Float32Array.from(m.userBias);
    out.itemBias = Float32Array.from(m.itemBias);
    out.globalBias = m.globalBias;
  }
  // a shipped Gramian must be YᵀY of finite factors (the decoder checks it)
  if (m.shipGramian && m.factors > 0 && itemFactors.every(Number.isFinite)) {
    out.itemGramian = gramian(itemFactors, m.items.length, m.factors);
  }
  return out;
}

const bytes = (a: Float32Array | Int32Array | Float64Array | undefined) =>
  a && Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('model codec (property)', () => {
  it('decode(encode(model)) has the same ids and the same bits in every array', () => {
    fc.assert(
      fc.property(model, (raw) => {
        const m = build(raw);
        const { manifest, files } = encodeModel(m);
        // the store hands back its own copies of the bytes
        const copies = new Map([...files].map(([k, v]) => [k, Uint8Array.from(v)]));
        const d = decodeModel(JSON.parse(JSON.stringify(manifest)), copies);
        expect(d.userIds).toEqual(m.userIds);
        expect(d.itemIds).toEqual(m.itemIds);
        expect(d.factors).toBe(m.factors);
        for (const k of [
          'userFactors',
          'itemFactors',
          'seenIndptr',
          'seenIndices',
          'popularity',
          'userBias',
          'itemBias',
          'itemGramian',
        ] as const) {
          expect(bytes(d[k]), k).toBe(bytes(m[k]));
        }
        expect(d.globalBias).toBe(m.globalBias);
        expect(manifest.counts).toEqual({
          users: m.userIds.length,
          items: m.itemIds.length,
          interactions: m.seenIndices.length,
        });
      }),
      { ...FC, numRuns: Math.ceil(FC.numRuns / 2) },
    );
  });
});
