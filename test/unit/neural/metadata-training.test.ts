/**
 * Metadata through training: the pipeline's gate between ALS alone and ALS +
 * the neural ranker on the same holdout (each chosen on the data where it
 * wins), and `attune train --items` publishing the cold-item ridge.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { command as train } from '../../../infra/cli/commands/train';
import { loadFitted } from '../../../shared/model/kinds';
import { loadLatestModel } from '../../../shared/model/repository';
import { LocalModelStore } from '../../../shared/storage/local/model-store';
import { DatasetBuilder } from '../../../shared/training/dataset';
import { plansNeural } from '../../../shared/training/neural-gate';
import { trainPipeline } from '../../../shared/training/pipeline';
import { plantedWithMetadata } from './planted';

function dataset(o: { eventsPerUser: number; informative: boolean; users?: number; items?: number }) {
  const p = plantedWithMetadata({
    users: o.users ?? 800,
    items: o.items ?? 400,
    clusters: 8,
    eventsPerUser: o.eventsPerUser,
    seed: 3,
    informative: o.informative,
  });
  const b = new DatasetBuilder();
  for (let u = 0; u < p.ui.rows; u++)
    for (let q = p.ui.indptr[u]; q < p.ui.indptr[u + 1]; q++) b.addOne(`u${u}`, `i${p.ui.indices[q]}`, 1, 1000 + q);
  const d = b.build();
  const bags = p.meta.itemBags!;
  d.side = {
    items: d.itemIds.map((id) => {
      const i = Number(id.slice(1));
      const tokens = Array.from(bags.indices.subarray(bags.indptr[i], bags.indptr[i + 1]), (t) => `k${t}`);
      return { itemId: id, categories: tokens, properties: {} };
    }),
  };
  return d;
}

const run = (d: ReturnType<typeof dataset>) =>
  trainPipeline(d, {
    kind: 'als',
    params: { factors: 16, iterations: 8 },
    tune: false,
    budgetSeconds: 60,
    seed: 42,
    split: 'user',
    evaluate: true,
    version: 'v1',
    createdAt: '2026-01-01T00:00:00.000Z',
  });

describe('the neural ranker in the training pipeline', () => {
  it('serves ALS + neural where metadata decides preference and data is sparse, ALS where it does not', () => {
    const sparse = run(dataset({ eventsPerUser: 5, informative: true }));
    const dense = run(dataset({ eventsPerUser: 20, informative: false }));
    const s = sparse.model.manifest.tuning?.neuralRanker as Record<string, number | string>;
    const n = dense.model.manifest.tuning?.neuralRanker as Record<string, number | string>;
    expect(s.served).toBe('als+neural');
    expect(sparse.model.manifest.kind).toBe('neural');
    expect(sparse.metrics.ndcg10).toBeCloseTo(Number(s.neuralNdcg10), 4);
    expect(Number(s.neuralNdcg10)).toBeGreaterThanOrEqual(Number(s.alsNdcg10) + 0.005);
    // ALS's own Platt beside the ranker's, for serving the retrieval alone (an A/B variant's ranker: false)
    expect(sparse.model.manifest.retrievalCalibration?.a).toBeGreaterThan(0);
    expect(dense.model.manifest.retrievalCalibration).toBeUndefined();
    expect(n.served).toBe('als');
    expect(dense.model.manifest.kind).toBe('als');
    expect(Number(n.neuralNdcg10)).toBeLessThan(Number(n.alsNdcg10) + 0.005);
    // either way the artifact can place new items from their metadata
    expect(sparse.model.parts?.['neural_ridge.f64']).toBeInstanceOf(Float64Array);
    expect(dense.model.parts?.['cold_ridge.f64']).toBeInstanceOf(Float64Array);
  }, 60_000);

  it('is planned only with item metadata and a budget of at least 60 s (npm start trains in 20 s)', () => {
    const side = { items: [{ itemId: 'i1', categories: ['k'], properties: {} }] };
    expect(plansNeural({ side }, 60)).toBe(true);
    expect(plansNeural({ side }, 20)).toBe(false);
    expect(plansNeural({ side: { items: [] } }, 600)).toBe(false);
    expect(plansNeural({}, 600)).toBe(false);
  });

  describe('attune train --items', () => {
    let out: string[];
    beforeEach(() => {
      out = [];
      vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m));
    });
    afterEach(() => vi.restoreAllMocks());

    it('reads item metadata into training and publishes the cold-item ridge with the model', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'train-items-'));
      const lines = ['user_id,item_id'];
      for (let u = 0; u < 60; u++) for (let k = 0; k < 6; k++) lines.push(`u${u},i${(u % 4) + 4 * ((u + k) % 5)}`);
      writeFileSync(join(dir, 'events.csv'), `${lines.join('\n')}\n`);
      const items = [
        'item_id,title,categories,brand',
        ...Array.from({ length: 20 }, (_, i) => `i${i},T${i},k${i % 4},b`),
      ];
      writeFileSync(join(dir, 'items.csv'), `${items.join('\n')}\n`);
      const args = ['--input', join(dir, 'events.csv'), '--items', join(dir, 'items.csv'), '--out', join(dir, 'm')];
      const code = await train.run([...args, '--model', 'als', '--no-tune', '--factors', '4', '--budget', '60']);
      expect(code).toBe(0);
      const printed = JSON.parse(out.at(-1)!);
      expect(printed.neuralRanker.served).toMatch(/^als(\+neural)?$/);
      const model = (await loadLatestModel(new LocalModelStore(join(dir, 'm')), ''))!;
      const fitted = loadFitted(model);
      expect(fitted.coldItems?.vocabulary).toEqual(expect.arrayContaining(['c:k0', 'c:k3']));
      expect(fitted.coldItems?.vectorOf(['c:k2', 'p:brand=b'])).toHaveLength(4);
    }, 30_000);
  });
});
