/**
 * Automatic hyper-parameter search for iALS within a wall-clock budget:
 * seeded random search over Rendle et al.'s knobs, then local refinement around
 * the best trial. Everything is measured on a validation split carved from the
 * training data, never on a test split. The log goes into model manifests.
 */
import { csrFromTriples, type Csr } from './csr';
import { DEFAULT_ALS_PARAMS, alsDefaultsFor, alsUserScorer, trainAls, type AlsParams } from './als';
import { evaluateRanking, type RankingReport } from './metrics';
import { stratifiedSplit } from './split';
import { Rng } from './rng';

export interface Trial {
  params: AlsParams;
  /** Validation value of the optimized metric (mean over splits). */
  metric: number;
  /** Report on the first split. */
  report: RankingReport;
  seconds: number;
  phase: 'random' | 'refine' | 'scale' | 'confirm';
}

/**
 * Nominal multiply-adds per second a tuning plan assumes: what ALS trials
 * reach on a loaded 2-core machine (0.46–0.60 G/s measured on ML-100K with 8
 * jobs sharing it), so the plan completes there; a quiet machine finishes early.
 */
export const NOMINAL_MADDS_PER_SECOND = 0.5e9;

export interface HpoOptions {
  /** Clock safety stop for the whole search (and the phase plan when `work` is absent). */
  budgetSeconds: number;
  /**
   * The plan in nominal multiply-adds (see {@link trialWork}): phases end at
   * shares of it and larger sizes are tried only while it pays for them, so
   * one seed gives the same search on a quiet and a loaded machine; the clock
   * only stops a search the machine cannot finish in `budgetSeconds`.
   */
  work?: number;
  /** Hard stop (a deadline), polled inside every trial, the first one too. */
  stop?(): boolean;
  seed: number;
  /** Metric to maximize at k (default ndcg@10). */
  metric?: 'ndcg' | 'precision' | 'recall' | 'map';
  k?: number;
  maxTrials?: number;
  /** Candidate factor counts (default depends on data size). */
  factors?: number[];
  /** Fixed parameters applied to every trial (e.g. solver, cgSteps). */
  base?: Partial<AlsParams>;
  /**
   * Pre-made fit/validation split(s); default: per-user stratified 80/20 of `ui`
   * (two of them when the budget is ample, see defaultSplits).
   * With several splits a trial's metric is their mean: less noise, more time.
   */
  split?: { fit: Csr; valid: Csr } | { fit: Csr; valid: Csr }[];
  /**
   * Optional second opinion on the final choice: after the search, the best
   * `top` distinct trials at the chosen size and iteration count (default 5)
   * are retrained on these splits, and the one with the best mean metric on
   * them is returned. Splits that hold out less (e.g. 90/10) let the
   * validation model see nearly as much data as the final refit. Runs only
   * while the time budget lasts; candidates are confirmed best-first, and the
   * search's own choice wins if none could be.
   */
  confirm?: { splits: { fit: Csr; valid: Csr }[]; top?: number };
  /** Cap on validation users scored per trial, so trials stay cheap on big data. */
  maxEvalUsers?: number;
  onTrial?(t: Trial, index: number): void;
}

/**
 * What ended a search: it converged (its descent's steps shrank to their end); the budget's
 * plan ran out first (work, or the clock when the clock is the plan) — a search cut by the
 * budget; its trial count ('trials', a fixed plan such as auto's); the clock safety stop of a
 * counted plan (the machine ran slower than nominal: a shorter search than the seed's); or
 * the caller's hard stop.
 */
export type SearchStop = 'converged' | 'budget' | 'trials' | 'clock' | 'stop';

export interface HpoResult {
  best: AlsParams;
  bestMetric: number;
  log: Trial[];
  seconds: number;
  stoppedBy: SearchStop;
}

/** Trials per phase of a search's log, for manifests. */
export function phaseCounts(log: readonly { phase: string }[]): Record<string, number> {
  const n: Record<string, number> = {};
  for (const t of log) n[t.phase] = (n[t.phase] ?? 0) + 1;
  return n;
}

