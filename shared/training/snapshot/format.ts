/**
 * The compacted training snapshot: every (user, item) pair the table holds,
 * reduced to what training reads (summed weight, event count, newest event
 * time), plus the little state an incremental run needs to stay exact —
 * the receive-time watermark it covers, the per-user cap's window counts, and
 * hashes of the event keys received near the watermark (re-read by the next
 * run's safety overlap and dropped as duplicates). Canonical: ids sorted,
 * pairs by (user, item), so one table state gives one snapshot however it was read.
 */
import type { RatingRange } from '../../events';
import type { UserCap } from '../dataset';

/** Bumped when the bytes change meaning; a snapshot of another format triggers a full rebuild. 2: in chunks. */
export const SNAPSHOT_FORMAT = 2;

export interface SnapshotHeader {
  format: number;
  createdAt: string;
  /** Newest receivedAt (epoch ms) among the events the snapshot covers; 0 when none. */
  watermark: number;
  /** Newest erasure marker applied (epoch ms). */
  erasureWatermark: number;
  /** Incremental runs since the last full read (0 right after one). */
  runsSinceRebuild: number;
  /** When the last full read happened (ISO). */
  rebuiltAt: string;
  /** The settings the weights and windows were computed with: a change forces a rebuild. */
  cap: UserCap | null;
  ratingRange: RatingRange;
  /** Event-key hashes are kept for events received within this many ms of the watermark. */
  dedupeMs: number;
}

export interface TrainingSnapshot {
  header: SnapshotHeader;
  /** Sorted, distinct; every user and item has at least one pair. */
  userIds: string[];
  itemIds: string[];
  /** Pairs sorted by (user, item). */
  pairUser: Int32Array;
  pairItem: Int32Array;
  /** Summed weight (Float64: sums grow run after run without Float32 rounding drift). */
  pairWeight: Float64Array;
  /** Events summed into the pair. */
  pairCount: Uint32Array;
  /** Newest event time of the pair (epoch ms, 0 when unknown). */
  pairTime: Float64Array;
  /** Kept-event counts per (user, cap window), sorted by (user, window); empty without a cap. */
  windowUser: Int32Array;
  windowIndex: Float64Array;
  windowCount: Uint32Array;
  /** 52-bit hashes of (userId, eventId) received after watermark - dedupeMs, with their receive times. */
  recentKey: Float64Array;
  recentAt: Float64Array;
}

export class CorruptSnapshotError extends Error {
  override name = 'CorruptSnapshotError';
}

/**
 * A 52-bit hash of an event's key (userId, eventId), exact in a double: two
 * FNV-1a passes with different offsets. At a million keys in the dedupe window
 * the chance that any two collide is about 1e-4, and a collision drops one event.
 */
export function eventKeyHash(userId: string, eventId: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const feed = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
    }
  };
  feed(userId);
  a = Math.imul(a ^ 0, 0x01000193);
  b = Math.imul(b ^ 0, 0x01000193);
  feed(eventId);
  return (a >>> 12) * 2 ** 32 + (b >>> 0);
}
