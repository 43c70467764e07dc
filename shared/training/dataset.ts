/**
 * From raw interactions to the (user, item) pairs every trainer and split
 * works on. Events are weighed with `eventWeight` (the API's bounded weights),
 * erased users are left out, each user counts for at most a capped number of
 * events per window, and repeated events of one pair are summed
 * (shared/math/interactions.ts, the one matrix builder); a pair keeps its
 * newest event time for temporal splits and time-decayed popularity.
 */
import { DEFAULT_RATING_RANGE, eventWeight, type Interaction, type RatingRange } from '../events';
import type { Csr } from '../math/csr';
import { csrFromTriples } from '../math/csr';
import { InteractionAccumulator, type UserCap } from '../math/interactions';

export type { UserCap };

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
  /** Events beyond a user's per-window cap, left out. */
  cappedEvents: number;
  /** Newest receivedAt among the events read (0 when none). */
  watermark: number;
  /**
   * Metadata for the kinds (TrainingData.side): `items` (ItemMetadata[], from the catalog or
   * --items) and `users` (UserAttributes[]); set by the job or the CLI after build().
   */
  side?: Readonly<Record<string, unknown>>;
}

/**
 * The scheduled job's default cap: a person does not produce 1,000 events an
 * hour (one every 3.6 s, sustained); an account that does is a script, and
 * beyond the cap its events do not count.
 */
export const DEFAULT_USER_CAP: UserCap = { events: 1000, windowMs: 3_600_000 };

/** Accumulates interactions batch by batch, so a scan never holds Interaction objects for long. */
export class DatasetBuilder {
  private readonly acc = new InteractionAccumulator();
  private erasedEvents = 0;
  private watermark = 0;

  /**
   * @param erased users left out entirely
   * @param cap per-user events per window (none: every event counts, e.g. offline files)
   * @param range the configured rating range: a rating weighs its value clamped to it, as ingest accepted it
   */
  constructor(
    private readonly erased: ReadonlySet<string> = new Set(),
    private readonly cap?: UserCap,
    private readonly range: RatingRange = DEFAULT_RATING_RANGE,
  ) {}

  add(batch: Iterable<Interaction>): void {
    for (const ev of batch)
      this.addOne(ev.userId, ev.itemId, eventWeight(ev.type, ev.value, this.range), ev.timestamp, ev.receivedAt);
  }

  /** One weighed observation (the CLI's file rows come in this way). */
  addOne(userId: string, itemId: string, weight: number, timestamp: number, receivedAt = timestamp): void {
    if (this.erased.has(userId)) {
      this.erasedEvents++;
      return;
    }
    // Receipt counts for the watermark even if the weight is 0: it was seen.
    if (receivedAt > this.watermark) this.watermark = receivedAt;
    this.acc.add(userId, itemId, weight, timestamp);
  }

  build(): Dataset {
    const m = this.acc.build(this.cap);
    const x = m.matrix;
    const pairUser = new Int32Array(x.indptr[x.rows]);
    for (let r = 0; r < x.rows; r++) pairUser.fill(r, x.indptr[r], x.indptr[r + 1]);
    return {
      userIds: m.userIds,
      itemIds: m.itemIds,
      pairUser,
      pairItem: x.indices,
      pairWeight: x.data,
      pairTime: m.pairTime,
      events: this.acc.size - m.capped,
      erasedEvents: this.erasedEvents,
      cappedEvents: m.capped,
      watermark: this.watermark,
    };
  }
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