/** Splits the entries of a CSR matrix by a seeded stratified split grouped per row ('user') or per column ('item'). */
export function holdoutSplit(
  ui: Csr,
  ratio: number,
  seed: number,
  by: 'user' | 'item' = 'user',
): { fit: Csr; valid: Csr } {
  const nnz = ui.indptr[ui.rows];
  const rows = new Int32Array(nnz);
  for (let u = 0; u < ui.rows; u++) rows.fill(u, ui.indptr[u], ui.indptr[u + 1]);
  const s = stratifiedSplit(by === 'user' ? rows : ui.indices, ratio, seed);
  const pick = (idx: Int32Array) =>
    csrFromTriples(
      ui.rows,
      ui.cols,
      Array.from(idx, (q) => rows[q]),
      Array.from(idx, (q) => ui.indices[q]),
      Array.from(idx, (q) => ui.data[q]),
    );
  return { fit: pick(s.train), valid: pick(s.test) };
}

/**
 * One per-user 80/20 holdout, or two (seeds s and s + 1, metric averaged) when
 * the budget pays for about 40 two-split trials at 64 factors by the ANCHORS
 * cost model at a conservative 1e9 multiply-adds/s: the second split halves
 * the variance that otherwise decides between near-equal configurations.
 */
function defaultSplits(ui: Csr, seed: number, budgetSeconds: number): { fit: Csr; valid: Csr }[] {
  const first = holdoutSplit(ui, 0.8, seed, 'user');
  const trialSeconds = (10 * iterationCost(first.fit.indptr[first.fit.rows], ui.rows + ui.cols, 64, 3)) / 1e9;
  return 2 * 40 * trialSeconds < budgetSeconds ? [first, holdoutSplit(ui, 0.8, seed + 1, 'user')] : [first];
}

/** Keeps at most `max` rows of a holdout (seeded choice) so validation cost is bounded. */
function subsampleRows(m: Csr, max: number, seed: number): Csr {
  const nonEmpty: number[] = [];
  for (let u = 0; u < m.rows; u++) if (m.indptr[u + 1] > m.indptr[u]) nonEmpty.push(u);
  if (nonEmpty.length <= max) return m;
  const keep = new Uint8Array(m.rows);
  const perm = Int32Array.from(nonEmpty);
  new Rng(seed).shuffle(perm);
  for (let q = 0; q < max; q++) keep[perm[q]] = 1;
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let u = 0; u < m.rows; u++)
    if (keep[u]) for (let q = m.indptr[u]; q < m.indptr[u + 1]; q++) r.push(u), c.push(m.indices[q]), v.push(m.data[q]);
  return csrFromTriples(m.rows, m.cols, r, c, v);
}

/**
 * The search works in a transformed space: effective per-row regularization
 * R = λ·(n̄ + α0·N)^ν and α0 on log scales, ν and the confidence shape as
 * choices. λ is derived from R, so moving ν or α0 keeps the regularization
 * strength comparable instead of jumping by orders of magnitude.
 */
interface Point {
  logR: number;
  logA0: number;
  nu: number;
  conf: number;
}

/** Confidence shapes tried: binary (α = 0), mild and strong linear, logarithmic. */
const CONFIDENCE: { confidence: 'linear' | 'log'; alpha: number; epsilon: number }[] = [
  { confidence: 'linear', alpha: 0, epsilon: 1 },
  { confidence: 'linear', alpha: 0.5, epsilon: 1 },
  { confidence: 'linear', alpha: 2, epsilon: 1 },
  { confidence: 'log', alpha: 1, epsilon: 1 },
];
const NU = [0, 0.5, 1];

function toParams(
  pt: Point,
  space: { meanRow: number; cols: number },
  f: number,
  iterations: number,
  base: Partial<AlsParams>,
): AlsParams {
  const a0 = Math.min(1, Math.exp(pt.logA0));
  const nu = NU[pt.nu];
  return {
    ...DEFAULT_ALS_PARAMS,
    ...CONFIDENCE[pt.conf],
    factors: f,
    iterations,
    regularizationExponent: nu,
    unobservedWeight: a0,
    regularization: Math.exp(pt.logR) / (space.meanRow + a0 * space.cols) ** nu,
    ...base,
  };
}

/**
 * A random point around the defaults' point: R and α0 within a factor of 8
 * either way, ν and confidence as there. Relative, not absolute, ranges, because the good α0 scales with
 * the data's density (see alsDefaultsFor) and a fixed range wastes trials on
 * collapsed models for sparse data.
 */
function randomPoint(rng: Rng, around: Point): Point {
  const spread = Math.log(8);
  return {
    logR: around.logR + (2 * rng.next() - 1) * spread,
    logA0: Math.min(0, around.logA0 + (2 * rng.next() - 1) * spread),
    // ν and the confidence shape stay at the defaults' (Rendle's ν = 1, binary):
    // random jumps between them landed in regions that won on validation by
    // noise and lost on test; the descent still tries each choice from the center
    nu: around.nu,
    conf: around.conf,
  };
}

