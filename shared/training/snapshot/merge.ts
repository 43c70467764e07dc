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
import { eventKeyHash, SNAPSHOT_FORMAT, type TrainingSnapshot } from './format';

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

export interface MergeResult {
  snapshot: TrainingSnapshot;
  dataset: Dataset;
  stats: MergeStats;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Growable typed column: the merger holds one entry per new event, millions on a rebuild. */
class Column<T extends Int32Array | Float64Array> {
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

/** Sorted distinct union of two string lists, and each input's index into it. */
function sortedUnion(a: readonly string[], b: readonly string[]): { ids: string[]; index: Map<string, number> } {
  const ids = [...new Set([...a, ...b])].sort(byString);
  return { ids, index: new Map(ids.map((x, k) => [x, k])) };
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
  private readonly stats: MergeStats = {
    read: 0,
    duplicates: 0,
    erasedEvents: 0,
    cappedEvents: 0,
    added: 0,
    erasedUsersDropped: 0,
  };

  constructor(
    private readonly base: TrainingSnapshot | null,
    private readonly opts: MergeOptions,
  ) {
    this.erased = opts.erased ?? new Set();
    this.range = opts.range ?? DEFAULT_RATING_RANGE;
    this.baseKeys = new Set(base?.recentKey ?? []);
    this.watermark = base?.header.watermark ?? 0;
  }

  add(batch: Iterable<Interaction>): void {
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
      let u = this.userOf.get(ev.userId);
      if (u === undefined) this.userOf.set(ev.userId, (u = this.users.push(ev.userId) - 1));
      let i = this.itemOf.get(ev.itemId);
      if (i === undefined) this.itemOf.set(ev.itemId, (i = this.items.push(ev.itemId) - 1));
      this.du.push(u);
      this.di.push(i);
      this.dw.push(w);
      this.dt.push(Number.isFinite(ev.timestamp) ? ev.timestamp : 0);
    }
  }

