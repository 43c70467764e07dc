/**
 * Starts a bundled function in a fresh Node process the way Lambda does
 * (lambda-host.mjs): the template's handler name and environment plus the
 * variables the runtime sets, stdout/stderr captured as the log stream.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST = join(dirname(fileURLToPath(import.meta.url)), 'lambda-host.mjs');

export interface LambdaSpec {
  /** Folder holding the bundle (the asset directory). */
  codeDir: string;
  /** Template `Handler`, e.g. `index.handler`. */
  handler: string;
  /** Resolved function environment (the template's, with tokens replaced). */
  environment: Record<string, string>;
  name: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Extra node flags (NODE_OPTIONS is honoured from the environment as on Lambda). */
  execArgv?: string[];
}

export interface Invocation<R = unknown> {
  result: R;
  ms: number;
  cpuMs: number;
}

export interface LambdaProcess {
  init: { ms: number; cpuMs: number };
  /** Every line the process wrote to stdout or stderr so far. */
  logs: string[];
  invoke<R = unknown>(event: unknown): Promise<Invocation<R>>;
  stop(): Promise<void>;
}

/** Starts the function; resolves after init (rejects with the init error and logs). */
export async function startLambda(spec: LambdaSpec): Promise<LambdaProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: spec.codeDir,
    LAMBDA_RUNTIME_DIR: spec.codeDir,
    _HANDLER: spec.handler,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_VERSION: '1',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    ...spec.environment,
  };
  const child: ChildProcess = fork(HOST, [], {
    env,
    execArgv: spec.execArgv ?? [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const logs: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      logs.push(...lines.filter(Boolean));
    });
  }
  let next = 0;
  const pending = new Map<number, { resolve: (v: Invocation) => void; reject: (e: Error) => void }>();
  const init = await new Promise<{ ms: number; cpuMs: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${spec.name} exited (${code}) during init:\n${logs.join('\n')}`)));
    child.on('message', (m: any) => {
      if (m.type === 'init') {
        if (m.error) reject(new Error(`${spec.name} init failed: ${m.error}\n${logs.join('\n')}`));
        else resolve({ ms: m.ms, cpuMs: m.cpuMs });
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.type === 'result') p.resolve({ result: m.result, ms: m.ms, cpuMs: m.cpuMs });
      else p.reject(new Error(`${spec.name} invocation failed: ${m.error}`));
    });
  }).catch((err) => {
    child.kill();
    throw err;
  });
  child.removeAllListeners('exit');
  return {
    init,
    logs,
    invoke<R>(event: unknown) {
      const id = next++;
      return new Promise<Invocation<R>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: Invocation) => void, reject });
        child.send({ type: 'invoke', id, event, timeoutMs: spec.timeoutSeconds * 1000 });
      });
    },
    async stop() {
      // Killed by a signal, a process has a signalCode and no exitCode.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill();
      await exited;
      // Let the last log chunks arrive.
      await new Promise((r) => setImmediate(r));
    },
  };
}
