/**
 * The neural ranker on the large path (state FitRanker, after the ALS loop):
 * the single path's stacking over ALS (shared/training/neural-gate.ts) on a
 * seeded, bounded sample of users, with the distributed fits as retrieval.
 *
 * 1. Gate: the ranker over the evaluation fit (the holdout's train part), for
 *    the sampled users, scored beside that ALS on the same users' holdout rows
 *    by `gateNeural` itself: same margin, same calibration choice.
 * 2. When it wins: the ranker over the full fit, on the sampled users' pairs,
 *    stored in the run's scratch as the `neural` kind's artifact parts, which
 *    Evaluate and Publish load through the kind's own loader over the full
 *    ALS (`withRanker`): the artifact the single path publishes.
 *
 * The network scores (user, item) from dense features and token embeddings; it
 * has no per-user parameters, so a sample of users trains it for every user
 * (their token bags ship with the artifact). The sample is bounded by users,
 * users × item tokens, interactions and the user × item scores the candidate
 * lists cost ({@link rankerSample}); with the whole data under the bounds it
 * is every user, and the result is the single path's at the same ALS.
 */
import type { Csr } from '../../math/csr';
import { layoutOf } from '../../math/neural/network';
import { itemTokens, tokenBags, userTokens, type ItemMetadata, type UserAttributes } from '../../metadata/vocabulary';
import { kindSpec, type FittedModel, type KindArtifact } from '../../model/kinds';
import { foldInOf } from '../../model/kinds/als';
import { fitRankerOver } from '../../model/kinds/neural';
import type { Calibration, Model } from '../../model/types';
import { fitTokenRidge } from '../cold-items';
import type { Dataset } from '../dataset';
import { evaluateFitted, type Holdout } from '../evaluate';
import { readTrainingMetadata } from '../metadata';
import { gateNeural, plansNeural } from '../neural-gate';
import { arrayOf, decodeBlob } from './blob';
import { gatherRows, joinSide, readSideIndex } from './gather';
import { holdoutRows } from './holdout-sample';
import { itemPairCounts, fitAlsColdItems } from './cold';
import { csrRows, union } from './csr-rows';
import { openData } from './run-files';
import { keys, readPlan, writeBlob, type RunPlan } from './layout';
import type { StepDeps } from './record';
import { hashFraction } from './tune';

/** Interactions of the sampled users at most: the feature ALS and the network's examples (docs/workflow.md). */
export const RANKER_SAMPLE_INTERACTIONS = 1_000_000;
/**
 * Sampled users × items at most: each fit ranks every item for every sampled user twice (feature and
 * retrieval ALS), at `factors` multiply-adds each.
 */
export const RANKER_SAMPLE_SCORES = 400_000_000;
/** The final fit's time as a multiple of the gate's: the same users, a third more pairs, and some room. */
const FINAL_FIT_FACTOR = 1.5;
/** What the step keeps back from the Lambda's deadline after the final fit: the ridge and the scratch write. */
const RANKER_RESERVE_MS = 60_000;
/**
 * Sampled users at most: each is re-ranked (a forward pass per candidate) a few times in each fit. Measured
 * 5-12 ms a user for the gate at load averages of 10-14 on 2 cores (≈ 1-2 ms quiet, inferred), so the gate and
 * the final fit of 50,000 users take ≈ 3 minutes of TrainControl's 15 quiet (docs/workflow.md).
 */
export const RANKER_SAMPLE_USERS = 50_000;
/** Sampled users × item tokens at most: a context's token profile (4 bytes each), two fits' at once: 400 MB. */
export const RANKER_PROFILE_FLOATS = 50_000_000;

/** What the step decided, kept in the scratch for Evaluate and Publish, and logged in the manifest's tuning. */
export interface RankerResult {
  served: 'als' | 'als+neural';
  /** The manifest's `tuning.neuralRanker`: the single path's log, plus why and on how many users. */
  log: Record<string, unknown>;
  /** The ranker's holdout metrics and calibration on the sampled users (when served). */
  metrics?: Record<string, number>;
  calibration?: Calibration;
  /** ALS's own Platt on the same users: serving the retrieval without the ranker needs it. */
  retrievalCalibration?: Calibration;
  /** The kind's resolved parameters (`als` added at load). */
  params?: Record<string, unknown>;
  /** The network's description (neural.json of the artifact). */
  json?: Record<string, unknown>;
}

