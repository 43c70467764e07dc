/**
 * The local stack the end-to-end files drive as a developer would: embedded stores, the real handlers
 * behind the local API on an ephemeral port, demo data seeded, and training through `attune local invoke
 * Train` in another process (sharing the running stack's stores through its home folder).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateDemoDataset } from '../../infra/local/demo-data';
import { seedDataset } from '../../infra/local/seed';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/local/stack';

const run = promisify(execFile);

export interface E2eStack {
  stack: LocalStack;
  home: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** One Train run in its own process with `env` added; resolves to the run's summary. */
  invokeTrain(env: Record<string, string>): Promise<any>;
  stop(): Promise<void>;
}

export async function startE2eStack(opts: {
  prefix: string;
  dataset: Parameters<typeof generateDemoDataset>[0];
  extraRoutes?: LocalStackOptions['extraRoutes'];
}): Promise<E2eStack> {
  const home = mkdtempSync(join(tmpdir(), opts.prefix));
  const stack = await startLocalStack({
    home,
    port: 0,
    extraRoutes: opts.extraRoutes,
    env: { ATTUNE_MODEL_REFRESH_SECONDS: '0', POWERTOOLS_LOG_LEVEL: 'ERROR' },
  });
  try {
    await seedDataset(stack.aws.tableName, generateDemoDataset(opts.dataset));
  } catch (err) {
    await stack.stop();
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
  return {
    stack,
    home,
    async api(method, path, body) {
      const res = await fetch(stack.api.url + path, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: await res.json() };
    },
    async invokeTrain(env) {
      const args = ['bin/attune.mjs', 'local', 'invoke', 'Train', '--home', home];
      const { stdout } = await run(process.execPath, args, {
        env: { ...process.env, ...env },
        maxBuffer: 16 * 1024 * 1024,
      });
      // The result is the last JSON document printed (logs come before it).
      return JSON.parse(stdout.slice(stdout.lastIndexOf('\n{') + 1));
    },
    async stop() {
      await stack.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
