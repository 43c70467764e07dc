/** Kind channels (latest-<kind>.json) and retention that keeps what experiments and pointers name. */
import { describe, expect, it } from 'vitest';
import {
  listVersions,
  pruneVersions,
  publishModel,
  readChannel,
  readLatest,
  versionExists,
} from '../../../shared/model/repository';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { makeModel } from './make-model';

const P = 'models/';
const v = (day: number) => `202601${String(day).padStart(2, '0')}T000000Z-00000${day % 10}`;

describe('kind channels', () => {
  it("a publish moves latest and its kind's channel; latest: false moves the channel alone", async () => {
    const store = new MemoryModelStore();
    await publishModel(store, P, makeModel({ version: v(1) }), { keep: 5 });
    await publishModel(store, P, makeModel({ version: v(2), kind: 'item-knn' }), { keep: 5, latest: false });
    expect(await readLatest(store, P)).toMatchObject({ status: 'ok', version: v(1) });
    expect(await readChannel(store, P, 'als')).toMatchObject({ status: 'ok', version: v(1) });
    expect(await readChannel(store, P, 'item-knn')).toMatchObject({ status: 'ok', version: v(2) });
    expect(await readChannel(store, P, 'ease')).toEqual({ status: 'missing' });
    // pointer files are not versions
    expect(await listVersions(store, P)).toEqual([v(1), v(2)]);
    expect([await versionExists(store, P, v(2)), await versionExists(store, P, v(9))]).toEqual([true, false]);
    await expect(readChannel(store, P, '../x')).rejects.toThrow(/invalid model kind/);
  });

  it('retention never deletes a pinned version, nor one latest or a channel names', async () => {
    const store = new MemoryModelStore();
    const pinned = new Set([v(1)]);
    await publishModel(store, P, makeModel({ version: v(1) }), { keep: 2, pinned: async () => pinned });
    await publishModel(store, P, makeModel({ version: v(2), kind: 'item-knn' }), { keep: 2, latest: false });
    for (let d = 3; d <= 7; d++)
      await publishModel(store, P, makeModel({ version: v(d) }), { keep: 2, pinned: async () => pinned });
    // newest 2 (v6, v7 = latest and the als channel), the pinned v1, the item-knn channel's v2
    expect(await listVersions(store, P)).toEqual([v(1), v(2), v(6), v(7)]);
    expect(await versionExists(store, P, v(3))).toBe(false);
    // the pin released (its experiment deleted): the next retention pass removes it, channels stay
    expect(await pruneVersions(store, P, 2)).toEqual([v(1)]);
    expect(await listVersions(store, P)).toEqual([v(2), v(6), v(7)]);
  });
});