const rankerKey = (deps: StepDeps, runId: string) => `${keys(deps.scratch, runId).prefix}ranker.bin`;

/** The users the ranker trains on: those whose id hashes under the fraction every bound allows (users: `maxUsers`). */
export function rankerSample(
  userIds: readonly string[],
  interactions: number,
  items: number,
  seed: number,
  maxUsers = RANKER_SAMPLE_USERS,
) {
  const fraction = Math.min(
    1,
    RANKER_SAMPLE_INTERACTIONS / Math.max(1, interactions),
    RANKER_SAMPLE_SCORES / Math.max(1, userIds.length * items),
    maxUsers / Math.max(1, userIds.length),
  );
  const rows: number[] = [];
  for (let u = 0; u < userIds.length; u++)
    if (fraction >= 1 || hashFraction(seed, userIds[u]!) < fraction) rows.push(u);
  return Int32Array.from(rows);
}

/** The sample's holdout (the metrics count users with both parts, as the single path's do). */
function holdoutOf({ train, test }: { train: Csr; test: Csr }): Holdout {
  let evalUsers = 0;
  for (let r = 0; r < train.rows; r++)
    if (test.indptr[r + 1]! > test.indptr[r]! && train.indptr[r + 1]! > train.indptr[r]!) evalUsers++;
  return { train, test, evalUsers, testRows: new Int32Array(0) };
}

/** Items with at least one pair (the cold-item ridge's rows, as neural.fit picks them). */
async function warmItems(deps: StepDeps, plan: RunPlan): Promise<Int32Array> {
  const counts = await itemPairCounts(deps, plan);
  return Int32Array.from(counts.keys()).filter((i) => counts[i]! > 0);
}

/** An ALS of the run's parameters over the given rows, through the kind's own loader (as finish.ts loads fits). */
function alsOver(plan: RunPlan, userFactors: Float32Array, itemFactors: Float32Array): FittedModel {
  const model = {
    manifest: { kind: 'als', foldIn: foldInOf(plan.params), hyperParameters: { ...plan.params } },
    factors: plan.params.factors,
    userFactors,
    itemFactors,
  } as unknown as Model;
  return kindSpec('als').load(model, {});
}

/**
 * The FitRanker step: decide, gate, and when the ranker wins fit it over the full ALS; when ALS is served over
 * a catalog with metadata, ALS's cold-item ridge instead (./cold.ts), as the single path's ALS artifact has.
 * Its result is small.
 */
export async function fitRankerStep(deps: StepDeps, input: { runId: string }) {
  const t = performance.now();
  const plan = await readPlan(deps.models, deps.scratch, input.runId);
  const erased = new Set((await deps.store.listErasures()).map((e) => e.userId));
  const meta = await readTrainingMetadata(deps.metadata, erased);
  if (meta.warning) deps.logger?.warn(meta.warning, { runId: plan.runId });
  const side = meta.side ?? {};
  const result = await decide(deps, plan, side, meta.warning);
  const r = rankerKey(deps, plan.runId);
  const { arrays, ...rest } = result;
  await writeBlob(deps.models, r, rest as unknown as Record<string, unknown>, arrays ?? {});
  // the neural kind carries its own ridge; ALS gets the single path's (none without item metadata)
  let coldItems = 0;
  if (result.served === 'als' && side.items?.length) {
    const { itemIds } = (await openData(deps.models, deps.scratch, plan.runId)).layout.meta;
    coldItems = await fitAlsColdItems(deps, plan, { itemIds, side });
  }
  const ms = Math.round(performance.now() - t);
  deps.logger?.info('distributed training ranker', { runId: plan.runId, ms, coldItems, ...result.log });
  // the state's output ($.ranker): what was served and, when not the ranker, why
  const reason = typeof result.log.reason === 'string' ? { reason: result.log.reason } : {};
  return { served: result.served, ms, ...reason };
}

