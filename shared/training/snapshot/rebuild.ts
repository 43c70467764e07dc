/**
 * A full read (a rebuild) merged without holding every event: the large path's Prepare.
 *
 * Pass 1, while the store delivers batches: the read's bookkeeping as SnapshotMerger.add does it (erased
 * users skipped, the watermark, the event keys near it, the weights), the ids interned (users and items: the
 * snapshot's index holds them anyway), each user's kept-event count, and each kept event as a 24-byte record
 * (user, item, weight, time) in a buffer. A full buffer is sorted by user id (stable: a user's events keep
 * their read order) and written as one spill file to the attempt's scratch.
 *
 * Pass 2: the users sorted (the snapshot's numbering), cut into groups of consecutive users holding at most
 * `groupEvents` kept events (P groups, from the counts of pass 1). A group's events are a contiguous run of
 * every spill, since each spill is sorted by user: they are read by ranged GETs through one block per spill,
 * spill by spill, so each user's events reach the group's merger in read order. Each group is one
 * SnapshotMerger (no base: begin/feed), its users written in order to the next snapshot's chunks.
 *
 * Exact as the whole read's merge: every rule of the merge is per user (erasure, the cap's windows and the
 * order it keeps events in: time, then the item's rank among the merged ids, which a group's sorted subset
 * of the items preserves, then weight, then read order; the sums in read order), and what is not per user
 * (watermark, recent keys, read counts, the ids) comes from pass 1. A full read has no base, so no event is
 * a duplicate. Memory: the ids and four 4-byte counts a user, the recent keys, two buffers of records, one
 * group's events. A failed read's scratch is deleted ({@link PartitionedRebuild.discard}); each read
 * attempt has its own, so nothing of one attempt reaches another.
 */
import { DEFAULT_RATING_RANGE, eventWeight, type Interaction, type RatingRange } from '../../events';
import type { ModelStore } from '../../ports/model-store';
import { readRange } from '../distributed/blob';
import { eventKeyHash, type TrainingSnapshot } from './format';
import {
  byString,
  emptyMergeStats,
  recentKeys,
  snapshotHeader,
  SnapshotMerger,
  type MergeOptions,
  type MergePlan,
  type MergeStats,
} from './merge';
import type { SnapshotWriter } from './stream';

/** Records a spill buffer holds (24 B each; two buffers): 24 MiB each. */
export const DEFAULT_REBUILD_ENTRIES = 1 << 20;
/** Kept events a group merges at once (about 60 B each in the merger). */
export const DEFAULT_GROUP_EVENTS = 1 << 20;
const REC = 24;
/**
 * Fewest records a spill's read block holds in pass 2. The blocks share the two buffers (2·E records), so
 * pass 2 holds no more than pass 1 and a block is 2·E/S records: S spills take about S²/2 GETs in all (E =
 * 1M: 15M events, 120 GETs of 3.3 MB; 100M, 5,000 of 0.5 MB). Past 2·E/64 spills the blocks outgrow the buffers.
 */
const MIN_BLOCK = 64;

export interface RebuildSizes {
  /** Records a spill buffer holds (default {@link DEFAULT_REBUILD_ENTRIES}). */
  spillEntries?: number;
  /** Kept events a group merges at once, a user with more being a group alone (default {@link DEFAULT_GROUP_EVENTS}). */
  groupEvents?: number;
  /** Records one ranged GET of a spill reads in pass 2 (default: the two buffers shared among the spills). */
  readBlock?: number;
}

export interface RebuildResult {
  plan: MergePlan;
  header: TrainingSnapshot['header'];
  tail: Pick<TrainingSnapshot, 'recentKey' | 'recentAt'> & { watermark: number };
  stats: MergeStats;
  /** How the events were partitioned: spill files, groups merged, records a ranged GET read. */
  shape: { spills: number; groups: number; readBlock: number };
}

const grow = <T extends Int32Array | Float64Array>(a: T, n: number): T => {
  if (n <= a.length) return a;
  const b = new (a.constructor as { new (n: number): T })(Math.max(n, a.length * 2));
  b.set(a);
  return b;
};

