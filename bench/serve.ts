/**
 * Serving benchmark: warm latency of the recommendations core (ServingCore,
 * in process, filters and explanations on) at ML-100K size, 100k and 1M items
 * × 64 factors; cold start (service init + loading the 100k × 64 model from
 * embedded S3 through the real loader); memory.
 *
 *   npm run bench:serve               table
 *   npm run bench:serve -- --json     … last line: JSON array of results
 *   npm run bench:serve -- --quick    skips the 1M case
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../shared/config';
import { DEFAULT_ALS_PARAMS, trainAls } from '../shared/math/als';
import { csrFromTriples } from '../shared/math/csr';
import { gramian } from '../shared/math/linalg';
import { popularityFromCsr } from '../shared/math/popularity';
import { Rng } from '../shared/math/rng';
import type { Model } from '../shared/model/types';
import { publishModel } from '../shared/model/repository';
import { MemoryInteractionStore } from '../shared/storage/memory/interactions';
import { S3ModelStore } from '../shared/storage/s3/model-store';
import { s3Client } from '../shared/storage/aws/clients';
import { startEmbeddedAws } from '../infra/local/embedded';
import { createRecommendService } from '../shared/serving/service';
import { loadMl100k, toCsr } from './quality-data';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const K = 10;
const ML100K = process.env.ATTUNE_ML100K ?? '/work/shared/data/ml-100k';

interface Result {
  items: number;
  factors: number;
  k: number;
  p50Ms: number;
  p99Ms: number;
  coldStartMs: number | null;
  /** Same with s3rver in its own process (its CPU not on the loader's thread, as with real S3). */
  coldStartSeparateMs: number | null;
  /** First YᵀY request on the cold-loaded model: ~0 when the artifact ships it, as ALS training's do. */
  firstYtyMs: number | null;
  label: string;
  /** p50 with explanations off: scoring, filters and selection alone. */
  scoringP50Ms: number;
  rssMb: number;
}

const mb = (b: number) => Math.round(b / 1048576);
const say = (s: string) => (JSON_OUT ? process.stderr.write(s + '\n') : console.log(s));

function manifest(version: string, f: number, users: number, items: number, nnz: number): Model['manifest'] {
  return {
    formatVersion: 1,
    version,
    createdAt: new Date().toISOString(),
    kind: 'als',
    factors: f,
    hyperParameters: {},
    counts: { users, items, interactions: nnz },
    metrics: {},
    watermark: Date.now(),
    calibration: { a: 3, b: -2 },
    foldIn: {
      regularization: 0.05,
      alpha: 1,
      confidence: 'linear',
      epsilon: 1,
      unobservedWeight: 1,
      regularizationExponent: 0,
    },
    files: {},
  };
}

/** The ML-100K model (trained here) or a synthetic stand-in of the same size. */
function ml100kModel(): { model: Model; label: string } {
  const f = 64;
  if (existsSync(`${ML100K}/u.data`)) {
    const d = loadMl100k(ML100K);
    const ui = toCsr(
      d,
      Int32Array.from({ length: d.user.length }, (_, i) => i),
    );
    const als = trainAls(ui, { ...DEFAULT_ALS_PARAMS, factors: f, iterations: 5 });
    const model: Model = {
      manifest: manifest('bench-ml100k', f, ui.rows, ui.cols, ui.indptr[ui.rows]),
      userIds: Array.from({ length: ui.rows }, (_, u) => `u${u}`),
      itemIds: Array.from({ length: ui.cols }, (_, i) => `i${i}`),
      factors: f,
      userFactors: als.userFactors,
      itemFactors: als.itemFactors,
      seenIndptr: ui.indptr,
      seenIndices: ui.indices,
      popularity: popularityFromCsr(ui),
    };
    return { model, label: 'ML-100K (trained, 5 ALS iterations)' };
  }
  return { model: generatedModel(943, 1682, f, 100, 'bench-ml100k'), label: 'ML-100K-sized (generated)' };
}

/**
 * Random factors and ~seenPerUser seen items per user: scoring cost does not depend on the values.
 * Ships YᵀY like an ALS training artifact (shared/training/fit.ts).
 */
function generatedModel(users: number, items: number, f: number, seenPerUser: number, version: string): Model {
  const rng = new Rng(42);
  const uf = new Float32Array(users * f);
  const itf = new Float32Array(items * f);
  for (let k = 0; k < uf.length; k++) uf[k] = rng.normal() * 0.3;
  for (let k = 0; k < itf.length; k++) itf[k] = rng.normal() * 0.3;
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < users; u++) for (let s = 0; s < seenPerUser; s++) rows.push(u), cols.push(rng.int(items));
  const seen = csrFromTriples(users, items, rows, cols, new Float32Array(rows.length).fill(1));
  const pop = new Float32Array(items);
  for (let i = 0; i < items; i++) pop[i] = rng.next();
  return {
    manifest: manifest(version, f, users, items, seen.indptr[users]),
    userIds: Array.from({ length: users }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: items }, (_, i) => `i${i}`),
    factors: f,
    userFactors: uf,
    itemFactors: itf,
    seenIndptr: seen.indptr,
    seenIndices: seen.indices,
    popularity: pop,
    itemGramian: gramian(itf, items, f),
  };
}

