/**
 * The snapshot in chunks (format 2), so a run can merge, write and read it a
 * chunk at a time: `<prefix><id>/chunk-<k>.bin` hold the pairs and cap windows
 * of a contiguous range of users (cut at user boundaries once a chunk holds
 * {@link DEFAULT_CHUNK_PAIRS} pairs), and `<prefix><id>/snapshot.bin`, the
 * index, holds the header, the ids, each user's and item's pair count, the
 * recent event keys and every chunk's length and sha256. Written chunks first,
 * then the index, then the pointer naming the index with its sha256 (the
 * pointer last, as before): a reader checks the index against the pointer and
 * each chunk against the index before using it.
 *
 * Items keep their ids while any user has a pair with them; an item only
 * erased users had is still listed with 0 pairs (the merge learns it only at
 * the end of the stream), and readers drop it: {@link openSnapshot} numbers
 * items among those with pairs, so every reader sees the canonical snapshot.
 */
import { createHash } from 'node:crypto';
import type { ModelStore } from '../../ports/model-store';
import { decodeSections, encodeSections, idsOf } from './codec';
import { CorruptSnapshotError, type SnapshotHeader, type TrainingSnapshot } from './format';
import { Column, type BaseChunk } from './merge';

/** About 28 MB a chunk: what a reader or writer holds of the pairs at once. */
export const DEFAULT_CHUNK_PAIRS = 1 << 20;
export const SNAPSHOT_INDEX = 'snapshot.bin';
const INDEX_MAGIC = 'ATSNAP\n';
const CHUNK_MAGIC = 'ATSNPC\n';
const utf8 = new TextEncoder();
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export interface ChunkRef {
  name: string;
  userLo: number;
  userHi: number;
  pairs: number;
  windows: number;
  bytes: number;
  sha256: string;
}

/** Everything of a snapshot but its pairs: O(users + items + recent keys). */
export interface SnapshotIndex {
  header: SnapshotHeader;
  userIds: string[];
  /** Items with at least one pair, sorted. */
  itemIds: string[];
  /** Pairs per user and per item (of `itemIds`). */
  userPairs: Int32Array;
  itemPairs: Int32Array;
  recentKey: Float64Array;
  recentAt: Float64Array;
  chunks: ChunkRef[];
  /** Σ pairs and Σ events (pair counts). */
  pairs: number;
  events: number;
}

/** A user's merged rows as the writer takes them (./merge.ts MergedUser, or a slice of a whole snapshot). */
export interface UserRows {
  u: number;
  n: number;
  item: ArrayLike<number>;
  weight: ArrayLike<number>;
  count: ArrayLike<number>;
  time: ArrayLike<number>;
  windows: number;
  windowIndex: ArrayLike<number>;
  windowCount: ArrayLike<number>;
}

interface ChunkHead {
  format: number;
  userLo: number;
  userHi: number;
}

function encodeChunk(c: BaseChunk): Uint8Array {
  const parts: [string, Uint8Array][] = (
    ['pairUser', 'pairItem', 'pairWeight', 'pairCount', 'pairTime', 'windowUser', 'windowIndex', 'windowCount'] as const
  ).map((n) => [n, bytesOf(c[n])]);
  return encodeSections(CHUNK_MAGIC, 2, { format: 2, userLo: c.userLo, userHi: c.userHi }, parts);
}

function decodeChunk(bytes: Uint8Array, ref: ChunkRef, what: string): BaseChunk {
  const { header, array } = decodeSections<ChunkHead>(bytes, CHUNK_MAGIC, what);
  if (header.userLo !== ref.userLo || header.userHi !== ref.userHi)
    throw new CorruptSnapshotError(`${what}: users ${header.userLo}..${header.userHi}, the index says otherwise`);
  const c: BaseChunk = {
    userLo: header.userLo,
    userHi: header.userHi,
    pairUser: array('pairUser', Int32Array),
    pairItem: array('pairItem', Int32Array),
    pairWeight: array('pairWeight', Float64Array),
    pairCount: array('pairCount', Uint32Array),
    pairTime: array('pairTime', Float64Array),
    windowUser: array('windowUser', Int32Array),
    windowIndex: array('windowIndex', Float64Array),
    windowCount: array('windowCount', Uint32Array),
  };
  const n = c.pairUser.length;
  if (n !== ref.pairs || c.windowUser.length !== ref.windows)
    throw new CorruptSnapshotError(`${what}: ${n} pairs and ${c.windowUser.length} windows, not as indexed`);
  for (const k of ['pairItem', 'pairWeight', 'pairCount', 'pairTime'] as const)
    if (c[k].length !== n) throw new CorruptSnapshotError(`${what}: ${k} differs in length`);
  if (c.windowIndex.length !== c.windowUser.length || c.windowCount.length !== c.windowUser.length)
    throw new CorruptSnapshotError(`${what}: window arrays differ in length`);
  for (let q = 0; q < n; q++)
    if (!(c.pairUser[q] >= c.userLo && c.pairUser[q] < c.userHi && (q === 0 || c.pairUser[q] >= c.pairUser[q - 1])))
      throw new CorruptSnapshotError(`${what}: pair ${q} is outside its users or out of order`);
  for (let q = 0; q < c.windowUser.length; q++)
    if (!(c.windowUser[q] >= c.userLo && c.windowUser[q] < c.userHi))
      throw new CorruptSnapshotError(`${what}: window ${q}: bad user`);
  return c;
}

