/**
 * Seconds per ALS iteration (both half-steps, 64 factors, 3 CG steps, one
 * thread) on the two matrices of the compiled-reference comparison in
 * docs/quality.md: the ML-100K train split and the generated 785k-nnz set.
 *   npx tsx bench/als-speed.ts [ml-100k dir] [--js]
 * --js also times the JS fallback kernels. Best of 3 runs of 3 iterations
 * each (after a warm-up run), so a busy shared machine inflates it less.
 */
import { existsSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMl100k, toCsr } from './quality-data';
import { stratifiedSplit } from '../shared/math/split';
import { generateSynthetic } from '../shared/math/synthetic';
import { buildInteractionMatrix } from '../shared/math/interactions';
import { DEFAULT_ALS_PARAMS, trainAls } from '../shared/math/als';
import { alsWasmAvailable } from '../shared/math/wasm/als-kernels';
import type { Csr } from '../shared/math/csr';

const args = process.argv.slice(2);
const withJs = args.includes('--js');
const dataDir =
  args.find((a) => !a.startsWith('--')) ??
  resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/data/ml-100k');
const FACTORS = 64;
const ITERATIONS = 3;

function secPerIteration(m: Csr, kernel: 'auto' | 'js'): number {
  const params = { ...DEFAULT_ALS_PARAMS, factors: FACTORS, iterations: ITERATIONS };
  trainAls(m, { ...params, iterations: 1 }, { kernel });
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    trainAls(m, params, { kernel });
    best = Math.min(best, (performance.now() - t0) / 1000 / ITERATIONS);
  }
  return best;
}

function report(name: string, m: Csr): void {
  const row: Record<string, unknown> = { name, rows: m.rows, cols: m.cols, nnz: m.indptr[m.rows], factors: FACTORS };
  row.wasmSecPerIteration = alsWasmAvailable(FACTORS) ? +secPerIteration(m, 'auto').toFixed(4) : null;
  if (withJs) row.jsSecPerIteration = +secPerIteration(m, 'js').toFixed(4);
  console.log(JSON.stringify(row));
}

if (existsSync(join(dataDir, 'u.data'))) {
  const d = loadMl100k(dataDir);
  report(
    'ml100k-train',
    toCsr(d, stratifiedSplit(d.item, 0.75, 42).train, () => 1),
  );
} else console.log(`(no ML-100K at ${dataDir}; skipped)`);
const syn = generateSynthetic({ users: 20_000, items: 20_000, clusters: 50, eventsPerUser: 60, seed: 1 });
report('synthetic-1m', buildInteractionMatrix(syn.triples).matrix);
