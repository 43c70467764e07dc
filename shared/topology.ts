/**
 * The one description of Attune's functions, routes, environment and schedule.
 * The CDK stack deploys it; the local runner (`attune local …`, `npm start`)
 * serves it. Neither adds a route or a variable of its own, so they cannot drift.
 */
import { DEFAULT_DISTRIBUTED_MIN_INTERACTIONS, ENV } from './config';
import { EXPERIMENT_KEYS } from './experiments/keys';
import { RULES_PARTITION } from './rules/store';
import { INDEX, keys } from './storage/schema';

export type FunctionName = 'Ingest' | 'Train' | 'Recommend' | 'TrainControl' | 'TrainShard';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may call a route.
 * - public: anyone (health).
 * - authenticated: any valid token.
 * - subject: a valid token whose subject is the path's {userId} (or, for POST /events, the events' user).
 * - admin: a token in the admin group/scope.
 */
export type RouteAuth = 'public' | 'authenticated' | 'subject' | 'admin';

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway route path with {param} placeholders. */
  path: string;
  function: FunctionName;
  auth: RouteAuth;
  summary: string;
}

export interface FunctionDef {
  name: FunctionName;
  /** Handler module, relative to the repository root; it exports `handler`. */
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Environment variables (besides table/bucket) the function reads; values are defaults. */
  environment: Record<string, string>;
  /** What the function may do; the stack turns it into least-privilege grants. */
  access: {
    table: 'none' | 'read' | 'query' | 'readWrite' | 'readWriteDelete';
    bucket: 'none' | 'read' | 'readWrite';
    /** When set, table writes are allowed only on these partition-key patterns (IAM dynamodb:LeadingKeys). */
    tableWriteLeadingKeys?: string[];
    /** The indexes the function queries; it is granted exactly these. */
    indexes: string[];
    /** The bucket prefix `bucket` applies to (default {@link MODEL_PREFIX}). */
    bucketPrefix?: string;
  };
}

/**
 * How a Train run spends its time: the table read and the publish get
 * `reserveSeconds`; the job may then run to `finalFitFactor` × its budget
 * (the final fit after tuning). Synth rejects a budget that cannot fit the
 * timeout, and the handler derives the budget from the remaining time.
 */
export const TRAIN_TIMING = { reserveSeconds: 120, finalFitFactor: 1.5 } as const;

/** The largest training budget that fits `availableSeconds` (a timeout or the remaining time). */
export function maxTrainBudgetSeconds(availableSeconds: number): number {
  return Math.floor((availableSeconds - TRAIN_TIMING.reserveSeconds) / TRAIN_TIMING.finalFitFactor);
}

export const FUNCTIONS: Record<FunctionName, FunctionDef> = {
  Ingest: {
    name: 'Ingest',
    entry: 'functions/ingest/handler.ts',
    description: 'Logs interactions, serves a user their events, catalog upserts and erasure',
    memoryMb: 512,
    timeoutSeconds: 29,
    environment: { [ENV.retentionDays]: '0' },
    access: {
      table: 'readWriteDelete',
      // read-only: PUT /experiments checks that a version a variant pins is published
      bucket: 'read',
      // Events and erasure markers (U#…) and catalog records (I#…), never a lease or run record.
      // and experiments (X#…), which admins edit through Ingest's routes.
      // and the business rules' partition (RULES), written by the rule admin routes.
      tableWriteLeadingKeys: [keys.user('*'), keys.item('*'), EXPERIMENT_KEYS.pk('*'), RULES_PARTITION],
      // Its user's events (ByUserTime); catalog and erasure records are read by key.
      indexes: [INDEX.userTime],
    },
  },
  Train: {
    name: 'Train',
    entry: 'functions/train/handler.ts',
    description: 'Scheduled retraining: reads interactions, trains, evaluates, gates and publishes a model',
    memoryMb: 3008,
    timeoutSeconds: 900,
    environment: {
      [ENV.keepVersions]: '5',
      // What a 900 s timeout allows; the stack derives it from attune:trainTimeoutMinutes.
      [ENV.trainBudgetSeconds]: String(maxTrainBudgetSeconds(900)),
      [ENV.gateTolerance]: '0.02',
      [ENV.leaseSeconds]: '1800',
      [ENV.tune]: 'true',
      [ENV.modelKind]: 'als',
      // a full rebuild of the training snapshot (a table export) once a day at the hourly schedule
      [ENV.snapshotRebuildEvery]: '24',
    },
    // Train writes only its lease and run-log records.
    access: {
      table: 'readWrite',
      bucket: 'readWrite',
      tableWriteLeadingKeys: [keys.lease('*'), keys.runPartition],
      // The freshness probe (ByReceived), delta reads (ByReceivedEvents; ByReceived while it backfills),
      // the erasure directory.
      indexes: [INDEX.received, INDEX.receivedEvents, INDEX.directory],
    },
  },
  Recommend: {
    name: 'Recommend',
    entry: 'functions/recommend/handler.ts',
    description: 'Serves recommendations, similar items and ranking from cached factors',
    memoryMb: 1769,
    timeoutSeconds: 10,
    environment: { [ENV.modelRefreshSeconds]: '30', [ENV.exploreShare]: '0.1' },
    // A user's newest events (ByUserTime), catalog deltas and erasures (Directory).
    access: { table: 'query', bucket: 'read', indexes: [INDEX.userTime, INDEX.directory] },
  },
  // The training state machine's steps (TRAINING_WORKFLOW); Train stays its small path.
  TrainControl: {
    name: 'TrainControl',
    entry: 'functions/train-steps/control.ts',
    description: 'Training state machine: prepare and partition, evaluate, gate, publish or reject, log failures',
    memoryMb: 3008,
    timeoutSeconds: 900,
    environment: {
      [ENV.keepVersions]: '5',
      [ENV.gateTolerance]: '0.02',
      [ENV.leaseSeconds]: '1800',
      [ENV.distributedMinInteractions]: String(DEFAULT_DISTRIBUTED_MIN_INTERACTIONS),
    },
    // Like Train: its lease and run-log records; the run's scratch (WORKFLOW_PREFIX) is granted by the workflow.
    access: {
      table: 'readWrite',
      bucket: 'readWrite',
      tableWriteLeadingKeys: [keys.lease('*'), keys.runPartition],
      indexes: [INDEX.received, INDEX.receivedEvents, INDEX.directory],
    },
  },
  TrainShard: {
    name: 'TrainShard',
    entry: 'functions/train-steps/shard.ts',
    description: 'Training state machine: solves one ALS shard, or joins a side, in the run scratch',
    memoryMb: 1769,
    timeoutSeconds: 900,
    environment: {},
    // Compute only: the run's scratch objects, never the table or a published model.
    access: { table: 'none', bucket: 'readWrite', indexes: [], bucketPrefix: 'workflow/' },
  },
};

