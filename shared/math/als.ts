/**
 * Implicit-feedback ALS (Hu, Koren & Volinsky 2008) with the iALS refinements of
 * Rendle et al. 2021: a weight α0 on unobserved items and frequency-scaled
 * regularization λ·(n + α0·N)^ν. Rows are solved by warm-started conjugate
 * gradient (benfred/implicit) or exactly by Cholesky. The CG solver runs on
 * WebAssembly SIMD kernels when available (shared/math/wasm), else in JS.
 */
import type { FoldInParams } from './confidence';
import { transpose, type Csr } from './csr';
import { confidences } from './confidence';
import { gramianInto } from './linalg';
import { alsLoss, alsScratch, solveRowsCg, solveRowsCholesky } from './als-step';
import { Rng } from './rng';
import { scoreAll } from './topk';
import { trainingThreads } from './parallel/threads';
import { createAlsWasm, type AlsWasm } from './wasm/als-kernels';

export { gramian } from './linalg';
export { foldInUser, explainScore } from './foldin';

export interface AlsParams extends FoldInParams {
  factors: number;
  iterations: number;
  /** CG iterations per row and half-step (implicit's default is 3). */
  cgSteps: number;
  seed: number;
  solver: 'cg' | 'cholesky';
  /** Initial factors ~ N(0, (initScale/√f)²). */
  initScale: number;
}

/**
 * benfred/implicit's defaults (Hu et al. weighting: 100 factors, λ 0.01, α 1,
 * every unobserved item weighted 1). Kept as the reference baseline; it ranks
 * poorly on sparse data because nothing scales the regularization with the row.
 */
export const IMPLICIT_ALS_PARAMS: AlsParams = {
  factors: 100,
  iterations: 15,
  cgSteps: 3,
  seed: 42,
  solver: 'cg',
  initScale: 0.1,
  regularization: 0.01,
  alpha: 1,
  confidence: 'linear',
  epsilon: 1,
  unobservedWeight: 1,
  regularizationExponent: 0,
};

/**
 * The weight on unobserved items per unit of density in {@link alsDefaultsFor}:
 * α0 = κ·nnz/(rows·cols) makes the unobserved mass of a row, α0·N, about κ times
 * the mean observed count, whatever the catalog size.
 */
export const DEFAULT_UNOBSERVED_PER_OBSERVED = 5;

/**
 * Untuned iALS after Rendle et al. 2021: binary confidence, a small weight α0
 * on unobserved items and regularization λ·(n + α0·N) scaled with each row's
 * total weight (ν = 1). α0 here suits a density of about 0.6%; training paths
 * use {@link alsDefaultsFor}, which sets it from the data, because a fixed α0
 * is not scale-free: λ·α0 above about half the density collapses the factors
 * to zero (docs/quality.md), so one α0 cannot serve 5% and 0.05% density.
 */
export const DEFAULT_ALS_PARAMS: AlsParams = {
  ...IMPLICIT_ALS_PARAMS,
  factors: 64,
  iterations: 15,
  regularization: 0.05,
  alpha: 0,
  unobservedWeight: 0.03,
  regularizationExponent: 1,
};

/**
 * {@link DEFAULT_ALS_PARAMS} with α0 = κ·density (κ =
 * {@link DEFAULT_UNOBSERVED_PER_OBSERVED}), so the balance of observed and
 * unobserved mass, and with it the safe range of λ, does not move with the
 * data's size. κ = 5, λ = 0.05 were chosen on validation splits of ML-100K
 * train and of planted-cluster sets from 150 × 120 to 10k × 10k as the best
 * worst case: within 15% of each set's best grid point, and a factor of 2 in λ
 * from collapse on the planted sets (less on ML-100K, where λ 0.1 collapses).
 */
export function alsDefaultsFor(shape: { rows: number; cols: number; nnz: number }): AlsParams {
  const density = shape.nnz / Math.max(1, shape.rows * shape.cols);
  return {
    ...DEFAULT_ALS_PARAMS,
    unobservedWeight: Math.min(1, Math.max(1e-6, DEFAULT_UNOBSERVED_PER_OBSERVED * density)),
  };
}

export interface AlsProgress {
  iteration: number;
  loss?: number;
  elapsedMs: number;
}

export interface AlsOptions {
  onProgress?(p: AlsProgress): void;
  /** Polled between half-iterations; returning true ends training early with the current factors. */
  shouldStop?(): boolean;
  /** Compute the training loss each iteration (costs about one extra CG step). */
  computeLoss?: boolean;
  /**
   * 'auto' (default) runs the CG solver on WebAssembly SIMD when available
   * (float32 CG vectors); 'js' forces the JS solver (float64 CG vectors), the
   * reference the WebAssembly kernels are tested against.
   */
  kernel?: 'auto' | 'js';
  /**
   * Threads for the WebAssembly CG half-steps (default: setTrainingThreads,
   * else 1). Results are bit-identical for every thread count; the JS and
   * Cholesky solvers always run on one thread.
   */
  threads?: number;
  /**
   * When given (WebAssembly runs), wall milliseconds per phase are added to it:
   * prepare (item counts), setup (kernel memory, both CSR sides, confidences,
   * starting factors), iterations (to the copied-out model and released threads),
   * and within iterations the half-steps' gram (Gramians) and solve (row solves);
   * wait is the calling thread's time waiting for workers (in gram, solve and setup);
   * reusedMemory counts runs that reused an earlier run's memory.
   */
  phases?: Record<string, number>;
}

export interface AlsModel {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  factors: number;
}

