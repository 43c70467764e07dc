/**
 * Which test files share worker processes (vitest.config.ts's projects). Vitest's isolation starts a
 * fresh process for every file, which then loads the AWS SDK, zod and the serving and training code
 * again: for the unit files that was ~40% of the suite's CPU. Files that only compute share their
 * processes instead (`unit-shared`, isolate: false); files that change the process keep their own.
 * test/unit/shared-process.test.ts fails when a sharing file starts changing its process.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The end-to-end tier (`npm run test:e2e`): child processes, browsers. */
export const E2E = ['test/e2e/**/*.test.ts', 'test/**/*.process.test.ts'];
/** The CDK files (`npm run test:e2e`, project `cdk`): they share their processes (aws-cdk-lib, the synth cache). */
export const CDK = ['test/infra/**/*.test.ts'];

/** Where the sharing files live: plain computation over in-memory data. */
const SHARED_DIRS = ['test/unit', 'test/property'];

/**
 * Files in those folders that keep a process of their own: they start embedded stores and write their
 * endpoints into process.env, stub env or spy on modules, spawn the CLI, measure the process's resident
 * buffers (the bound tests: a neighbour's garbage would count), set process-wide training threads, or
 * drive the local Step Functions interpreter and infra/local (module state not checked for sharing).
 */
export const OWN_PROCESS = [
  'test/property/ids.property.test.ts',
  'test/unit/math/parallel.test.ts',
  'test/unit/neural/cold-items-cli.test.ts',
  'test/unit/neural/metadata-training.test.ts',
  'test/unit/online/attribution.test.ts',
  'test/unit/online/job.test.ts',
  'test/unit/online/metrics.test.ts',
  'test/unit/online/serving.test.ts',
  'test/unit/online/status-online.test.ts',
  'test/unit/rules/import.test.ts',
  'test/unit/rules/stores.test.ts',
  'test/unit/training/auto.test.ts',
  'test/unit/training/cli.test.ts',
  'test/unit/training/store-contract.test.ts',
  'test/unit/workflow/distributed.test.ts',
  'test/unit/workflow/extras.test.ts',
  'test/unit/workflow/finish-bounds.test.ts',
  'test/unit/workflow/prepare-bounds.test.ts',
  'test/unit/workflow/prepare-rebuild-bounds.test.ts',
  'test/unit/workflow/publish-stream.test.ts',
  'test/unit/workflow/ranker.test.ts',
  'test/unit/workflow/tune.test.ts',
];

function testFiles(dir: string, root: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? testFiles(`${dir}/${e.name}`, root)
      : e.name.endsWith('.test.ts') && !e.name.endsWith('.process.test.ts')
        ? [`${dir}/${e.name}`]
        : [],
  );
}

/** The files of project `unit-shared`, relative to the repository root. */
export function sharedUnitFiles(root: string): string[] {
  return SHARED_DIRS.flatMap((d) => testFiles(d, root))
    .filter((f) => !OWN_PROCESS.includes(f))
    .sort();
}