/**
 * Writes a snapshot as users arrive (in order, each once): holds the chunk being filled, each user's
 * pair count and each item's, and the ids; {@link finish} writes the index and then the pointer.
 */
export class SnapshotWriter {
  readonly id: string;
  private readonly userPairs = new Column(new Int32Array(1024));
  private itemPairs = new Int32Array(1024);
  private readonly chunks: ChunkRef[] = [];
  private readonly pending: BaseChunk[] = [];
  private pairs = 0;
  private events = 0;
  private nextUser = 0;
  private lo = 0;
  private readonly pu = new Column(new Int32Array(1024));
  private readonly pi = new Column(new Int32Array(1024));
  private readonly pw = new Column(new Float64Array(1024));
  private readonly pc = new Column(new Float64Array(1024));
  private readonly pt = new Column(new Float64Array(1024));
  private readonly wu = new Column(new Int32Array(64));
  private readonly wi = new Column(new Float64Array(64));
  private readonly wc = new Column(new Float64Array(64));

  constructor(
    private readonly store: ModelStore,
    private readonly prefix: string,
    id: string,
    private readonly chunkPairs = DEFAULT_CHUNK_PAIRS,
  ) {
    if (!/^[0-9A-Za-z-]+$/.test(id)) throw new Error(`bad snapshot id ${id}`);
    this.id = id;
  }

  /** Takes the next user's rows (items ascending, in the id space the index will list). */
  user(r: UserRows): void {
    if (r.u !== this.nextUser) throw new Error(`snapshot writer: user ${r.u} after ${this.nextUser - 1}`);
    this.nextUser++;
    this.userPairs.push(r.n);
    for (let k = 0; k < r.n; k++) {
      const i = r.item[k];
      if (i >= this.itemPairs.length) {
        const grown = new Int32Array(Math.max(i + 1, this.itemPairs.length * 2));
        grown.set(this.itemPairs);
        this.itemPairs = grown;
      }
      this.itemPairs[i]++;
      this.pu.push(r.u);
      this.pi.push(i);
      this.pw.push(r.weight[k]);
      this.pc.push(r.count[k]);
      this.pt.push(r.time[k]);
      this.events += r.count[k];
    }
    this.pairs += r.n;
    for (let k = 0; k < r.windows; k++) {
      this.wu.push(r.u);
      this.wi.push(r.windowIndex[k]);
      this.wc.push(r.windowCount[k]);
    }
    if (this.pu.n >= this.chunkPairs) this.seal();
  }

  /** Users and pairs taken so far. */
  get users(): number {
    return this.nextUser;
  }
  get pairCount(): number {
    return this.pairs;
  }

  private seal(): void {
    if (this.nextUser === this.lo) return;
    this.pending.push({
      userLo: this.lo,
      userHi: this.nextUser,
      pairUser: this.pu.a.slice(0, this.pu.n),
      pairItem: this.pi.a.slice(0, this.pi.n),
      pairWeight: this.pw.a.slice(0, this.pw.n),
      pairCount: Uint32Array.from(this.pc.a.subarray(0, this.pc.n)),
      pairTime: this.pt.a.slice(0, this.pt.n),
      windowUser: this.wu.a.slice(0, this.wu.n),
      windowIndex: this.wi.a.slice(0, this.wi.n),
      windowCount: Uint32Array.from(this.wc.a.subarray(0, this.wc.n)),
    });
    this.lo = this.nextUser;
    for (const c of [this.pu, this.pi, this.pw, this.pc, this.pt, this.wu, this.wi, this.wc]) c.n = 0;
  }

