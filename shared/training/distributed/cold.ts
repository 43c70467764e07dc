/**
 * ALS's cold-item ridge on the large path: the single job's ALS artifact
 * carries a ridge from an item's metadata tokens to its factors
 * (shared/model/kinds/cold-ridge.ts), so a catalog item nobody has
 * interacted with yet is scored and compared like any other. FitRanker fits
 * the same ridge, by the same function and λ, from the full fit's item
 * factors whenever ALS is what the run serves and the catalog has metadata;
 * it goes to the run's scratch (`cold.bin`) and Evaluate and Publish load it
 * with the full fit, so Publish writes it into the artifact as a kind file.
 *
 * Memory: the item side (items × f floats), the catalog and its token bags,
 * and the ridge's normal equations ((T+1)² + (T+1)·f doubles, T ≤ 1,000
 * tokens: ≤ 8.5 MB). Each item's pair count comes from the item shard files'
 * row pointers (O(items) integers), never from the interactions.
 */
import { COLD_FILES, coldParts, fitColdItemsFor } from '../../model/kinds/cold-ridge';
import type { PartValue } from '../../model/kinds/kind';
import { arrayOf, decodeBlob } from './blob';
import { joinSide } from './gather';
import { keys, writeBlob, type RunPlan } from './layout';
import { openBlob, readSlice } from './run-files';
import type { StepDeps } from './record';

/** Item shards whose row pointers are read at once. */
const SHARDS_AT_ONCE = 16;

const coldKey = (deps: StepDeps, runId: string) => `${keys(deps.scratch, runId).prefix}cold.bin`;

/** Each item's pairs in the full data (its row length in Rᵀ), from the item shard files' row pointers. */
export async function itemPairCounts(deps: StepDeps, plan: RunPlan): Promise<Int32Array> {
  const k = keys(deps.scratch, plan.runId);
  const counts = new Int32Array(plan.items);
  for (let s0 = 0; s0 < plan.itemRanges.length; s0 += SHARDS_AT_ONCE)
    await Promise.all(
      plan.itemRanges.slice(s0, s0 + SHARDS_AT_ONCE).map(async ([lo, hi], j) => {
        const blob = await openBlob(deps.models, k.shard('item', s0 + j));
        const indptr = await readSlice(deps.models, blob, 'fullIndptr', Int32Array, 0, hi - lo + 1);
        for (let r = 0; r < hi - lo; r++) counts[lo + r] = indptr[r + 1]! - indptr[r]!;
      }),
    );
  return counts;
}

/**
 * Fits ALS's cold-item ridge over the full fit's item side and keeps it in the run's scratch; returns the
 * items it was fitted on (0: the catalog's tokens cover no item with pairs, nothing written).
 */
export async function fitAlsColdItems(
  deps: StepDeps,
  plan: RunPlan,
  data: { itemIds: readonly string[]; side: Readonly<Record<string, unknown>> },
): Promise<number> {
  const f = plan.params.factors;
  const it = plan.params.iterations;
  const [items, counts] = await Promise.all([
    joinSide(deps.models, deps.scratch, plan.runId, 'item', it, plan.itemRanges, plan.items, f, 'full'),
    itemPairCounts(deps, plan),
  ]);
  const cold = fitColdItemsFor(data, counts, items, f);
  if (!cold) return 0;
  const parts = coldParts(cold);
  const json = parts[COLD_FILES.json] as { fittedOn: number } & Record<string, unknown>;
  await writeBlob(deps.models, coldKey(deps, plan.runId), json, { ridge: parts[COLD_FILES.ridge] as Float64Array });
  return json.fittedOn;
}

/** The ridge's artifact files FitRanker kept for the run, or none. */
export async function readAlsColdParts(deps: StepDeps, runId: string): Promise<Record<string, PartValue>> {
  const key = coldKey(deps, runId);
  const bytes = await deps.models.get(key);
  if (!bytes) return {};
  const b = decodeBlob<Record<string, unknown>>(bytes, key);
  return { [COLD_FILES.ridge]: arrayOf(b, 'ridge', Float64Array), [COLD_FILES.json]: b.meta };
}
