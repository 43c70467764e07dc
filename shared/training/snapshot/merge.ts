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

export class SnapshotMerger {
  private readonly erased: ReadonlySet<string>;
  private readonly range: RatingRange;
  private readonly baseKeys: Set<number>;
  private readonly seen = new Map<number, number>();
  private readonly du: string[] = [];
  private readonly di: string[] = [];
  private readonly dw: number[] = [];
  private readonly dt: number[] = [];
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
      if (this.baseKeys.has(key) || this.seen.has(key)) {
        this.stats.duplicates++;
        continue;
      }
      this.seen.set(key, ev.receivedAt);
      // Receipt counts for the watermark even if the weight is 0: it was seen.
      if (ev.receivedAt > this.watermark) this.watermark = ev.receivedAt;
      const w = eventWeight(ev.type, ev.value, this.range);
      if (!(w > 0) || !Number.isFinite(w)) continue;
      this.du.push(ev.userId);
      this.di.push(ev.itemId);
      this.dw.push(w);
      this.dt.push(Number.isFinite(ev.timestamp) ? ev.timestamp : 0);
    }
  }

  result(): MergeResult {
    const base = this.base;
    const keep = this.capped();
    // Final ids: base users not erased, base items still paired, and the new events' ids; sorted.
    const baseUserKept = base ? base.userIds.map((u) => !this.erased.has(u)) : [];
    this.stats.erasedUsersDropped = baseUserKept.filter((k) => !k).length;
    const baseItemUsed = new Uint8Array(base?.itemIds.length ?? 0);
    if (base)
      for (let q = 0; q < base.pairUser.length; q++)
        if (baseUserKept[base.pairUser[q]]) baseItemUsed[base.pairItem[q]] = 1;
    const users = new Set<string>(base ? base.userIds.filter((_, k) => baseUserKept[k]) : []);
    const items = new Set<string>(base ? base.itemIds.filter((_, k) => baseItemUsed[k]) : []);
    for (const e of keep) {
      users.add(this.du[e]);
      items.add(this.di[e]);
    }
    const userIds = [...users].sort(byString);
    const itemIds = [...items].sort(byString);
    const userIndex = new Map(userIds.map((u, k) => [u, k]));
    const itemIndex = new Map(itemIds.map((i, k) => [i, k]));
    const bu = base ? base.userIds.map((u, k) => (baseUserKept[k] ? userIndex.get(u)! : -1)) : [];
    const bi = base ? base.itemIds.map((i) => itemIndex.get(i) ?? -1) : [];

    // New pairs, aggregated; then merged with the base's (both sorted by user, item).
    const nItems = itemIds.length;
    const ev = keep.map((e) => ({ k: userIndex.get(this.du[e])! * nItems + itemIndex.get(this.di[e])!, e }));
    ev.sort((a, b) => a.k - b.k);
    const pu: number[] = [];
    const pi: number[] = [];
    const pw: number[] = [];
    const pc: number[] = [];
    const pt: number[] = [];
    const push = (u: number, i: number, w: number, c: number, t: number) => {
      const last = pu.length - 1;
      if (last >= 0 && pu[last] === u && pi[last] === i) {
        pw[last] += w;
        pc[last] += c;
        if (t > pt[last]) pt[last] = t;
      } else {
        pu.push(u);
        pi.push(i);
        pw.push(w);
        pc.push(c);
        pt.push(t);
      }
    };
    let q = 0;
    const nb = base?.pairUser.length ?? 0;
    const baseKey = (p: number) => bu[base!.pairUser[p]] * nItems + bi[base!.pairItem[p]];
    const skipErased = () => {
      while (q < nb && bu[base!.pairUser[q]] < 0) q++;
    };
    skipErased();
    for (const { k, e } of ev) {
      for (; q < nb && baseKey(q) <= k; q++, skipErased()) {
        push(bu[base!.pairUser[q]], bi[base!.pairItem[q]], base!.pairWeight[q], base!.pairCount[q], base!.pairTime[q]);
      }
      push(Math.floor(k / nItems), k % nItems, this.dw[e], 1, this.dt[e]);
      this.stats.added++;
    }
    for (; q < nb; q++, skipErased()) {
      push(bu[base!.pairUser[q]], bi[base!.pairItem[q]], base!.pairWeight[q], base!.pairCount[q], base!.pairTime[q]);
    }

    const windows = this.windows(keep, bu, userIndex);
    const recent = this.recent();
    const snapshot: TrainingSnapshot = {
      header: {
        format: SNAPSHOT_FORMAT,
        createdAt: new Date(this.opts.now).toISOString(),
        watermark: this.watermark,
        erasureWatermark: this.opts.erasureWatermark ?? base?.header.erasureWatermark ?? 0,
        runsSinceRebuild: base ? base.header.runsSinceRebuild + 1 : 0,
        rebuiltAt: base ? base.header.rebuiltAt : new Date(this.opts.now).toISOString(),
        cap: this.opts.cap ?? null,
        ratingRange: { ...this.range },
        dedupeMs: this.opts.dedupeMs,
      },
      userIds,
      itemIds,
      pairUser: Int32Array.from(pu),
      pairItem: Int32Array.from(pi),
      pairWeight: Float64Array.from(pw),
      pairCount: Uint32Array.from(pc),
      pairTime: Float64Array.from(pt),
      ...windows,
      ...recent,
    };
    return { snapshot, dataset: toDataset(snapshot, this.stats), stats: { ...this.stats } };
  }

  /** Indices of the new events the cap keeps (all without a cap), given what the base used per window. */
  private capped(): number[] {
    const all = this.du.map((_, e) => e);
    const cap = this.opts.cap;
    if (!cap) return all;
    const used = new Map<string, number>();
    const base = this.base;
    if (base) {
      const users = new Set(this.du);
      for (let w = 0; w < base.windowUser.length; w++) {
        const u = base.userIds[base.windowUser[w]];
        if (users.has(u)) used.set(`${u}\u0000${base.windowIndex[w]}`, base.windowCount[w]);
      }
    }
    const { du, di, dw, dt } = this;
    all.sort((a, b) => byString(du[a], du[b]) || dt[a] - dt[b] || byString(di[a], di[b]) || dw[a] - dw[b]);
    const keep: number[] = [];
    for (const e of all) {
      const k = `${du[e]}\u0000${Math.floor(dt[e] / cap.windowMs)}`;
      const n = (used.get(k) ?? 0) + 1;
      used.set(k, n);
      if (n <= cap.events) keep.push(e);
      else this.stats.cappedEvents++;
    }
    return keep;
  }

  private windows(keep: number[], bu: number[], userIndex: Map<string, number>) {
    const cap = this.opts.cap;
    const counts = new Map<string, { u: number; w: number; c: number }>();
    const base = this.base;
    if (cap && base)
      for (let x = 0; x < base.windowUser.length; x++) {
        const u = bu[base.windowUser[x]];
        if (u >= 0) counts.set(`${u}:${base.windowIndex[x]}`, { u, w: base.windowIndex[x], c: base.windowCount[x] });
      }
    if (cap)
      for (const e of keep) {
        const u = userIndex.get(this.du[e])!;
        const w = Math.floor(this.dt[e] / cap.windowMs);
        const k = `${u}:${w}`;
        const hit = counts.get(k);
        if (hit) hit.c++;
        else counts.set(k, { u, w, c: 1 });
      }
    const list = [...counts.values()].sort((a, b) => a.u - b.u || a.w - b.w);
    return {
      windowUser: Int32Array.from(list, (x) => x.u),
      windowIndex: Float64Array.from(list, (x) => x.w),
      windowCount: Uint32Array.from(list, (x) => x.c),
    };
  }

  /** Keys received within dedupeMs of the new watermark: the next run's overlap re-reads them. */
  private recent() {
    const since = this.watermark - this.opts.dedupeMs;
    const keys = new Map<number, number>();
    const base = this.base;
    if (base)
      for (let x = 0; x < base.recentKey.length; x++)
        if (base.recentAt[x] > since) keys.set(base.recentKey[x], base.recentAt[x]);
    for (const [k, at] of this.seen) if (at > since) keys.set(k, at);
    const sorted = [...keys.keys()].sort((a, b) => a - b);
    return { recentKey: Float64Array.from(sorted), recentAt: Float64Array.from(sorted, (k) => keys.get(k)!) };
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
