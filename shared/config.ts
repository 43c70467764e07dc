/**
 * Runtime configuration read from the environment. The CDK stack and the local
 * runner set the same variables (names in {@link ENV}), so a handler cannot
 * tell whether it runs in Lambda or on a laptop. AWS endpoints are not here on
 * purpose: the SDK reads AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 itself.
 */
import { z } from 'zod';
import { DEFAULT_RATING_RANGE, type RatingRange } from './events';

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
  ratingMin: 'ATTUNE_RATING_MIN',
  ratingMax: 'ATTUNE_RATING_MAX',
  modelKind: 'ATTUNE_MODEL_KIND',
  exploreShare: 'ATTUNE_EXPLORE_SHARE',
  trainThreads: 'ATTUNE_TRAIN_THREADS',
  distributedMinInteractions: 'ATTUNE_DISTRIBUTED_MIN_INTERACTIONS',
  servingMaxUsers: 'ATTUNE_SERVING_MAX_USERS',
  snapshotRebuildEvery: 'ATTUNE_SNAPSHOT_REBUILD_EVERY',
  snapshotOverlapMinutes: 'ATTUNE_SNAPSHOT_OVERLAP_MINUTES',
  tableArn: 'ATTUNE_TABLE_ARN',
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
  /** Accepted rating values (ingest rejects others; training clamps to it). */
  ratingRange: RatingRange;
  /** The kind the scheduled job trains; 'auto' chooses among als, ease and blend each run. */
  modelKind: (typeof JOB_MODEL_KINDS)[number];
  /** Share of recommendation slots given to new catalog items: 0 none, 0.1 one in 10 (shared/serving/explore.ts). */
  exploreShare: number;
  /** Threads ALS training may use; 0 = every available core, at most 8 (shared/math/parallel/threads.ts). */
  trainThreads: number;
  /**
   * Interactions from which training takes the distributed (Step Functions) path instead of one
   * Lambda: where one 10 GB Lambda stops fitting its 15 minutes or its memory (docs/scale.md).
   */
  distributedMinInteractions: number;
  /**
   * Above this many users in a model, serving leaves their rows in S3 and folds each
   * user in from their events, reading their stored history by range when the events
   * read per request do not hold all of it (docs/scale.md): memory follows the catalog.
   */
  servingMaxUsers: number;
  /** Training reads everything again every this many runs (0: only when needed); snapshot + delta between. */
  snapshotRebuildEvery: number;
  /** A delta read re-reads this much before the snapshot's watermark (late events; counted once by key). */
  snapshotOverlapMinutes: number;
  /** The table's ARN: set, full rebuilds read a DynamoDB export to S3 instead of a Scan (docs/training.md). */
  tableArn: string;
}

/** ATTUNE_SERVING_MAX_USERS's default (docs/scale.md: about 25 MB of user rows at 64 factors). */
export const DEFAULT_SERVING_MAX_USERS = 100_000;

/**
 * ATTUNE_DISTRIBUTED_MIN_INTERACTIONS's default: the deployed Train's (3008 MB) measured usual-run cap, 8.8–9.6M
 * in two runs, rounded down (bench/train-memory.ts; docs/scale.md): above it the large path's Prepare (≈ 13M) fits.
 */
export const DEFAULT_DISTRIBUTED_MIN_INTERACTIONS = 8_000_000;

/** Kinds ATTUNE_MODEL_KIND accepts (docs/training.md). */
export const JOB_MODEL_KINDS = ['als', 'auto', 'ease', 'blend'] as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

// An unset or empty variable takes its default, as the stack and runner leave unused ones empty.
const raw = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));
const num = (fallback: number, min = 0) =>
  raw.pipe(
    z
      .string()
      .optional()
      .transform((v) => (v === undefined ? fallback : Number(v)))
      .pipe(z.number({ error: `must be a number >= ${min}` }).min(min, `must be a number >= ${min}`)),
  );
const str = (fallback: string) => raw.transform((v) => v ?? fallback);

