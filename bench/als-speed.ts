/**
 * ALS training speed.
 *   npx tsx bench/als-speed.ts [ml-100k dir] [--js] [--fit-only] [--peer-only | --no-peer] [--runs N] [--threads 1,2]
 *     [--kernel auto|fma|plain[,…]] [--baseline DIR] [--implicit DIR [--implicit-python PATH]]
 * 1. Seconds per iteration (both half-steps, 64 factors, 3 CG steps, one thread)
 *    on ML-100K train and the generated 785k-nnz set (the compiled-reference
 *    comparison in docs/quality.md); --js also times the JS kernels. Best of 3.
 * 2. The issue #13 target: a full fit of the generated 1M-interaction set,
 *    64 factors, 15 iterations, with 1 and 2 threads (best of --runs, default 3),
 *    beside a live numpy/OpenBLAS peer of the same CG algorithm
 *    (bench/als-reference.py) with OPENBLAS_NUM_THREADS=1 and 2 on the same
 *    matrix. --implicit DIR (or env ATTUNE_IMPLICIT_DIR) adds implicit 0.7.2 itself,
 *    built from source in DIR (docs/scale.md), run by bench/implicit-peer.py with
 *    --implicit-python (env ATTUNE_IMPLICIT_PYTHON, default python3) at each thread
 *    count, its fits taking turns with Attune's in every run (same file, same
 *    shape, CG 3 steps, float32, Attune's loss mapped onto implicit's alpha and
 *    regularization); without it, or when it does not import, the bench says so
 *    and prints implicit's earlier recorded figure. A markdown table closes.
 * --kernel picks the WebAssembly kernel (default auto: relaxed-SIMD fused
 * multiply-add where the engine has it, else plain SIMD); each row names it.
 * The fits of every (kernel, threads) pair take turns run by run, so a change
 * in the machine's load hits them alike. --baseline DIR adds the same cases
 * run by another checkout's trainAls (e.g. `git archive <commit> shared | tar x
 * -C DIR`; DIR/shared/math/als.ts), interleaved with these: an A/B in one process.
 * Wall seconds are the best of the runs, CPU seconds (process.cpuUsage, all
 * threads) the best and the median; phaseMs the median wall milliseconds of
 * each phase of the fit (trainAls's `phases`); firstFitSeconds the case's
 * first fit, which may find no earlier fit's memory to reuse (see
 * als-kernels.ts: fresh memory costs page faults). The load average is printed with each row:
 * on a shared machine it says how much of the wall time was someone else's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMl100k, toCsr } from './quality-data';
import { stratifiedSplit } from '../shared/math/split';
import { generateSynthetic } from '../shared/math/synthetic';
import { buildInteractionMatrix } from '../shared/math/interactions';
import { alsDefaultsFor, trainAls, type AlsModel, type AlsParams } from '../shared/math/als';
import { alsKernel, alsWasmAvailable, setAlsKernel, type AlsKernel } from '../shared/math/wasm/als-kernels';
import type { Csr } from '../shared/math/csr';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const here = dirname(fileURLToPath(import.meta.url));
const withJs = args.includes('--js');
const dataDir =
  args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ??
  resolve(here, '../../shared/data/ml-100k');
const runs = Number(flag('--runs') ?? 3);
const threadList = (flag('--threads') ?? '1,2').split(',').map(Number);
const FACTORS = 64;
const kernels = (flag('--kernel') ?? 'auto').split(',') as AlsKernel[];
setAlsKernel(kernels[0]);
const load = () => +loadavg()[0].toFixed(2);

interface Impl {
  name: string;
  trainAls: typeof trainAls;
  setAlsKernel: typeof setAlsKernel;
  alsKernel: typeof alsKernel;
}
const impls: Impl[] = [{ name: 'attune', trainAls, setAlsKernel, alsKernel }];
const baseline = flag('--baseline');
if (baseline) {
  const dir = resolve(baseline);
  const als = await import(join(dir, 'shared/math/als.ts'));
  const k = await import(join(dir, 'shared/math/wasm/als-kernels.ts'));
  impls.push({
    name: `attune@${baseline}`,
    trainAls: als.trainAls,
    setAlsKernel: k.setAlsKernel,
    alsKernel: k.alsKernel,
  });
}

/** implicit 0.7.2's fit recorded on an earlier day (same shape): printed only when implicit is not run here. */
const IMPLICIT_RECORDED = { threads2Seconds: 1.45, threads1Seconds: 2.2 };