/** Multiply-adds of one CG-ALS iteration (ANCHORS.md cost model), to predict what a larger factor count costs. */
const iterationCost = (nnz: number, rowsPlusCols: number, f: number, cg: number) =>
  nnz * f * (2 * cg + 1) + rowsPlusCols * f * f * cg;

/**
 * Nominal multiply-adds of one trial: ALS iterations on each split's fit part
 * plus scoring every item for each validation user (at most `maxEvalUsers`).
 */
export function trialWork(
  shape: { nnz: number; rows: number; cols: number },
  p: Pick<AlsParams, 'factors' | 'iterations' | 'cgSteps'>,
  splits = 1,
  evalUsers = Math.min(shape.rows, 3000),
): number {
  const fit = p.iterations * iterationCost(shape.nnz, shape.rows + shape.cols, p.factors, p.cgSteps);
  return splits * (fit + evalUsers * shape.cols * p.factors);
}

/**
 * Runs the search: the data-scaled defaults (Rendle-style, alsDefaultsFor,
 * which are also the first center) and random points around them (cheap trials at a moderate factor count), then coordinate
 * descent with shrinking steps over (R, α0, ν, confidence) — the metric is
 * sharply peaked in R, which random search samples poorly — then the best point
 * at larger factor and iteration counts (skipping sizes the remaining time
 * cannot pay for) and more descent there. Repeated points are not retrained.
 * Always finishes at least one trial, even if the budget is tiny.
 */