async function decide(
  deps: StepDeps,
  plan: RunPlan,
  side: { items?: ItemMetadata[]; users?: UserAttributes[] },
  warning: string | undefined,
): Promise<RankerResult & { arrays?: Record<string, Float32Array | Float64Array | Int32Array> }> {
  const budget = deps.config.trainBudgetSeconds;
  if (!plansNeural({ side }, budget)) {
    const reason = side.items?.length
      ? `a ${budget} s training budget plans no ranker`
      : (warning ?? 'no item metadata');
    return { served: 'als', log: { served: 'als', reason } };
  }
  // the sampled users' holdout rows and ALS rows, every item's factors: memory follows users, items and the sample
  const { userIds, itemIds } = (await openData(deps.models, deps.scratch, plan.runId)).layout.meta;
  const seed = plan.params.seed;
  // each sampled user's context holds a profile over the item tokens, in two fits at once
  const tokens = new Set((side.items as ItemMetadata[]).flatMap((m) => itemTokens(m))).size;
  const maxUsers = Math.min(
    deps.config.rankerSampleUsers ?? RANKER_SAMPLE_USERS,
    Math.max(1, Math.floor(RANKER_PROFILE_FLOATS / Math.max(1, tokens))),
  );
  const rows = rankerSample(userIds, plan.counts.interactions, itemIds.length, seed, maxUsers);
  const f = plan.params.factors;
  const it = plan.params.iterations;
  const index = await readSideIndex(deps.models, deps.scratch, plan.runId, 'user', it);
  const where = { side: 'user' as const, iteration: it, ranges: plan.userRanges, index };
  const users = (await gatherRows(deps.models, deps.scratch, plan.runId, where, rows, f)).rows;
  const items = (p: 'eval' | 'full') =>
    joinSide(deps.models, deps.scratch, plan.runId, 'item', it, plan.itemRanges, plan.items, f, p);
  const ids = Array.from(rows, (u) => userIds[u]!);
  const sd = { userIds: ids, itemIds, side } as unknown as Dataset;
  const hs = holdoutOf(await holdoutRows(deps.models, deps.scratch, plan, rows));
  const evalAls = alsOver(plan, users.eval, await items('eval'));
  // ALS and the ranker on the same sampled users' holdout: the single path's gate, literally
  const ev = evaluateFitted(evalAls, sd, hs, 10);
  const gateStart = Date.now();
  const g = gateNeural(sd, hs, evalAls, ev.metrics);
  const interactions = hs.train.indptr[rows.length]! + hs.test.indptr[rows.length]!;
  const log = { ...g.log, sample: { users: rows.length, of: userIds.length, interactions } };
  if (!g.use) return { served: 'als', log };
  // the final fit costs about what the gate's did (the same sample, all its pairs instead of 75%): when it
  // would not end before the Lambda's, ALS is served rather than the whole run failing on a timeout
  const need = (Date.now() - gateStart) * FINAL_FIT_FACTOR;
  if (deps.deadline !== undefined && Date.now() + need > deps.deadline - RANKER_RESERVE_MS) {
    const s = Math.round(need / 1000);
    const reason = `the ranker won on the holdout but its final fit (≈ ${s} s) would not end in time`;
    return { served: 'als', log: { ...log, served: 'als', reason } };
  }
  // the ranker to serve: over the full fit, on the sampled users' pairs
  const fullItems = await items('full');
  const fullAls = alsOver(plan, users.full, fullItems);
  const data = { ui: union(hs.train, hs.test), userIds: ids, itemIds, side };
  // the seed the single path's final fit gets (fitKind: the kind's params carry none at the top level)
  const finalSeed = typeof g.params.seed === 'number' ? g.params.seed : 42;
  const { ranker, meta: m, epochs } = fitRankerOver(data, g.params, fullAls, { seed: finalSeed });
  const s = ranker.state;
  // every user's token bags in the ranker's vocabulary (tokens no sampled user had have no embedding)
  const attrs = new Map(
    ((side.users as UserAttributes[] | undefined) ?? []).map((a) => [a.userId, userTokens(a.attributes)]),
  );
  const userBags = tokenBags(userIds, (id) => attrs.get(id), m.uv, false);
  const spec = { ...s.net.spec, users: userIds.length };
  if (layoutOf(spec).size !== s.net.params.length)
    throw new Error('the ranker has per-user parameters: it cannot be sampled');
  const warm = await warmItems(deps, plan);
  const lambda = typeof g.params.coldRidge === 'number' ? g.params.coldRidge : 30;
  const ridge = fitTokenRidge(m.itemBags, m.iv.size, fullItems, f, warm, lambda);
  const json = {
    spec,
    mean: s.mean,
    sd: s.sd,
    candidates: s.candidates,
    itemVocab: m.iv.tokens,
    userVocab: m.uv.tokens,
  };
  return {
    served: 'als+neural',
    // what the served network was fitted on: the sample's pairs (the single path's: every pair)
    log: { ...log, finalFit: { users: rows.length, interactions } },
    metrics: g.metrics,
    calibration: g.calibration,
    retrievalCalibration: ev.calibration,
    params: { ...g.params, epochs, coldRidge: lambda },
    json,
    arrays: {
      params: s.net.params,
      popularity: s.logPop,
      itemIndptr: m.itemBags.indptr,
      itemIndices: m.itemBags.indices,
      userIndptr: userBags.indptr,
      userIndices: userBags.indices,
      ridge,
    },
  };
}