  result(): MergeResult {
    const base = this.base;
    const n = this.du.n;
    const [du, di, dw, dt] = [this.du.a, this.di.a, this.dw.a, this.dt.a];
    // Provisional ids: sorted unions of the base's (erased users left out) and the new events'.
    const baseKept = base ? base.userIds.map((u) => !this.erased.has(u)) : [];
    this.stats.erasedUsersDropped = baseKept.filter((k) => !k).length;
    const U = sortedUnion(base ? base.userIds.filter((_, k) => baseKept[k]) : [], this.users);
    const I = sortedUnion(base?.itemIds ?? [], this.items);
    const bu = Int32Array.from(base?.userIds ?? [], (u, k) => (baseKept[k] ? U.index.get(u)! : -1));
    const bi = Int32Array.from(base?.itemIds ?? [], (i) => I.index.get(i)!);
    const nu = Int32Array.from(this.users, (u) => U.index.get(u)!);
    const ni = Int32Array.from(this.items, (i) => I.index.get(i)!);
    // item order for the cap's tie-break: by name, as a rebuild would order them
    const itemRank = ni;

    // New events grouped by final user (counting sort), then each user's merged with the base's.
    const nUsers = U.ids.length;
    const start = new Int32Array(nUsers + 1);
    for (let e = 0; e < n; e++) start[nu[du[e]] + 1]++;
    for (let u = 0; u < nUsers; u++) start[u + 1] += start[u];
    const order = new Int32Array(n);
    const fill = start.slice(0, nUsers);
    for (let e = 0; e < n; e++) order[fill[nu[du[e]]]++] = e;

    const cap = this.opts.cap;
    const pu = new Column(new Int32Array(1024));
    const pi = new Column(new Int32Array(1024));
    const pw = new Column(new Float64Array(1024));
    const pc = new Column(new Float64Array(1024));
    const pt = new Column(new Float64Array(1024));
    const wu = new Column(new Int32Array(64));
    const wi = new Column(new Float64Array(64));
    const wc = new Column(new Float64Array(64));
    const push = (u: number, i: number, w: number, c: number, t: number) => {
      const last = pu.n - 1;
      if (last >= 0 && pu.a[last] === u && pi.a[last] === i) {
        pw.a[last] += w;
        pc.a[last] += c;
        if (t > pt.a[last]) pt.a[last] = t;
      } else {
        pu.push(u);
        pi.push(i);
        pw.push(w);
        pc.push(c);
        pt.push(t);
      }
    };
    let q = 0; // base pair cursor
    let x = 0; // base window cursor
    const nb = base?.pairUser.length ?? 0;
    const nbw = base?.windowUser.length ?? 0;
    for (let u = 0; u < nUsers; u++) {
      // this user's base windows (the base's users map in order, so its rows come user by user)
      const used = new Map<number, number>();
      while (x < nbw && bu[base!.windowUser[x]] < u) x++;
      for (; x < nbw && bu[base!.windowUser[x]] === u; x++) used.set(base!.windowIndex[x], base!.windowCount[x]);
      let seg: Int32Array = order.subarray(start[u], start[u + 1]);
      if (cap && seg.length) seg = this.cap(seg, used, cap, itemRank);
      else if (!cap) used.clear();
      const mine = Array.from(seg).sort((a, b) => ni[di[a]] - ni[di[b]]);
      // base pairs of erased users are skipped; of this user, merged by item
      while (q < nb && bu[base!.pairUser[q]] < u) q++;
      let k = 0;
      for (;;) {
        const baseItem = q < nb && bu[base!.pairUser[q]] === u ? bi[base!.pairItem[q]] : Infinity;
        const newItem = k < mine.length ? ni[di[mine[k]]] : Infinity;
        if (baseItem === Infinity && newItem === Infinity) break;
        // the base's sum first, then the new events: one order for every run
        if (baseItem <= newItem) {
          push(u, baseItem, base!.pairWeight[q], base!.pairCount[q], base!.pairTime[q]);
          q++;
        } else {
          const e = mine[k++];
          push(u, newItem, dw[e], 1, dt[e]);
          this.stats.added++;
        }
      }
      for (const w of [...used.keys()].sort((a, b) => a - b)) {
        wu.push(u);
        wi.push(w);
        wc.push(used.get(w)!);
      }
    }

    // Items whose every pair belonged to erased users (or to capped events) leave the ids.
    const itemUsed = new Uint8Array(I.ids.length);
    for (let p = 0; p < pi.n; p++) itemUsed[pi.a[p]] = 1;
    const remap = new Int32Array(I.ids.length);
    const itemIds: string[] = [];
    for (let i = 0; i < I.ids.length; i++) if (itemUsed[i]) remap[i] = itemIds.push(I.ids[i]) - 1;
    const pairItem = Int32Array.from(pi.a.subarray(0, pi.n), (i) => remap[i]);

    const recent = this.recent();
    const snapshot: TrainingSnapshot = {
      header: {
        format: SNAPSHOT_FORMAT,
        createdAt: new Date(this.opts.now).toISOString(),
        watermark: this.watermark,
        erasureWatermark: this.opts.erasureWatermark ?? base?.header.erasureWatermark ?? 0,
        runsSinceRebuild: base ? base.header.runsSinceRebuild + 1 : 0,
        rebuiltAt: base ? base.header.rebuiltAt : new Date(this.opts.now).toISOString(),
        cap: cap ?? null,
        ratingRange: { ...this.range },
        dedupeMs: this.opts.dedupeMs,
      },
      userIds: U.ids,
      itemIds,
      pairUser: pu.a.slice(0, pu.n),
      pairItem,
      pairWeight: pw.a.slice(0, pw.n),
      pairCount: Uint32Array.from(pc.a.subarray(0, pc.n)),
      pairTime: pt.a.slice(0, pt.n),
      windowUser: wu.a.slice(0, wu.n),
      windowIndex: wi.a.slice(0, wi.n),
      windowCount: Uint32Array.from(wc.a.subarray(0, wc.n)),
      ...recent,
    };
    return { snapshot, dataset: toDataset(snapshot, this.stats), stats: { ...this.stats } };
  }

  /**
   * One user's new events the cap keeps, given `used` (the base's counts per
   * window, updated in place). Only a window that would overflow is sorted:
   * it keeps its earliest events by (time, item, weight).
   */
  private cap(seg: Int32Array, used: Map<number, number>, cap: UserCap, itemRank: Int32Array): Int32Array {
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

  /** Keys received within dedupeMs of the new watermark: the next run's overlap re-reads them. */
  private recent() {
    const since = this.watermark - this.opts.dedupeMs;
    const keys = new Map<number, number>();
    const base = this.base;
    if (base)
      for (let x = 0; x < base.recentKey.length; x++)
        if (base.recentAt[x] > since) keys.set(base.recentKey[x], base.recentAt[x]);
    for (let r = 0; r < this.readKey.n; r++)
      if (this.readAt.a[r] > since) keys.set(this.readKey.a[r], this.readAt.a[r]);
    const sorted = Float64Array.from(keys.keys()).sort();
    return { recentKey: sorted, recentAt: Float64Array.from(sorted, (k) => keys.get(k)!) };
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
