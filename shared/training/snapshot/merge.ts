/**
 * Snapshot + newly read events → the next snapshot and the dataset training
 * reads. Pure (no I/O). A full rebuild is the same merge with no base
 * snapshot, so both paths share one set of rules:
 * - erased users' events are skipped, and their rows leave the base;
 * - an event whose key the base already covers (re-read by the safety
 *   overlap, or a retry rewritten within the dedupe window) counts once;
 * - the per-user cap keeps, per (user, window), the earliest events by
 *   (time, item, weight) up to what the base has not used yet — exactly the
 *   full read's choice when there is no base; with one, a window the base
 *   filled keeps its first-read events (only accounts past the cap differ);
 * - weights are summed in Float64, counts summed, the newest time kept.
 */
import { DEFAULT_RATING_RANGE, eventWeight, type Interaction, type RatingRange } from '../../events';
import type { Dataset, UserCap } from '../dataset';
import { CorruptSnapshotError, eventKeyHash, SNAPSHOT_FORMAT, type TrainingSnapshot } from './format';

export interface MergeOptions {
  erased?: ReadonlySet<string>;
  cap?: UserCap;
  range?: RatingRange;
  /** Keep event-key hashes for events received within this many ms of the new watermark. */
  dedupeMs: number;
  erasureWatermark?: number;
  now: number;
}

export interface MergeStats {
  /** Events handed to add(). */
  read: number;
  /** Already covered by the base (or read twice in this run). */
  duplicates: number;
  /** Of erased users, skipped. */
  erasedEvents: number;
  /** Beyond the per-user cap, left out. */
  cappedEvents: number;
  /** New events that counted (positive weight, kept by the cap). */
  added: number;
  /** Base users dropped because they are erased. */
  erasedUsersDropped: number;
}

export const emptyMergeStats = (): MergeStats => ({
  read: 0,
  duplicates: 0,
  erasedEvents: 0,
  cappedEvents: 0,
  added: 0,
  erasedUsersDropped: 0,
});

export interface MergeResult {
  snapshot: TrainingSnapshot;
  dataset: Dataset;
  stats: MergeStats;
}

/** What the merger needs of the base before its pairs: the header, the ids and the recent keys. */
export type BaseIndex = Pick<TrainingSnapshot, 'header' | 'userIds' | 'itemIds' | 'recentKey' | 'recentAt'>;

/**
 * The base's pairs and cap windows of base users [userLo, userHi), indices in the base's numbering, sorted
 * as in the snapshot. A whole snapshot is one chunk; a chunked one (./stream.ts) arrives chunk by chunk.
 */
export type BaseChunk = Pick<
  TrainingSnapshot,
  'pairUser' | 'pairItem' | 'pairWeight' | 'pairCount' | 'pairTime' | 'windowUser' | 'windowIndex' | 'windowCount'
> & { userLo: number; userHi: number };

/** One merged user's rows, views valid only during the call: items ascending, in the plan's provisional ids. */
export interface MergedUser {
  u: number;
  n: number;
  item: Int32Array;
  weight: Float64Array;
  count: Float64Array;
  time: Float64Array;
  windows: number;
  windowIndex: Float64Array;
  windowCount: Float64Array;
}

/** The merged id space: users final, items provisional (an item only erased users had keeps an id, no pairs). */
export interface MergePlan {
  userIds: string[];
  itemIds: string[];
}