/** Key prefix of a distributed training run's scratch in the model bucket (one folder per run). */
export const WORKFLOW_PREFIX = 'workflow/';

/**
 * The training state machine (shared/workflow/definition.ts): the function behind
 * each role, its map limits, and the shard size. The stack and the local runner read it.
 */
export const TRAINING_WORKFLOW = {
  functions: { single: 'Train', control: 'TrainControl', shard: 'TrainShard' },
  /** Shard Lambdas at once per Distributed Map. */
  maxConcurrency: 100,
  /** Retries of a failed shard (each rewrites only its own output). */
  shardRetries: 2,
  /** Interactions per shard at most: bounds one shard Lambda's work and memory (docs/workflow.md). */
  shardInteractions: 2_000_000,
  /** An execution running longer than this is stopped (and alarms). */
  timeoutHours: 12,
} as const satisfies { functions: Record<'single' | 'control' | 'shard', FunctionName> } & Record<string, unknown>;

export const ROUTES: RouteDef[] = [
  { method: 'POST', path: '/events', function: 'Ingest', auth: 'subject', summary: 'Log 1..100 interaction events' },
  {
    method: 'GET',
    path: '/users/{userId}/events',
    function: 'Ingest',
    auth: 'subject',
    summary: "A user's stored events, newest first",
  },
  {
    method: 'DELETE',
    path: '/users/{userId}',
    function: 'Ingest',
    auth: 'admin',
    summary: "Erase a user's interactions",
  },
  {
    method: 'DELETE',
    path: '/users/{userId}/erasure',
    function: 'Ingest',
    auth: 'admin',
    summary: 'Lift an erasure block (the person consented again)',
  },
  {
    method: 'PUT',
    path: '/users/{userId}/attributes',
    function: 'Ingest',
    auth: 'subject',
    summary: "Store a user's optional attributes (age band, country, interests)",
  },
  {
    method: 'GET',
    path: '/users/{userId}/attributes',
    function: 'Ingest',
    auth: 'subject',
    summary: "A user's stored attributes",
  },
  { method: 'PUT', path: '/items/{itemId}', function: 'Ingest', auth: 'admin', summary: 'Upsert catalog metadata' },
  { method: 'DELETE', path: '/items/{itemId}', function: 'Ingest', auth: 'admin', summary: 'Mark an item unavailable' },
  // Catalog reads on Recommend (read-only table access); docs/rules.md
  { method: 'GET', path: '/items/{itemId}', function: 'Recommend', auth: 'authenticated', summary: 'A catalog record' },
  { method: 'GET', path: '/items', function: 'Recommend', auth: 'admin', summary: 'The catalog, one page at a time' },
  // Business rules (docs/rules.md): admin-managed filters and promotions, written through Ingest
  { method: 'GET', path: '/rules', function: 'Ingest', auth: 'admin', summary: 'Every stored filter and promotion' },
  {
    method: 'PUT',
    path: '/rules/filters/{name}',
    function: 'Ingest',
    auth: 'admin',
    summary: 'Store a named filter expression',
  },
  { method: 'DELETE', path: '/rules/filters/{name}', function: 'Ingest', auth: 'admin', summary: 'Delete a filter' },
  {
    method: 'PUT',
    path: '/rules/promotions/{name}',
    function: 'Ingest',
    auth: 'admin',
    summary: 'Store a promotion: boost, slots or pin',
  },
  {
    method: 'DELETE',
    path: '/rules/promotions/{name}',
    function: 'Ingest',
    auth: 'admin',
    summary: 'Delete a promotion',
  },
  {
    method: 'GET',
    path: '/users/{userId}/recommendations',
    function: 'Recommend',
    auth: 'subject',
    summary: 'Top-k items for a user',
  },
  {
    method: 'POST',
    path: '/users/{userId}/rank',
    function: 'Recommend',
    auth: 'subject',
    summary: 'Rank candidate items for a user',
  },
  {
    method: 'GET',
    path: '/items/{itemId}/similar',
    function: 'Recommend',
    auth: 'authenticated',
    summary: 'Items similar to an item',
  },
  { method: 'GET', path: '/health', function: 'Recommend', auth: 'public', summary: 'Service and model status' },
  {
    method: 'GET',
    path: '/metrics/online',
    function: 'Recommend',
    auth: 'admin',
    summary: 'Online metrics: CTR, conversion, revenue per model version and variant; the A/B report',
  },
  { method: 'GET', path: '/experiments', function: 'Ingest', auth: 'admin', summary: 'Every A/B experiment' },
  {
    method: 'PUT',
    path: '/experiments/{experimentId}',
    function: 'Ingest',
    auth: 'admin',
    summary: 'Create or replace an A/B experiment',
  },
  {
    method: 'GET',
    path: '/experiments/{experimentId}',
    function: 'Ingest',
    auth: 'admin',
    summary: 'An A/B experiment',
  },
  {
    method: 'DELETE',
    path: '/experiments/{experimentId}',
    function: 'Ingest',
    auth: 'admin',
    summary: 'Delete an A/B experiment',
  },
];

