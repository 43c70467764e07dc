import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { configDefaults, defineConfig } from 'vitest/config';
import { CDK, E2E, sharedUnitFiles } from './test/projects.js';

// CDK assertion synths leave cdk.out folders in TMPDIR: keep them in a git-ignored folder.
const tmp = resolve('.tmp');
mkdirSync(tmp, { recursive: true });

/**
 * Files that spend most of their time waiting on child processes (npm start, the Train
 * process, esbuild, cdk synth) start first, so the quick unit files fill the gaps
 * instead of one slow file running alone at the end. A fresh clone has no timing cache.
 * Each sharing project (isolate: false) stays one block: a worker process is reused only
 * while the next file in the queue is of the same project; the many small shared unit
 * files come last, where they balance the two workers' ends.
 */
const SLOW_FIRST = [
  /test\/e2e\//,
  /test\/infra\/artifacts/,
  /test\/infra\/(nag|stack)/,
  /test\/infra\//,
  /test\/functions\//,
];

class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      if (f.project.name === 'unit-shared') return SLOW_FIRST.length + 1;
      const i = SLOW_FIRST.findIndex((re) => re.test(f.moduleId));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    const sorted = await super.sort(files);
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

const shared = sharedUnitFiles(resolve('.'));

export default defineConfig({
  test: {
    env: {
      TMPDIR: tmp,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_DEV: 'false',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    // Timeouts catch hangs, not slowness: a loaded 2-core box runs these files several times
    // slower than a quiet one (seeding the demo shop took 35 s there instead of 4 s).
    testTimeout: 120_000,
    hookTimeout: 240_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is cores − 1, one worker on a 2-core machine: the e2e and bundling files
    // mostly wait on their child processes, so two workers there finish far sooner.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: SlowFirst },
    // CI also writes a machine-readable report; .ci/run prints its totals as the closing line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: process.env.VITEST_REPORT ?? '.tmp/vitest-report.json' }]]
      : ['default'],
    // Vitest's --exclude does not reach inline projects: the scripts pick projects by name (--project).
    // test/projects.ts says which files share their worker processes (isolate: false) and why.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...E2E, ...CDK, ...shared],
        },
      },
      { extends: true, test: { name: 'unit-shared', include: shared, isolate: false } },
      { extends: true, test: { name: 'e2e', include: E2E } },
      {
        extends: true,
        // The CDK files share their worker processes: each would otherwise load aws-cdk-lib (~5 s of CPU)
        // and synthesize the default stack again; together they synthesize it once (synth.ts caches by
        // context). They only read the cached apps (nag's negative stages are contexts of their own), set no
        // process.env and mock nothing; checked by running them in one process in shuffled orders.
        test: { name: 'cdk', include: CDK, isolate: false },
      },
    ],
  },
});
