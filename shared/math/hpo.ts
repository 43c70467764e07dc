/**
 * Automatic hyper-parameter search for iALS within a wall-clock budget:
 * seeded random search over Rendle et al.'s knobs, then local refinement around
 * the best trial. Everything is measured on a validation split carved from the
 * training data, never on a test split. The log goes into model manifests.
 */
import { csrFromTriples, type Csr } from './csr';
import { DEFAULT_ALS_PARAMS, trainAls, type AlsParams } from './als';
import { evaluateRanking, type RankingReport } from './metrics';
import { stratifiedSplit } from './split';
import { scoreAll } from './topk';
import { Rng } from './rng';

export interface Trial {
  params: AlsParams;
  /** Validation value of the optimized metric. */
  metric: number;
  report: RankingReport;
  seconds: number;
  phase: 'random' | 'refine' | 'scale';
}

export interface HpoOptions {
  budgetSeconds: number;
  seed: number;
  /** Metric to maximize at k (default ndcg@10). */
  metric?: 'ndcg' | 'precision' | 'recall' | 'map';
  k?: number;
  maxTrials?: number;
  /** Candidate factor counts (default depends on data size). */
  factors?: number[];
  /** Fixed parameters applied to every trial (e.g. solver, cgSteps). */
  base?: Partial<AlsParams>;
  /** Pre-made fit/validation split; default: per-user stratified 80/20 of `ui`. */
  split?: { fit: Csr; valid: Csr };
  /** Cap on validation users scored per trial, so trials stay cheap on big data. */
  maxEvalUsers?: number;
  onTrial?(t: Trial, index: number): void;
}

export interface HpoResult {
  best: AlsParams;
  bestMetric: number;
  log: Trial[];
  seconds: number;
}

/** Splits the entries of a CSR matrix by a seeded stratified split grouped per row ('user') or per column ('item'). */
export function holdoutSplit(ui: Csr, ratio: number, seed: number, by: 'user' | 'item' = 'user'): { fit: Csr; valid: Csr } {
  const nnz = ui.indptr[ui.rows];
  const rows = new Int32Array(nnz);
  for (let u = 0; u < ui.rows; u++) rows.fill(u, ui.indptr[u], ui.indptr[u + 1]);
  const s = stratifiedSplit(by === 'user' ? rows : ui.indices, ratio, seed);
  const pick = (idx: Int32Array) =>
    csrFromTriples(ui.rows, ui.cols, Array.from(idx, (q) => rows[q]), Array.from(idx, (q) => ui.indices[q]), Array.from(idx, (q) => ui.data[q]));
  return { fit: pick(s.train), valid: pick(s.test) };
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
    if (keep[u]) for (let q = m.indptr[u]; q < m.indptr[u + 1]; q++) (r.push(u), c.push(m.indices[q]), v.push(m.data[q]));
  return csrFromTriples(m.rows, m.cols, r, c, v);
}

const logUniform = (rng: Rng, lo: number, hi: number) => Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));

/**
 * Regularization is sampled as an *effective* per-row strength R and converted
 * to λ = R / (n̄ + α0·N)^ν, so λ's range stays meaningful whatever ν and α0 are.
 */
function sample(rng: Rng, space: { meanRow: number; cols: number }, f: number, base: Partial<AlsParams>): AlsParams {
  // frequency scaling is what makes iALS competitive (Rendle 2021); ν = 0 stays a candidate
  const nu = [0, 0.5, 1, 1][rng.int(4)];
  const a0 = logUniform(rng, 0.02, 1);
  const R = logUniform(rng, 0.5, 200);
  const conf = rng.next() < 0.75 ? 'linear' : 'log';
  const alpha = conf === 'linear' ? (rng.next() < 0.5 ? 0 : logUniform(rng, 0.05, 5)) : logUniform(rng, 0.3, 10);
  return {
    ...DEFAULT_ALS_PARAMS,
    factors: f,
    iterations: 10,
    regularizationExponent: nu,
    unobservedWeight: a0,
    regularization: R / Math.pow(space.meanRow + a0 * space.cols, nu),
    confidence: conf,
    alpha,
    epsilon: conf === 'log' ? [0.1, 1][rng.int(2)] : 1,
    ...base,
  };
}

