/**
 * The two steps the Distributed Maps and their followers run. A shard step
 * re-solves its rows of one side against the other side's factors and Gram
 * matrix (the ALS half-step of shared/math/als-step.ts on a row range; rows
 * are independent given the other side, so the shards' union is exactly one
 * single-Lambda half-step). It reads only the other side's rows its
 * interactions touch (./gather.ts), so its memory follows its shard, not the
 * other side's size. An assemble step indexes a side's shard files and sums
 * their Gram parts for the next half-step. Neither touches the table.
 */
import { alsScratch, solveRowsCg, solveRowsCholesky } from '../../math/als-step';
import type { Csr } from '../../math/csr';
import { gramian } from '../../math/linalg';
import type { ModelStore } from '../../ports/model-store';
import { arrayOf, CorruptScratchError } from './blob';
import {
  DEFAULT_READS,
  gatherRows,
  localIndices,
  readSideIndex,
  touchedRows,
  writeSideIndex,
  type ReadPlan,
} from './gather';
import { PROBLEMS, keys, readBlob, readPlan, writeBlob, type Side } from './layout';

export interface ShardDeps {
  models: ModelStore;
  scratch: string;
  /** How the other side's rows are fetched (tests shrink it); default {@link DEFAULT_READS}. */
  reads?: ReadPlan;
}
export interface SolveInput {
  runId: string;
  side: Side;
  shard: number;
  /** 1-based ALS iteration. */
  iteration: number;
}

function checkStep(side: unknown, iteration: unknown, count: number, shard?: unknown): void {
  if (side !== 'user' && side !== 'item') throw new Error(`bad side: ${String(side)}`);
  if (!Number.isInteger(iteration) || (iteration as number) < 1) throw new Error(`bad iteration: ${String(iteration)}`);
  if (shard !== undefined && (!Number.isInteger(shard) || (shard as number) < 0 || (shard as number) >= count))
    throw new Error(`bad shard: ${String(shard)} of ${count}`);
}

/** What a solve read of the other side: rows touched, bytes and GETs (the whole side would be `sideBytes`). */
export interface SolveResult {
  rows: number;
  otherRows: number;
  otherBytes: number;
  otherRequests: number;
  sideBytes: number;
}

/** Solves shard `shard` of `side` at `iteration`; writes (only) its own rows file. */
export async function solveShard(deps: ShardDeps, input: SolveInput): Promise<SolveResult> {
  const plan = await readPlan(deps.models, deps.scratch, input.runId);
  const ranges = input.side === 'user' ? plan.userRanges : plan.itemRanges;
  checkStep(input.side, input.iteration, ranges.length, input.shard);
  const { side, shard, iteration } = input;
  const k = keys(deps.scratch, plan.runId);
  const f = plan.params.factors;
  // users solve against the items of the previous iteration, items against this iteration's users
  const otherSide: Side = side === 'user' ? 'item' : 'user';
  const otherIt = side === 'user' ? iteration - 1 : iteration;
  const otherRanges = otherSide === 'user' ? plan.userRanges : plan.itemRanges;
  const [m, own, index] = await Promise.all([
    readBlob<{ cols: number }>(deps.models, k.shard(side, shard)),
    readBlob(deps.models, k.rows(side, iteration - 1, shard)),
    readSideIndex(deps.models, deps.scratch, plan.runId, otherSide, otherIt),
  ]);
  const indices = { eval: arrayOf(m, 'evalIndices', Int32Array), full: arrayOf(m, 'fullIndices', Int32Array) };
  const touched = touchedRows(indices.eval, indices.full);
  const where = { side: otherSide, iteration: otherIt, ranges: otherRanges, index };
  const got = await gatherRows(deps.models, deps.scratch, plan.runId, where, touched, f, deps.reads ?? DEFAULT_READS);
  const [lo, hi] = ranges[shard]!;
  const rows = hi - lo;
  const scratch = alsScratch(f);
  const out: Record<string, Float32Array | Float64Array> = {};
  for (const p of PROBLEMS) {
    const csr: Csr = {
      rows,
      // the other side's full size: it sets each row's regularization λ·(n + α0·N)^ν
      cols: m.meta.cols,
      indptr: arrayOf(m, `${p}Indptr`, Int32Array),
      // into the packed touched rows, not the whole side
      indices: localIndices(indices[p], touched),
      data: arrayOf(m, `${p}Conf`, Float32Array),
    };
    const conf = csr.data;
    // the warm start (CG refines the previous rows), copied: the solver writes in place
    const X = arrayOf(own, p, Float32Array).slice();
    if (X.length !== rows * f)
      throw new CorruptScratchError(`${side} shard ${shard}: ${X.length / f} rows, not ${rows}`);
    const Y = got.rows[p];
    const gram = index.gram[p];
    if (plan.params.solver === 'cholesky') solveRowsCholesky(csr, conf, X, Y, gram, f, plan.params, scratch);
    else solveRowsCg(csr, conf, X, Y, gram, f, plan.params, plan.params.cgSteps, scratch);
    out[p] = X;
    // this shard's part of the side's Gram matrix: the assemble step sums the parts
    out[`${p}Gram`] = gramian(X, rows, f);
  }
  await writeBlob(deps.models, k.rows(side, iteration, shard), { side, shard, iteration }, out);
  const sideRows = otherSide === 'user' ? plan.users : plan.items;
  return {
    rows,
    otherRows: touched.length,
    otherBytes: got.bytes,
    otherRequests: got.requests,
    sideBytes: sideRows * f * 4 * PROBLEMS.length,
  };
}

export interface AssembleInput {
  runId: string;
  side: Side;
  iteration: number;
}

/** Indexes a side's shard files of `iteration` and sums their Gram parts (no factor rows are read). */
export async function assemble(deps: ShardDeps, input: AssembleInput): Promise<{ shards: number }> {
  const plan = await readPlan(deps.models, deps.scratch, input.runId);
  const ranges = input.side === 'user' ? plan.userRanges : plan.itemRanges;
  checkStep(input.side, input.iteration, ranges.length);
  const f = plan.params.factors;
  await writeSideIndex(deps.models, deps.scratch, plan.runId, input.side, input.iteration, ranges, f, deps.reads);
  return { shards: ranges.length };
}
