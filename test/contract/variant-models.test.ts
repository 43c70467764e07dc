/**
 * A/B variants that choose the model (shared/serving/variant-models.ts), through
 * the serving core with two versions published on a memory store and on the
 * local S3 (s3rver): a pinned version and a kind's channel answer their
 * variant's users, sticky assignment is unchanged, a version that cannot be had
 * falls back to latest and the answer says so, and online metrics attribute
 * each answer to the version that gave it.
 */
import { describe, expect, it } from 'vitest';
import { assignVariant } from '../../shared/experiments/assign';
import { ExperimentCache } from '../../shared/experiments/cache';
import type { Experiment, Variant } from '../../shared/experiments/schema';
import { MemoryExperimentStore } from '../../shared/experiments/store';
import { publishModel } from '../../shared/model/repository';
import type { Model } from '../../shared/model/types';
import { emptyState, foldEvents } from '../../shared/online/aggregate';
import { AttributedCore } from '../../shared/online/serving';
import type { ModelStore } from '../../shared/ports/model-store';
import { CatalogCache } from '../../shared/serving/catalog';
import { ModelCache, repositorySource } from '../../shared/serving/model-cache';
import { VariantModels } from '../../shared/serving/variant-models';
import { s3Client } from '../../shared/storage/aws/clients';
import { MemoryModelStore } from '../../shared/storage/local/memory-model-store';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { useEmbeddedAws } from '../helpers/aws';
import { trainFixture } from '../unit/serving/fixture';

const T = Date.parse('2026-06-01T00:00:00Z');
const fixture = (seed: number, kind = 'als') =>
  trainFixture({ users: 60, items: 40, factors: 8, seed, kind, version: `20260101T00000${seed}Z-00000${seed}` }).model;
// two ALS versions (old, then latest) and an item-knn published to its channel only
const OLD = fixture(1);
const NEW = fixture(2);
const KNN = fixture(3, 'item-knn');

const experiment = (variants: Variant[]): Experiment => ({
  experimentId: 'models',
  status: 'running',
  variants,
  control: variants[0].name,
  minDetectableEffect: 0.1,
  alpha: 0.05,
  power: 0.8,
  createdAt: '2026-06-01T00:00:00.000Z',
  updatedAt: '2026-06-01T00:00:00.000Z',
});

async function publishAll(store: ModelStore, prefix: string, models: Model[], channelOnly: Model[] = []) {
  for (const m of models) await publishModel(store, prefix, m, { keep: 10 });
  for (const m of channelOnly) await publishModel(store, prefix, m, { keep: 10, latest: false });
}

async function serve(store: ModelStore, prefix: string, exp: Experiment) {
  const now = () => T;
  const source = repositorySource(store, prefix);
  const models = new ModelCache(source, { refreshSeconds: 60, now });
  const variants = new VariantModels(models, source, { refreshSeconds: 60, now });
  const catalog = new CatalogCache({ listCatalog: async () => [] }, { refreshSeconds: 60, now });
  const users = {
    listUserEvents: async () => ({ events: [], cursor: null }),
    getErasure: async () => null,
  };
  const experiments = new MemoryExperimentStore();
  await experiments.put(exp);
  const cache = new ExperimentCache(experiments, { refreshSeconds: 60, now });
  const deps = { models, catalog, store: users, log: () => {}, refreshSeconds: 60, now, variants };
  return { core: new AttributedCore(deps, cache), variants };
}

/** The first user ids the experiment assigns to each variant. */
function usersOf(exp: Experiment, perVariant = 3): Record<string, string[]> {
  const out: Record<string, string[]> = Object.fromEntries(exp.variants.map((v) => [v.name, []]));
  for (let i = 0; Object.values(out).some((l) => l.length < perVariant); i++) {
    const u = `u${i}`;
    const v = assignVariant(exp, u).name;
    if (out[v].length < perVariant) out[v].push(u);
  }
  return out;
}

