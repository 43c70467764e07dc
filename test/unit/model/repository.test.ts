import { describe, expect, it } from 'vitest';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import {
  listVersions,
  loadLatestModel,
  loadModel,
  newVersion,
  publishModel,
  readLatest,
} from '../../../shared/model/repository';
import { CorruptModelError, FILES } from '../../../shared/model/codec';
import { makeModel } from './make-model';

const P = 'models/';

/** A store whose put fails for keys matching `failOn` (a crash mid-publish). */
class FailingStore extends MemoryModelStore {
  failOn: RegExp | null = null;
  override async put(key: string, body: Uint8Array): Promise<void> {
    if (this.failOn?.test(key)) throw new Error(`injected failure writing ${key}`);
    return super.put(key, body);
  }
}

describe('model repository', () => {
  it('newVersion sorts by time and differs within a second', () => {
    const a = newVersion(Date.UTC(2026, 10, 29, 13, 5, 1));
    expect(a).toMatch(/^20261129T130501Z-[0-9a-f]{6}$/);
    expect(newVersion(Date.UTC(2026, 10, 29, 13, 5, 2)) > a).toBe(true);
    expect(newVersion(Date.UTC(2026, 10, 29, 13, 5, 1))).not.toBe(a);
  });

  it('publishes files, manifest and pointer, and loads the model back', async () => {
    const store = new MemoryModelStore();
    const model = makeModel({ kind: 'mf' });
    const manifest = await publishModel(store, P, model, { keep: 3 });
    const keys = await store.list(P);
    expect(keys).toContain(`${P}latest.json`);
    expect(keys).toContain(`${P}${manifest.version}/manifest.json`);
    for (const name of Object.keys(manifest.files)) expect(keys).toContain(`${P}${manifest.version}/${name}`);
    const latest = await readLatest(store, P);
    expect(latest).toMatchObject({ status: 'ok', version: manifest.version });
    if (latest.status !== 'ok') throw new Error('unreachable');
    expect(await readLatest(store, P, latest.etag)).toEqual({ status: 'unchanged' });
    const loaded = await loadLatestModel(store, P);
    expect(loaded?.userFactors).toEqual(model.userFactors);
    expect(loaded?.userBias).toEqual(model.userBias);
    expect(loaded?.manifest.metrics).toEqual({ ndcg10: 0.3 });
  });

  it('reports missing when nothing was published', async () => {
    const store = new MemoryModelStore();
    expect(await readLatest(store, P)).toEqual({ status: 'missing' });
    expect(await loadLatestModel(store, P)).toBeNull();
  });

  it('rejects a corrupt file, a truncated file, a missing file and a tampered manifest', async () => {
    const store = new MemoryModelStore();
    const { version } = await publishModel(store, P, makeModel(), { keep: 3 });
    const key = (f: string) => `${P}${version}/${f}`;
    const original = (await store.get(key(FILES.itemFactors)))!;

    const flipped = new Uint8Array(original);
    flipped[3] ^= 0x80;
    await store.put(key(FILES.itemFactors), flipped);
    await expect(loadModel(store, P, version)).rejects.toThrow(CorruptModelError);

    await store.put(key(FILES.itemFactors), original.subarray(0, original.length - 4));
    await expect(loadModel(store, P, version)).rejects.toThrow(/bytes/);

    await store.delete([key(FILES.itemFactors)]);
    await expect(loadModel(store, P, version)).rejects.toThrow(/missing/);
    await store.put(key(FILES.itemFactors), original);
    await expect(loadModel(store, P, version)).resolves.toBeTruthy();

    // a manifest edited to match a swapped file still fails against the pointer's hash
    const manifest = JSON.parse(new TextDecoder().decode((await store.get(key('manifest.json')))!));
    manifest.metrics.ndcg10 = 0.99;
    await store.put(key('manifest.json'), new TextEncoder().encode(JSON.stringify(manifest)));
    await expect(loadLatestModel(store, P)).rejects.toThrow(/latest pointer/);
  });

  it('a crash between the files and the pointer leaves latest.json on the old version', async () => {
    const store = new FailingStore();
    const first = await publishModel(store, P, makeModel({ version: '20260101T000000Z-000001' }), { keep: 3 });
    store.failOn = /latest\.json$/;
    await expect(
      publishModel(store, P, makeModel({ version: '20260102T000000Z-000002', seed: 7 }), { keep: 3 }),
    ).rejects.toThrow(/injected/);
    const latest = await readLatest(store, P);
    expect(latest).toMatchObject({ status: 'ok', version: first.version });
    const loaded = await loadLatestModel(store, P);
    expect(loaded?.manifest.version).toBe(first.version);
    expect(loaded?.userFactors).toEqual(makeModel().userFactors);

    // a crash in the middle of the binary files, too
    store.failOn = /item_factors/;
    await expect(publishModel(store, P, makeModel({ version: '20260103T000000Z-000003' }), { keep: 3 })).rejects.toThrow();
    expect(await readLatest(store, P)).toMatchObject({ version: first.version });
  });

  it('keeps the newest N versions and never the one just published', async () => {
    const store = new MemoryModelStore();
    const versions = ['20260101T000000Z-000001', '20260102T000000Z-000002', '20260103T000000Z-000003', '20260104T000000Z-000004'];
    for (const v of versions) await publishModel(store, P, makeModel({ version: v }), { keep: 2 });
    expect(await listVersions(store, P)).toEqual(versions.slice(2));
    // a version that sorts older (clock skew) survives its own publish
    const skewed = await publishModel(store, P, makeModel({ version: '20250101T000000Z-00000a' }), { keep: 2 });
    expect(await listVersions(store, P)).toEqual([skewed.version, versions[3]]);
    expect((await loadLatestModel(store, P))?.manifest.version).toBe(skewed.version);
  });
});
