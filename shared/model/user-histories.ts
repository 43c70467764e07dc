/**
 * Per-user training histories, laid out so serving can fetch one user's by a
 * byte-range read instead of holding every user in memory (issue #13 §4):
 * users are hashed into buckets; the small index (bucket offsets and checksums)
 * is loaded with the model, a bucket is one ranged GET. Two artifact files,
 * written and verified by the codec like any kind part:
 * - `user_histories.i32`: buckets back to back; a record is
 *   [idBytes, n, id (UTF-8, zero-padded to 4 bytes), n item indices, n weights (f32 bits)].
 * - `user_histories_index.f64`: [B, offset_0 … offset_B (in 4-byte words), checksum_0 … checksum_{B−1}].
 * Fold-in from a user's full training history scores as their stored row does
 * (MovieLens 100K, tuned ALS: nDCG@10 0.4899 vs 0.4898 per user, 0.4901 vs 0.4907
 * per item; `npx tsx bench/serving-memory.ts`), which is why a history is enough.
 */
import type { Csr } from '../math/csr';
import type { History } from '../math/foldin';
import type { ModelStore } from '../ports/model-store';
import { CorruptModelError } from './errors';

export const USER_HISTORIES_FILE = 'user_histories.i32';
export const USER_HISTORIES_INDEX_FILE = 'user_histories_index.f64';

/** Users per bucket aimed at: a bucket of ~64 users with ~100 items each is ~50 KB, one fast ranged GET. */
const USERS_PER_BUCKET = 64;
const MAX_BUCKETS = 1 << 20;

const utf8 = new TextEncoder();

