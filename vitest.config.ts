import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// CDK assertion synths leave cdk.out folders in TMPDIR: keep them in a git-ignored folder.
const tmp = resolve('.tmp');
mkdirSync(tmp, { recursive: true });

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    env: {
      TMPDIR: tmp,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_DEV: 'false',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // CI also writes a machine-readable report; .ci/run prints its totals as the closing line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.tmp/vitest-report.json' }]] : ['default'],
  },
});