/** The retraining schedule (EventBridge expression); the stack lets context override it. */
export const TRAIN_SCHEDULE = 'rate(1 hour)';
/** Local `npm start` retrains this often (minutes) unless told otherwise. */
export const LOCAL_TRAIN_EVERY_MINUTES = 5;

/** Key prefix of model artifacts in the bucket; grants and lifecycle rules are scoped to it. */
export const MODEL_PREFIX = 'models/';

/** Powertools service name and metrics namespace of every function. */
export const SERVICE_NAME = 'attune';
export const METRICS_NAMESPACE = 'Attune';
/** Custom metrics Train emits (EMF, dimension service); the stack's alarms read them. */
export const TRAIN_METRICS = {
  runs: 'TrainingRuns',
  failures: 'TrainingFailures',
  published: 'ModelPublished',
  seconds: 'TrainingSeconds',
  modelAge: 'ModelAgeSeconds',
  /** nDCG@10 of the model a run trained (published or rejected). */
  ndcg10: 'ModelNdcg10',
  /** 1 per run that published or found nothing new (a lease-locked run emits nothing): the staleness alarm. */
  succeeded: 'TrainingSucceeded',
} as const;

/** Custom metrics of the request path (EMF, dimension service); the dashboard and alarms read them. */
export const API_METRICS = {
  eventsAccepted: 'EventsAccepted',
  eventsRejected: 'EventsRejected',
  eventsFailed: 'EventsFailed',
  batchSize: 'EventBatchSize',
  storeLatency: 'StoreLatency',
  answers: 'Answers',
  coreLatency: 'CoreLatency',
  modelRefreshes: 'ModelRefreshes',
  refusedVersions: 'RefusedModelVersions',
  coldStarts: 'ColdStart',
  /** A store answered in a way only a deployment mistake explains (S3 403, missing table): 500 `internal`. */
  misconfigurations: 'Misconfigurations',
} as const;

/** Logical names of the table and bucket; the stack names resources from them. */
export const RESOURCES = { table: 'Interactions', bucket: 'Models' } as const;

/** Values the environment of a function is built from (CDK tokens in the stack, real names locally). */
export interface EnvironmentInputs {
  tableName: string;
  bucketName: string;
  authMode: 'jwt' | 'none';
  adminGroup: string;
}

/**
 * The complete environment of a function: the same call builds it in the
 * stack and in the local runner, so a variable cannot exist in one only.
 */
export function environmentFor(fn: FunctionName, inputs: EnvironmentInputs): Record<string, string> {
  const def = FUNCTIONS[fn];
  return {
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    ...def.environment,
    [ENV.table]: inputs.tableName,
    ...(def.access.bucket !== 'none' ? { [ENV.bucket]: inputs.bucketName, [ENV.modelPrefix]: MODEL_PREFIX } : {}),
    [ENV.authMode]: inputs.authMode,
    [ENV.adminGroup]: inputs.adminGroup,
  };
}
