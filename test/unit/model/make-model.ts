/** A small random model with every optional part, for codec and repository tests. */
import type { Csr } from '../../../shared/math/csr';
import { decodeModel, encodeModel } from '../../../shared/model/codec';
import type { FittedModel } from '../../../shared/model/kinds';
import type { Model, ModelKind } from '../../../shared/model/types';
import type { Dataset } from '../../../shared/training/dataset';
import { UNCALIBRATED, toModel } from '../../../shared/training/fit';

/** A fitted model through the artifact codec and back, as publishing and loading do. */
export function throughCodec(fitted: FittedModel, d: Dataset, ui: Csr) {
  const model = toModel(fitted, d, ui, {
    version: 'v1',
    createdAt: '2026-01-01T00:00:00.000Z',
    metrics: {},
    calibration: UNCALIBRATED,
    popularityHalfLifeDays: Infinity,
  });
  const { manifest, files } = encodeModel(model);
  return { manifest, files, model: decodeModel(manifest, files) };
}

export function makeModel(
  opts: { users?: number; items?: number; factors?: number; kind?: ModelKind; seed?: number; version?: string } = {},
): Model {
  const users = opts.users ?? 5;
  const items = opts.items ?? 7;
  const f = opts.factors ?? 3;
  let s = opts.seed ?? 1;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  const seenIndptr = new Int32Array(users + 1);
  const seen: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) if ((u + i) % 3 === 0) seen.push(i);
    seenIndptr[u + 1] = seen.length;
  }
  const kind = opts.kind ?? 'als';
  const model: Model = {
    manifest: {
      formatVersion: 1,
      version: opts.version ?? '20260101T000000Z-abcdef',
      createdAt: '2026-01-01T00:00:00.000Z',
      kind,
      factors: f,
      hyperParameters: { factors: f },
      counts: { users, items, interactions: seen.length },
      metrics: { ndcg10: 0.3 },
      watermark: 1234,
      calibration: { a: 2, b: -1 },
      files: {},
    },
    // ids with characters that break naive formats: commas, tabs, quotes, unicode
    userIds: Array.from({ length: users }, (_, u) => (u === 0 ? 'user,"0"\t✓' : `u${u}`)),
    itemIds: Array.from({ length: items }, (_, i) => `item-${i}`),
    factors: f,
    userFactors: Float32Array.from({ length: users * f }, rnd),
    itemFactors: Float32Array.from({ length: items * f }, rnd),
    seenIndptr,
    seenIndices: Int32Array.from(seen),
    popularity: Float32Array.from({ length: items }, (_, i) => items - i),
  };
  if (kind === 'mf') {
    model.userBias = Float32Array.from({ length: users }, rnd);
    model.itemBias = Float32Array.from({ length: items }, rnd);
    model.globalBias = 3.5;
  }
  if (kind === 'item-knn') {
    const indptr = new Int32Array(items + 1);
    const indices: number[] = [];
    for (let i = 0; i < items; i++) {
      indices.push((i + 1) % items, (i + 2) % items);
      indptr[i + 1] = indices.length;
    }
    model.neighbors = {
      indptr,
      indices: Int32Array.from(indices),
      weights: Float32Array.from(indices, (_, q) => 1 / (q + 1)),
    };
  }
  return model;
}
