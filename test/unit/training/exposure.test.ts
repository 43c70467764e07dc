/**
 * The manifest's exposure block: exact on a hand-made model, and at the
 * dataset level on planted clusters (ALS spreads exposure over the catalog and
 * its clusters as users spread their interactions; popularity does not).
 */
import { describe, expect, it } from 'vitest';
import { csrFromTriples } from '../../../shared/math/csr';
import { gini } from '../../../shared/math/exposure';
import { generateSynthetic } from '../../../shared/math/synthetic';
import type { FittedModel } from '../../../shared/model/kinds';
import { DatasetBuilder } from '../../../shared/training/dataset';
import { modelExposure } from '../../../shared/training/exposure';
import { trainPipeline } from '../../../shared/training/pipeline';

describe('modelExposure by hand', () => {
  // 3 users × 4 items; every user scores items 0 > 1 > 2 > 3, their seen items excluded
  const ui = csrFromTriples(3, 4, Int32Array.from([0, 1, 2]), Int32Array.from([0, 3, 1]), new Float32Array(3).fill(1));
  const fitted = {
    user: () => ({ scoreAll: (out: Float32Array) => out.set([4, 3, 2, 1]), score: (i: number) => 4 - i }),
  } as unknown as FittedModel;
  const side = {
    items: [0, 1, 2, 3].map((i) => ({ itemId: `i${i}`, categories: [i < 2 ? 'a' : 'b'], properties: {} })),
  };
  const itemIds = ['i0', 'i1', 'i2', 'i3'];

  it('top-1 of unseen items: user 0 gets item 1, users 1 and 2 get item 0', () => {
    const e = modelExposure(fitted, { itemIds, side }, ui, { k: 1 })!;
    expect(e.users).toBe(3);
    expect(e.coverage).toBe(0.5);
    expect(e.gini).toBeCloseTo(Math.round(gini([2, 1, 0, 0]) * 1e4) / 1e4, 12);
    // head = the most used item (item 0, ties to the lower index): 1 slot of 3 is long tail
    expect(e.longTail).toBeCloseTo(0.3333, 4);
    expect(e.groupedBy).toBe('category');
    expect(e.groups).toEqual([
      { group: 'a', exposure: 1, interactions: 0.6667, ratio: 1.5 },
      { group: 'b', exposure: 0, interactions: 0.3333, ratio: 0 },
    ]);
  });

  it('per label property: providers grouped; numbers and single-valued properties are not groups', () => {
    const withProps = {
      items: [0, 1, 2, 3].map((i) => ({
        itemId: `i${i}`,
        categories: [],
        properties: { provider: i % 2 ? 'p2' : 'p1', price: 10 + i, shop: 'one' },
      })),
    };
    const e = modelExposure(fitted, { itemIds, side: withProps }, ui, { k: 1 })!;
    expect(Object.keys(e.byProperty ?? {})).toEqual(['provider']);
    expect(e.byProperty?.provider).toEqual([
      { group: 'p1', exposure: 0.6667, interactions: 0.3333, ratio: 2 },
      { group: 'p2', exposure: 0.3333, interactions: 0.6667, ratio: 0.5 },
    ]);
  });

  it('no categories: no groups; a stop request: no report', () => {
    expect(modelExposure(fitted, { itemIds }, ui, { k: 1 })?.groups).toBeUndefined();
    expect(modelExposure(fitted, { itemIds }, ui, { k: 1, shouldStop: () => true })).toBeNull();
  });
});

describe('exposure in the published manifest', () => {
  const clusters = 4;
  const data = generateSynthetic({ users: 240, items: 120, clusters, eventsPerUser: 12, seed: 5, affinity: 0.9 });
  const train = (kind: string) => {
    const b = new DatasetBuilder();
    for (const t of data.triples) b.addOne(t.userId, t.itemId, t.weight, t.timestamp, t.timestamp);
    const d = b.build();
    d.side = {
      items: d.itemIds.map((id) => ({
        itemId: id,
        categories: [`c${Number(id.slice(1)) % clusters}`],
        properties: {},
      })),
    };
    return trainPipeline(d, {
      kind,
      params: kind === 'als' ? { factors: 8, iterations: 6 } : {},
      tune: false,
      neural: false,
      budgetSeconds: 60,
      seed: 5,
      split: 'user',
      evaluate: true,
      version: 'v',
      createdAt: '2026-01-01T00:00:00Z',
    } as Parameters<typeof trainPipeline>[1]).model.manifest.exposure!;
  };

  it('ALS spreads exposure; popularity concentrates it; categories get about their share', () => {
    const als = train('als');
    const pop = train('popular');
    expect(als.users).toBe(240);
    expect(als.k).toBe(10);
    expect(als.coverage).toBeGreaterThan(pop.coverage + 0.2);
    expect(als.gini).toBeLessThan(pop.gini - 0.1);
    expect(als.groups?.map((g) => g.group).sort()).toEqual(['c0', 'c1', 'c2', 'c3']);
    // users are spread evenly over the clusters: so are interactions, and ALS's slots follow them
    for (const g of als.groups ?? []) expect(g.ratio).toBeGreaterThan(0.75);
    for (const g of als.groups ?? []) expect(g.ratio).toBeLessThan(1.25);
  });
});
