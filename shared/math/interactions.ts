/**
 * From string-keyed weighed observations to the users × items matrix every
 * trainer reads. The one way Attune builds a training matrix: production
 * (shared/training/dataset.ts), the CLI, the tests and the benchmarks all
 * accumulate through {@link InteractionAccumulator}, so math tests test what
 * production trains.
 */
import { csrFromTriples, type Csr } from './csr';

export interface InteractionMatrix {
  /** users × items, summed weights of each distinct pair. */
  matrix: Csr;
  userIds: string[];
  itemIds: string[];
  userIndex: Map<string, number>;
  itemIndex: Map<string, number>;
  /** Newest observation time of each stored pair, aligned with matrix.indices (0 when unknown). */
  pairTime: Float64Array;
  /** Observations left out by the per-user cap. */
  capped: number;
}

/**
 * At most `events` observations of one user count per window of `windowMs`
 * (the earliest ones, by time, then item, then weight, so the result does not
 * depend on the order the store returned them): one account posting
 * thousands of events cannot outweigh real users.
 */
export interface UserCap {
  events: number;
  windowMs: number;
}

/**
 * Accumulates observations. Ids are numbered in order of first kept
 * observation; an observation whose weight is not a positive finite number is
 * dropped (weights come bounded from eventWeight: an event never subtracts),
 * and repeated (user, item) pairs are summed.
 */
export class InteractionAccumulator {
  readonly userIndex = new Map<string, number>();
  readonly itemIndex = new Map<string, number>();
  readonly userIds: string[] = [];
  readonly itemIds: string[] = [];
  private u: number[] = [];
  private i: number[] = [];
  private w: number[] = [];
  private t: number[] = [];

  /** Adds one observation; false when its weight does not count. */
  add(userId: string, itemId: string, weight: number, timestamp = 0): boolean {
    if (!(weight > 0) || !Number.isFinite(weight)) return false;
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
    return true;
  }

  /** Observations kept so far. */
  get size(): number {
    return this.u.length;
  }

  build(cap?: UserCap): InteractionMatrix {
    const keep = cap ? this.capped(cap) : null;
    const pick = <T extends number[]>(a: T) => (keep ? keep.map((e) => a[e]) : a);
    const [u, i, w, t] = [pick(this.u), pick(this.i), pick(this.w), pick(this.t)];
    // csrFromTriples sums repeated pairs and sorts rows: the pairs fall out as its entries
    const matrix = csrFromTriples(this.userIds.length, this.itemIds.length, u, i, w);
    const pairTime = new Float64Array(matrix.indptr[matrix.rows]);
    for (let e = 0; e < u.length; e++) {
      const q = findInRow(matrix, u[e], i[e]);
      if (t[e] > pairTime[q]) pairTime[q] = t[e];
    }
    return {
      matrix,
      userIds: this.userIds,
      itemIds: this.itemIds,
      userIndex: this.userIndex,
      itemIndex: this.itemIndex,
      pairTime,
      capped: keep ? this.u.length - keep.length : 0,
    };
  }

  /** Indices of the observations the cap keeps. */
  private capped(cap: UserCap): number[] {
    const { u, i, w, t } = this;
    const order = Array.from(u.keys()).sort((a, b) => u[a] - u[b] || t[a] - t[b] || i[a] - i[b] || w[a] - w[b]);
    const keep: number[] = [];
    let user = -1;
    let bucket = Number.NaN;
    let n = 0;
    for (const e of order) {
      const b = Math.floor(t[e] / cap.windowMs);
      if (u[e] !== user || b !== bucket) {
        user = u[e];
        bucket = b;
        n = 0;
      }
      if (++n <= cap.events) keep.push(e);
    }
    return keep.sort((a, b) => a - b);
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

/** The users × items matrix of weighed triples, built exactly as training builds it. */
export function buildInteractionMatrix(
  triples: Iterable<{ userId: string; itemId: string; weight: number; timestamp?: number }>,
  cap?: UserCap,
): InteractionMatrix {
  const acc = new InteractionAccumulator();
  for (const t of triples) acc.add(t.userId, t.itemId, t.weight, t.timestamp ?? 0);
  return acc.build(cap);
}