function contract(name: string, make: () => ModelStore) {
  describe(`variant models: ${name}`, () => {
    let n = 0;
    const fresh = () => ({ store: make(), prefix: `vm${++n}-${Date.now()}/` });

    it('a pinned version and a kind answer their variants (recommend and rank); control gets latest', async () => {
      const { store, prefix } = fresh();
      await publishAll(store, prefix, [OLD, NEW], [KNN]);
      const exp = experiment([
        { name: 'control', share: 34, pipeline: {} },
        { name: 'pinned', share: 33, pipeline: { modelVersion: OLD.manifest.version } },
        { name: 'knn', share: 33, pipeline: { kind: 'item-knn', diversity: 0 } },
      ]);
      const { core } = await serve(store, prefix, exp);
      const want = {
        control: [NEW.manifest.version, undefined],
        pinned: [OLD.manifest.version, { requested: `version:${OLD.manifest.version}`, kind: 'als', ranker: false }],
        knn: [KNN.manifest.version, { requested: 'kind:item-knn', kind: 'item-knn', ranker: false }],
      } as const;
      for (const [variant, users] of Object.entries(usersOf(exp))) {
        const [version, servedBy] = want[variant as keyof typeof want];
        for (const u of users) {
          const rec = await core.recommend(u, { k: 5 });
          expect(rec.variant).toBe(`models:${variant}`);
          expect(rec.modelVersion).toBe(version);
          expect(rec.servedBy).toEqual(servedBy);
          expect(rec.items).toHaveLength(5);
          const ranked = await core.rank(u, ['i1', 'i2', 'i3']);
          expect([ranked.variant, ranked.modelVersion, ranked.servedBy]).toEqual([rec.variant, version, servedBy]);
        }
      }
    });

    it('a kind that latest already is answers with latest, without loading another model', async () => {
      const { store, prefix } = fresh();
      await publishAll(store, prefix, [OLD, NEW]);
      const exp = experiment([
        { name: 'a', share: 0, pipeline: {} },
        { name: 'als', share: 100, pipeline: { kind: 'als' } },
      ]);
      const { core, variants } = await serve(store, prefix, exp);
      const rec = await core.recommend('u1', { k: 3 });
      expect([rec.modelVersion, rec.servedBy?.fallback]).toEqual([NEW.manifest.version, undefined]);
      expect(variants.held()).toEqual([]);
    });

    it('falls back to latest, saying why, for a pruned, a corrupt and a never-fitted model: never an error', async () => {
      const { store, prefix } = fresh();
      await publishAll(store, prefix, [OLD, NEW]);
      // corrupt the old version's item factors after publishing (the manifest's sha256 no longer matches)
      const key = (await store.list(`${prefix}${OLD.manifest.version}/`)).find((k) => k.includes('item_factors'))!;
      const bytes = (await store.get(key))!;
      bytes[0] ^= 0xff;
      await store.put(key, bytes);
      const exp = experiment([
        { name: 'corrupt', share: 34, pipeline: { modelVersion: OLD.manifest.version } },
        { name: 'gone', share: 33, pipeline: { modelVersion: '20250101T000000Z-abcdef' } },
        { name: 'ease', share: 33, pipeline: { kind: 'ease' } },
      ]);
      const { core } = await serve(store, prefix, exp);
      const why = { corrupt: /refused/, gone: /refused|missing/, ease: /kind:ease: not published yet/ } as const;
      for (const [variant, users] of Object.entries(usersOf(exp, 1))) {
        for (const u of users) {
          const rec = await core.recommend(u, { k: 4 });
          expect(rec.modelVersion).toBe(NEW.manifest.version);
          expect(rec.items).toHaveLength(4);
          expect(rec.servedBy?.fallback).toMatch(why[variant as keyof typeof why]);
        }
      }
      // /health names the refused pinned versions; a kind not fitted yet is no fault
      const health = await core.health();
      expect(health.status).toBe('degraded');
      expect(health.reasons.filter((r) => r.startsWith('A/B variant model'))).toEqual([
        expect.stringMatching(new RegExp(`^A/B variant model version:${OLD.manifest.version}: version .* refused`)),
        expect.stringMatching(/^A\/B variant model version:20250101T000000Z-abcdef: version .* refused: .*missing/),
      ]);
    });

    it('online metrics count each answer under the version that gave it, per variant', async () => {
      const { store, prefix } = fresh();
      await publishAll(store, prefix, [OLD, NEW]);
      const exp = experiment([
        { name: 'control', share: 50, pipeline: {} },
        { name: 'pinned', share: 50, pipeline: { modelVersion: OLD.manifest.version } },
      ]);
      const { core } = await serve(store, prefix, exp);
      const events = [];
      let t = T;
      for (const users of Object.values(usersOf(exp, 4)))
        for (const u of users) {
          const rec = await core.recommend(u, { k: 3 });
          for (const it of rec.items) {
            const echo = { recommendationId: rec.recommendationId, modelVersion: rec.modelVersion };
            events.push({
              eventId: `${rec.recommendationId}-${it.itemId}`,
              userId: u,
              itemId: it.itemId,
              type: 'impression' as const,
              timestamp: ++t,
              receivedAt: t,
              ...echo,
              position: (it as unknown as { position: number }).position,
              variant: rec.variant ?? undefined,
            });
          }
          const first = rec.items[0].itemId;
          events.push({
            eventId: `c-${rec.recommendationId}`,
            userId: u,
            itemId: first,
            type: 'click' as const,
            timestamp: ++t,
            receivedAt: t,
            recommendationId: rec.recommendationId,
          });
        }
      const state = emptyState(T - 1);
      foldEvents(state, events, t);
      const groups = Object.values(state.groups)
        .map((g) => [g.modelVersion, g.variant, g.counts.recommendations, g.counts.impressions, g.counts.clicks])
        .sort();
      expect(groups).toEqual(
        [
          [NEW.manifest.version, 'models:control', 4, 12, 4],
          [OLD.manifest.version, 'models:pinned', 4, 12, 4],
        ].sort(),
      );
    });
  });
}

contract('memory', () => new MemoryModelStore());

describe('on the local S3', () => {
  const aws = useEmbeddedAws();
  contract('S3 (s3rver)', () => new S3ModelStore(s3Client(), aws().bucketName));
});
