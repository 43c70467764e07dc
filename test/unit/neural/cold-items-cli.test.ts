import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coldItemsCommand } from '../../../infra/cli/commands/evaluate-cold-items';
import { plantedWithMetadata } from './planted';

describe('attune evaluate --protocol cold-items', () => {
  let out: string[];
  beforeEach(() => {
    out = [];
    vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m));
  });
  afterEach(() => vi.restoreAllMocks());

  it('reads events and items.csv, holds out 20% of the items and beats random order with metadata', async () => {
    const { ui, itemCluster } = plantedWithMetadata({
      users: 300,
      items: 150,
      clusters: 5,
      eventsPerUser: 8,
      seed: 4,
      informative: true,
    });
    const dir = mkdtempSync(join(tmpdir(), 'cold-'));
    const lines = ['user_id,item_id'];
    for (let u = 0; u < ui.rows; u++)
      for (let q = ui.indptr[u]; q < ui.indptr[u + 1]; q++) lines.push(`u${u},i${ui.indices[q]}`);
    writeFileSync(join(dir, 'events.csv'), `${lines.join('\n')}\n`);
    const items = [
      'item_id,title,categories',
      ...Array.from(itemCluster, (c, i) => `i${i},"Item ${i}, planted",cluster${c}`),
    ];
    writeFileSync(join(dir, 'items.csv'), `${items.join('\n')}\n`);
    const code = await coldItemsCommand(
      join(dir, 'events.csv'),
      join(dir, 'items.csv'),
      { format: 'csv', seed: 42, params: { factors: 8 } },
      true,
    );
    expect(code).toBe(0);
    const r = JSON.parse(out[0]);
    expect(r.coldItems).toBe(30);
    expect(r.itemsWithMetadata).toBe(ui.cols);
    expect(r.rows.categories.ndcg).toBeGreaterThan(1.5 * r.rows.random.ndcg);
    expect(r.rows.ridge.ndcg).toBeGreaterThan(2 * r.rows.random.ndcg);
  });

  it('says what is missing', async () => {
    await expect(coldItemsCommand('x.csv', undefined, { format: 'csv', seed: 1, params: {} }, false)).rejects.toThrow(
      /needs --items FILE/,
    );
    await expect(
      coldItemsCommand('x.csv', '/nonexistent/items.csv', { format: 'csv', seed: 1, params: {} }, false),
    ).rejects.toThrow('--items /nonexistent/items.csv: no such file');
  });
});
