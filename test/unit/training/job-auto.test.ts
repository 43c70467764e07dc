/** The scheduled job's ATTUNE_MODEL_KIND (auto included) and the configured rating range in training and fold-in. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../shared/config';
import type { Interaction } from '../../../shared/events';
import { loadLatestModel } from '../../../shared/model/repository';
import { summarizeEvents } from '../../../shared/serving/history';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { DatasetBuilder } from '../../../shared/training/dataset';
import { runTrainingJob } from '../../../shared/training/job';
import { readSnapshot } from '../../../shared/training/snapshot/repository';
import { syntheticInteractions } from './data';

const P = 'models/';
const quiet = { info: () => {}, warn: () => {} };
const env = (extra: Record<string, string> = {}) =>
  loadConfig({ ATTUNE_TABLE: 't', ATTUNE_TRAIN_BUDGET_SECONDS: '20', ATTUNE_TUNE: 'false', ...extra });

const rating = (userId: string, itemId: string, value: number, at: number): Interaction => ({
  eventId: `${userId}-${itemId}-${at}`,
  userId,
  itemId,
  type: 'rating',
  value,
  timestamp: at,
  receivedAt: at,
});

afterEach(() => vi.restoreAllMocks());

describe('ATTUNE_MODEL_KIND', () => {
  it('defaults to als (today’s job) and refuses kinds the job does not train', () => {
    expect(env().modelKind).toBe('als');
    expect(env({ ATTUNE_MODEL_KIND: 'auto' }).modelKind).toBe('auto');
    expect(() => env({ ATTUNE_MODEL_KIND: 'svd' })).toThrow(/ATTUNE_MODEL_KIND must be one of als, auto, ease, blend/);
  });

  it('auto: the job chooses on the training part, publishes the winner, then gates the next run against it', async () => {
    const store = new MemoryTrainingStore(syntheticInteractions({ receivedAt: Date.UTC(2026, 0, 10) }));
    const models = new MemoryModelStore();
    const config = env({ ATTUNE_MODEL_KIND: 'auto' });
    const first = await runTrainingJob({ store, models, prefix: P, config, logger: quiet });
    expect(first.decision).toBe('published');
    expect(first.metrics?.ndcg10).toBeGreaterThan(0.2);
    const m = (await loadLatestModel(models, P))!.manifest;
    const auto = (m.tuning as { auto: { chosen: string; candidates: { kind: string }[] } }).auto;
    expect(['als', 'ease', 'blend', 'als-pair']).toContain(m.kind);
    expect(auto.chosen).toBe(m.kind);
    expect(auto.candidates.map((c) => c.kind).sort()).toEqual(['als', 'als-pair', 'blend', 'ease']);

    // new data: the served kind (whatever auto chose) is refit as the gate's baseline on the same holdout
    store.addEvents(
      syntheticInteractions({ seed: 8, receivedAt: m.watermark + 1 }).map((e) => ({ ...e, eventId: `n${e.eventId}` })),
    );
    const second = await runTrainingJob({ store, models, prefix: P, config, logger: quiet });
    expect(['published', 'rejected']).toContain(second.decision);
    expect(second.baselineNdcg10).toBeGreaterThan(0);
  });
});

describe('the configured rating range (ATTUNE_RATING_MAX=10)', () => {
  const range = env({ ATTUNE_RATING_MAX: '10' }).ratingRange;

  it('a rating of 10 weighs 10 in training, not 5; the default range still clamps to 5', () => {
    const weightOf = (b: DatasetBuilder) => {
      b.add([rating('u1', 'i1', 10, 1)]);
      return b.build().pairWeight[0];
    };
    expect(weightOf(new DatasetBuilder(new Set(), undefined, range))).toBe(10);
    expect(weightOf(new DatasetBuilder())).toBe(5);
  });

  it('the job reads its events with the range of its config', async () => {
    const store = new MemoryTrainingStore([rating('u1', 'i1', 10, 1), rating('u2', 'i1', 7.5, 2)]);
    const config = env({ ATTUNE_RATING_MAX: '10' });
    const models = new MemoryModelStore();
    await runTrainingJob({ store, models, prefix: P, config, logger: quiet });
    // the job's data is the training snapshot it wrote (shared/training/snapshot)
    const snap = (await readSnapshot(models, 'training/'))!.snapshot;
    expect([...snap.pairWeight]).toEqual([10, 7.5]);
  });

  it('a rating of 10 weighs 10 in fold-in, not 5', () => {
    const items = new Map([['i1', 0]]);
    const folded = summarizeEvents([rating('u1', 'i1', 10, 1)], items, 0, range);
    expect(Array.from(folded.history.weights)).toEqual([10]);
    expect(Array.from(summarizeEvents([rating('u1', 'i1', 10, 1)], items, 0).history.weights)).toEqual([5]);
  });
});
