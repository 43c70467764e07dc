/**
 * Measures the cold-start (init) cost of each function's bundle, run in fresh
 * Node processes the way Lambda runs it (test/infra/lambda-host.mjs), against
 * embedded DynamoDB/S3 with a trained model:
 * - AWS SDK bundled vs left to the runtime (external), with and without
 *   --enable-source-maps: init CPU and wall time, medians of --runs;
 * - Recommend before/after loading the model during init (top-level await):
 *   init and first GET /health, the old handler taken from git (--before REV).
 *
 *   npx tsx scripts/init-cost.ts [--runs 5] [--before c0f4113^] [--skip-sdk]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { ESBUILD_TARGET, ESM_REQUIRE_BANNER } from '../infra/constructs/attune-function';
import { generateDemoDataset } from '../infra/local/demo-data';
import { startEmbeddedAws } from '../infra/local/embedded';
import { buildHttpEvent } from '../infra/local/http-event';
import { buildScheduledEvent } from '../infra/local/schedule-event';
import { seedDataset } from '../infra/local/seed';
import { FUNCTIONS, environmentFor, type FunctionName } from '../shared/topology';
import { startLambda } from '../test/infra/lambda-process';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    before: { type: 'string', default: 'c0f4113^' },
    // Only the Recommend before/after comparison.
    'skip-sdk': { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const ROOT = resolve(import.meta.dirname, '..');
// Inside the repository, so an external @aws-sdk resolves from node_modules as the runtime's copy would.
const OUT = join(ROOT, '.tmp', 'init-cost');

async function bundle(
  dir: string,
  entry: { file: string } | { contents: string; resolveDir: string },
  sdk: 'bundled' | 'external',
) {
  mkdirSync(dir, { recursive: true });
  await build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.contents, resolveDir: entry.resolveDir, loader: 'ts' } }),
    outfile: join(dir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: ESBUILD_TARGET,
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: ESM_REQUIRE_BANNER },
    external: sdk === 'external' ? ['@aws-sdk/*', '@smithy/*'] : [],
    logLevel: 'warning',
  });
  return dir;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  rmSync(OUT, { recursive: true, force: true });
  const aws = await startEmbeddedAws();
  Object.assign(process.env, aws.env);
  const env = (name: FunctionName) => ({
    ...aws.env,
    ...environmentFor(name, {
      tableName: aws.tableName,
      bucketName: aws.bucketName,
      authMode: 'none',
      adminGroup: 'admin',
    }),
    POWERTOOLS_LOG_LEVEL: 'WARN',
  });
  const spec = (name: FunctionName, codeDir: string, execArgv: string[] = []) => ({
    codeDir,
    handler: 'index.handler',
    environment: env(name),
    name,
    memoryMb: FUNCTIONS[name].memoryMb,
    timeoutSeconds: FUNCTIONS[name].timeoutSeconds,
    execArgv,
  });
  try {
    await seedDataset(aws.tableName, generateDemoDataset({ users: 200, items: 120 }));
    const dirs: Record<string, string> = {};
    for (const sdk of ['bundled', 'external'] as const) {
      for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
        dirs[`${sdk}/${name}`] = await bundle(join(OUT, sdk, name), { file: join(ROOT, FUNCTIONS[name].entry) }, sdk);
      }
    }
    const train = await startLambda(spec('Train', dirs['bundled/Train']));
    const run = await train.invoke<{ decision: string }>(buildScheduledEvent());
    await train.stop();
    console.log(`model: ${run.result.decision} in ${(run.ms / 1000).toFixed(1)} s`);

    const health = buildHttpEvent({ method: 'GET', path: '/health' });
    console.log(`\ninit per fresh process, median of ${RUNS} (CPU ms / wall ms); Recommend includes the model load`);
    for (const sdk of args['skip-sdk'] ? [] : (['bundled', 'external'] as const)) {
      for (const maps of [false, true]) {
        const cells: string[] = [];
        for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
          const cpu: number[] = [];
          const wall: number[] = [];
          for (let i = 0; i < RUNS; i++) {
            const p = await startLambda(spec(name, dirs[`${sdk}/${name}`], maps ? ['--enable-source-maps'] : []));
            cpu.push(p.init.cpuMs);
            wall.push(p.init.ms);
            await p.stop();
          }
          cells.push(`${name} ${median(cpu).toFixed(0)} / ${median(wall).toFixed(0)}`);
        }
        console.log(`SDK ${sdk.padEnd(8)} source maps ${maps ? 'on ' : 'off'}: ${cells.join(' | ')}`);
      }
    }

    const old = execFileSync('git', ['show', `${args.before}:functions/recommend/handler.ts`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const before = await bundle(
      join(OUT, 'before', 'Recommend'),
      { contents: old, resolveDir: join(ROOT, 'functions/recommend') },
      'bundled',
    );
    const recommend = buildHttpEvent({ method: 'GET', path: '/users/user-1/recommendations?k=10' });
    for (const [what, event] of [
      ['GET /health', health],
      ['GET /users/user-1/recommendations', recommend],
    ] as const) {
      console.log(`\nRecommend: init, then a first ${what} (median of ${RUNS}, wall ms)`);
      for (const [label, dir] of [
        ['before (warm() not awaited)', before],
        ['after (top-level await)', dirs['bundled/Recommend']],
      ]) {
        const init: number[] = [];
        const first: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const p = await startLambda(spec('Recommend', dir));
          const h = await p.invoke<{ statusCode: number; body: string }>(event);
          if (h.result.statusCode !== 200) throw new Error(`${what} ${h.result.statusCode}: ${h.result.body}`);
          init.push(p.init.ms);
          first.push(h.ms);
          await p.stop();
        }
        console.log(
          `${label.padEnd(28)} init ${median(init).toFixed(0)} ms, first request ${median(first).toFixed(0)} ms`,
        );
      }
    }
  } finally {
    await aws.stop();
  }
}

await main();