  /** Writes the chunks sealed so far (call between batches of users: memory holds the unwritten ones). */
  async flush(): Promise<void> {
    while (this.pending.length) {
      const c = this.pending.shift()!;
      const bytes = encodeChunk(c);
      const name = `chunk-${String(this.chunks.length).padStart(6, '0')}.bin`;
      await this.store.put(`${this.prefix}${this.id}/${name}`, bytes);
      const { userLo, userHi } = c;
      this.chunks.push({
        name,
        userLo,
        userHi,
        pairs: c.pairUser.length,
        windows: c.windowUser.length,
        bytes: bytes.byteLength,
        sha256: sha256(bytes),
      });
    }
  }

  /** Writes the last chunk and the index; returns the pointer to write (the caller writes it last). */
  async finish(
    index: Pick<TrainingSnapshot, 'header' | 'userIds' | 'itemIds' | 'recentKey' | 'recentAt'>,
  ): Promise<SnapshotPointer> {
    if (index.userIds.length !== this.nextUser)
      throw new Error(`snapshot writer: ${this.nextUser} users written, ${index.userIds.length} ids`);
    this.seal();
    await this.flush();
    const itemPairs = new Int32Array(index.itemIds.length);
    itemPairs.set(this.itemPairs.subarray(0, Math.min(this.itemPairs.length, itemPairs.length)));
    const head = { ...index.header, format: 2, chunks: this.chunks, pairs: this.pairs, events: this.events };
    const bytes = encodeSections(INDEX_MAGIC, 2, head, [
      ['userIds', utf8.encode(JSON.stringify(index.userIds))],
      ['itemIds', utf8.encode(JSON.stringify(index.itemIds))],
      ['userPairs', bytesOf(this.userPairs.a.subarray(0, this.userPairs.n))],
      ['itemPairs', bytesOf(itemPairs)],
      ['recentKey', bytesOf(index.recentKey)],
      ['recentAt', bytesOf(index.recentAt)],
    ]);
    await this.store.put(`${this.prefix}${this.id}/${SNAPSHOT_INDEX}`, bytes);
    return {
      id: this.id,
      createdAt: index.header.createdAt,
      watermark: index.header.watermark,
      sha256: sha256(bytes),
      bytes: bytes.byteLength,
      format: 2,
    };
  }
}

export interface SnapshotPointer {
  id: string;
  createdAt: string;
  watermark: number;
  sha256: string;
  bytes: number;
  format: number;
}

/** A format-2 snapshot opened by its index: the ids and counts now, the pairs chunk by chunk. */
export interface OpenSnapshot {
  pointer: SnapshotPointer;
  index: SnapshotIndex;
  /** The base chunks in order, items numbered among `index.itemIds`, each checked against its sha256. */
  chunks(): AsyncIterable<BaseChunk>;
}

/** Reads and checks the index the pointer names (format 2). */
export async function openSnapshot(store: ModelStore, prefix: string, pointer: SnapshotPointer): Promise<OpenSnapshot> {
  const key = `${prefix}${pointer.id}/${SNAPSHOT_INDEX}`;
  const bytes = await store.get(key);
  if (!bytes) throw new CorruptSnapshotError(`${key}: missing`);
  if (bytes.byteLength !== pointer.bytes || sha256(bytes) !== pointer.sha256)
    throw new CorruptSnapshotError(`${key}: length or sha256 differs from the pointer`);
  type Head = SnapshotHeader & { chunks: ChunkRef[]; pairs: number; events: number; sections?: unknown };
  const { header, format, section, array } = decodeSections<Head>(bytes, INDEX_MAGIC, 'snapshot index');
  if (format !== 2 || header.format !== 2) throw new CorruptSnapshotError(`${key}: not a chunked snapshot index`);
  const { chunks, pairs, events, sections: _s, ...h } = header;
  const userIds = idsOf('userIds', section('userIds'));
  const allItems = idsOf('itemIds', section('itemIds'));
  const userPairs = array('userPairs', Int32Array);
  const allItemPairs = array('itemPairs', Int32Array);
  if (userPairs.length !== userIds.length || allItemPairs.length !== allItems.length)
    throw new CorruptSnapshotError(`${key}: counts and ids differ in length`);
  if (!Array.isArray(chunks)) throw new CorruptSnapshotError(`${key}: no chunk list`);
  // items without pairs leave the numbering (see the file comment)
  const live = new Int32Array(allItems.length).fill(-1);
  const itemIds: string[] = [];
  const counts: number[] = [];
  allItems.forEach((id, i) => {
    if (allItemPairs[i] > 0) {
      live[i] = itemIds.push(id) - 1;
      counts.push(allItemPairs[i]);
    }
  });
  const index: SnapshotIndex = {
    header: h,
    userIds,
    itemIds,
    userPairs,
    itemPairs: Int32Array.from(counts),
    recentKey: array('recentKey', Float64Array),
    recentAt: array('recentAt', Float64Array),
    chunks,
    pairs,
    events,
  };
  let at = 0;
  for (const c of chunks) {
    if (c.userLo !== at || !(c.userHi > c.userLo) || !/^chunk-\d+\.bin$/.test(c.name))
      throw new CorruptSnapshotError(`${key}: chunk ${c.name} does not continue at user ${at}`);
    at = c.userHi;
  }
  if (at !== userIds.length && !(chunks.length === 0 && userIds.length === 0))
    throw new CorruptSnapshotError(`${key}: chunks cover ${at} of ${userIds.length} users`);
  const read = async (c: ChunkRef): Promise<BaseChunk> => {
    const k = `${prefix}${pointer.id}/${c.name}`;
    const b = await store.get(k);
    if (!b) throw new CorruptSnapshotError(`${k}: missing`);
    if (b.byteLength !== c.bytes || sha256(b) !== c.sha256)
      throw new CorruptSnapshotError(`${k}: length or sha256 differs from the index`);
    const chunk = decodeChunk(b, c, k);
    for (let q = 0; q < chunk.pairItem.length; q++) {
      const i = live[chunk.pairItem[q]];
      if (i === undefined || i < 0) throw new CorruptSnapshotError(`${k}: pair ${q} points outside the items`);
      chunk.pairItem[q] = i;
    }
    return chunk;
  };
  async function* stream(): AsyncIterable<BaseChunk> {
    // one chunk read ahead: the next GET overlaps the caller's work on this one
    let next = chunks.length ? read(chunks[0]) : null;
    for (let k = 0; k < chunks.length; k++) {
      const c = await next!;
      next = k + 1 < chunks.length ? read(chunks[k + 1]) : null;
      // a failed read ahead surfaces when awaited, not as an unhandled rejection
      next?.catch(() => {});
      yield c;
    }
  }
  return { pointer, index, chunks: stream };
}

