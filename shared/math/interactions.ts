/** From string-keyed interaction triples to the index space the trainers work in. */
import { csrFromTriples, csrFilter, type Csr } from './csr';

export interface InteractionMatrix {
  /** users × items, summed weights. */
  matrix: Csr;
  userIds: string[];
  itemIds: string[];
  userIndex: Map<string, number>;
  itemIndex: Map<string, number>;
}

/**
 * Builds the users × items CSR matrix. Ids are numbered in order of first
 * appearance; duplicate (user, item) pairs are summed; pairs whose total weight
 * is ≤ 0 (e.g. a "dislike" that cancels a view) are dropped, because implicit
 * models treat every stored entry as a positive.
 */
export function buildInteractionMatrix(
  triples: Iterable<{ userId: string; itemId: string; weight: number }>,
): InteractionMatrix {
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (const t of triples) {
    if (!Number.isFinite(t.weight)) continue;
    let u = userIndex.get(t.userId);
    if (u === undefined) {
      u = userIds.length;
      userIndex.set(t.userId, u);
      userIds.push(t.userId);
    }
    let i = itemIndex.get(t.itemId);
    if (i === undefined) {
      i = itemIds.length;
      itemIndex.set(t.itemId, i);
      itemIds.push(t.itemId);
    }
    rows.push(u);
    cols.push(i);
    vals.push(t.weight);
  }
  const summed = csrFromTriples(userIds.length, itemIds.length, rows, cols, vals);
  const matrix = csrFilter(summed, (_r, _c, v) => v > 0);
  return { matrix, userIds, itemIds, userIndex, itemIndex };
}