const Schema = z
  .object({
    [ENV.table]: raw.pipe(z.string({ error: 'is not set' })),
    [ENV.bucket]: str(''),
    [ENV.modelPrefix]: str('models/').transform((p) => (p.endsWith('/') ? p : `${p}/`)),
    [ENV.retentionDays]: num(0),
    [ENV.authMode]: str('jwt').pipe(z.enum(['jwt', 'none'], { error: 'must be "jwt" or "none"' })),
    [ENV.adminGroup]: str('admin'),
    [ENV.modelRefreshSeconds]: num(30),
    [ENV.keepVersions]: num(5, 1),
    [ENV.trainBudgetSeconds]: num(600, 1),
    [ENV.gateTolerance]: num(0.02),
    [ENV.leaseSeconds]: num(1800, 1),
    [ENV.tune]: str('true').transform((v) => v !== 'false'),
    [ENV.ratingMin]: num(DEFAULT_RATING_RANGE.min),
    [ENV.ratingMax]: num(DEFAULT_RATING_RANGE.max),
    [ENV.modelKind]: str('als').pipe(
      z.enum(JOB_MODEL_KINDS, { error: `must be one of ${JOB_MODEL_KINDS.join(', ')}` }),
    ),
    [ENV.exploreShare]: num(0.1).pipe(z.number().max(1, 'must be a number between 0 and 1')),
    [ENV.trainThreads]: num(0).pipe(z.number().int('must be an integer')),
    [ENV.distributedMinInteractions]: num(DEFAULT_DISTRIBUTED_MIN_INTERACTIONS, 1),
    [ENV.servingMaxUsers]: num(DEFAULT_SERVING_MAX_USERS).pipe(z.number().int('must be an integer')),
    [ENV.snapshotRebuildEvery]: num(24).pipe(z.number().int('must be an integer')),
    // at most the 24 h the snapshot keeps event keys for: beyond, re-read events could not be recognised
    [ENV.snapshotOverlapMinutes]: num(10).pipe(z.number().max(1440, 'must be at most 1440 (24 h)')),
    [ENV.tableArn]: str(''),
  })
  .refine((e) => e[ENV.ratingMin] < e[ENV.ratingMax], {
    path: [ENV.ratingMax],
    message: `must be greater than ${ENV.ratingMin}`,
  });

/**
 * Reads and validates the configuration. Throws {@link ConfigError} naming
 * every variable at fault and the value it had, so a misdeployed function
 * fails at cold start, loudly.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AttuneConfig {
  const picked = Object.fromEntries(Object.values(ENV).map((k) => [k, env[k]]));
  const r = Schema.safeParse(picked);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const key = String(i.path[0]);
      const got = env[key];
      return `${key} ${i.message}${got === undefined || got === '' ? '' : `, got "${got}"`}`;
    });
    throw new ConfigError(lines.join('; '));
  }
  const e = r.data;
  return {
    tableName: e[ENV.table],
    bucketName: e[ENV.bucket],
    modelPrefix: e[ENV.modelPrefix],
    retentionDays: e[ENV.retentionDays],
    authMode: e[ENV.authMode],
    adminGroup: e[ENV.adminGroup],
    modelRefreshSeconds: e[ENV.modelRefreshSeconds],
    keepVersions: e[ENV.keepVersions],
    trainBudgetSeconds: e[ENV.trainBudgetSeconds],
    gateTolerance: e[ENV.gateTolerance],
    leaseSeconds: e[ENV.leaseSeconds],
    tune: e[ENV.tune],
    ratingRange: { min: e[ENV.ratingMin], max: e[ENV.ratingMax] },
    modelKind: e[ENV.modelKind],
    exploreShare: e[ENV.exploreShare],
    trainThreads: e[ENV.trainThreads],
    distributedMinInteractions: e[ENV.distributedMinInteractions],
    servingMaxUsers: e[ENV.servingMaxUsers],
    snapshotRebuildEvery: e[ENV.snapshotRebuildEvery],
    snapshotOverlapMinutes: e[ENV.snapshotOverlapMinutes],
    tableArn: e[ENV.tableArn],
  };
}