/** The whole snapshot from its chunks (the single job, which holds its data anyway). */
export async function readWhole(open: OpenSnapshot): Promise<TrainingSnapshot> {
  const { index } = open;
  const n = index.pairs;
  const nw = index.chunks.reduce((s, c) => s + c.windows, 0);
  const s: TrainingSnapshot = {
    header: index.header,
    userIds: index.userIds,
    itemIds: index.itemIds,
    pairUser: new Int32Array(n),
    pairItem: new Int32Array(n),
    pairWeight: new Float64Array(n),
    pairCount: new Uint32Array(n),
    pairTime: new Float64Array(n),
    windowUser: new Int32Array(nw),
    windowIndex: new Float64Array(nw),
    windowCount: new Uint32Array(nw),
    recentKey: index.recentKey,
    recentAt: index.recentAt,
  };
  let p = 0;
  let w = 0;
  for await (const c of open.chunks()) {
    if (p + c.pairUser.length > n || w + c.windowUser.length > nw)
      throw new CorruptSnapshotError('chunks hold more than the index counts');
    for (const k of ['pairUser', 'pairItem', 'pairWeight', 'pairCount', 'pairTime'] as const)
      (s[k] as Int32Array).set(c[k] as Int32Array, p);
    for (const k of ['windowUser', 'windowIndex', 'windowCount'] as const)
      (s[k] as Int32Array).set(c[k] as Int32Array, w);
    p += c.pairUser.length;
    w += c.windowUser.length;
  }
  if (p !== n || w !== nw) throw new CorruptSnapshotError(`chunks hold ${p} pairs, the index ${n}`);
  return s;
}

/** Feeds a whole snapshot's users to a writer (the single job's write, in the chunked format). */
export async function writeWhole(w: SnapshotWriter, s: TrainingSnapshot): Promise<SnapshotPointer> {
  let q = 0;
  let x = 0;
  for (let u = 0; u < s.userIds.length; u++) {
    const q0 = q;
    const x0 = x;
    while (q < s.pairUser.length && s.pairUser[q] === u) q++;
    while (x < s.windowUser.length && s.windowUser[x] === u) x++;
    w.user({
      u,
      n: q - q0,
      item: s.pairItem.subarray(q0, q),
      weight: s.pairWeight.subarray(q0, q),
      count: s.pairCount.subarray(q0, q),
      time: s.pairTime.subarray(q0, q),
      windows: x - x0,
      windowIndex: s.windowIndex.subarray(x0, x),
      windowCount: s.windowCount.subarray(x0, x),
    });
    if (u % 4096 === 0) await w.flush();
  }
  return w.finish(s);
}