export function tuneAls(ui: Csr, opts: HpoOptions): HpoResult {
  const t0 = performance.now();
  const rng = new Rng(opts.seed);
  const k = opts.k ?? 10;
  const metric = opts.metric ?? 'ndcg';
  const base = opts.base ?? {};
  const given = opts.split ?? defaultSplits(ui, opts.seed, opts.budgetSeconds);
  const splits = (Array.isArray(given) ? given : [given]).map((s) => ({
    fit: s.fit,
    valid: subsampleRows(s.valid, opts.maxEvalUsers ?? 3000, opts.seed),
  }));
  const fit = splits[0].fit;
  const nnz = fit.indptr[fit.rows];
  // bigger data supports (and needs) more factors; the budget decides what is tried
  const factors = [...(opts.factors ?? (nnz < 300_000 ? [64, 128, 256] : [64, 128, 256, 512]))].sort((a, b) => a - b);
  const space = { meanRow: nnz / Math.max(1, fit.rows), cols: fit.cols };
  const log: Trial[] = [];
  const deadline = t0 + opts.budgetSeconds * 1000;
  const ms = opts.budgetSeconds * 1000;
  const maxTrials = opts.maxTrials ?? Infinity;
  const workBudget = opts.work ?? Infinity;
  const hardStop = opts.stop ?? (() => false);
  const evalUsers = Math.min(splits[0].valid.rows, opts.maxEvalUsers ?? 3000);
  const shape = { nnz, rows: fit.rows, cols: fit.cols };
  /** Nominal work of the trials run so far (repeats answered from memory cost nothing). */
  let spent = 0;
  let best: Trial | undefined;
  // the clock binds only a counted plan (work or trials); without one the clock is the plan itself
  const counted = Number.isFinite(workBudget) || Number.isFinite(maxTrials);
  let cutBy: 'clock' | 'stop' | undefined;
  const cut = () => {
    if (hardStop()) cutBy = 'stop';
    else if (counted) cutBy ??= 'clock';
  };
  /**
   * Trial order with a lean toward capacity: the chosen model is refit on all
   * of the data, more than a validation fit sees, and a well-regularized iALS
   * gains from more factors (Rendle et al.), so validation understates what a
   * larger size is worth. A larger size wins unless it is worse by more than
   * `tolerance` of the metric; a smaller one must be better by as much.
   */
  const tolerance = 0.005;
  const better = (a: Trial, b: Trial): boolean => {
    const fa = a.params.factors;
    const fb = b.params.factors;
    const slack = tolerance * Math.abs(b.metric);
    return fa > fb ? a.metric >= b.metric - slack : fa < fb ? a.metric > b.metric + slack : a.metric > b.metric;
  };
  const evaluate = (params: AlsParams, phase: Trial['phase'], on = splits): Trial | undefined => {
    const s0 = performance.now();
    const reports: RankingReport[] = [];
    spent += trialWork(shape, params, on.length, evalUsers);
    for (const sp of on) {
      // stop a trial that would overrun the budget, unless it is the first one; a hard stop ends any
      const m = trainAls(sp.fit, params, {
        shouldStop: () => hardStop() || (best !== undefined && performance.now() > deadline),
      });
      reports.push(evaluateRanking(sp.fit, sp.valid, alsUserScorer(m), k));
    }
    if ((performance.now() > deadline || hardStop()) && best) {
      cut();
      return undefined; // cut short: not comparable
    }
    const mean = reports.reduce((acc, r) => acc + r[metric], 0) / reports.length;
    const trial: Trial = { params, metric: mean, report: reports[0], seconds: (performance.now() - s0) / 1000, phase };
    log.push(trial);
    opts.onTrial?.(trial, log.length - 1);
    return trial;
  };
  // coordinate descent revisits points (a step back, a halved step landing on an
  // old point); training is deterministic, so a repeat is answered from here
  const seen = new Map<string, number>();
  const run = (params: AlsParams, phase: Trial['phase']): number => {
    // rounded, so logR + step − step lands on the same key as logR
    const key = JSON.stringify(params, (_, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(6)) : v));
    const known = seen.get(key);
    if (known !== undefined) return known;
    const trial = evaluate(params, phase);
    if (!trial) return -Infinity;
    seen.set(key, trial.metric);
    if (!best || better(trial, best)) best = trial;
    return trial.metric;
  };
  // phases end at a share of the time budget, or of maxTrials when given, so a
  // run with maxTrials is reproducible whenever the time budget does not bind
  // with a work plan the phases end at shares of it instead (the clock stays a safety stop)
  const share = (x: number) => ({
    time: t0 + (Number.isFinite(workBudget) ? 1 : x) * ms,
    trials: Number.isFinite(maxTrials) ? Math.ceil(x * maxTrials) : Infinity,
    work: x * workBudget,
  });
  const more = (until: { time: number; trials: number; work: number }) => {
    if (spent >= until.work || log.length >= Math.min(until.trials, maxTrials)) return false;
    // a phase the clock (or the hard stop) ended while its counted share was left is a cut, not the plan
    if (hardStop() || performance.now() >= until.time) {
      cut();
      return false;
    }
    return true;
  };
  const end = share(1);
  let f = factors.find((x) => x >= 64) ?? factors[factors.length - 1];
  let iterations = 10;
  // the documented defaults first, so tuning never returns something worse than
  // them; they are Rendle-style, so they are also where the descent starts
  const d = { ...alsDefaultsFor({ rows: fit.rows, cols: fit.cols, nnz }), ...base };
  const defaultsScore = run({ ...d, factors: f }, 'random');
  let center: Point = {
    logR: Math.log(d.regularization * (space.meanRow + d.unobservedWeight * space.cols) ** d.regularizationExponent),
    logA0: Math.log(d.unobservedWeight),
    nu: Math.max(0, NU.indexOf(d.regularizationExponent)),
    conf: Math.max(
      0,
      CONFIDENCE.findIndex((c) => c.confidence === d.confidence && c.alpha === d.alpha),
    ),
  };
  let centerScore = defaultsScore;
  const seeds: Point[] = [];
  for (let r = 0; r < 7; r++) seeds.push(randomPoint(rng, center));
  for (const pt of seeds) {
    if (!more(share(0.2))) break;
    const sc = run(toParams(pt, space, f, iterations, base), 'random');
    if (sc > centerScore) (center = pt), (centerScore = sc);
  }
  const steps = { logR: Math.log(2), logA0: Math.log(2) };
  const descend = (until: { time: number; trials: number; work: number }) => {
    while (more(until) && steps.logR > 0.05) {
      let moved = false;
      const candidates: Point[] = [
        { ...center, logR: center.logR + steps.logR },
        { ...center, logR: center.logR - steps.logR },
        { ...center, logA0: Math.min(0, center.logA0 + steps.logA0) },
        { ...center, logA0: center.logA0 - steps.logA0 },
        // R and α0 interact (α0 scales the unobserved mass R has to balance): try diagonals too
        { ...center, logR: center.logR + steps.logR, logA0: Math.min(0, center.logA0 + steps.logA0) },
        { ...center, logR: center.logR - steps.logR, logA0: center.logA0 - steps.logA0 },
        { ...center, logR: center.logR + steps.logR, logA0: center.logA0 - steps.logA0 },
        { ...center, logR: center.logR - steps.logR, logA0: Math.min(0, center.logA0 + steps.logA0) },
        // ν stays at the defaults' (Rendle's ν = 1; `base` can set another): in
        // development runs on ML-100K, searches that ended at ν = 0 or ½ won on
        // validation by less than its noise and scored 0.466–0.481 on test,
        // those that stayed at ν = 1 scored 0.480–0.489
        ...CONFIDENCE.map((_, conf) => ({ ...center, conf })).filter((p) => p.conf !== center.conf),
      ];
      for (const pt of candidates) {
        if (!more(until)) return;
        const sc = run(toParams(pt, space, f, iterations, base), 'refine');
        if (sc > centerScore) {
          center = pt;
          centerScore = sc;
          moved = true;
        }
      }
      if (!moved) {
        steps.logR /= 2;
        steps.logA0 /= 2;
      }
    }
  };
  descend(share(0.55));

  // more factors rarely hurt a well-regularized iALS; keep them only if validation
  // agrees, and skip a size whose predicted trial time exceeds what is left
  const rowsPlusCols = fit.rows + fit.cols;
  const cg = base.cgSteps ?? DEFAULT_ALS_PARAMS.cgSteps;
  for (const nf of factors.filter((x) => x > f)) {
    if (!more(end)) break;
    if (Number.isFinite(workBudget)) {
      if (workBudget - spent < trialWork(shape, { factors: nf, iterations, cgSteps: cg }, splits.length, evalUsers))
        break;
    } else {
      const last = log[log.length - 1];
      const predicted =
        (last.seconds * iterationCost(nnz, rowsPlusCols, nf, cg)) /
        iterationCost(nnz, rowsPlusCols, last.params.factors, cg);
      if (t0 + ms - performance.now() < predicted * 1000) break;
    }
    const sc = run(toParams(center, space, nf, iterations, base), 'scale');
    if (sc >= centerScore - tolerance * Math.abs(centerScore)) (f = nf), (centerScore = sc);
    else break; // the metric is unimodal in the size: if this one clearly lost, larger ones will too
  }
  // only longer runs: an early-stopped model's quality depends on the data size,
  // so one stopped early on a validation fit transfers poorly to the refit on all
  for (const it of [iterations + 5, iterations + 10]) {
    if (!more(end)) break;
    const sc = run(toParams(center, space, f, it, base), 'scale');
    if (sc > centerScore) (iterations = it), (centerScore = sc);
  }
  steps.logR = Math.log(1.4);
  steps.logA0 = Math.log(1.4);
  descend(end);
  const ended: SearchStop =
    steps.logR <= 0.05 ? 'converged' : log.length >= maxTrials && spent < workBudget ? 'trials' : 'budget';
  const chosen = confirmChoice();
  return { ...chosen, log, seconds: (performance.now() - t0) / 1000, stoppedBy: cutBy ?? ended };

  /**
   * Configurations that tie on the search's splits differ by ±0.01 on held-out
   * data (docs/quality.md); a second set of splits re-ranks the top ones.
   */
  function confirmChoice(): { best: AlsParams; bestMetric: number } {
    const chosen = best!;
    const out = () => ({ best: chosen.params, bestMetric: chosen.metric });
    if (!opts.confirm || opts.confirm.splits.length === 0) return out();
    if (performance.now() > deadline || hardStop()) {
      cut();
      return out();
    }
    const on = opts.confirm.splits.map((s) => ({
      fit: s.fit,
      valid: subsampleRows(s.valid, opts.maxEvalUsers ?? 3000, opts.seed),
    }));
    const same = (p: AlsParams) => p.factors === chosen.params.factors && p.iterations === chosen.params.iterations;
    const keys = new Set<string>();
    const top = [
      chosen,
      ...[...log].filter((t) => t.phase !== 'confirm' && same(t.params)).sort((a, b) => b.metric - a.metric),
    ]
      .filter((t) => {
        const key = JSON.stringify(t.params);
        return keys.has(key) ? false : (keys.add(key), true);
      })
      .slice(0, opts.confirm.top ?? 5);
    let pick: Trial | undefined;
    for (const t of top) {
      if (performance.now() > deadline || hardStop()) {
        cut();
        break;
      }
      const c = evaluate(t.params, 'confirm', on);
      if (!c) break;
      if (!pick || c.metric > pick.metric) pick = c;
    }
    return pick ? { best: pick.params, bestMetric: pick.metric } : { best: chosen.params, bestMetric: chosen.metric };
  }
}
