/**
 * Runs training locally, as its EventBridge schedule would: the training state
 * machine (`attune local invoke Train`: the deployed definition on
 * aws-local-stepfunctions, infra/local/train-workflow.ts) in a process of its
 * own, like Lambda runs each step in its own sandbox, so a long training run
 * never stalls the local API or the embedded stores that live in the npm
 * start process.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './functions';

export interface TrainingOutcome {
  ok: boolean;
  result?: Record<string, unknown>;
  error?: string;
}

/** Training processes this process started and that are still running. */
const running = new Set<ReturnType<typeof spawn>>();

/**
 * Stops the training processes of this start (Ctrl-C reaches them through the terminal,
 * a SIGTERM to npm start did not: the run went on against stores that were gone).
 */
export function stopTraining(): void {
  for (const child of running) child.kill('SIGTERM');
}

export function runTraining(
  home: string,
  log: (line: string) => void = () => undefined,
  env: Record<string, string> = {},
): Promise<TrainingOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin/attune.mjs'), 'local', 'invoke', 'Train', '--home', home],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    running.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => {
      running.delete(child);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      // The invocation result is the last JSON document on stdout (handler logs come before it).
      const at = out.lastIndexOf('\n{');
      let result: Record<string, unknown> | undefined;
      try {
        result = JSON.parse(at >= 0 ? out.slice(at + 1) : out);
      } catch {
        result = undefined;
      }
      if (code !== 0 || !result) {
        const why = err.trim().split('\n').slice(-1)[0] || `exit code ${code}`;
        log(`training failed after ${secs} s: ${why}`);
        return resolve({ ok: false, error: why });
      }
      const t = (result.timings ?? {}) as Record<string, number>;
      const stages = Object.entries(t)
        .filter(([k]) => k !== 'total')
        .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)}`)
        .join(', ');
      // the state machine's large path says so; the small path is the single job's summary
      const path = result.path === 'distributed' ? ' (distributed ALS)' : '';
      log(
        `training${path}: ${String(result.decision ?? 'done')}${result.version ? ` → model ${result.version}` : ''}` +
          `${result.reason ? ` (${result.reason})` : ''} in ${secs} s${stages ? ` [${stages}]` : ''}`,
      );
      resolve({ ok: true, result });
    });
  });
}
