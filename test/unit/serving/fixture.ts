/**
 * A small real model for serving tests: planted-cluster synthetic data through
 * the training pipeline (dataset → ALS → holdout → Platt calibration → refit →
 * artifact), exactly what the Train job publishes. Items of cluster c
 * are i{c}, i{c+clusters}, …, so a test can tell a good recommendation by id.
 */
import { DatasetBuilder } from '../../../shared/training/dataset';
import { trainPipeline } from '../../../shared/training/pipeline';
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
  /** Model kind (default als). */
  kind?: string;
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
  const builder = new DatasetBuilder();
  // synthetic times are in 2024: anything a test writes now is newer than the model
  for (const t of data.triples) builder.addOne(t.userId, t.itemId, t.weight, t.timestamp, t.timestamp);
  const version = opts.version ?? `20260101T000000Z-${(opts.seed ?? 7).toString(16).padStart(6, '0')}`;
  const kind = opts.kind ?? 'als';
  const params: Record<string, Record<string, unknown>> = {
    als: { factors: f, iterations: 8, regularization: 0.1, alpha: 2 },
    mf: { factors: f, epochs: 20, clip: null },
    'item-knn': { k: 30 },
    'user-knn': { k: 30 },
  };
  const { model } = trainPipeline(builder.build(), {
    kind,
    params: params[kind] ?? {},
    tune: false,
    budgetSeconds: 60,
    seed: opts.seed ?? 7,
    split: 'user',
    evaluate: true,
    version,
    createdAt: new Date().toISOString(),
  });
  return { model, data, clusters, clusterOfItem: (id) => Number(id.slice(1)) % clusters };
}

let n = 0;
/** An interaction as ingest stores it. */
export function event(
  userId: string,
  itemId: string,
  type: Interaction['type'] = 'click',
  receivedAt = Date.now(),
): Interaction {
  n++;
  return { eventId: `e${n}-${receivedAt}`, userId, itemId, type, timestamp: receivedAt - 1000 + n, receivedAt };
}
