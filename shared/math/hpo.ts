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
  /** Validation value of the optimized metric (mean over splits). */
  metric: number;
  /** Report on the first split. */
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
  /**
   * Pre-made fit/validation split(s); default: per-user stratified 80/20 of `ui`.
   * With several splits a trial's metric is their mean: less noise, more time.
   */
  split?: { fit: Csr; valid: Csr } | { fit: Csr; valid: Csr }[];
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

function toParams(pt: Point, space: { meanRow: number; cols: number }, f: number, iterations: number, base: Partial<AlsParams>): AlsParams {
  const a0 = Math.min(1, Math.exp(pt.logA0));
  const nu = NU[pt.nu];
  return {
    ...DEFAULT_ALS_PARAMS,
    ...CONFIDENCE[pt.conf],
    factors: f,
    iterations,
    regularizationExponent: nu,
    unobservedWeight: a0,
    regularization: Math.exp(pt.logR) / Math.pow(space.meanRow + a0 * space.cols, nu),
    ...base,
  };
}

function randomPoint(rng: Rng): Point {
  return { logR: Math.log(logUniform(rng, 1, 100)), logA0: Math.log(logUniform(rng, 0.02, 1)), nu: rng.int(NU.length), conf: rng.int(CONFIDENCE.length) };
}

/**
 * Runs the search: the documented defaults, Rendle et al.'s recommended region
 * and a few random points (cheap trials at a moderate factor count), then
 * coordinate descent with shrinking steps over (R, α0, ν, confidence) — the
 * metric is sharply peaked in R, which random search samples poorly — then the
 * best point at larger factor and iteration counts, and more descent with what
 * is left. Always finishes at least one trial, even if the budget is tiny.
 */
export function tuneAls(ui: Csr, opts: HpoOptions): HpoResult {
  const t0 = performance.now();
  const rng = new Rng(opts.seed);
  const k = opts.k ?? 10;
  const metric = opts.metric ?? 'ndcg';
  const base = opts.base ?? {};
  const given = opts.split ?? holdoutSplit(ui, 0.8, opts.seed, 'user');
  const splits = (Array.isArray(given) ? given : [given]).map((s) => ({ fit: s.fit, valid: subsampleRows(s.valid, opts.maxEvalUsers ?? 3000, opts.seed) }));
  const fit = splits[0].fit;
  const nnz = fit.indptr[fit.rows];
  // bigger data supports (and needs) more factors; the budget caps what is tried
  const factors = [...(opts.factors ?? (nnz < 300_000 ? [32, 64, 128] : [32, 64, 128, 192]))].sort((a, b) => a - b);
  const space = { meanRow: nnz / Math.max(1, fit.rows), cols: fit.cols };
  const log: Trial[] = [];
  const deadline = t0 + opts.budgetSeconds * 1000;
  const ms = opts.budgetSeconds * 1000;
  const maxTrials = opts.maxTrials ?? Infinity;
  let best: Trial | undefined;
  const run = (params: AlsParams, phase: Trial['phase']): number => {
    const s0 = performance.now();
    const reports: RankingReport[] = [];
    for (const sp of splits) {
      // stop a trial that would overrun the budget, unless it is the first one
      const m = trainAls(sp.fit, params, { shouldStop: () => best !== undefined && performance.now() > deadline });
      const f = m.factors;
      reports.push(evaluateRanking(sp.fit, sp.valid, (u, out) => scoreAll(m.userFactors.subarray(u * f, u * f + f), m.itemFactors, f, out), k));
    }
    if (performance.now() > deadline && best) return -Infinity; // cut short: not comparable
    const mean = reports.reduce((acc, r) => acc + r[metric], 0) / reports.length;
    const trial: Trial = { params, metric: mean, report: reports[0], seconds: (performance.now() - s0) / 1000, phase };
    log.push(trial);
    opts.onTrial?.(trial, log.length - 1);
    if (!best || trial.metric > best.metric) best = trial;
    return trial.metric;
  };
  // phases end at a share of the time budget, or of maxTrials when given, so a
  // run with maxTrials is reproducible whenever the time budget does not bind
  const share = (x: number) => ({ time: t0 + x * ms, trials: Number.isFinite(maxTrials) ? Math.ceil(x * maxTrials) : Infinity });
  const more = (until: { time: number; trials: number }) => performance.now() < until.time && log.length < Math.min(until.trials, maxTrials);
  const end = share(1);

  let f = factors.find((x) => x >= 64) ?? factors[factors.length - 1];
  let iterations = 10;
  // the documented defaults first, so tuning never returns something worse than them
  run({ ...DEFAULT_ALS_PARAMS, factors: f, ...base }, 'random');
  let center: Point = { logR: Math.log(10), logA0: Math.log(0.1), nu: 2, conf: 0 };
  let centerScore = more(end) ? run(toParams(center, space, f, iterations, base), 'random') : -Infinity;
  for (let r = 0; r < 6 && more(share(0.2)); r++) {
    const pt = randomPoint(rng);
    const sc = run(toParams(pt, space, f, iterations, base), 'random');
    if (sc > centerScore) (center = pt), (centerScore = sc);
  }

  const steps = { logR: Math.log(2), logA0: Math.log(2) };
  const descend = (until: { time: number; trials: number }) => {
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
        ...NU.map((_, nu) => ({ ...center, nu })).filter((p) => p.nu !== center.nu),
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
  descend(share(0.7));

  // more factors rarely hurt a well-regularized iALS; keep them only if validation agrees
  for (const nf of factors.filter((x) => x > f)) {
    if (!more(end)) break;
    const sc = run(toParams(center, space, nf, iterations, base), 'scale');
    if (sc > centerScore) (f = nf), (centerScore = sc);
  }
  for (const it of [iterations + 5, iterations - 3]) {
    if (!more(end)) break;
    const sc = run(toParams(center, space, f, it, base), 'scale');
    if (sc > centerScore) (iterations = it), (centerScore = sc);
  }
  steps.logR = Math.log(1.4);
  steps.logA0 = Math.log(1.4);
  descend(end);
  return { best: best!.params, bestMetric: best!.metric, log, seconds: (performance.now() - t0) / 1000 };
}