/** FNV-1a over the id's UTF-8 bytes: stable across platforms and releases (the layout depends on it). */
export function fnv1a(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function bucketCount(users: number): number {
  let b = 1;
  while (b * USERS_PER_BUCKET < users && b < MAX_BUCKETS) b *= 2;
  return b;
}

export function bucketOf(userId: string, buckets: number): number {
  return fnv1a(utf8.encode(userId)) % buckets;
}

/** Checksum of a bucket's words (FNV-1a over its bytes): catches a torn or misplaced range read. */
function checksum(words: Int32Array): number {
  return fnv1a(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
}

/** Both files from the training matrix (rows = users, values = summed event weights). */
export function encodeUserHistories(
  userIds: readonly string[],
  ui: Pick<Csr, 'indptr' | 'indices' | 'data'>,
): { body: Int32Array; index: Float64Array } {
  const users = userIds.length;
  const B = bucketCount(users);
  const ids = userIds.map((id) => utf8.encode(id));
  const byBucket: number[][] = Array.from({ length: B }, () => []);
  for (let u = 0; u < users; u++) byBucket[fnv1a(ids[u]) % B].push(u);
  let words = 0;
  for (let u = 0; u < users; u++) words += 2 + Math.ceil(ids[u].length / 4) + 2 * (ui.indptr[u + 1] - ui.indptr[u]);
  const body = new Int32Array(words);
  const bytes = new Uint8Array(body.buffer);
  const asF32 = new Float32Array(body.buffer);
  const index = new Float64Array(1 + (B + 1) + B);
  index[0] = B;
  let w = 0;
  for (let b = 0; b < B; b++) {
    index[1 + b] = w;
    for (const u of byBucket[b]) {
      const id = ids[u];
      const lo = ui.indptr[u];
      const n = ui.indptr[u + 1] - lo;
      body[w++] = id.length;
      body[w++] = n;
      bytes.set(id, w * 4);
      w += Math.ceil(id.length / 4);
      body.set(ui.indices.subarray(lo, lo + n), w);
      w += n;
      for (let q = 0; q < n; q++) asF32[w + q] = ui.data[lo + q];
      w += n;
    }
    index[2 + B + b] = checksum(body.subarray(index[1 + b], w));
  }
  index[1 + B] = w;
  return { body, index };
}

/** Where one bucket's bytes are, and the checksum they must have. */
export interface BucketRange {
  bucket: number;
  /** Byte offsets, end exclusive. */
  start: number;
  end: number;
  checksum: number;
}

/** The index file's parsed form, checked once when the model loads. */
export class UserHistoryIndex {
  readonly buckets: number;

  constructor(
    private readonly index: Float64Array,
    private readonly items: number,
    bodyBytes: number,
  ) {
    const B = index[0];
    if (!Number.isInteger(B) || B < 1 || B > MAX_BUCKETS || index.length !== 2 + 2 * B)
      throw new CorruptModelError(`${USER_HISTORIES_INDEX_FILE}: malformed header`);
    for (let b = 0; b <= B; b++) {
      const o = index[1 + b];
      if (!Number.isInteger(o) || o < (b ? index[b] : 0) || o * 4 > bodyBytes)
        throw new CorruptModelError(`${USER_HISTORIES_INDEX_FILE}: offset ${b} out of order or range`);
    }
    if (index[1 + B] * 4 !== bodyBytes)
      throw new CorruptModelError(`${USER_HISTORIES_INDEX_FILE}: offsets do not span ${USER_HISTORIES_FILE}`);
    this.buckets = B;
  }

  rangeOf(userId: string): BucketRange {
    const b = bucketOf(userId, this.buckets);
    return {
      bucket: b,
      start: this.index[1 + b] * 4,
      end: this.index[2 + b] * 4,
      checksum: this.index[2 + this.buckets + b],
    };
  }

  /** The user's history in one bucket's bytes; null when the user is not in it. */
  find(userId: string, range: BucketRange, bytes: Uint8Array): History | null {
    if (bytes.byteLength !== range.end - range.start)
      throw new CorruptModelError(`${USER_HISTORIES_FILE}: bucket ${range.bucket} read ${bytes.byteLength} bytes`);
    const own = new Uint8Array(bytes); // aligned copy: a ranged body may sit at any offset
    const words = new Int32Array(own.buffer);
    if (checksum(words) !== range.checksum)
      throw new CorruptModelError(`${USER_HISTORIES_FILE}: bucket ${range.bucket} checksum mismatch`);
    const floats = new Float32Array(own.buffer);
    const want = utf8.encode(userId);
    let w = 0;
    while (w < words.length) {
      const len = words[w];
      const n = words[w + 1];
      const idAt = (w + 2) * 4;
      const next = w + 2 + Math.ceil(len / 4) + 2 * n;
      if (len < 0 || n < 0 || next > words.length)
        throw new CorruptModelError(`${USER_HISTORIES_FILE}: bucket ${range.bucket} record overruns`);
      if (len === want.length && sameBytes(own, idAt, want)) {
        const at = w + 2 + Math.ceil(len / 4);
        const itemIdx = words.slice(at, at + n);
        for (const i of itemIdx)
          if (i < 0 || i >= this.items) throw new CorruptModelError(`${USER_HISTORIES_FILE}: item ${i} out of range`);
        return { itemIdx, weights: Float64Array.from(floats.subarray(at + n, at + 2 * n)) };
      }
      w = next;
    }
    return null;
  }
}

function sameBytes(hay: Uint8Array, at: number, needle: Uint8Array): boolean {
  for (let i = 0; i < needle.length; i++) if (hay[at + i] !== needle[i]) return false;
  return true;
}

/** Users' training histories read on demand (a model loaded without its user-side files). */
export interface UserHistorySource {
  /** The user's weighted training history; null when the model has no such user. */
  read(userId: string): Promise<History | null>;
}

/**
 * Reads from a published version's `user_histories.i32` by range, one bucket per
 * call. A store failure rejects (the caller degrades); a bucket that does not
 * verify is a CorruptModelError.
 */
export function rangedUserHistories(
  store: Pick<ModelStore, 'getRange'>,
  key: string,
  index: Float64Array,
  items: number,
  bodyBytes: number,
): UserHistorySource {
  const idx = new UserHistoryIndex(index, items, bodyBytes);
  return {
    async read(userId) {
      const range = idx.rangeOf(userId);
      if (range.end === range.start) return null;
      const bytes = await store.getRange(key, range.start, range.end);
      if (!bytes) throw new Error(`${key}: missing`);
      return idx.find(userId, range, bytes);
    },
  };
}
