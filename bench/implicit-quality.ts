/**
 * implicit 0.7.2 itself on docs/quality.md's ML-100K ranking protocol, beside Attune's iALS on the
 * same split (every rating a positive, 75/25 stratified per item or per user, seed 42, top-10 with
 * train items removed, nDCG@10 and P@10 by shared/math/metrics.ts for both).
 *   npx tsx bench/implicit-quality.ts --implicit DIR [--implicit-python PATH] [--split item,user] [--threads 2]
 * implicit (built from source in DIR: docs/scale.md) only fits, through bench/implicit-peer.py, on CSR
 * files this script writes from the project's own split; its factors come back and are scored here.
 * Rows: implicit's defaults (100 factors, λ 0.01, α 1, 15 iterations) on the binary matrix and with
 * the rating as its confidence; implicit tuned on validation carved from TRAIN only (holdoutSplit
 * 75/25 by the same key, seeds 7, 8, 9, as Attune's tuner; nDCG@10 averaged), over a grid of
 * factors {64, 128, 256} × λ {1, 10, 30, 100} × α (binary input: 2, 4, 8; rating input: 1, 2), 15
 * iterations, seed 42 (60 configurations, 180 fits); the best refit on all of train and scored once on
 * test. (A first grid, λ 0.01 … 10 × α 3 … 30, peaked at its largest λ, so λ was moved up: α·binary ≈
 * 1/α0 and λ ≈ Attune's λ(n/α0 + N) put the tuned served configuration near α 4, λ 20 … 60.)
 * Attune's rows (defaults, the tuned served configuration, implicit's defaults in Attune, and
 * implicit's tuned point mapped onto Attune's loss — a check that the two solvers agree where their
 * objectives do) are fitted here on the same split.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ALS_PARAMS, IMPLICIT_ALS_PARAMS, alsDefaultsFor, trainAls, type AlsParams } from '../shared/math/als';
import type { Csr } from '../shared/math/csr';
import { holdoutSplit } from '../shared/math/hpo';
import { evaluateRanking } from '../shared/math/metrics';
import { stratifiedSplit } from '../shared/math/split';
import { TUNED_ML100K_ALS, loadMl100k, toCsr } from './quality-data';

const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const here = dirname(fileURLToPath(import.meta.url));
const dataDir = resolve(flag('--data') ?? resolve(here, '../../shared/data/ml-100k'));
const implicitDir = flag('--implicit') ?? process.env.ATTUNE_IMPLICIT_DIR;
const python = flag('--implicit-python') ?? process.env.ATTUNE_IMPLICIT_PYTHON ?? 'python3';
const threads = Number(flag('--threads') ?? 2);
const splits = (flag('--split') ?? 'item,user').split(',') as ('item' | 'user')[];
const VALIDATION_SEEDS = [7, 8, 9];

interface Config {
  factors: number;
  regularization: number;
  alpha: number;
  input: 'binary' | 'rating';
}
const DEFAULTS: Config = { factors: 100, regularization: 0.01, alpha: 1, input: 'binary' };
const GRID: Config[] = [];
for (const input of ['binary', 'rating'] as const)
  for (const factors of [64, 128, 256])
    for (const regularization of [1, 10, 30, 100])
      for (const alpha of input === 'binary' ? [2, 4, 8] : [1, 2]) GRID.push({ factors, regularization, alpha, input });

const dir = mkdtempSync(join(tmpdir(), 'implicit-quality-'));
let files = 0;

/** bench/implicit-peer.py's CSR file; with `rating`, the values follow as float32. */
function writeCsr(m: Csr, input: Config['input']): string {
  const nnz = m.indptr[m.rows];
  const head = new Int32Array(3 + m.rows + 1 + nnz);
  head.set([m.rows, m.cols, nnz]);
  head.set(m.indptr, 3);
  head.set(m.indices.subarray(0, nnz), 4 + m.rows);
  const file = join(dir, `m${files++}.bin`);
  const parts = [Buffer.from(head.buffer)];
  if (input === 'rating') parts.push(Buffer.from(m.data.slice(0, nnz).buffer));
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

interface Job extends Config {
  csr: string;
  out: string;
  iterations: number;
  seed: number;
  threads: number;
}

/** Fits every job in one python process; returns each job's (user, item) factors and fit seconds. */
function runImplicit(jobs: Job[]): { users: Float32Array; items: Float32Array; seconds: number }[] {
  const jobsFile = join(dir, `jobs${files++}.json`);
  writeFileSync(jobsFile, JSON.stringify(jobs));
  const py = spawnSync(python, [join(here, 'implicit-peer.py'), 'factors', jobsFile], {
    env: { ...process.env, PYTHONPATH: resolve(implicitDir!), OPENBLAS_NUM_THREADS: '1' },
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (py.status !== 0) throw new Error(`implicit-peer.py failed: ${py.error?.message ?? py.stderr}`);
  const done = JSON.parse(py.stdout.trim().split('\n').pop()!) as { fitSeconds: number }[];
  return jobs.map((job, i) => {
    const b = readFileSync(job.out);
    const all = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    // user factors first, then item factors (implicit-peer.py)
    const cut = shapes.get(job.csr)!.rows * job.factors;
    return { users: all.slice(0, cut), items: all.slice(cut), seconds: done[i].fitSeconds };
  });
}

const shapes = new Map<string, { rows: number; cols: number }>();

const dotScorer = (users: Float32Array, items: Float32Array, f: number) => (u: number, out: Float32Array) => {
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = 0; k < f; k++) s += users[u * f + k] * items[i * f + k];
    out[i] = s;
  }
};

function job(m: Csr, c: Config): Job {
  const csr = writeCsr(m, c.input);
  shapes.set(csr, { rows: m.rows, cols: m.cols });
  return { ...c, csr, out: `${csr}.factors`, iterations: 15, seed: 42, threads };
}

/**
 * implicit's configuration as Attune's parameters, ν 0 (one λ): implicit weighs an observed entry
 * α·r and an unobserved one 1; Attune 1 + α'·r and α0. With α0 = K, α' = K·α, λ' = K·λ Attune's loss is
 * K × implicit's up to the 1/K in each observed weight (K = 100); binary input is exact: α' 0, α0 1/α, λ/α.
 */
const K = 100;
function mapped(c: Config): AlsParams {
  const base = { ...DEFAULT_ALS_PARAMS, factors: c.factors, iterations: 15, regularizationExponent: 0 };
  return c.input === 'rating'
    ? { ...base, confidence: 'linear', alpha: K * c.alpha, unobservedWeight: K, regularization: K * c.regularization }
    : { ...base, alpha: 0, unobservedWeight: 1 / c.alpha, regularization: c.regularization / c.alpha };
}
const mappedLabel = (c: Config) => {
  const p = mapped(c);
  return `α ${p.alpha}, α0 ${+p.unobservedWeight.toPrecision(3)}, λ ${+p.regularization.toPrecision(3)}, ν 0`;
};

const fmt = (c: Config) => `${c.factors} factors, λ ${c.regularization}, α ${c.alpha}, ${c.input}`;

function attuneRow(name: string, train: Csr, test: Csr, p: AlsParams) {
  const t0 = performance.now();
  const model = trainAls(train, p);
  const seconds = (performance.now() - t0) / 1000;
  const r = evaluateRanking(train, test, dotScorer(model.userFactors, model.itemFactors, p.factors), 10);
  return { name, ndcg: r.ndcg, precision: r.precision, seconds };
}

function main() {
  if (!implicitDir) {
    console.log('implicit absent: give --implicit DIR (implicit 0.7.2 built from source; docs/scale.md)');
    return;
  }
  const d = loadMl100k(dataDir);
  for (const by of splits) {
    const t0 = performance.now();
    const s = stratifiedSplit(by === 'item' ? d.item : d.user, 0.75, 42);
    const train = toCsr(d, s.train); // the rating as the strength, as bench/quality.ts; binary inputs ignore it
    const test = toCsr(d, s.test, () => 1);
    const valid = VALIDATION_SEEDS.map((seed) => holdoutSplit(train, 0.75, seed, by));
    const rows: { name: string; ndcg: number; precision: number; seconds: number }[] = [];

    const defaults = [DEFAULTS, { ...DEFAULTS, input: 'rating' as const }];
    const gridJobs = GRID.flatMap((c) => valid.map((v) => job(v.fit, c)));
    const fitted = runImplicit([...defaults.map((c) => job(train, c)), ...gridJobs]);
    defaults.forEach((c, i) => {
      const r = evaluateRanking(train, test, dotScorer(fitted[i].users, fitted[i].items, c.factors), 10);
      rows.push({
        name: `implicit 0.7.2, defaults (${fmt(c)})`,
        ndcg: r.ndcg,
        precision: r.precision,
        seconds: fitted[i].seconds,
      });
    });
    const scored = GRID.map((c, g) => {
      let sum = 0;
      valid.forEach((v, k) => {
        const f = fitted[defaults.length + g * valid.length + k];
        sum += evaluateRanking(v.fit, v.valid, dotScorer(f.users, f.items, c.factors), 10).ndcg;
      });
      return { c, val: sum / valid.length };
    }).sort((a, b) => b.val - a.val);
    console.log(`per-${by}: validation nDCG@10, best five of ${GRID.length}:`);
    for (const t of scored.slice(0, 5)) console.log(`  ${t.val.toFixed(4)}  ${fmt(t.c)}`);
    const best = scored[0];
    const [bf] = runImplicit([job(train, best.c)]);
    const r = evaluateRanking(train, test, dotScorer(bf.users, bf.items, best.c.factors), 10);
    rows.push({
      name: `implicit 0.7.2, tuned (${fmt(best.c)}; val ${best.val.toFixed(4)})`,
      ndcg: r.ndcg,
      precision: r.precision,
      seconds: bf.seconds,
    });

    const shape = { rows: train.rows, cols: train.cols, nnz: train.indptr[train.rows] };
    rows.push(attuneRow('Attune iALS, tuned served configuration (`TUNED_ML100K_ALS`)', train, test, TUNED_ML100K_ALS));
    rows.push(attuneRow('Attune iALS, untuned defaults (`alsDefaultsFor`)', train, test, alsDefaultsFor(shape)));
    rows.push(
      attuneRow("Attune iALS with implicit's defaults (`IMPLICIT_ALS_PARAMS`)", train, test, IMPLICIT_ALS_PARAMS),
    );
    rows.push(attuneRow(`Attune iALS at implicit's tuned point (${mappedLabel(best.c)})`, train, test, mapped(best.c)));

    console.log(`\n| ML-100K per-${by} 75/25 seed 42 | nDCG@10 | P@10 | fit s |`);
    console.log('|---|---|---|---|');
    for (const row of rows)
      console.log(`| ${row.name} | ${row.ndcg.toFixed(4)} | ${row.precision.toFixed(4)} | ${row.seconds.toFixed(2)} |`);
    console.log(
      `(${GRID.length * valid.length + 3} implicit fits, ${threads} threads; ${((performance.now() - t0) / 1000).toFixed(0)} s; load ${loadavg()[0].toFixed(1)})\n`,
    );
  }
}

try {
  main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