export const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Growable typed column: the merger holds one entry per new event, millions on a rebuild. */
export class Column<T extends Int32Array | Float64Array> {
  n = 0;
  constructor(public a: T) {}
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new (this.a.constructor as { new (n: number): T })(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/** Sorted distinct union of two sorted distinct string lists (a walk: no Set or Map over every id). */
function sortedUnion(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const c = i < a.length && j < b.length ? byString(a[i], b[j]) : i < a.length ? -1 : 1;
    out.push(c <= 0 ? a[i] : b[j]);
    if (c <= 0) i++;
    if (c >= 0) j++;
  }
  return out;
}

/** Position of each of `sub` (sorted, each present in `all`, sorted) in `all`, by one walk. */
function positions(sub: readonly string[], all: readonly string[], keep?: (k: number) => boolean): Int32Array {
  const out = new Int32Array(sub.length).fill(-1);
  let j = 0;
  for (let k = 0; k < sub.length; k++) {
    if (keep && !keep(k)) continue;
    while (j < all.length && all[j] !== sub[k]) j++;
    if (j === all.length) throw new CorruptSnapshotError(`id ${sub[k]} is out of order`);
    out[k] = j;
  }
  return out;
}

/** Position of `x` in the sorted `all` (present). */
function find(all: readonly string[], x: string): number {
  let lo = 0;
  let hi = all.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byString(all[mid], x) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SnapshotMerger {
  private readonly erased: ReadonlySet<string>;
  private readonly range: RatingRange;
  private readonly baseKeys: Set<number>;
  // keys read this run: a Set only for an incremental read (an index read can see a rewritten event twice);
  // a full read sees each item once
  private readonly seen = new Set<number>();
  private readonly readKey = new Column(new Float64Array(1024));
  private readonly readAt = new Column(new Float64Array(1024));
  // new events, ids interned in order of first sight
  private readonly userOf = new Map<string, number>();
  private readonly itemOf = new Map<string, number>();
  private readonly users: string[] = [];
  private readonly items: string[] = [];
  private readonly du = new Column(new Int32Array(1024));
  private readonly di = new Column(new Int32Array(1024));
  private readonly dw = new Column(new Float64Array(1024));
  private readonly dt = new Column(new Float64Array(1024));
  private watermark: number;
  private readonly stats = emptyMergeStats();
  // set by begin(): the id space and the cursor over final users
  private run: MergeRun | null = null;

  constructor(
    private readonly base: BaseIndex | null,
    private readonly opts: MergeOptions,
  ) {
    this.erased = opts.erased ?? new Set();
    this.range = opts.range ?? DEFAULT_RATING_RANGE;
    this.baseKeys = new Set(base?.recentKey ?? []);
    this.watermark = base?.header.watermark ?? 0;
  }

  add(batch: Iterable<Interaction>): void {
    if (this.run) throw new Error('SnapshotMerger: add() after the merge began');
    for (const ev of batch) {
      this.stats.read++;
      if (this.erased.has(ev.userId)) {
        this.stats.erasedEvents++;
        continue;
      }
      const key = eventKeyHash(ev.userId, ev.eventId);
      if (this.base && (this.baseKeys.has(key) || this.seen.has(key))) {
        this.stats.duplicates++;
        continue;
      }
      if (this.base) this.seen.add(key);
      this.readKey.push(key);
      this.readAt.push(ev.receivedAt);
      // Receipt counts for the watermark even if the weight is 0: it was seen.
      if (ev.receivedAt > this.watermark) this.watermark = ev.receivedAt;
      const w = eventWeight(ev.type, ev.value, this.range);
      if (!(w > 0) || !Number.isFinite(w)) continue;
      this.addWeighed(ev.userId, ev.itemId, w, Number.isFinite(ev.timestamp) ? ev.timestamp : 0);
    }
  }

  /**
   * An event add() would keep, already read and weighed (a partitioned rebuild's second pass, ./rebuild.ts,
   * which did the read's bookkeeping — erasures, keys, watermark — in its first): held as add() holds it.
   */
  addWeighed(userId: string, itemId: string, w: number, t: number): void {
    if (this.run) throw new Error('SnapshotMerger: add() after the merge began');
    let u = this.userOf.get(userId);
    if (u === undefined) this.userOf.set(userId, (u = this.users.push(userId) - 1));
    let i = this.itemOf.get(itemId);
    if (i === undefined) this.itemOf.set(itemId, (i = this.items.push(itemId) - 1));
    this.du.push(u);
    this.di.push(i);
    this.dw.push(w);
    this.dt.push(t);
  }

  /** Counts so far (read, duplicates, erased, capped, added): `added` is final once every user is merged. */
  counts(): MergeStats {
    return { ...this.stats };
  }

  /**
   * Starts the merge: the id space (sorted unions of the base's ids, erased users left out, and the new
   * events'), then {@link feed} the base's chunks in order and `null` at the end; `onUser` sees every final
   * user once, in order. Memory: the ids and the new events, plus what the caller holds of the base.
   */
  begin(onUser: (m: MergedUser) => void): MergePlan {
    const base = this.base;
    const baseUsers = base?.userIds ?? [];
    const baseKept = new Uint8Array(baseUsers.length);
    let dropped = 0;
    for (let k = 0; k < baseUsers.length; k++) {
      baseKept[k] = this.erased.has(baseUsers[k]) ? 0 : 1;
      dropped += 1 - baseKept[k];
    }
    this.stats.erasedUsersDropped = dropped;
    const kept = dropped ? baseUsers.filter((_, k) => baseKept[k]) : baseUsers;
    const userIds = sortedUnion(kept, [...this.users].sort(byString));
    const itemIds = sortedUnion(base?.itemIds ?? [], [...this.items].sort(byString));
    const nUsers = userIds.length;
    const uBase = new Int32Array(nUsers).fill(-1);
    const bu = positions(baseUsers, userIds, (k) => baseKept[k] === 1);
    for (let k = 0; k < bu.length; k++) if (bu[k] >= 0) uBase[bu[k]] = k;
    const bi = positions(base?.itemIds ?? [], itemIds);
    const nu = Int32Array.from(this.users, (u) => find(userIds, u));
    const ni = Int32Array.from(this.items, (i) => find(itemIds, i));
    // New events grouped by final user (counting sort).
    const n = this.du.n;
    const du = this.du.a;
    const start = new Int32Array(nUsers + 1);
    for (let e = 0; e < n; e++) start[nu[du[e]] + 1]++;
    for (let u = 0; u < nUsers; u++) start[u + 1] += start[u];
    const order = new Int32Array(n);
    const fill = start.slice(0, nUsers);
    for (let e = 0; e < n; e++) order[fill[nu[du[e]]]++] = e;
    this.run = new MergeRun(this, { uBase, bi, ni, start, order, nUsers }, onUser);
    return { userIds, itemIds };
  }

  /**
   * Merges every final user whose base rows lie in chunks fed so far; `null`: the base is done. Stops once
   * `maxPairs` pairs are out and returns false: feed the same chunk again to go on (a writer flushes between).
   */
  feed(chunk: BaseChunk | null, maxPairs = Infinity): boolean {
    if (!this.run) throw new Error('SnapshotMerger: feed() before begin()');
    return this.run.feed(chunk, maxPairs);
  }

  /** The merge's watermark and the keys the next run's overlap re-reads (valid once the events are added). */
  tail(): Pick<TrainingSnapshot, 'recentKey' | 'recentAt'> & { watermark: number } {
    return { watermark: this.watermark, ...this.recent() };
  }

  /** The next snapshot's header, for a merge that covered `base`. */
  header(): TrainingSnapshot['header'] {
    return snapshotHeader(this.base, this.opts, this.watermark);
  }

  /** The whole merge in memory (the single job): `base` must be the whole snapshot the merger was built on. */
  result(): MergeResult {
    const base = this.base as TrainingSnapshot | null;
    const pu = new Column(new Int32Array(1024));
    const pi = new Column(new Int32Array(1024));
    const pw = new Column(new Float64Array(1024));
    const pc = new Column(new Float64Array(1024));
    const pt = new Column(new Float64Array(1024));
    const wu = new Column(new Int32Array(64));
    const wi = new Column(new Float64Array(64));
    const wc = new Column(new Float64Array(64));
    const plan = this.begin((m) => {
      for (let k = 0; k < m.n; k++) {
        pu.push(m.u);
        pi.push(m.item[k]);
        pw.push(m.weight[k]);
        pc.push(m.count[k]);
        pt.push(m.time[k]);
      }
      for (let k = 0; k < m.windows; k++) {
        wu.push(m.u);
        wi.push(m.windowIndex[k]);
        wc.push(m.windowCount[k]);
      }
    });
    if (base) this.feed({ ...base, userLo: 0, userHi: base.userIds.length });
    this.feed(null);

    // Items whose every pair belonged to erased users (or to capped events) leave the ids.
    const itemUsed = new Uint8Array(plan.itemIds.length);
    for (let p = 0; p < pi.n; p++) itemUsed[pi.a[p]] = 1;
    const remap = new Int32Array(plan.itemIds.length);
    const itemIds: string[] = [];
    for (let i = 0; i < plan.itemIds.length; i++) if (itemUsed[i]) remap[i] = itemIds.push(plan.itemIds[i]) - 1;
    const pairItem = Int32Array.from(pi.a.subarray(0, pi.n), (i) => remap[i]);

    const snapshot: TrainingSnapshot = {
      header: this.header(),
      userIds: plan.userIds,
      itemIds,
      pairUser: pu.a.slice(0, pu.n),
      pairItem,
      pairWeight: pw.a.slice(0, pw.n),
      pairCount: Uint32Array.from(pc.a.subarray(0, pc.n)),
      pairTime: pt.a.slice(0, pt.n),
      windowUser: wu.a.slice(0, wu.n),
      windowIndex: wi.a.slice(0, wi.n),
      windowCount: Uint32Array.from(wc.a.subarray(0, wc.n)),
      ...this.recent(),
    };
    return { snapshot, dataset: toDataset(snapshot, this.stats), stats: { ...this.stats } };
  }

  /**
   * One user's new events the cap keeps, given `used` (the base's counts per
   * window, updated in place). Only a window that would overflow is sorted:
   * it keeps its earliest events by (time, item, weight).
   */
  capEvents(seg: Int32Array, used: Map<number, number>, cap: UserCap, itemRank: Int32Array): Int32Array {
    const { di, dw, dt } = { di: this.di.a, dw: this.dw.a, dt: this.dt.a };
    const byWindow = new Map<number, number[]>();
    for (const e of seg) {
      const w = Math.floor(dt[e] / cap.windowMs);
      const list = byWindow.get(w);
      if (list) list.push(e);
      else byWindow.set(w, [e]);
    }
    const keep: number[] = [];
    for (const [w, list] of byWindow) {
      const room = Math.max(0, cap.events - (used.get(w) ?? 0));
      if (list.length > room) {
        list.sort((a, b) => dt[a] - dt[b] || itemRank[di[a]] - itemRank[di[b]] || dw[a] - dw[b]);
        this.stats.cappedEvents += list.length - room;
        list.length = room;
      }
      if (list.length) used.set(w, (used.get(w) ?? 0) + list.length);
      keep.push(...list);
    }
    return Int32Array.from(keep);
  }

  /** The new events' columns (read by the merge run). */
  delta() {
    return { di: this.di.a, dw: this.dw.a, dt: this.dt.a, cap: this.opts.cap, stats: this.stats };
  }

  private recent() {
    const read = { key: this.readKey.a, at: this.readAt.a, n: this.readKey.n };
    return recentKeys(this.base, read, this.watermark - this.opts.dedupeMs);
  }
}

/** The header of the snapshot a merge over `base` (null: a full read) up to `watermark` writes. */
export function snapshotHeader(
  base: BaseIndex | null,
  opts: MergeOptions,
  watermark: number,
): TrainingSnapshot['header'] {
  return {
    format: SNAPSHOT_FORMAT,
    createdAt: new Date(opts.now).toISOString(),
    watermark,
    erasureWatermark: opts.erasureWatermark ?? base?.header.erasureWatermark ?? 0,
    runsSinceRebuild: base ? base.header.runsSinceRebuild + 1 : 0,
    rebuiltAt: base ? base.header.rebuiltAt : new Date(opts.now).toISOString(),
    cap: opts.cap ?? null,
    ratingRange: { ...(opts.range ?? DEFAULT_RATING_RANGE) },
    dedupeMs: opts.dedupeMs,
  };
}

/**
 * Keys received after `since` (the new watermark less dedupeMs), the base's then the read's in read order (a
 * key seen twice keeps its last receive time): the next run's overlap re-reads them.
 */
export function recentKeys(
  base: BaseIndex | null,
  read: { key: Float64Array; at: Float64Array; n: number },
  since: number,
): Pick<TrainingSnapshot, 'recentKey' | 'recentAt'> {
  const keys = new Map<number, number>();
  if (base)
    for (let x = 0; x < base.recentKey.length; x++)
      if (base.recentAt[x] > since) keys.set(base.recentKey[x], base.recentAt[x]);
  for (let r = 0; r < read.n; r++) if (read.at[r] > since) keys.set(read.key[r], read.at[r]);
  const sorted = Float64Array.from(keys.keys()).sort();
  return { recentKey: sorted, recentAt: Float64Array.from(sorted, (k) => keys.get(k)!) };
}

interface RunMaps {
  /** Final user → base user index, or -1 for a user only the new events have. */
  uBase: Int32Array;
  /** Base item → provisional item. */
  bi: Int32Array;
  /** New event's item (interned) → provisional item. */
  ni: Int32Array;
  /** New events grouped by final user: order[start[u] .. start[u+1]). */
  start: Int32Array;
  order: Int32Array;
  nUsers: number;
}

/** The per-user merge over base chunks fed in order: each final user once, in order. */
class MergeRun {
  private u = 0;
  // the current user's rows, reused from user to user
  private readonly item = new Column(new Int32Array(256));
  private readonly weight = new Column(new Float64Array(256));
  private readonly count = new Column(new Float64Array(256));
  private readonly time = new Column(new Float64Array(256));
  private readonly wIndex = new Column(new Float64Array(16));
  private readonly wCount = new Column(new Float64Array(16));

  constructor(
    private readonly m: SnapshotMerger,
    private readonly maps: RunMaps,
    private readonly onUser: (m: MergedUser) => void,
  ) {}

  // the chunk being merged and the cursors in it, kept across calls that stop at maxPairs
  private cur: BaseChunk | null | undefined = undefined;
  private q = 0;
  private x = 0;

  feed(chunk: BaseChunk | null, maxPairs: number): boolean {
    const { uBase, nUsers } = this.maps;
    if (chunk !== this.cur) {
      this.cur = chunk;
      this.q = this.x = 0;
    }
    const end = chunk ? chunk.userHi : -1;
    let out = 0;
    for (; this.u < nUsers; this.u++) {
      if (out >= maxPairs) return false;
      const b = uBase[this.u];
      if (b >= 0 && chunk === null) throw new CorruptSnapshotError(`base user ${b} is in no chunk`);
      if (b >= end && chunk !== null) break;
      if (b >= 0 && b < chunk!.userLo) throw new CorruptSnapshotError(`base chunks out of order at user ${b}`);
      // base rows of users before b (erased ones) are skipped
      if (b >= 0) {
        while (this.q < chunk!.pairUser.length && chunk!.pairUser[this.q] < b) this.q++;
        while (this.x < chunk!.windowUser.length && chunk!.windowUser[this.x] < b) this.x++;
      }
      [this.q, this.x] = this.user(this.u, b, chunk, this.q, this.x);
      out += this.item.n;
    }
    return true;
  }

  /** Merges final user u (base user b, or -1); returns the chunk cursors past b's rows. */
  private user(u: number, b: number, c: BaseChunk | null, q: number, x: number): [number, number] {
    const { bi, ni, start, order } = this.maps;
    const { di, dw, dt, cap, stats } = this.m.delta();
    const used = new Map<number, number>();
    if (b >= 0)
      for (; x < c!.windowUser.length && c!.windowUser[x] === b; x++) used.set(c!.windowIndex[x], c!.windowCount[x]);
    let seg: Int32Array = order.subarray(start[u], start[u + 1]);
    if (cap && seg.length) seg = this.m.capEvents(seg, used, cap, ni);
    else if (!cap) used.clear();
    const mine = Array.from(seg).sort((e1, e2) => ni[di[e1]] - ni[di[e2]]);
    const { item, weight, count, time } = this;
    item.n = weight.n = count.n = time.n = 0;
    const push = (i: number, w: number, n: number, t: number) => {
      const last = item.n - 1;
      if (last >= 0 && item.a[last] === i) {
        weight.a[last] += w;
        count.a[last] += n;
        if (t > time.a[last]) time.a[last] = t;
      } else {
        item.push(i);
        weight.push(w);
        count.push(n);
        time.push(t);
      }
    };
    const nb = b >= 0 ? c!.pairUser.length : 0;
    let k = 0;
    for (;;) {
      const baseItem = q < nb && c!.pairUser[q] === b ? bi[c!.pairItem[q]] : Infinity;
      const newItem = k < mine.length ? ni[di[mine[k]]] : Infinity;
      if (baseItem === Infinity && newItem === Infinity) break;
      // the base's sum first, then the new events: one order for every run
      if (baseItem <= newItem) {
        push(baseItem, c!.pairWeight[q], c!.pairCount[q], c!.pairTime[q]);
        q++;
      } else {
        const e = mine[k++];
        push(newItem, dw[e], 1, dt[e]);
        stats.added++;
      }
    }
    this.wIndex.n = this.wCount.n = 0;
    for (const w of [...used.keys()].sort((a, z) => a - z)) {
      this.wIndex.push(w);
      this.wCount.push(used.get(w)!);
    }
    this.onUser({
      u,
      n: item.n,
      item: item.a,
      weight: weight.a,
      count: count.a,
      time: time.a,
      windows: this.wIndex.n,
      windowIndex: this.wIndex.a,
      windowCount: this.wCount.a,
    });
    return [q, x];
  }
}

/** The dataset training reads, straight from the snapshot's pairs. */
export function toDataset(s: TrainingSnapshot, stats?: Pick<MergeStats, 'erasedEvents' | 'cappedEvents'>): Dataset {
  let events = 0;
  for (let q = 0; q < s.pairCount.length; q++) events += s.pairCount[q];
  return {
    userIds: s.userIds,
    itemIds: s.itemIds,
    pairUser: s.pairUser,
    pairItem: s.pairItem,
    pairWeight: Float32Array.from(s.pairWeight),
    pairTime: s.pairTime,
    events,
    erasedEvents: stats?.erasedEvents ?? 0,
    cappedEvents: stats?.cappedEvents ?? 0,
    watermark: s.header.watermark,
  };
}