/** Multiplicative jitter of the continuous knobs around `p`; discrete choices kept. */
function perturb(rng: Rng, p: AlsParams, base: Partial<AlsParams>): AlsParams {
  const jitter = (x: number, s: number) => x * Math.exp((rng.next() * 2 - 1) * s);
  return {
    ...p,
    regularization: jitter(p.regularization, 0.5),
    unobservedWeight: Math.min(1, jitter(p.unobservedWeight, 0.5)),
    alpha: p.alpha === 0 ? 0 : jitter(p.alpha, 0.5),
    ...base,
  };
}

/**
 * Runs the search in three phases: random search at a moderate factor count
 * (cheap trials, ~50% of the budget), local refinement around the best (~25%),
 * then the best configuration at each larger factor count and iteration
 * count (more factors rarely hurt a well-regularized iALS, but they cost time).
 * Always finishes at least one trial, even if the budget is tiny.
 */
export function tuneAls(ui: Csr, opts: HpoOptions): HpoResult {
  const t0 = performance.now();
  const rng = new Rng(opts.seed);
  const k = opts.k ?? 10;
  const metric = opts.metric ?? 'ndcg';
  const base = opts.base ?? {};
  const { fit, valid: fullValid } = opts.split ?? holdoutSplit(ui, 0.8, opts.seed, 'user');
  const valid = subsampleRows(fullValid, opts.maxEvalUsers ?? 3000, opts.seed);
  const nnz = fit.indptr[fit.rows];
  // bigger data supports (and needs) more factors; the budget caps what is tried
  const factors = [...(opts.factors ?? (nnz < 300_000 ? [32, 64, 128] : [32, 64, 128, 192]))].sort((a, b) => a - b);
  const searchF = factors.find((f) => f >= 64) ?? factors[factors.length - 1];
  const space = { meanRow: nnz / Math.max(1, fit.rows), cols: fit.cols };
  const log: Trial[] = [];
  const deadline = t0 + opts.budgetSeconds * 1000;
  const maxTrials = opts.maxTrials ?? Infinity;
  let best: Trial | undefined;
  const run = (params: AlsParams, phase: Trial['phase']) => {
    const s0 = performance.now();
    // stop a trial that would overrun the budget, unless it is the first one
    const m = trainAls(fit, params, { shouldStop: () => best !== undefined && performance.now() > deadline });
    const f = m.factors;
    const report = evaluateRanking(fit, valid, (u, out) => scoreAll(m.userFactors.subarray(u * f, u * f + f), m.itemFactors, f, out), k);
    if (performance.now() > deadline && best) return; // cut short: not comparable
    const trial: Trial = { params, metric: report[metric], report, seconds: (performance.now() - s0) / 1000, phase };
    log.push(trial);
    opts.onTrial?.(trial, log.length - 1);
    if (!best || trial.metric > best.metric) best = trial;
  };
  const more = (until: number) => performance.now() < until && log.length < maxTrials;
  const ms = opts.budgetSeconds * 1000;
  // the documented defaults first, so tuning never returns something worse than them
  run({ ...DEFAULT_ALS_PARAMS, factors: searchF, ...base }, 'random');
  while (more(t0 + 0.5 * ms)) run(sample(rng, space, searchF, base), 'random');
  while (more(t0 + 0.75 * ms)) run(perturb(rng, best!.params, base), 'refine');
  const seed = best!.params;
  for (const f of factors.filter((x) => x > searchF)) if (more(deadline)) run({ ...seed, factors: f }, 'scale');
  for (const iterations of [seed.iterations + 5, seed.iterations - 3])
    if (more(deadline)) run({ ...best!.params, iterations }, 'scale');
  while (more(deadline)) run(perturb(rng, best!.params, base), 'refine');
  return { best: best!.params, bestMetric: best!.metric, log, seconds: (performance.now() - t0) / 1000 };
}