const config = (bucket = '') =>
  loadConfig({ ATTUNE_TABLE: 'bench', ATTUNE_BUCKET: bucket, ATTUNE_MODEL_REFRESH_SECONDS: '3600' });

async function warm(model: Model, label: string, iterations: number): Promise<Result> {
  const store = new MemoryInteractionStore();
  const service = createRecommendService(config(), {
    store,
    modelSource: {
      latest: async () => ({ status: 'ok', etag: '1', version: model.manifest.version }),
      load: async () => model,
    },
  });
  await service.warm();
  const users = model.userIds.length;
  const rng = new Rng(7);
  // first calls pay for JIT warm-up (and YᵀY when the artifact has none)
  for (let i = 0; i < 20; i++) await service.core.recommend(`u${rng.int(users)}`, { k: K });
  const run = async (explain: boolean) => {
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t = performance.now();
      await service.core.recommend(`u${rng.int(users)}`, { k: K, excludeCategories: ['none'], explain });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))] * 1000) / 1000;
  };
  const q = await run(true);
  const scoring = await run(false);
  return {
    label,
    items: model.itemIds.length,
    factors: model.factors,
    k: K,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    coldStartMs: null,
    coldStartSeparateMs: null,
    firstYtyMs: null,
    scoringP50Ms: scoring(0.5),
    rssMb: mb(process.memoryUsage().rss),
  };
}

/** s3rver in a child process (tsx, like this script); resolves once it listens. */
async function embeddedAwsProcess(): Promise<{
  env: Record<string, string>;
  bucketName: string;
  stop(): Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, new URL('./embedded-aws-process.ts', import.meta.url).pathname],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`embedded AWS process exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const { env, bucketName } = JSON.parse(line) as { env: Record<string, string>; bucketName: string };
  return {
    env,
    bucketName,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

/**
 * Cold start: a fresh service (new S3 client, no model) until /health has the
 * model; median of 3. `separate` runs s3rver in a child process, so the
 * figure leaves out the S3 server's own CPU (in production it is not ours).
 */
async function coldStart(model: Model, separate: boolean): Promise<{ ms: number; firstYtyMs: number }> {
  const aws = separate ? await embeddedAwsProcess() : await startEmbeddedAws();
  Object.assign(process.env, aws.env);
  try {
    const store = new S3ModelStore(s3Client(), aws.bucketName);
    await publishModel(store, 'models/', model, { keep: 2 });
    const runs: number[] = [];
    const yty: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      const service = createRecommendService(config(aws.bucketName), { store: new MemoryInteractionStore() });
      await service.warm();
      await service.core.health();
      runs.push(performance.now() - t);
      const t2 = performance.now();
      // the first fold-in pays YᵀY when the artifact ships none
      service.models.peek()?.fitted.foldIn?.({ itemIdx: Int32Array.of(0), weights: Float64Array.of(1) });
      yty.push(performance.now() - t2);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    return { ms: Math.round(median(runs)), firstYtyMs: Math.round(median(yty) * 10) / 10 };
  } finally {
    await aws.stop();
  }
}

async function main() {
  const results: Result[] = [];
  const ml = ml100kModel();
  results.push(await warm(ml.model, ml.label, 2000));
  say(`done: ${ml.label}`);

  const m100k = generatedModel(20_000, 100_000, 64, 20, 'bench-100k');
  const r100k = await warm(m100k, '100k items × 64 (generated)', 500);
  say('done: 100k warm');
  const cold = await coldStart(m100k, false);
  r100k.coldStartMs = cold.ms;
  r100k.firstYtyMs = cold.firstYtyMs;
  r100k.coldStartSeparateMs = (await coldStart(m100k, true)).ms;
  say('done: 100k cold start');
  results.push(r100k);

  if (!QUICK) {
    const m1m = generatedModel(10_000, 1_000_000, 64, 20, 'bench-1m');
    results.push(await warm(m1m, '1M items × 64 (generated)', 100));
    say('done: 1M warm');
  }

  const table = [
    '| model | items × factors | k | p50 ms | p99 ms | p50 ms, no `because` | cold start ms (S3 in process / own process) | first YᵀY ms | RSS MB |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.items.toLocaleString('en')} × ${r.factors} | ${r.k} | ${r.p50Ms} | ${r.p99Ms} | ${r.scoringP50Ms} | ${r.coldStartMs === null ? '—' : `${r.coldStartMs} / ${r.coldStartSeparateMs}`} | ${r.firstYtyMs ?? '—'} | ${r.rssMb} |`,
    ),
  ].join('\n');
  say(table);
  if (JSON_OUT) {
    console.log(
      JSON.stringify(
        results.map(({ items, factors, k, p50Ms, p99Ms, coldStartMs, coldStartSeparateMs }) => ({
          items,
          factors,
          k,
          p50Ms,
          p99Ms,
          coldStartMs,
          coldStartSeparateMs,
        })),
      ),
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