export class PartitionedRebuild {
  private readonly erased: ReadonlySet<string>;
  private readonly range: RatingRange;
  private readonly E: number;
  private readonly G: number;
  private readonly block: number | undefined;
  private watermark = 0;
  private readonly stats = emptyMergeStats();
  // event keys that may end within dedupeMs of the watermark, in read order
  private keyA = new Float64Array(1024);
  private atA = new Float64Array(1024);
  private keys = 0;
  // ids in order of first sight; per user: kept events, and two scratch slots for sorting a spill
  private userOf: Map<string, number> | null = new Map();
  private itemOf: Map<string, number> | null = new Map();
  private readonly users: string[] = [];
  private readonly items: string[] = [];
  private count = new Int32Array(1024);
  private mark = new Int32Array(1024);
  private slot = new Int32Array(1024);
  // the record buffer being filled and the one a spill is sorted into
  private buf: ArrayBuffer;
  private out: ArrayBuffer;
  private bufI: Int32Array;
  private bufF: Float64Array;
  private m = 0;
  private readonly spills: number[] = [];
  // batches are taken one at a time, in the order the store hands them over
  private queue: Promise<void> = Promise.resolve();
  private failed: unknown = null;
  private closed = false;

  constructor(
    private readonly models: ModelStore,
    /** This attempt's scratch prefix (ends with '/'): its spill files, deleted by {@link discard}. */
    private readonly scratch: string,
    private readonly opts: MergeOptions,
    sizes: RebuildSizes = {},
  ) {
    this.erased = opts.erased ?? new Set();
    this.range = opts.range ?? DEFAULT_RATING_RANGE;
    const size = (n: number | undefined, d: number) => (n && n >= 1 ? Math.floor(n) : d);
    this.E = size(sizes.spillEntries, DEFAULT_REBUILD_ENTRIES);
    this.G = size(sizes.groupEvents, DEFAULT_GROUP_EVENTS);
    this.block = sizes.readBlock && sizes.readBlock >= 1 ? Math.floor(sizes.readBlock) : undefined;
    this.buf = new ArrayBuffer(REC * Math.min(this.E, 1024));
    this.out = new ArrayBuffer(this.buf.byteLength);
    this.bufI = new Int32Array(this.buf);
    this.bufF = new Float64Array(this.buf);
  }

  /** The read's visitor: resolves once the batch is taken (a store that awaits it holds back its next pages). */
  add(batch: Interaction[]): Promise<void> {
    const taken = this.queue.then(() => this.take(batch));
    this.queue = taken.catch((err) => {
      this.failed ??= err;
    });
    return taken;
  }

  private spillKey(j: number): string {
    return `${this.scratch}spill-${j}.bin`;
  }

  private async take(batch: Interaction[]): Promise<void> {
    if (this.closed) throw new Error('rebuild: events after the read was discarded');
    if (this.failed) throw this.failed;
    for (const ev of batch) {
      this.stats.read++;
      if (this.erased.has(ev.userId)) {
        this.stats.erasedEvents++;
        continue;
      }
      this.keep(eventKeyHash(ev.userId, ev.eventId), ev.receivedAt);
      // receipt counts for the watermark even if the weight is 0: it was seen
      if (ev.receivedAt > this.watermark) this.watermark = ev.receivedAt;
      const w = eventWeight(ev.type, ev.value, this.range);
      if (!(w > 0) || !Number.isFinite(w)) continue;
      let u = this.userOf!.get(ev.userId);
      if (u === undefined) {
        this.userOf!.set(ev.userId, (u = this.users.push(ev.userId) - 1));
        if (u === this.count.length) {
          this.count = grow(this.count, u + 1);
          this.mark = grow(this.mark, u + 1);
          this.slot = grow(this.slot, u + 1);
        }
      }
      let i = this.itemOf!.get(ev.itemId);
      if (i === undefined) this.itemOf!.set(ev.itemId, (i = this.items.push(ev.itemId) - 1));
      this.count[u]++;
      if (REC * (this.m + 1) > this.buf.byteLength) {
        // the buffers grow to E records as the read does (a small table never allocates them whole)
        const bytes = REC * Math.min(this.E, 2 * Math.max(this.m, 1024));
        const b = new ArrayBuffer(bytes);
        new Uint8Array(b).set(new Uint8Array(this.buf));
        this.buf = b;
        this.out = new ArrayBuffer(bytes);
        this.bufI = new Int32Array(b);
        this.bufF = new Float64Array(b);
      }
      // a record: user and item (i32), weight and time (f64)
      this.bufI[6 * this.m] = u;
      this.bufI[6 * this.m + 1] = i;
      this.bufF[3 * this.m + 1] = w;
      this.bufF[3 * this.m + 2] = Number.isFinite(ev.timestamp) ? ev.timestamp : 0;
      if (++this.m === this.E) await this.spill();
    }
  }

