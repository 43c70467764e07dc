/**
 * Where a distributed run keeps its state in the bucket, and the plan every
 * step reads. Keys are per run, per side, per iteration and per shard, so a
 * retried shard rewrites exactly its own file and never reads its own output:
 * a step is a function of files an earlier state finished writing.
 *
 *   <scratch><runId>/plan.json                 the run's plan (params, shard ranges, run record so far)
 *   <scratch><runId>/data.bin                  the dataset (ids, pairs): evaluate and publish rebuild it
 *   <scratch><runId>/shards/<side>-<s>.bin     shard s's rows of R (user side) or Rᵀ (item side), both problems
 *   <scratch><runId>/rows/<side>/<it>/<s>.bin  shard s's factor rows after iteration it (0: the seeded start),
 *                                              and their part of the side's Gram matrix
 *   <scratch><runId>/index/<side>/<it>.bin     where each shard file's rows sit, and the side's Gram matrix
 *
 * No step holds a whole side's factors: a shard step reads only the other side's rows its
 * interactions touch, by byte ranges of the shard files (./gather.ts); only evaluate and publish
 * join a side.
 *
 * "Both problems": the evaluation fit (the holdout's train part) and the final
 * fit (all pairs) run in the same shards and iterations, exactly the two fits
 * the single-Lambda pipeline makes, so one loop yields the metrics and the model.
 */
import type { AlsParams } from '../../math/als';
import type { ModelStore } from '../../ports/model-store';
import type { RunRecord } from '../../ports/training';
import { CorruptScratchError, decodeBlob, encodeBlob, type Blob, type Numeric } from './blob';
import type { RowRange } from '../../workflow/shards';

export type Side = 'user' | 'item';
/** The two fits: on the holdout's train part (metrics, calibration) and on everything (the model). */
export const PROBLEMS = ['eval', 'full'] as const;
export type Problem = (typeof PROBLEMS)[number];

export interface RunPlan {
  runId: string;
  startedAt: number;
  params: AlsParams;
  /** Where the parameters came from (recorded in the manifest's `tuning`): ./tune.ts. */
  tuning?: Record<string, unknown>;
  users: number;
  items: number;
  userRanges: RowRange[];
  itemRanges: RowRange[];
  /** The served model's version when the run started (null: none). */
  servedVersion: string | null;
  servedCreatedAt: string | null;
  erasureWatermark: number;
  /** Erasures since the served model: the gate replaces it regardless of metrics. */
  erasureRun: boolean;
  counts: NonNullable<RunRecord['counts']>;
  timings: Record<string, number>;
}

export const keys = (scratch: string, runId: string) => {
  const p = `${scratch}${runId}/`;
  return {
    runId,
    prefix: p,
    plan: `${p}plan.json`,
    data: `${p}data.bin`,
    shard: (side: Side, s: number) => `${p}shards/${side}-${s}.bin`,
    rows: (side: Side, it: number, s: number) => `${p}rows/${side}/${it}/${s}.bin`,
    index: (side: Side, it: number) => `${p}index/${side}/${it}.bin`,
  };
};

/** Run ids name keys: refuse anything that could climb out of the run's folder. */
export function checkRunId(runId: unknown): string {
  if (typeof runId !== 'string' || !/^[0-9a-f]{8,32}$/.test(runId)) throw new Error(`bad run id: ${String(runId)}`);
  return runId;
}

export async function readBlob<M>(store: ModelStore, key: string): Promise<Blob<M>> {
  const bytes = await store.get(key);
  if (!bytes) throw new CorruptScratchError(`${key} is missing`);
  return decodeBlob<M>(bytes, key);
}

export function writeBlob(
  store: ModelStore,
  key: string,
  meta: Record<string, unknown>,
  arrays: Record<string, Numeric>,
): Promise<void> {
  return store.put(key, encodeBlob(meta, arrays), 'application/octet-stream');
}

export async function readPlan(store: ModelStore, scratch: string, runId: string): Promise<RunPlan> {
  const key = keys(scratch, checkRunId(runId)).plan;
  const bytes = await store.get(key);
  if (!bytes) throw new CorruptScratchError(`${key} is missing`);
  return JSON.parse(new TextDecoder().decode(bytes)) as RunPlan;
}

export function writePlan(store: ModelStore, scratch: string, plan: RunPlan): Promise<void> {
  const body = new TextEncoder().encode(JSON.stringify(plan));
  return store.put(keys(scratch, plan.runId).plan, body, 'application/json');
}

/** Deletes everything the run wrote (called when it ends, published or not). */
export async function deleteRun(store: ModelStore, scratch: string, runId: string): Promise<void> {
  const all = await store.list(keys(scratch, checkRunId(runId)).prefix);
  for (let k = 0; k < all.length; k += 1000) await store.delete(all.slice(k, k + 1000));
}
