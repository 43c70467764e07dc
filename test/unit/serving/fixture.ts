/**
 * A small real model for serving tests: planted-cluster synthetic data, iALS
 * from shared/math, the artifact shape the codec publishes. Items of cluster c
 * are i{c}, i{c+clusters}, …, so a test can tell a good recommendation by id.
 */
import { DEFAULT_ALS_PARAMS, trainAls, type AlsParams } from '../../../shared/math/als';
import { buildInteractionMatrix } from '../../../shared/math/interactions';
import { popularityFromCsr } from '../../../shared/math/popularity';
import { generateSynthetic, type SyntheticData } from '../../../shared/math/synthetic';
import type { Interaction } from '../../../shared/events';
import type { Model } from '../../../shared/model/types';

export interface FixtureOptions {
  users?: number;
  items?: number;
  clusters?: number;
  factors?: number;
  seed?: number;
  version?: string;
  /** Training watermark (epoch ms); events received later are "fresh". */
  watermark?: number;
}

export interface Fixture {
  model: Model;
  data: SyntheticData;
  clusters: number;
  clusterOfItem(itemId: string): number;
}

export function trainFixture(opts: FixtureOptions = {}): Fixture {
  const users = opts.users ?? 300;
  const items = opts.items ?? 120;
  const clusters = opts.clusters ?? 4;
  const f = opts.factors ?? 16;
  const data = generateSynthetic({ users, items, clusters, eventsPerUser: 12, seed: opts.seed ?? 7, affinity: 0.9 });
  const m = buildInteractionMatrix(data.triples);
  const params: AlsParams = { ...DEFAULT_ALS_PARAMS, factors: f, iterations: 8, regularization: 0.1, alpha: 2, seed: opts.seed ?? 7 };
  const als = trainAls(m.matrix, params);
  const version = opts.version ?? `20260101T000000Z-${(opts.seed ?? 7).toString(16).padStart(6, '0')}`;
  const model: Model = {
    manifest: {
      formatVersion: 1,
      version,
      createdAt: new Date().toISOString(),
      kind: 'als',
      factors: f,
      hyperParameters: { ...params },
      counts: { users: m.userIds.length, items: m.itemIds.length, interactions: m.matrix.indptr[m.matrix.rows] },
      metrics: {},
      watermark: opts.watermark ?? Date.now(),
      calibration: { a: 4, b: -2 },
      foldIn: {
        regularization: params.regularization,
        alpha: params.alpha,
        confidence: params.confidence,
        epsilon: params.epsilon,
        unobservedWeight: params.unobservedWeight,
        regularizationExponent: params.regularizationExponent,
      },
      files: {},
    },
    userIds: m.userIds,
    itemIds: m.itemIds,
    factors: f,
    userFactors: als.userFactors,
    itemFactors: als.itemFactors,
    seenIndptr: m.matrix.indptr,
    seenIndices: m.matrix.indices,
    popularity: popularityFromCsr(m.matrix),
  };
  return { model, data, clusters, clusterOfItem: (id) => Number(id.slice(1)) % clusters };
}

let n = 0;
/** An interaction as ingest stores it. */
export function event(userId: string, itemId: string, type: Interaction['type'] = 'click', receivedAt = Date.now()): Interaction {
  n++;
  return { eventId: `e${n}-${receivedAt}`, userId, itemId, type, timestamp: receivedAt - 1000 + n, receivedAt };
}
