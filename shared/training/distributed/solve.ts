/**
 * The two steps the Distributed Maps and their followers run. A shard step
 * re-solves its rows of one side against the other side's factors and Gram
 * matrix (the ALS half-step of shared/math/als-step.ts on a row range; rows
 * are independent given the other side, so the shards' union is exactly one
 * single-Lambda half-step). An assemble step joins a side's shards and
 * computes its Gram matrix for the next half-step. Neither touches the table.
 */
import { alsScratch, solveRowsCg, solveRowsCholesky } from '../../math/als-step';
import type { Csr } from '../../math/csr';
import { gramianInto } from '../../math/linalg';
import type { ModelStore } from '../../ports/model-store';
import { arrayOf, CorruptScratchError } from './blob';
import { PROBLEMS, keys, readBlob, readPlan, writeBlob, type Side } from './layout';

export interface ShardDeps {
  models: ModelStore;
  scratch: string;
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

/** Solves shard `shard` of `side` at `iteration`; writes (only) its own rows file. */
export async function solveShard(deps: ShardDeps, input: SolveInput): Promise<{ rows: number }> {
  const plan = await readPlan(deps.models, deps.scratch, input.runId);
  const ranges = input.side === 'user' ? plan.userRanges : plan.itemRanges;
  checkStep(input.side, input.iteration, ranges.length, input.shard);
  const { side, shard, iteration } = input;
  const k = keys(deps.scratch, plan.runId);
  const f = plan.params.factors;
  // users solve against the items of the previous iteration, items against this iteration's users
  const other = side === 'user' ? k.full('item', iteration - 1) : k.full('user', iteration);
  const [m, fixed, own] = await Promise.all([
    readBlob<{ cols: number }>(deps.models, k.shard(side, shard)),
    readBlob(deps.models, other),
    readBlob(deps.models, k.rows(side, iteration - 1, shard)),
  ]);
  const [lo, hi] = ranges[shard]!;
  const rows = hi - lo;
  const scratch = alsScratch(f);
  const out: Record<string, Float32Array> = {};
  for (const p of PROBLEMS) {
    const csr: Csr = {
      rows,
      cols: m.meta.cols,
      indptr: arrayOf(m, `${p}Indptr`, Int32Array),
      indices: arrayOf(m, `${p}Indices`, Int32Array),
      data: arrayOf(m, `${p}Conf`, Float32Array),
    };
    const conf = csr.data;
    // the warm start (CG refines the previous rows), copied: the solver writes in place
    const X = arrayOf(own, p, Float32Array).slice();
    if (X.length !== rows * f)
      throw new CorruptScratchError(`${side} shard ${shard}: ${X.length / f} rows, not ${rows}`);
    const Y = arrayOf(fixed, p, Float32Array);
    const gram = arrayOf(fixed, `${p}Gram`, Float64Array);
    if (plan.params.solver === 'cholesky') solveRowsCholesky(csr, conf, X, Y, gram, f, plan.params, scratch);
    else solveRowsCg(csr, conf, X, Y, gram, f, plan.params, plan.params.cgSteps, scratch);
    out[p] = X;
  }
  await writeBlob(deps.models, k.rows(side, iteration, shard), { side, shard, iteration }, out);
  return { rows };
}

export interface AssembleInput {
  runId: string;
  side: Side;
  iteration: number;
}

/** Joins a side's shard rows of `iteration` into one matrix per fit, with its Gram matrix. */
export async function assemble(deps: ShardDeps, input: AssembleInput): Promise<{ rows: number }> {
  const plan = await readPlan(deps.models, deps.scratch, input.runId);
  const ranges = input.side === 'user' ? plan.userRanges : plan.itemRanges;
  checkStep(input.side, input.iteration, ranges.length);
  const k = keys(deps.scratch, plan.runId);
  const f = plan.params.factors;
  const n = input.side === 'user' ? plan.users : plan.items;
  const all = { eval: new Float32Array(n * f), full: new Float32Array(n * f) };
  // a few reads at a time: the shards are small and S3 answers them in parallel
  for (let s0 = 0; s0 < ranges.length; s0 += 16) {
    const batch = ranges.slice(s0, s0 + 16);
    const blobs = await Promise.all(
      batch.map((_, j) => readBlob(deps.models, k.rows(input.side, input.iteration, s0 + j))),
    );
    blobs.forEach((b, j) => {
      const [lo, hi] = batch[j]!;
      for (const p of PROBLEMS) {
        const part = arrayOf(b, p, Float32Array);
        if (part.length !== (hi - lo) * f)
          throw new CorruptScratchError(`${input.side} shard ${s0 + j} has the wrong size`);
        all[p].set(part, lo * f);
      }
    });
  }
  const evalGram = new Float64Array(f * f);
  const fullGram = new Float64Array(f * f);
  gramianInto(all.eval, n, f, evalGram);
  gramianInto(all.full, n, f, fullGram);
  await writeBlob(
    deps.models,
    k.full(input.side, input.iteration),
    { side: input.side, iteration: input.iteration },
    { eval: all.eval, full: all.full, evalGram, fullGram },
  );
  return { rows: n };
}
