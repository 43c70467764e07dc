import { describe, expect, it } from 'vitest';
import type { ModelStore } from '../../../shared/ports/model-store';
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

/** The same bytes without the streaming read: loaders must fall back to get(). */
class WholeObjectStore implements ModelStore {
  private readonly inner = new MemoryModelStore();
  put = (key: string, body: Uint8Array) => this.inner.put(key, body);
  get = (key: string) => this.inner.get(key);
  getIfChanged = (key: string, etag?: string) => this.inner.getIfChanged(key, etag);
  getRange = (key: string, start: number, end: number) => this.inner.getRange(key, start, end);
  list = (prefix: string) => this.inner.list(prefix);
  delete = (keys: string[]) => this.inner.delete(keys);
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
    await expect(
      publishModel(store, P, makeModel({ version: '20260103T000000Z-000003' }), { keep: 3 }),
    ).rejects.toThrow();
    expect(await readLatest(store, P)).toMatchObject({ version: first.version });
  });

  it('keeps the newest N versions and never the one just published', async () => {
    const store = new MemoryModelStore();
    const versions = [
      '20260101T000000Z-000001',
      '20260102T000000Z-000002',
      '20260103T000000Z-000003',
      '20260104T000000Z-000004',
    ];
    for (const v of versions) await publishModel(store, P, makeModel({ version: v }), { keep: 2 });
    expect(await listVersions(store, P)).toEqual(versions.slice(2));
    // a version that sorts older (clock skew) survives its own publish
    const skewed = await publishModel(store, P, makeModel({ version: '20250101T000000Z-00000a' }), { keep: 2 });
    expect(await listVersions(store, P)).toEqual([skewed.version, versions[3]]);
    expect((await loadLatestModel(store, P))?.manifest.version).toBe(skewed.version);
  });

  describe('streamed loading (each file hashed as it arrives, into its own buffer)', () => {
    // 3,000 × 8 float32 = 96 KB of item factors: more than one 64 KiB chunk of the memory store
    const big = () => makeModel({ items: 3000, factors: 8, version: '20260105T000000Z-00000a' });

    it('loads the same model as a whole-object read, with each array at offset 0 of a buffer of its own', async () => {
      const model = big();
      const streamed = new MemoryModelStore();
      const whole = new WholeObjectStore();
      await publishModel(streamed, P, model, { keep: 2 });
      await publishModel(whole, P, model, { keep: 2 });
      const a = (await loadLatestModel(streamed, P))!;
      const b = (await loadLatestModel(whole, P))!;
      expect(Buffer.from(a.itemFactors.buffer).equals(Buffer.from(model.itemFactors.buffer))).toBe(true);
      expect(b.itemFactors).toEqual(a.itemFactors);
      expect(a.itemIds).toEqual(model.itemIds);
      for (const arr of [a.itemFactors, a.userFactors, a.seenIndices, a.popularity]) {
        expect(arr.byteOffset).toBe(0);
        expect(arr.buffer.byteLength).toBe(arr.byteLength);
      }
    });

    it.each([
      // [what, corruption, message when streamed, message when read whole]
      ['a flipped byte in a later chunk', (b: Uint8Array) => ((b[70_000] ^= 0x04), b), /sha256/, /sha256/],
      [
        'a file longer than the manifest says',
        (b: Uint8Array) => Uint8Array.from([...b, 0, 0, 0, 0]),
        /more than/,
        /bytes, manifest says/,
      ],
      [
        'a truncated file',
        (b: Uint8Array) => b.subarray(0, b.length - 4),
        /bytes, manifest says/,
        /bytes, manifest says/,
      ],
    ])('rejects %s', async (_what, corrupt, streamedMessage, wholeMessage) => {
      for (const store of [new MemoryModelStore(), new WholeObjectStore()]) {
        const { version } = await publishModel(store, P, big(), { keep: 2 });
        const key = `${P}${version}/${FILES.itemFactors}`;
        await store.put(key, corrupt(new Uint8Array((await store.get(key))!)));
        const err = await loadModel(store, P, version).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CorruptModelError);
        expect(String(err)).toMatch(store instanceof WholeObjectStore ? wholeMessage : streamedMessage);
      }
    });

    it('rejects a manifest whose byte count is not a sane length before allocating for it', async () => {
      const store = new MemoryModelStore();
      const { version } = await publishModel(store, P, makeModel(), { keep: 2 });
      const key = `${P}${version}/manifest.json`;
      const manifest = JSON.parse(new TextDecoder().decode((await store.get(key))!));
      manifest.files[FILES.itemFactors].bytes = -1;
      await store.put(key, new TextEncoder().encode(JSON.stringify(manifest)));
      await expect(loadModel(store, P, version)).rejects.toThrow(/item_factors.f32: manifest lists -1 bytes/);
    });

    it('hands each id list to onIds once its file verified, and never a corrupt one', async () => {
      const store = new MemoryModelStore();
      const model = big();
      const { version } = await publishModel(store, P, model, { keep: 2 });
      const seen: string[][] = [];
      const loaded = await loadModel(store, P, version, undefined, { onIds: (ids) => seen.push(ids) });
      expect(seen).toHaveLength(2);
      expect(seen).toContain(loaded.userIds);
      expect(seen).toContain(loaded.itemIds);

      const key = `${P}${version}/${FILES.itemIds}`;
      const tampered = new Uint8Array((await store.get(key))!);
      tampered[10] ^= 0x01;
      await store.put(key, tampered);
      const after: string[][] = [];
      await expect(loadModel(store, P, version, undefined, { onIds: (ids) => after.push(ids) })).rejects.toThrow(
        /item_ids.json: sha256/,
      );
      expect(after.every((ids) => ids.length === model.userIds.length)).toBe(true);
    });
  });
});