/** The step's verdict, or null when the run's scratch has none (a run laid out before this step existed). */
export async function readRanker(deps: StepDeps, runId: string) {
  const key = rankerKey(deps, runId);
  const bytes = await deps.models.get(key);
  return bytes ? decodeBlob<RankerResult>(bytes, key) : null;
}

/** The candidate with the ranker FitRanker stored for it, or the ALS itself; and how the run's records change. */
export interface Ranked {
  fit: FittedModel;
  result: RankerResult | null;
  /** The evaluation the run records: the ranker's metrics and calibration when it is served (the single path's). */
  evaluated<E extends { metrics: Record<string, number>; calibration: Calibration }>(e: E): E;
  /** The manifest's `tuning` with the step's `neuralRanker` log (served or not, and why). */
  tuning(t?: Record<string, unknown>): Record<string, unknown> | undefined;
}

/**
 * Evaluate's and Publish's hook: the full ALS, or ALS + the ranker when FitRanker served it, loaded through
 * the `neural` kind's loader from the parts it stored (the artifact the single path publishes). Its artifact's
 * manifest carries ALS's own Platt (`retrievalCalibration`), as the single path's does. With `users`, `als`'s
 * rows are those users' (row q: user `users[q]`) and so are the ranker's (Publish's exposure sample).
 */
export async function withRanker(deps: StepDeps, plan: RunPlan, als: FittedModel, users?: Int32Array): Promise<Ranked> {
  const b = await readRanker(deps, plan.runId);
  const result = b?.meta ?? null;
  const tuning = (t?: Record<string, unknown>) => (result ? { ...(t ?? {}), neuralRanker: result.log } : t);
  if (!b || result?.served !== 'als+neural') return { fit: als, result, evaluated: (e) => e, tuning };
  const { userIds: all, itemIds } = (await openData(deps.models, deps.scratch, plan.runId)).layout.meta;
  const a = als.artifact();
  let bags = { indptr: arrayOf(b, 'userIndptr', Int32Array), indices: arrayOf(b, 'userIndices', Int32Array) };
  const userIds = users ? Array.from(users, (u) => all[u]!) : all;
  if (users) bags = csrRows(bags, users);
  const json = b.meta.json as { spec: Record<string, unknown> };
  const parts = {
    'neural_params.f64': arrayOf(b, 'params', Float64Array),
    'neural.json': users ? { ...json, spec: { ...json.spec, users: users.length } } : json,
    'neural_popularity.f32': arrayOf(b, 'popularity', Float32Array),
    'neural_item_tokens_indptr.i32': arrayOf(b, 'itemIndptr', Int32Array),
    'neural_item_tokens.i32': arrayOf(b, 'itemIndices', Int32Array),
    'neural_user_tokens_indptr.i32': bags.indptr,
    'neural_user_tokens.i32': bags.indices,
    'neural_ridge.f64': arrayOf(b, 'ridge', Float64Array),
  };
  const model = {
    manifest: { kind: 'neural', ...(a.manifest ?? {}), hyperParameters: { ...b.meta.params, als: als.params } },
    userIds,
    itemIds,
    factors: a.factors,
    userFactors: a.userFactors,
    itemFactors: a.itemFactors,
    ...(a.itemGramian ? { itemGramian: a.itemGramian } : {}),
    parts,
  } as unknown as Model;
  const neural = kindSpec('neural').load(model, {});
  // the artifact writers (toModel, the streamed publish) spread the kind's manifest fields into the manifest
  const artifact = (): KindArtifact => {
    const x = neural.artifact();
    const manifest = { ...(x.manifest ?? {}), retrievalCalibration: result.retrievalCalibration };
    return { ...x, manifest: manifest as KindArtifact['manifest'] };
  };
  return {
    fit: Object.assign(Object.create(neural) as FittedModel, { artifact }),
    result,
    evaluated: (e) => ({ ...e, metrics: { ...e.metrics, ...result.metrics }, calibration: result.calibration! }),
    tuning,
  };
}
