/**
 * From raw interactions to the (user, item) pairs every trainer and split
 * works on. Events are weighed with `eventWeight` (the API's weights), erased
 * users are left out, and repeated events of one pair are summed; a pair keeps
 * its newest event time for temporal splits and time-decayed popularity.
 */
import { eventWeight, type Interaction } from '../events';
import { csrFromTriples, type Csr } from '../math/csr';

export interface Dataset {
  userIds: string[];
  itemIds: string[];
  /** Pairs, sorted by user then item. */
  pairUser: Int32Array;
  pairItem: Int32Array;
  pairWeight: Float32Array;
  /** Newest event time (epoch ms) of the pair. */
  pairTime: Float64Array;
  /** Events read (after leaving out erased users and zero weights). */
  events: number;
  /** Events of erased users that were skipped. */
  erasedEvents: number;
  /** Newest receivedAt among the events read (0 when none). */
  watermark: number;
}

/** Accumulates interactions batch by batch, so a scan never holds Interaction objects for long. */
export class DatasetBuilder {
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly userIds: string[] = [];
  private readonly itemIds: string[] = [];
  private u: number[] = [];
  private i: number[] = [];
  private w: number[] = [];
  private t: number[] = [];
  private events = 0;
  private erasedEvents = 0;
  private watermark = 0;

  constructor(private readonly erased: ReadonlySet<string> = new Set()) {}

  add(batch: Iterable<Interaction>): void {
    for (const ev of batch) this.addOne(ev.userId, ev.itemId, eventWeight(ev.type, ev.value), ev.timestamp, ev.receivedAt);
  }

  /** One weighed observation (the CLI's file rows come in this way). */
  addOne(userId: string, itemId: string, weight: number, timestamp: number, receivedAt = timestamp): void {
    if (this.erased.has(userId)) {
      this.erasedEvents++;
      return;
    }
    // Receipt counts for the watermark even if the weight is 0: it was seen.
    if (receivedAt > this.watermark) this.watermark = receivedAt;
    if (!(weight > 0) || !Number.isFinite(weight)) return;
    let u = this.userIndex.get(userId);
    if (u === undefined) {
      u = this.userIds.push(userId) - 1;
      this.userIndex.set(userId, u);
    }
    let i = this.itemIndex.get(itemId);
    if (i === undefined) {
      i = this.itemIds.push(itemId) - 1;
      this.itemIndex.set(itemId, i);
    }
    this.u.push(u);
    this.i.push(i);
    this.w.push(weight);
    this.t.push(Number.isFinite(timestamp) ? timestamp : 0);
    this.events++;
  }

  build(): Dataset {
    // csrFromTriples sums repeated pairs and sorts rows: the pairs fall out as its entries.
    const m = csrFromTriples(this.userIds.length, this.itemIds.length, this.u, this.i, this.w);
    const nnz = m.indptr[m.rows];
    const pairUser = new Int32Array(nnz);
    for (let r = 0; r < m.rows; r++) pairUser.fill(r, m.indptr[r], m.indptr[r + 1]);
    const pairTime = new Float64Array(nnz);
    for (let e = 0; e < this.u.length; e++) {
      const q = findInRow(m, this.u[e], this.i[e]);
      if (this.t[e] > pairTime[q]) pairTime[q] = this.t[e];
    }
    return {
      userIds: this.userIds,
      itemIds: this.itemIds,
      pairUser,
      pairItem: m.indices,
      pairWeight: m.data,
      pairTime,
      events: this.events,
      erasedEvents: this.erasedEvents,
      watermark: this.watermark,
    };
  }
}

function findInRow(m: Csr, r: number, c: number): number {
  let lo = m.indptr[r];
  let hi = m.indptr[r + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = m.indices[mid];
    if (v === c) return mid;
    if (v < c) lo = mid + 1;
    else hi = mid - 1;
  }
  throw new Error(`pair (${r}, ${c}) missing from its own matrix`);
}

/** The users × items CSR of the pairs selected by `rows` (all when omitted). */
export function pairsToCsr(d: Dataset, rows?: ArrayLike<number>): Csr {
  const idx = rows ?? Int32Array.from({ length: d.pairUser.length }, (_, q) => q);
  const r = new Int32Array(idx.length);
  const c = new Int32Array(idx.length);
  const v = new Float32Array(idx.length);
  for (let q = 0; q < idx.length; q++) {
    r[q] = d.pairUser[idx[q]];
    c[q] = d.pairItem[idx[q]];
    v[q] = d.pairWeight[idx[q]];
  }
  return csrFromTriples(d.userIds.length, d.itemIds.length, r, c, v);
}
