/**
 * The whole local stack in one process: embedded DynamoDB + S3, every
 * function's environment applied (built by the topology, as in the CDK
 * stack), and the local API Gateway in front of the handlers.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS, environmentFor, type FunctionName } from '../../shared/topology';
import { startLocalApi, inProcessInvoker, type LocalApi, type LocalRoute } from './api-server';
import { startEmbeddedAws, type EmbeddedAws } from './embedded';
import { loadFunction } from './functions';
import { localSigningKey } from './jwt';
import { ownMark, stillRunning } from './process-identity';

export interface LocalStackOptions {
  /** Persistent data folder; omitted = in memory / temp (tests). */
  home?: string;
  port?: number;
  /** 'jwt' emulates the authorizer with a local signing key; 'none' trusts the path's user. */
  authMode?: 'jwt' | 'none';
  extraRoutes?: LocalRoute[];
  log?: (line: string) => void;
  /** Extra variables for every function (e.g. a shorter model refresh interval). */
  env?: Record<string, string>;
}

export interface LocalStack {
  aws: EmbeddedAws;
  api: LocalApi;
  signingKey?: Uint8Array;
  /** The environment every function sees. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The merged environment of all functions (their keys never conflict: one topology defines them). */
export function localFunctionEnv(
  aws: Pick<EmbeddedAws, 'env' | 'tableName' | 'bucketName'>,
  authMode: 'jwt' | 'none',
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = { ...aws.env };
  for (const fn of Object.keys(FUNCTIONS) as FunctionName[]) {
    Object.assign(
      env,
      environmentFor(fn, { tableName: aws.tableName, bucketName: aws.bucketName, authMode, adminGroup: 'admin' }),
    );
    // Tunables (the topology's defaults) may be overridden from the shell, like `sam local invoke --env-vars`.
    for (const key of Object.keys(FUNCTIONS[fn].environment)) {
      const value = process.env[key];
      if (value !== undefined && value !== '') env[key] = value;
    }
  }
  for (const key of ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_DEV']) if (process.env[key]) env[key] = process.env[key]!;
  return { ...env, ...extra };
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const aws = await startEmbeddedAws({ home: opts.home });
  const authMode = opts.authMode ?? 'none';
  const env = localFunctionEnv(aws, authMode, opts.env);
  Object.assign(process.env, env);
  const signingKey = authMode === 'jwt' && opts.home ? localSigningKey(join(opts.home, 'jwt-signing-key')) : undefined;
  let api: LocalApi;
  try {
    api = await startLocalApi({
      port: opts.port,
      invoke: inProcessInvoker(loadFunction),
      signingKey: authMode === 'jwt' ? (signingKey ?? crypto.getRandomValues(new Uint8Array(32))) : undefined,
      extraRoutes: opts.extraRoutes,
      log: opts.log,
    });
  } catch (err) {
    await aws.stop();
    throw err;
  }
  if (opts.home) writeRunningStack(opts.home, { ...aws.env, ...ownMark(), api: api.url } as RunningStack);
  return {
    aws,
    api,
    signingKey,
    env,
    async stop() {
      if (opts.home) rmSync(join(opts.home, RUNNING_FILE), { force: true });
      await api.close();
      await aws.stop();
    },
  };
}

const RUNNING_FILE = 'running.json';

/** What a running `npm start` publishes so `attune local …` can use its stores (LevelDB allows one process). */
export interface RunningStack {
  pid: number;
  /** When that process started (./process-identity.ts): a reused pid is not this start. */
  started?: string;
  api: string;
  AWS_ENDPOINT_URL_DYNAMODB: string;
  AWS_ENDPOINT_URL_S3: string;
  [key: string]: string | number | undefined;
}

function writeRunningStack(home: string, info: RunningStack): void {
  writeFileSync(join(home, RUNNING_FILE), JSON.stringify(info, null, 2));
}

/** The stack running on `home` in another process, if that process (pid and start) still runs. */
export function findRunningStack(home: string): RunningStack | null {
  const file = join(home, RUNNING_FILE);
  if (!existsSync(file)) return null;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as RunningStack;
    return stillRunning(info) ? info : null;
  } catch {
    return null;
  }
}
