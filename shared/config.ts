/**
 * Runtime configuration read from the environment. The CDK stack and the local
 * runner set the same variables (names in {@link ENV}), so a handler cannot
 * tell whether it runs in Lambda or on a laptop. AWS endpoints are not here on
 * purpose: the SDK reads AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 itself.
 */

export const ENV = {
  table: 'ATTUNE_TABLE',
  bucket: 'ATTUNE_BUCKET',
  modelPrefix: 'ATTUNE_MODEL_PREFIX',
  retentionDays: 'ATTUNE_RETENTION_DAYS',
  authMode: 'ATTUNE_AUTH_MODE',
  adminGroup: 'ATTUNE_ADMIN_GROUP',
  modelRefreshSeconds: 'ATTUNE_MODEL_REFRESH_SECONDS',
  keepVersions: 'ATTUNE_KEEP_VERSIONS',
  trainBudgetSeconds: 'ATTUNE_TRAIN_BUDGET_SECONDS',
  gateTolerance: 'ATTUNE_GATE_TOLERANCE',
  leaseSeconds: 'ATTUNE_LEASE_SECONDS',
  tune: 'ATTUNE_TUNE',
} as const;

export type AuthMode = 'jwt' | 'none';

export interface AttuneConfig {
  tableName: string;
  bucketName: string;
  /** Key prefix of model artifacts in the bucket, always ending with '/'. */
  modelPrefix: string;
  /** Days an interaction is kept (TTL); 0 keeps forever. */
  retentionDays: number;
  /** 'jwt': user routes act only as the token's subject; 'none': dev stages only. */
  authMode: AuthMode;
  adminGroup: string;
  modelRefreshSeconds: number;
  keepVersions: number;
  trainBudgetSeconds: number;
  gateTolerance: number;
  leaseSeconds: number;
  tune: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function num(env: NodeJS.ProcessEnv, key: string, fallback: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new ConfigError(`${key} must be a number >= ${min}, got "${raw}"`);
  return n;
}

function str(env: NodeJS.ProcessEnv, key: string, fallback?: string): string {
  const raw = env[key];
  if (raw !== undefined && raw !== '') return raw;
  if (fallback !== undefined) return fallback;
  throw new ConfigError(`${key} is not set`);
}

/**
 * Reads and validates the configuration. Throws {@link ConfigError} naming the
 * variable at fault, so a misdeployed function fails at cold start, loudly.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AttuneConfig {
  let prefix = str(env, ENV.modelPrefix, 'models/');
  if (!prefix.endsWith('/')) prefix += '/';
  const authMode = str(env, ENV.authMode, 'jwt');
  if (authMode !== 'jwt' && authMode !== 'none') {
    throw new ConfigError(`${ENV.authMode} must be "jwt" or "none", got "${authMode}"`);
  }
  return {
    tableName: str(env, ENV.table),
    bucketName: str(env, ENV.bucket, ''),
    modelPrefix: prefix,
    retentionDays: num(env, ENV.retentionDays, 0),
    authMode,
    adminGroup: str(env, ENV.adminGroup, 'admin'),
    modelRefreshSeconds: num(env, ENV.modelRefreshSeconds, 30),
    keepVersions: num(env, ENV.keepVersions, 5, 1),
    trainBudgetSeconds: num(env, ENV.trainBudgetSeconds, 600, 1),
    gateTolerance: num(env, ENV.gateTolerance, 0.02),
    leaseSeconds: num(env, ENV.leaseSeconds, 1800, 1),
    tune: str(env, ENV.tune, 'true') !== 'false',
  };
}
