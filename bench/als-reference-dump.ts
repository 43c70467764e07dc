/**
 * Writes the CSR structures the ALS speed comparison uses (ML-100K train split,
 * the generated 1M-interaction set) for bench/als-reference.c, and times the
 * TypeScript ALS on the same matrices.
 *   npx tsx bench/als-reference-dump.ts <outDir> [ml-100k dir]
 * The dump holds only index structure, not ratings; it goes to a temp dir, not the repo.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMl100k, toCsr } from './quality-data';
import { stratifiedSplit } from '../shared/math/split';
import { generateSynthetic } from '../shared/math/synthetic';
import { buildInteractionMatrix } from '../shared/math/interactions';
import { DEFAULT_ALS_PARAMS, trainAls } from '../shared/math/als';
import type { Csr } from '../shared/math/csr';

const out = resolve(process.argv[2] ?? '/tmp');
const dataDir = process.argv[3] ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/data/ml-100k');

function dump(name: string, m: Csr): void {
  const nnz = m.indptr[m.rows];
  const buf = new Int32Array(3 + m.rows + 1 + nnz);
  buf.set([m.rows, m.cols, nnz]);
  buf.set(m.indptr, 3);
  buf.set(m.indices.subarray(0, nnz), 4 + m.rows);
  writeFileSync(join(out, `${name}.bin`), buf);
  const it = 3;
  trainAls(m, { ...DEFAULT_ALS_PARAMS, factors: 64, iterations: 1 });
  const t0 = performance.now();
  trainAls(m, { ...DEFAULT_ALS_PARAMS, factors: 64, iterations: it });
  console.log(
    JSON.stringify({
      name,
      rows: m.rows,
      cols: m.cols,
      nnz,
      factors: 64,
      tsSecPerIteration: (performance.now() - t0) / 1000 / it,
    }),
  );
}

const d = loadMl100k(dataDir);
dump(
  'ml100k-train',
  toCsr(d, stratifiedSplit(d.item, 0.75, 42).train, () => 1),
);
const syn = generateSynthetic({ users: 20_000, items: 20_000, clusters: 50, eventsPerUser: 60, seed: 1 });
dump('synthetic-1m', buildInteractionMatrix(syn.triples).matrix);
