/** ModelStore in memory: unit tests and fault injection (wrap it and fail chosen puts). */
import type { ConditionalGet, ModelStore } from '../../ports/model-store';

export class MemoryModelStore implements ModelStore {
  readonly objects = new Map<string, { body: Uint8Array; etag: string }>();
  private counter = 0;

  async put(key: string, body: Uint8Array): Promise<void> {
    // Copy: callers may reuse their buffer, and S3 would not see later changes either.
    this.objects.set(key, { body: new Uint8Array(body), etag: `"m${++this.counter}"` });
  }

  async putParts(key: string, parts: AsyncIterable<Uint8Array>): Promise<void> {
    const all: Uint8Array[] = [];
    for await (const p of parts) all.push(new Uint8Array(p));
    await this.put(key, Buffer.concat(all));
  }

  async get(key: string): Promise<Uint8Array | null> {
    const o = this.objects.get(key);
    return o ? new Uint8Array(o.body) : null;
  }

  async getChunks(key: string): Promise<AsyncIterable<Uint8Array> | null> {
    const o = this.objects.get(key);
    if (!o) return null;
    // Several chunks, so readers' chunk handling (offsets, overflow) is exercised in unit tests.
    const body = new Uint8Array(o.body);
    return (async function* () {
      for (let at = 0; at < body.byteLength; at += 65_536) yield body.subarray(at, at + 65_536);
    })();
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array | null> {
    const o = this.objects.get(key);
    return o ? o.body.slice(start, Math.max(start, end)) : null;
  }

  async getIfChanged(key: string, etag?: string): Promise<ConditionalGet> {
    const o = this.objects.get(key);
    if (!o) return { status: 'missing' };
    if (etag !== undefined && etag === o.etag) return { status: 'unchanged' };
    return { status: 'ok', body: new Uint8Array(o.body), etag: o.etag };
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(keys: string[]): Promise<void> {
    for (const k of keys) this.objects.delete(k);
  }
}