function secPerIteration(m: Csr, kernel: 'auto' | 'js'): number {
  const params = { ...alsDefaultsFor({ rows: m.rows, cols: m.cols, nnz: m.indptr[m.rows] }), factors: FACTORS };
  trainAls(m, { ...params, iterations: 1 }, { kernel, threads: 1 });
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    trainAls(m, { ...params, iterations: 3 }, { kernel, threads: 1 });
    best = Math.min(best, (performance.now() - t0) / 1000 / 3);
  }
  return best;
}

function perIteration(name: string, m: Csr): void {
  const row: Record<string, unknown> = { name, rows: m.rows, cols: m.cols, nnz: m.indptr[m.rows], factors: FACTORS };
  row.wasmSecPerIteration = alsWasmAvailable(FACTORS) ? +secPerIteration(m, 'auto').toFixed(4) : null;
  if (withJs) row.jsSecPerIteration = +secPerIteration(m, 'js').toFixed(4);
  console.log(JSON.stringify({ ...row, load: load() }));
}

/** Σ_obs (1 − x·y)² + a0·(Σ_all (x·y)² − Σ_obs (x·y)²): the peer prints the same, to show both converge alike. */
function observedLoss(m: Csr, r: AlsModel, a0: number): number {
  const f = r.factors;
  const gx = new Float64Array(f * f);
  const gy = new Float64Array(f * f);
  const gram = (F: Float32Array, g: Float64Array) => {
    for (let o = 0; o < F.length; o += f)
      for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) g[a * f + b] += F[o + a] * F[o + b];
  };
  gram(r.userFactors, gx);
  gram(r.itemFactors, gy);
  let all = 0;
  for (let k = 0; k < f * f; k++) all += gx[k] * gy[k];
  let loss = 0;
  let obs2 = 0;
  for (let u = 0; u < m.rows; u++)
    for (let q = m.indptr[u]; q < m.indptr[u + 1]; q++) {
      let s = 0;
      for (let k = 0; k < f; k++) s += r.userFactors[u * f + k] * r.itemFactors[m.indices[q] * f + k];
      loss += (1 - s) ** 2;
      obs2 += s * s;
    }
  return loss + a0 * (all - obs2);
}