  /** Keeps an event key unless it can no longer be among the recent ones (received dedupeMs before the watermark so far). */
  private keep(key: number, at: number): void {
    if (this.keys === this.keyA.length) {
      const since = this.watermark - this.opts.dedupeMs;
      let n = 0;
      for (let r = 0; r < this.keys; r++)
        if (this.atA[r] > since) {
          this.keyA[n] = this.keyA[r];
          this.atA[n++] = this.atA[r];
        }
      this.keys = n;
      if (n > this.keyA.length / 2) {
        this.keyA = grow(this.keyA, 2 * n);
        this.atA = grow(this.atA, 2 * n);
      }
    }
    this.keyA[this.keys] = key;
    this.atA[this.keys++] = at;
  }

  /** The buffer sorted by user id (counting sort over its distinct users, stable) into one spill file. */
  private async spill(): Promise<void> {
    const m = this.m;
    if (m === 0) return;
    const tag = this.spills.length + 1;
    const inI = this.bufI;
    const distinct: number[] = [];
    for (let e = 0; e < m; e++) {
      const u = inI[6 * e]!;
      if (this.mark[u] !== tag) {
        this.mark[u] = tag;
        this.slot[u] = 0;
        distinct.push(u);
      }
      this.slot[u]++;
    }
    distinct.sort((a, b) => byString(this.users[a]!, this.users[b]!));
    let at = 0;
    for (const u of distinct) {
      const n = this.slot[u]!;
      this.slot[u] = at;
      at += n;
    }
    const outI = new Int32Array(this.out, 0, (REC / 4) * m);
    for (let e = 0; e < m; e++) {
      const d = 6 * this.slot[inI[6 * e]!]!++;
      for (let k = 0; k < 6; k++) outI[d + k] = inI[6 * e + k]!;
    }
    this.m = 0;
    await this.models.put(this.spillKey(this.spills.length), new Uint8Array(this.out, 0, REC * m));
    this.spills.push(m);
  }

  /** After the read: every batch taken and the last buffer spilled. */
  private async settle(): Promise<void> {
    await this.queue;
    if (this.failed) throw this.failed;
    if (this.closed) throw new Error('rebuild: the read was discarded');
    await this.spill();
  }

