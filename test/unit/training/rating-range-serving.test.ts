/** The Recommend service folds a user in with the configured rating range: a rating of 10 weighs 10, not 5. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config';
import type { Interaction } from '../../../shared/events';
import type { InteractionStore } from '../../../shared/ports/interactions';
import { createRecommendService } from '../../../shared/serving/service';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { DatasetBuilder } from '../../../shared/training/dataset';
import { trainPipeline } from '../../../shared/training/pipeline';

// weighted item-knn folds in as Σ_j w_j·S[j,·] and explains with w_j·S[j,target]: the weight shows in `because`
const data = generateSynthetic({ users: 80, items: 40, clusters: 4, eventsPerUser: 12, seed: 7 });
const b = new DatasetBuilder();
for (const t of data.triples) b.addOne(t.userId, t.itemId, t.weight, t.timestamp);
const fx = trainPipeline(b.build(), {
  kind: 'item-knn',
  params: { k: 30, binary: false },
  tune: false,
  budgetSeconds: 30,
  seed: 7,
  split: 'user',
  evaluate: false,
  version: '20260101T000000Z-000007',
  createdAt: '2026-01-01T00:00:00Z',
});

function service(env: Record<string, string>) {
  const events: Interaction[] = [
    { eventId: 'r1', userId: 'newcomer', itemId: 'i1', type: 'rating', value: 10, timestamp: 1, receivedAt: 1 },
  ];
  const store = {
    listUserEvents: async (u: string) => ({ events: events.filter((e) => e.userId === u), cursor: null }),
    getErasure: async () => null,
    listCatalog: async () => [],
  } as unknown as InteractionStore;
  const modelSource = {
    latest: async () => ({ status: 'ok' as const, etag: 'e', version: fx.model.manifest.version }),
    load: async () => fx.model,
  };
  return createRecommendService(loadConfig({ ATTUNE_TABLE: 't', ...env }), { store, modelSource });
}

const because = async (env: Record<string, string>) => {
  const r = await service(env).core.recommend('newcomer', { k: 3 });
  expect(r.source).toBe('fold-in');
  return r.items.map((i) => i.because[0] as { itemId: string; weight: number });
};

describe('fold-in with ATTUNE_RATING_MAX=10', () => {
  it('weighs a rating of 10 twice what the default range (clamped to 5) does', async () => {
    const wide = await because({ ATTUNE_RATING_MAX: '10' });
    const narrow = await because({});
    expect(wide.map((b) => b.itemId)).toEqual(narrow.map((b) => b.itemId));
    for (const [q, b] of wide.entries()) {
      expect(b.itemId).toBe('i1');
      expect(b.weight).toBeGreaterThan(0);
      expect(b.weight).toBeCloseTo(2 * narrow[q].weight, 5);
    }
  });
});
