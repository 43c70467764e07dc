/**
 * The training job and A/B experiments (shared/training/variant-kinds.ts): a kind
 * the running experiment names is fitted beside the winner and published to its
 * channel without moving latest; a kind nobody has fitted yet is reason to train;
 * a version an experiment pins survives retention.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config';
import type { Experiment, Variant } from '../../../shared/experiments/schema';
import { listVersions, readChannel, readLatest, readManifest } from '../../../shared/model/repository';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { ModelCache, repositorySource } from '../../../shared/serving/model-cache';
import { VariantModels } from '../../../shared/serving/variant-models';
import { runTrainingJob } from '../../../shared/training/job';
import {
  attemptsKey,
  experimentModels,
  type KindAttempt,
  readAttempts,
  retryDue,
} from '../../../shared/training/variant-kinds';
import { syntheticInteractions } from './data';

const P = 'models/';
const quiet = { info: () => {}, warn: () => {} };
const config = loadConfig({
  ATTUNE_TABLE: 't',
  ATTUNE_TRAIN_BUDGET_SECONDS: '20',
  ATTUNE_TUNE: 'false',
  ATTUNE_KEEP_VERSIONS: '1',
});

const experiment = (id: string, status: Experiment['status'], variants: Variant[]): Experiment => ({
  experimentId: id,
  status,
  variants,
  control: variants[0].name,
  minDetectableEffect: 0.1,
  alpha: 0.05,
  power: 0.8,
  createdAt: '2026-06-01T00:00:00.000Z',
  updatedAt: '2026-06-01T00:00:00.000Z',
});

describe('experimentModels', () => {
  it("names the running experiment's kinds and every experiment's pins", () => {
    const got = experimentModels([
      experiment('a', 'stopped', [
        { name: 'c', share: 50, pipeline: { kind: 'ease' } },
        { name: 'p', share: 50, pipeline: { modelVersion: 'v1' } },
      ]),
      experiment('b', 'running', [
        { name: 'c', share: 50, pipeline: { kind: 'item-knn' } },
        { name: 'p', share: 50, pipeline: { modelVersion: 'v2', ranker: false } },
      ]),
    ]);
    expect(got).toEqual({
      kinds: ['item-knn'],
      pinned: new Set(['v1', 'v2']),
      experiment: 'b@2026-06-01T00:00:00.000Z',
    });
  });
});

describe('the job and experiments', () => {
  it("fits a variant's kind to its channel, trains for a kind nobody fitted, keeps a pinned version", async () => {
    const store = new MemoryTrainingStore(syntheticInteractions({ receivedAt: Date.UTC(2026, 0, 10) }));
    const models = new MemoryModelStore();
    let experiments: Experiment[] = [];
    const run = () =>
      runTrainingJob({ store, models, prefix: P, config, logger: quiet, experiments: async () => experiments });
    const first = await run();
    expect(first.decision).toBe('published');
    expect(first.variantKinds).toBeUndefined();

    // an experiment pins the first version and names item-knn: nothing new in the table, yet the run trains
    experiments = [
      experiment('ab', 'running', [
        { name: 'control', share: 34, pipeline: {} },
        { name: 'pinned', share: 33, pipeline: { modelVersion: first.version } },
        { name: 'knn', share: 33, pipeline: { kind: 'item-knn' } },
      ]),
    ];
    const second = await run();
    expect(second.decision).toBe('published');
    const knn = second.variantKinds?.['item-knn'];
    expect(knn).toBeDefined();
    expect(await readChannel(models, P, 'item-knn')).toMatchObject({ status: 'ok', version: knn });
    expect((await readManifest(models, P, knn!)).kind).toBe('item-knn');
    const latest = await readLatest(models, P);
    expect(latest).toMatchObject({ status: 'ok', version: second.version });
    expect((await readManifest(models, P, (latest as { version: string }).version)).kind).toBe('als');
    // keep = 1, yet the pinned first version and the channel's version are still there
    expect(await listVersions(models, P)).toEqual(expect.arrayContaining([first.version, knn]));

    // the kind is fitted now: with nothing new the next run skips again
    expect((await run()).decision).toBe('skipped');
  }, 60_000);

  it('prunes nothing while the experiments cannot be read (a pin could be among the old versions)', async () => {
    const store = new MemoryTrainingStore(syntheticInteractions({ receivedAt: Date.UTC(2026, 0, 10) }));
    const models = new MemoryModelStore();
    const warnings: string[] = [];
    const logger = { info: () => {}, warn: (m: string) => warnings.push(m) };
    const broken = async (): Promise<Experiment[]> => {
      throw new Error('table down');
    };
    const first = await runTrainingJob({ store, models, prefix: P, config, logger, experiments: broken });
    const second = await runTrainingJob({
      store,
      models,
      prefix: P,
      config,
      logger,
      experiments: broken,
      rebuild: true,
    });
    expect([first.decision, second.decision]).toEqual(['published', 'published']);
    expect(await listVersions(models, P)).toEqual([first.version, second.version].sort());
    expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(/retention of models\/ failed/)]));
  }, 60_000);

  it('a kind that cannot be fitted is recorded, and no new events then means no run', async () => {
    // 4 users: every kind but popularity falls back (pipeline MIN_USERS)
    const store = new MemoryTrainingStore(syntheticInteractions({ users: 4, receivedAt: Date.UTC(2026, 0, 10) }));
    const models = new MemoryModelStore();
    let experiments: Experiment[] = [];
    const infos: string[] = [];
    const logger = { info: (m: string) => infos.push(m), warn: () => {} };
    const run = () =>
      runTrainingJob({ store, models, prefix: P, config, logger, experiments: async () => experiments });
    expect((await run()).decision).toBe('published');
    const ab = experiment('ab', 'running', [
      { name: 'control', share: 50, pipeline: {} },
      { name: 'ease', share: 50, pipeline: { kind: 'ease' } },
    ]);
    experiments = [ab];

    const tried = await run();
    expect(tried.decision).not.toBe('skipped');
    expect(tried.variantKinds).toEqual({});
    const attempts = await readAttempts(models, P);
    expect(attempts.ease).toMatchObject({
      kind: 'ease',
      experiment: 'ab@2026-06-01T00:00:00.000Z',
      reason: expect.stringMatching(/popularity-only: 4 users/),
      users: 4,
    });
    expect(attempts.ease.interactions).toBeGreaterThan(0);
    expect(attempts.ease.watermark).toBeGreaterThan(Date.UTC(2026, 0, 10) - 1);

    // the variant's users are answered by latest, and the answer says why
    const source = repositorySource(models, P);
    const served = new VariantModels(new ModelCache(source, { refreshSeconds: 60 }), source, { refreshSeconds: 60 });
    const { servedBy } = await served.resolve({ kind: 'ease' });
    expect(servedBy.kind).toBe('popular');
    expect(servedBy.fallback).toMatch(
      /^kind:ease: not published yet: training could not fit it .*popularity-only: 4 users/,
    );
    const retryAt = Math.ceil(attempts.ease.interactions * 1.1);
    expect(servedBy.fallback).toContain(`; tried again at ${retryAt} user-item pairs or when the experiment is edited`);

    // nothing new: the failed kind is no reason to train again
    const again = await run();
    expect(again.decision).toBe('skipped');
    expect(again.reason).toMatch(/nothing new since/);

    // the experiment edited (updatedAt moves): the kind gets a fresh try
    experiments = [{ ...ab, updatedAt: '2026-06-02T00:00:00.000Z' }];
    const edited = await run();
    expect(edited.decision).not.toBe('skipped');
    expect((await readAttempts(models, P)).ease.experiment).toBe('ab@2026-06-02T00:00:00.000Z');
    expect(await models.get(attemptsKey(P))).not.toBeNull();
    expect(infos.filter((m) => /not tried again/.test(m))).toEqual([]);

    // new events, fewer than a tenth more pairs: the run trains, the kind is not tried again
    const failed = (await readAttempts(models, P)).ease;
    const user = syntheticInteractions({ users: 4 })[0].userId;
    let n = 0;
    const newPairs = (count: number) =>
      store.addEvents(
        Array.from({ length: count }, () => {
          n++;
          const at = Date.UTC(2026, 0, 11) + n;
          return {
            eventId: `new${n}`,
            userId: user,
            itemId: `new-item-${n}`,
            type: 'view' as const,
            timestamp: at,
            receivedAt: at,
          };
        }),
      );
    newPairs(1);
    expect((await run()).decision).not.toBe('skipped');
    expect(infos.filter((m) => /not tried again/.test(m))).toHaveLength(1);
    expect((await readAttempts(models, P)).ease).toEqual(failed);
    // a tenth more pairs: tried again (and, still 4 users, recorded again on the larger data)
    newPairs(Math.ceil(failed.interactions * 0.1));
    expect((await run()).decision).not.toBe('skipped');
    expect(infos.filter((m) => /not tried again/.test(m))).toHaveLength(1);
    expect((await readAttempts(models, P)).ease.interactions).toBeGreaterThanOrEqual(
      Math.ceil(failed.interactions * 1.1),
    );
  }, 60_000);
});

describe('retryDue', () => {
  const a: KindAttempt = {
    kind: 'ease',
    experiment: 'ab@1',
    at: '2026-06-01T00:00:00.000Z',
    reason: 'r',
    interactions: 1000,
    users: 4,
    items: 9,
    watermark: 1,
  };
  it('tries again once the pairs grew by 10% or the experiment changed', () => {
    expect(retryDue(undefined, 'ab@1', 1)).toBe(true);
    expect(retryDue(a, 'ab@1', 1000)).toBe(false);
    expect(retryDue(a, 'ab@1', 1099)).toBe(false);
    expect(retryDue(a, 'ab@1', 1100)).toBe(true);
    expect(retryDue(a, 'ab@2', 1000)).toBe(true);
    expect(retryDue(a, null, 1000)).toBe(true);
  });
});