  /**
   * Pass 2 (see the file comment) into `writer`, `step` merged pairs at most between two flushes; returns what
   * the whole read's merger would give for the index and the run record. The scratch stays: {@link discard} it.
   */
  async write(writer: SnapshotWriter, step: number): Promise<RebuildResult> {
    await this.settle();
    const { users, items } = this;
    this.userOf = this.itemOf = null;
    const nu = users.length;
    const byUser = Int32Array.from(users.keys()).sort((a, b) => byString(users[a]!, users[b]!));
    const rank = this.mark; // no spill sorts any more: the slots are free
    for (let r = 0; r < nu; r++) rank[byUser[r]!] = r;
    const userIds = Array.from(byUser, (u) => users[u]!);
    const byItem = Int32Array.from(items.keys()).sort((a, b) => byString(items[a]!, items[b]!));
    const itemRank = new Int32Array(items.length);
    for (let r = 0; r < items.length; r++) itemRank[byItem[r]!] = r;
    const itemIds = Array.from(byItem, (i) => items[i]!);

    // a read block per spill, in the two buffers (or more room when spills are many)
    const S = this.spills.length;
    const room = Math.floor((this.buf.byteLength + this.out.byteLength) / REC);
    const B = this.block ?? Math.min(this.E, Math.max(MIN_BLOCK, Math.floor(room / Math.max(1, S))));
    const blocks = new ArrayBuffer(REC * B * S);
    this.buf = this.out = new ArrayBuffer(0);
    this.bufI = new Int32Array(0);
    this.bufF = new Float64Array(0);
    const cur = this.spills.map((size, j) => ({
      size,
      pos: 0,
      // the block holds records [lo, hi) of the spill
      lo: 0,
      hi: 0,
      i: new Int32Array(blocks, REC * B * j, 6 * B),
      f: new Float64Array(blocks, REC * B * j, 3 * B),
    }));
    const refill = async (j: number) => {
      const c = cur[j]!;
      const n = Math.min(B, c.size - c.pos);
      const got = await readRange(this.models, this.spillKey(j), REC * c.pos, REC * (c.pos + n));
      new Uint8Array(blocks, REC * B * j, REC * n).set(got);
      c.lo = c.pos;
      c.hi = c.pos + n;
    };

    const seenItem = new Int32Array(items.length).fill(-1);
    let gi = new Int32Array(256);
    let lo = 0;
    let g = 0;
    for (; lo < nu; g++) {
      // the next group: consecutive users up to G kept events (a user with more is a group alone)
      let hi = lo;
      let n = 0;
      while (hi < nu && (hi === lo || n + this.count[byUser[hi]!]! <= this.G)) n += this.count[byUser[hi++]!]!;
      const merger = new SnapshotMerger(null, this.opts);
      const groupItems: number[] = [];
      for (let j = 0; j < S; j++) {
        const c = cur[j]!;
        for (; c.pos < c.size; c.pos++) {
          if (c.pos === c.hi) await refill(j);
          const o = c.pos - c.lo;
          const u = c.i[6 * o]!;
          const i = c.i[6 * o + 1]!;
          if (rank[u]! >= hi) break;
          if (rank[u]! < lo) throw new Error(`rebuild: spill ${j} is out of user order`);
          merger.addWeighed(users[u]!, items[i]!, c.f[3 * o + 1]!, c.f[3 * o + 2]!);
          if (seenItem[i] !== g) {
            seenItem[i] = g;
            groupItems.push(itemRank[i]!);
          }
        }
      }
      // the group's merged ids are its users (ranks lo..hi) and its items, sorted: their global numbers in order
      const toGlobal = Int32Array.from(groupItems).sort();
      const plan = merger.begin((m) => {
        if (m.n > gi.length) gi = new Int32Array(2 * m.n);
        for (let k = 0; k < m.n; k++) gi[k] = toGlobal[m.item[k]!]!;
        writer.user({ ...m, u: lo + m.u, item: gi });
      });
      if (plan.userIds.length !== hi - lo || plan.itemIds.length !== toGlobal.length)
        throw new Error(`rebuild: group ${g} merged ${plan.userIds.length} users of ${hi - lo}`);
      while (!merger.feed(null, step)) await writer.flush();
      await writer.flush();
      const c = merger.counts();
      this.stats.cappedEvents += c.cappedEvents;
      this.stats.added += c.added;
      lo = hi;
    }
    for (const [j, c] of cur.entries())
      if (c.pos !== c.size) throw new Error(`rebuild: spill ${j} has ${c.size - c.pos} records past its users`);

    const since = this.watermark - this.opts.dedupeMs;
    const recent = recentKeys(null, { key: this.keyA, at: this.atA, n: this.keys }, since);
    return {
      plan: { userIds, itemIds },
      header: snapshotHeader(null, this.opts, this.watermark),
      tail: { watermark: this.watermark, ...recent },
      stats: { ...this.stats },
      shape: { spills: S, groups: g, readBlock: B },
    };
  }

  /** Counts so far (as SnapshotMerger.counts). */
  counts(): MergeStats {
    return { ...this.stats };
  }

  /** Stops taking events, lets go of them and deletes this attempt's spill files (after a failed read, after the write). */
  async discard(): Promise<void> {
    this.closed = true;
    await this.queue;
    this.userOf = this.itemOf = null;
    this.users.length = this.items.length = this.keys = this.m = 0;
    this.buf = this.out = new ArrayBuffer(0);
    this.bufI = new Int32Array(0);
    this.bufF = new Float64Array(0);
    this.count = this.mark = this.slot = new Int32Array(0);
    this.keyA = this.atA = new Float64Array(0);
    const keys = await this.models.list(this.scratch);
    for (let k = 0; k < keys.length; k += 1000) await this.models.delete(keys.slice(k, k + 1000));
  }
}
