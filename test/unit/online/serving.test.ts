/**
 * AttributedCore over a small real model: ids and positions on every answer,
 * the variant's pipeline applied (the request's own parameters win), erased
 * users never assigned, and nobody assigned without a running experiment.
 */
import { describe, expect, it, vi } from 'vitest';
import { ExperimentCache } from '../../../shared/experiments/cache';
import type { Experiment } from '../../../shared/experiments/schema';
import { MemoryExperimentStore } from '../../../shared/experiments/store';
import { AttributedCore, withPipeline } from '../../../shared/online/serving';
import { CatalogCache } from '../../../shared/serving/catalog';
import { type RecommendOptions, ServingCore } from '../../../shared/serving/core';
import { ModelCache } from '../../../shared/serving/model-cache';
import { trainFixture } from '../serving/fixture';

const fx = trainFixture({ users: 60, items: 40, factors: 8 });
const T = Date.parse('2026-06-01T00:00:00Z');

const experiment = (shares: [number, number]): Experiment => ({
  experimentId: 'ab',
  status: 'running',
  variants: [
    { name: 'control', share: shares[0], pipeline: {} },
    { name: 'narrow', share: shares[1], pipeline: { maxPerCategory: 1, diversity: 0.4 } },
  ],
  control: 'control',
  minDetectableEffect: 0.1,
  alpha: 0.05,
  power: 0.8,
  createdAt: '2026-06-01T00:00:00.000Z',
  updatedAt: '2026-06-01T00:00:00.000Z',
});

async function setup(exp: Experiment | null, erased = new Set<string>()) {
  const now = () => T;
  const models = new ModelCache(
    {
      latest: async () => ({ status: 'ok', etag: 'e', version: fx.model.manifest.version }),
      load: async () => fx.model,
    },
    { refreshSeconds: 60, now },
  );
  const catalog = new CatalogCache({ listCatalog: async () => [] }, { refreshSeconds: 60, now });
  const store = {
    listUserEvents: async () => ({ events: [], cursor: null }),
    getErasure: async (userId: string) => (erased.has(userId) ? { userId, erasedAt: T } : null),
  };
  const experiments = new MemoryExperimentStore();
  if (exp) await experiments.put(exp);
  const cache = new ExperimentCache(experiments, { refreshSeconds: 60, now });
  return { core: new AttributedCore({ models, catalog, store, log: () => {}, refreshSeconds: 60, now }, cache) };
}

describe('AttributedCore', () => {
  it('puts a fresh uuid v7 on every answer and 1-based positions on every item', async () => {
    const { core } = await setup(null);
    const a = await core.recommend('u1', { k: 5 });
    const b = await core.recommend('u1', { k: 5 });
    expect(a.recommendationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b.recommendationId).not.toBe(a.recommendationId);
    expect(a.items.map((i) => (i as { position?: number }).position)).toEqual([1, 2, 3, 4, 5]);
    expect(a.variant).toBeNull();
    const ranked = await core.rank('u1', ['i1', 'i2', 'nope']);
    expect(ranked.items.map((i) => (i as { position?: number }).position)).toEqual([1, 2, 3]);
    const similar = await core.similar('i1', 3);
    expect(similar.items.map((i) => (i as { position?: number }).position)).toEqual([1, 2, 3]);
    expect(similar.variant).toBeNull();
  });

  it('labels every user with their sticky variant; all-in-one-variant experiments put everyone there', async () => {
    const { core } = await setup(experiment([0, 100]));
    for (const u of ['u1', 'u2', 'u3']) expect((await core.recommend(u, { k: 3 })).variant).toBe('ab:narrow');
    expect((await core.rank('u1', ['i1'])).variant).toBe('ab:narrow');
  });

  it("hands the variant's pipeline to the core, under the request's own parameters; control's users get none", async () => {
    const spy = vi.spyOn(ServingCore.prototype, 'recommend');
    try {
      const narrow = (await setup(experiment([0, 100]))).core;
      await narrow.recommend('u1', { k: 3, diversity: 0 });
      expect(spy.mock.calls.at(-1)![1]).toEqual({ k: 3, diversity: 0, maxPerCategory: 1 });
      const control = (await setup(experiment([100, 0]))).core;
      await control.recommend('u1', { k: 3 });
      expect(spy.mock.calls.at(-1)![1]).toEqual({ k: 3 });
    } finally {
      spy.mockRestore();
    }
  });

  it('an erased user is never assigned: variant null', async () => {
    const { core } = await setup(experiment([0, 100]), new Set(['gone']));
    expect((await core.recommend('gone', { k: 3 })).variant).toBeNull();
    expect((await core.rank('gone', ['i1'])).variant).toBeNull();
  });
});

describe('withPipeline', () => {
  it("fills what the request left unset; the request's own parameters win", () => {
    const p = { diversity: 0.4, maxPerCategory: 1 };
    expect(withPipeline({ k: 5 }, p)).toEqual({ k: 5, diversity: 0.4, maxPerCategory: 1 });
    expect(withPipeline({ k: 5, diversity: 0, maxPerCategory: undefined } as RecommendOptions, p)).toEqual({
      k: 5,
      diversity: 0,
      maxPerCategory: 1,
    });
    expect(withPipeline({ k: 5 }, undefined)).toEqual({ k: 5 });
  });
});
