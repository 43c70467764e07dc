/** One contract for every ModelStore: S3 (embedded s3rver) and a local folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelStore } from '../../shared/ports/model-store';
import { S3ModelStore } from '../../shared/storage/s3/model-store';
import { LocalModelStore } from '../../shared/storage/local/model-store';
import { MemoryModelStore } from '../../shared/storage/local/memory-model-store';
import { s3Client } from '../../shared/storage/aws/clients';
import { loadLatestModel, publishModel } from '../../shared/model/repository';
import { useEmbeddedAws } from '../helpers/aws';
import { makeModel } from '../unit/model/make-model';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : null);

function contract(name: string, make: () => ModelStore) {
  describe(`ModelStore contract: ${name}`, () => {
    let n = 0;
    const fresh = () => ({ store: make(), p: `t${++n}-${Date.now()}/` });

    it('puts and gets bytes exactly, including large binary ones', async () => {
      const { store, p } = fresh();
      const big = new Uint8Array(2 * 1024 * 1024 + 5);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
      await store.put(`${p}a/big.bin`, big);
      await store.put(`${p}a/x.json`, bytes('{"a":1}'), 'application/json');
      const got = await store.get(`${p}a/big.bin`);
      // Buffer.equals: vitest's deep equality walks megabytes element by element
      expect(got && Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(big)).toBe(true);
      expect(text(await store.get(`${p}a/x.json`))).toBe('{"a":1}');
    });

    it('streams an object as ordered chunks (getChunks), null when absent, and can be broken off', async () => {
      const { store, p } = fresh();
      if (!store.getChunks) return;
      const big = new Uint8Array(3 * 1024 * 1024 + 3);
      for (let i = 0; i < big.length; i++) big[i] = (i * 13 + 5) & 0xff;
      await store.put(`${p}big.bin`, big);
      const parts: Uint8Array[] = [];
      for await (const c of (await store.getChunks(`${p}big.bin`))!) parts.push(new Uint8Array(c));
      expect(Buffer.concat(parts).equals(big)).toBe(true);
      expect(await store.getChunks(`${p}nope`)).toBeNull();
      // a reader that stops early (a corrupt file) must not hang or leak the stream
      for await (const _c of (await store.getChunks(`${p}big.bin`))!) break;
      expect(await store.get(`${p}big.bin`)).toHaveLength(big.length);
    });

    it('reads a byte range exactly (getRange), null when the object is absent', async () => {
      const { store, p } = fresh();
      const big = new Uint8Array(300_000);
      for (let i = 0; i < big.length; i++) big[i] = (i * 29 + 3) & 0xff;
      await store.put(`${p}h.i32`, big);
      for (const [s, e] of [
        [0, 1],
        [4, 4096],
        [123_457, 299_999],
        [299_996, 300_000],
      ]) {
        const got = await store.getRange(`${p}h.i32`, s, e);
        expect(got && Buffer.from(got).equals(big.subarray(s, e))).toBe(true);
      }
      expect(await store.getRange(`${p}nope`, 0, 4)).toBeNull();
    });

    it('writes an object from parts (putParts), all or nothing', async () => {
      const { store, p } = fresh();
      if (!store.putParts) return;
      const big = new Uint8Array(17 * 1024 * 1024 + 11);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 1) & 0xff;
      async function* pieces(b: Uint8Array, size: number, failAt = Infinity) {
        for (let at = 0; at < b.length; at += size) {
          if (at >= failAt) throw new Error('the parts failed');
          yield b.subarray(at, at + size);
        }
      }
      await store.putParts(`${p}big.bin`, pieces(big, 3 * 1024 * 1024 + 1));
      const got = await store.get(`${p}big.bin`);
      expect(got && Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(big)).toBe(true);
      await store.putParts(`${p}small.bin`, pieces(big.subarray(0, 1000), 300));
      expect(Buffer.from((await store.get(`${p}small.bin`))!).equals(big.subarray(0, 1000))).toBe(true);
      await store.putParts(`${p}empty.bin`, pieces(new Uint8Array(0), 1));
      expect(await store.get(`${p}empty.bin`)).toHaveLength(0);
      // a failure midway: the object under the key stays what it was, and a new key gets none
      await expect(store.putParts(`${p}small.bin`, pieces(big, 4 * 1024 * 1024, 12 * 1024 * 1024))).rejects.toThrow(
        'the parts failed',
      );
      expect(await store.get(`${p}small.bin`)).toHaveLength(1000);
      await expect(store.putParts(`${p}new.bin`, pieces(big, 1024 * 1024, 9 * 1024 * 1024))).rejects.toThrow();
      expect(await store.get(`${p}new.bin`)).toBeNull();
      expect(await store.list(p)).toEqual([`${p}big.bin`, `${p}empty.bin`, `${p}small.bin`]);
    });

    it('returns null / missing for an absent key', async () => {
      const { store, p } = fresh();
      expect(await store.get(`${p}nope`)).toBeNull();
      expect(await store.getIfChanged(`${p}nope`)).toEqual({ status: 'missing' });
      expect(await store.getIfChanged(`${p}nope`, '"x"')).toEqual({ status: 'missing' });
    });

    it('conditional get: unchanged for the same etag, ok with a new etag after an overwrite', async () => {
      const { store, p } = fresh();
      await store.put(`${p}latest.json`, bytes('one'));
      const a = await store.getIfChanged(`${p}latest.json`);
      if (a.status !== 'ok') throw new Error(`expected ok, got ${a.status}`);
      expect(text(a.body)).toBe('one');
      expect(await store.getIfChanged(`${p}latest.json`, a.etag)).toEqual({ status: 'unchanged' });
      await store.put(`${p}latest.json`, bytes('two!'));
      const b = await store.getIfChanged(`${p}latest.json`, a.etag);
      if (b.status !== 'ok') throw new Error(`expected ok, got ${b.status}`);
      expect(text(b.body)).toBe('two!');
      expect(b.etag).not.toBe(a.etag);
    });

    it('lists keys under a prefix, sorted, and deletes them', async () => {
      const { store, p } = fresh();
      for (const k of ['v2/b', 'v1/a', 'v1/c', 'latest.json']) await store.put(p + k, bytes(k));
      expect(await store.list(p)).toEqual([`${p}latest.json`, `${p}v1/a`, `${p}v1/c`, `${p}v2/b`]);
      expect(await store.list(`${p}v1/`)).toEqual([`${p}v1/a`, `${p}v1/c`]);
      await store.delete([`${p}v1/a`, `${p}v1/c`, `${p}v1/never-existed`]);
      expect(await store.list(p)).toEqual([`${p}latest.json`, `${p}v2/b`]);
      expect(await store.list(`${p}zzz/`)).toEqual([]);
    });

    it('carries a published model end to end', async () => {
      const { store, p } = fresh();
      const model = makeModel({ kind: 'item-knn' });
      await publishModel(store, p, model, { keep: 2 });
      const loaded = await loadLatestModel(store, p);
      expect(loaded?.itemFactors).toEqual(model.itemFactors);
      expect(loaded?.neighbors?.weights).toEqual(model.neighbors?.weights);
    });
  });
}

const aws = useEmbeddedAws();
contract('S3 (s3rver)', () => new S3ModelStore(s3Client(), aws().bucketName));

const dir = mkdtempSync(join(tmpdir(), 'attune-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
contract('local folder', () => new LocalModelStore(dir));
contract('memory', () => new MemoryModelStore());