/** implicit 0.7.2 built from source (bench/implicit-peer.py's header), when given: its python, PYTHONPATH and version. */
function findImplicit(): { python: string; env: NodeJS.ProcessEnv; version: string } | { absent: string } {
  const dir = flag('--implicit') ?? process.env.ATTUNE_IMPLICIT_DIR;
  if (!dir) return { absent: 'no --implicit DIR (or ATTUNE_IMPLICIT_DIR) given' };
  const python = flag('--implicit-python') ?? process.env.ATTUNE_IMPLICIT_PYTHON ?? 'python3';
  // implicit's own advice: its threads are OpenMP's, BLAS single-threaded inside them
  const env = { ...process.env, PYTHONPATH: resolve(dir), OPENBLAS_NUM_THREADS: '1' };
  const probe = spawnSync(python, ['-c', 'import implicit, implicit.cpu.als; print(implicit.__version__)'], {
    env,
    encoding: 'utf8',
  });
  if (probe.status !== 0)
    return {
      absent: `${python} cannot import implicit from ${dir}: ${probe.error?.message ?? probe.stderr.trim().split('\n').pop()}`,
    };
  return { python, env, version: probe.stdout.trim() };
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

function fitTarget(m: Csr): void {
  const nnz = m.indptr[m.rows];
  const p: AlsParams = { ...alsDefaultsFor({ rows: m.rows, cols: m.cols, nnz }), factors: FACTORS, iterations: 15 };
  const shape = { rows: m.rows, cols: m.cols, nnz, factors: FACTORS, iterations: 15, cgSteps: p.cgSteps };
  console.log(JSON.stringify({ name: 'fit-1m', ...shape, unobservedWeight: p.unobservedWeight }));
  const cases = args.includes('--peer-only')
    ? []
    : impls.flatMap((impl) => kernels.flatMap((kernel) => threadList.map((threads) => ({ impl, kernel, threads }))));
  const timed = cases.map(() => ({
    walls: [] as number[],
    cpus: [] as number[],
    model: undefined as AlsModel | undefined,
    phases: [] as Record<string, number>[],
  }));
  const dir = mkdtempSync(join(tmpdir(), 'als-speed-'));
  const file = join(dir, 'fit-1m.bin');
  const buf = new Int32Array(3 + m.rows + 1 + nnz);
  buf.set([m.rows, m.cols, nnz]);
  buf.set(m.indptr, 3);
  buf.set(m.indices.subarray(0, nnz), 4 + m.rows);
  writeFileSync(file, buf);
  const implicit = findImplicit();
  if ('absent' in implicit) console.log(JSON.stringify({ impl: 'implicit', absent: implicit.absent }));
  const implicitRuns = threadList.map(() => [] as Record<string, number>[]);
  const implicitErrors: string[] = [];
  /** One implicit fit in its own process (bench/implicit-peer.py fit), on the file Attune's fits read. */
  const implicitTurn = (t: number) => {
    if ('absent' in implicit || implicitErrors.length) return;
    const py = spawnSync(
      implicit.python,
      [
        join(here, 'implicit-peer.py'),
        'fit',
        file,
        String(FACTORS),
        '15',
        String(p.unobservedWeight),
        String(p.regularization),
        String(threadList[t]),
      ],
      { env: implicit.env, encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (py.status !== 0)
      implicitErrors.push(py.error?.message ?? (py.signal || py.stderr.trim().split('\n').pop()) ?? '');
    else implicitRuns[t].push(JSON.parse(py.stdout.trim().split('\n').pop()!));
  };
  try {
    for (let run = 0; run < runs; run++) {
      cases.forEach(({ impl, kernel, threads }, i) => {
        impl.setAlsKernel(kernel);
        const phases: Record<string, number> = {};
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        timed[i].model = impl.trainAls(m, p, { threads, phases });
        timed[i].walls.push((performance.now() - t0) / 1000);
        timed[i].phases.push(phases);
        const c = process.cpuUsage(c0);
        timed[i].cpus.push((c.user + c.system) / 1e6);
      });
      // implicit's turn in the same run, so a change in the machine's load hits both alike
      for (let t = 0; t < threadList.length; t++) implicitTurn(t);
    }
    const table: string[] = [];
    const implicitBest = new Map<number, { best: number; median: number }>();
    threadList.forEach((threads, t) => {
      const r = implicitRuns[t];
      if (!r.length) return;
      const walls = r.map((x) => x.fitSeconds);
      const cpus = r.map((x) => x.cpuSeconds);
      implicitBest.set(threads, { best: Math.min(...walls), median: median(walls) });
      console.log(
        JSON.stringify({
          impl: `implicit-${r[0].implicit}`,
          threads,
          fitSeconds: Math.min(...walls),
          fitSecondsMedian: median(walls),
          cpuSeconds: Math.min(...cpus),
          cpuSecondsMedian: median(cpus),
          runs: r.length,
          alpha: r[0].alpha,
          regularization: r[0].regularization,
          observedLoss: r[0].observedLoss,
          load: load(),
        }),
      );
    });
    if (implicitErrors.length) console.log(JSON.stringify({ impl: 'implicit', error: implicitErrors[0] }));
    cases.forEach(({ impl, kernel, threads }, i) => {
      const { walls, cpus, model, phases } = timed[i];
      // each phase's median over the runs, wall ms (gram and solve are parts of iterations)
      const phaseMs = Object.fromEntries(
        Object.keys(phases[0] ?? {}).map((k) => [k, Math.round(median(phases.map((r) => r[k])))]),
      );
      impl.setAlsKernel(kernel);
      const ref = implicitBest.get(threads);
      console.log(
        JSON.stringify({
          impl: impl.name,
          kernel: impl.alsKernel(),
          threads,
          fitSeconds: +Math.min(...walls).toFixed(3),
          fitSecondsMedian: +median(walls).toFixed(3),
          cpuSeconds: +Math.min(...cpus).toFixed(3),
          cpuSecondsMedian: +median(cpus).toFixed(3),
          // the case's first fit, and whether it found an earlier fit's memory to reuse (later ones do)
          firstFitSeconds: +walls[0].toFixed(3),
          firstFitReusedMemory: phases[0]?.reusedMemory === 1,
          observedLoss: +observedLoss(m, model!, p.unobservedWeight).toFixed(2),
          phaseMs,
          load: load(),
        }),
      );
      const ratio = ref
        ? `${(Math.min(...walls) / ref.best).toFixed(2)}× (${(median(walls) / ref.median).toFixed(2)}×)`
        : '—';
      table.push(
        `| ${impl.name}, ${impl.alsKernel()} kernel | ${threads} | ${Math.min(...cpus).toFixed(2)} | ${Math.min(...walls).toFixed(2)} (${median(walls).toFixed(2)}) | ${ratio} |`,
      );
    });
    threadList.forEach((threads, t) => {
      const r = implicitRuns[t];
      if (r.length)
        table.push(
          `| implicit ${r[0].implicit}, run here | ${threads} | ${Math.min(...r.map((x) => x.cpuSeconds)).toFixed(2)} | ${Math.min(...r.map((x) => x.fitSeconds)).toFixed(2)} (${median(r.map((x) => x.fitSeconds)).toFixed(2)}) | 1.00× |`,
        );
    });
    for (const threads of args.includes('--no-peer') ? [] : threadList) {
      let best: Record<string, unknown> | undefined;
      for (let run = 0; run < runs; run++) {
        const py = spawnSync(
          'python3',
          [
            join(here, 'als-reference.py'),
            file,
            String(FACTORS),
            '15',
            String(p.unobservedWeight),
            String(p.regularization),
          ],
          { env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads) }, encoding: 'utf8', maxBuffer: 1 << 24 },
        );
        if (py.status !== 0) {
          const error = py.error?.message ?? (py.signal || py.stderr.trim().split('\n').pop());
          console.log(JSON.stringify({ impl: 'numpy-cg', threads, status: py.status, error }));
          break;
        }
        const r = JSON.parse(py.stdout.trim().split('\n').pop()!);
        if (!best || r.fitSeconds < (best.fitSeconds as number)) best = r;
      }
      if (best) console.log(JSON.stringify({ impl: 'numpy-cg', threads, ...best, peer: undefined, load: load() }));
    }
    if (!implicitBest.size)
      console.log(JSON.stringify({ impl: 'implicit-0.7.2 (recorded earlier, not run here)', ...IMPLICIT_RECORDED }));
    console.log(
      `\n| implementation | threads | CPU s, best | wall s, best (median) of ${runs} | × implicit, same threads: best (median) |`,
    );
    console.log('|---|---|---|---|---|');
    for (const row of table) console.log(row);
    console.log(`(load average at the end ${load()} on ${availableParallelism()} cores)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!args.includes('--fit-only')) {
  if (existsSync(join(dataDir, 'u.data'))) {
    const d = loadMl100k(dataDir);
    perIteration(
      'ml100k-train',
      toCsr(d, stratifiedSplit(d.item, 0.75, 42).train, () => 1),
    );
  } else console.log(`(no ML-100K at ${dataDir}; skipped)`);
  const syn = generateSynthetic({ users: 20_000, items: 20_000, clusters: 50, eventsPerUser: 60, seed: 1 });
  perIteration('synthetic-785k', buildInteractionMatrix(syn.triples).matrix);
}
// ≈ 1.0M distinct (user, item) pairs: the "1M interactions"
const big = generateSynthetic({ users: 26_000, items: 20_000, clusters: 50, eventsPerUser: 60, seed: 1 });
fitTarget(buildInteractionMatrix(big.triples).matrix);