/** Scores one stored user of a fitted model against every item (what validation and selection rank by). */
export function alsUserScorer(m: AlsModel): (u: number, out: Float32Array) => void {
  const f = m.factors;
  return (u, out) => scoreAll(m.userFactors.subarray(u * f, u * f + f), m.itemFactors, f, out);
}

/**
 * Trains iALS on a users × items matrix of interaction strengths (entries are
 * positives; their values feed the confidence). Deterministic for a seed.
 */
export function trainAls(ui: Csr, params: AlsParams, opts: AlsOptions = {}): AlsModel {
  const f = params.factors;
  const users = ui.rows;
  const items = ui.cols;
  const lap = phaseClock(opts.phases);
  const itemCounts = new Int32Array(items);
  for (let q = ui.indptr[0]; q < ui.indptr[users]; q++) itemCounts[ui.indices[q]]++;
  lap('prepare');
  const scale = params.initScale / Math.sqrt(f);
  const gram = new Float64Array(f * f);
  // the WebAssembly run draws the same starting factors as the loop below, straight into its memory,
  // and transposes ui into it too
  const wasmRun =
    params.solver === 'cg' && opts.kernel !== 'js'
      ? createAlsWasm(ui, { seed: params.seed, scale }, f, params, opts.threads ?? trainingThreads())
      : null;
  if (wasmRun) {
    lap('setup');
    try {
      return trainWasm(wasmRun, ui, itemCounts, params, opts, gram);
    } finally {
      wasmRun.close();
      lap('iterations');
      if (opts.phases) {
        opts.phases.gram = (opts.phases.gram ?? 0) + wasmRun.ms.gram;
        opts.phases.solve = (opts.phases.solve ?? 0) + wasmRun.ms.solve;
        opts.phases.wait = (opts.phases.wait ?? 0) + wasmRun.ms.wait;
        opts.phases.reusedMemory = (opts.phases.reusedMemory ?? 0) + (wasmRun.reusedMemory ? 1 : 0);
      }
    }
  }
  const iu = transpose(ui);
  const confU = confidences(ui.data, params);
  const confI = confidences(iu.data, params);
  const rng = new Rng(params.seed);
  const X = new Float32Array(users * f);
  const Y = new Float32Array(items * f);
  for (let k = 0; k < Y.length; k++) Y[k] = rng.normal() * scale;
  for (let k = 0; k < X.length; k++) X[k] = rng.normal() * scale;
  const scratch = alsScratch(f);
  const t0 = performance.now();
  const half = (m: Csr, conf: Float32Array, A: Float32Array, B: Float32Array, bRows: number) => {
    gramianInto(B, bRows, f, gram);
    if (params.solver === 'cholesky') solveRowsCholesky(m, conf, A, B, gram, f, params, scratch);
    else solveRowsCg(m, conf, A, B, gram, f, params, params.cgSteps, scratch);
  };
  for (let it = 0; it < params.iterations; it++) {
    if (opts.shouldStop?.()) break;
    half(ui, confU, X, Y, items);
    if (opts.shouldStop?.()) break;
    half(iu, confI, Y, X, users);
    if (opts.onProgress) {
      let loss: number | undefined;
      if (opts.computeLoss) {
        gramianInto(Y, items, f, gram);
        loss = alsLoss(ui, confU, X, Y, gram, f, params, itemCounts);
      }
      opts.onProgress({ iteration: it + 1, loss, elapsedMs: performance.now() - t0 });
    }
  }
  return { userFactors: X, itemFactors: Y, factors: f };
}

/** The training loop of {@link trainAls} with factors resident in WebAssembly memory. */
function trainWasm(
  k: AlsWasm,
  ui: Csr,
  itemCounts: Int32Array,
  params: AlsParams,
  opts: AlsOptions,
  gram: Float64Array,
): AlsModel {
  const f = params.factors;
  const t0 = performance.now();
  let confU: Float32Array | undefined;
  let userFactors: Float32Array | undefined;
  for (let it = 0; it < params.iterations; it++) {
    if (opts.shouldStop?.()) break;
    k.half('users', params.cgSteps, gram);
    if (opts.shouldStop?.()) break;
    // X is final after the last users half-step: this thread copies it out while the workers solve Y
    const copyUsers = it === params.iterations - 1 ? () => (userFactors = k.factors('users')) : undefined;
    k.half('items', params.cgSteps, gram, copyUsers);
    if (opts.onProgress) {
      let loss: number | undefined;
      if (opts.computeLoss) {
        k.gramian('items', gram);
        // unpadded views when f is a multiple of 4, else copies (loss is a diagnostic, not the hot path)
        const X = k.fp === f ? k.X : k.factors('users');
        const Y = k.fp === f ? k.Y : k.factors('items');
        confU ??= confidences(ui.data, params);
        loss = alsLoss(ui, confU, X, Y, gram, f, params, itemCounts);
      }
      opts.onProgress({ iteration: it + 1, loss, elapsedMs: performance.now() - t0 });
    }
  }
  // copies out, so the model does not pin the run's whole WebAssembly memory
  return { userFactors: userFactors ?? k.factors('users'), itemFactors: k.factors('items'), factors: f };
}

/** Adds the wall time since the previous call to phases[name] (nothing without a record). */
function phaseClock(phases: Record<string, number> | undefined): (name: string) => void {
  let t = performance.now();
  return (name) => {
    if (!phases) return;
    const now = performance.now();
    phases[name] = (phases[name] ?? 0) + now - t;
    t = now;
  };
}
