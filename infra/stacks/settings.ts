/**
 * Deploy-time settings of the Attune stack, read from CDK context (`attune:*`
 * keys in cdk.json, or `-c key=value` on the command line). Every knob the
 * stack has is one zod field here, so a typo or an inconsistent combination
 * fails synth with a message naming the key instead of deploying something surprising.
 */
import type { Construct } from 'constructs';
import { z } from 'zod';
import { TRAIN_SCHEDULE, TRAIN_TIMING, ROUTES, maxTrainBudgetSeconds } from '../../shared/topology';

/** Thrown for a context value that cannot be used; the message names the key. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

const CTX = 'attune:';

/** Retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** CodeDeploy predefined Lambda configurations the stack accepts. */
export const DEPLOYMENT_CONFIGS = ['Canary10Percent5Minutes', 'Linear10PercentEvery1Minute', 'AllAtOnce'] as const;

// `-c key=value` gives strings; cdk.json gives JSON values. Each field accepts both.
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const num = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
    z.number().finite().min(min).max(max),
  );
const str = z.string().transform((s) => s.trim());
const list = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim();
    if (!s.startsWith('[')) return s.split(',');
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return v; // not a list: the array schema names the key
    }
  },
  z.array(z.string()).transform((a) => a.map((x) => x.trim()).filter(Boolean)),
);

/** Per-route limits of the HTTP API stage, requests per second. */
const throttle = z.object({ rate: z.number().min(1), burst: z.number().min(1) }).strict();
const routeKeys = ROUTES.map((r) => `${r.method} ${r.path}`);
const routeThrottles = z.preprocess(
  (v) => (typeof v === 'string' ? JSON.parse(v) : v),
  z.record(z.string(), throttle).superRefine((o, ctx) => {
    for (const k of Object.keys(o)) {
      if (!routeKeys.includes(k))
        ctx.addIssue({ code: 'custom', message: `unknown route "${k}" (routes: ${routeKeys.join(', ')})` });
    }
  }),
);

/**
 * Per-route defaults (a route missing here gets the default-route limits).
 * Rates are per second across all callers (API Gateway has no per-caller
 * limit); they bound what one abusive account can make the functions and the
 * table do, and sit below the account's 10,000 rps default.
 */
export const DEFAULT_ROUTE_THROTTLES: Record<string, { rate: number; burst: number }> = {
  'POST /events': { rate: 200, burst: 400 },
  'GET /users/{userId}/events': { rate: 20, burst: 40 },
  'DELETE /users/{userId}': { rate: 2, burst: 5 },
  'DELETE /users/{userId}/erasure': { rate: 2, burst: 5 },
  'PUT /users/{userId}/attributes': { rate: 20, burst: 50 },
  'GET /users/{userId}/attributes': { rate: 20, burst: 40 },
  'PUT /items/{itemId}': { rate: 20, burst: 50 },
  'DELETE /items/{itemId}': { rate: 20, burst: 50 },
  'GET /users/{userId}/recommendations': { rate: 200, burst: 400 },
  'POST /users/{userId}/rank': { rate: 100, burst: 200 },
  'GET /items/{itemId}/similar': { rate: 100, burst: 200 },
  // catalog reads and business rules (docs/rules.md): admin edits are rare; an item read is an app's
  'GET /items/{itemId}': { rate: 100, burst: 200 },
  'GET /items': { rate: 10, burst: 20 },
  'GET /rules': { rate: 5, burst: 10 },
  'PUT /rules/filters/{name}': { rate: 2, burst: 5 },
  'DELETE /rules/filters/{name}': { rate: 2, burst: 5 },
  'PUT /rules/promotions/{name}': { rate: 2, burst: 5 },
  'DELETE /rules/promotions/{name}': { rate: 2, burst: 5 },
  'GET /health': { rate: 5, burst: 10 },
  // online metrics and A/B experiments (docs/online.md): admin reads and rare edits
  'GET /metrics/online': { rate: 5, burst: 10 },
  'GET /experiments': { rate: 5, burst: 10 },
  'GET /experiments/{experimentId}': { rate: 5, burst: 10 },
  'PUT /experiments/{experimentId}': { rate: 2, burst: 5 },
  'DELETE /experiments/{experimentId}': { rate: 2, burst: 5 },
};

const email = str.refine((s) => s === '' || /^[^@\s]+@[^@\s]+$/.test(s), 'is not an e-mail address');

const SCHEMA = z
  .object({
    /** Stage name; the stack is called `Attune-<stage>`. */
    stage: str.pipe(z.string().regex(/^[A-Za-z0-9-]{1,20}$/, 'must be 1-20 letters, digits or dashes')).default('prod'),
    /** Dev stages only: no authorizer at all and ATTUNE_AUTH_MODE=none. */
    unauthenticated: bool.default(false),
    /** Keep the table, bucket, user pool and log groups when the stack is deleted. */
    retainData: bool.default(true),
    /** Days an interaction is kept (TTL written by Ingest); 0 keeps forever. */
    retentionDays: num(0, 36_500).default(0),
    /** EventBridge schedule expression for retraining: `rate(...)` or `cron(...)`. */
    trainSchedule: str.default(TRAIN_SCHEDULE),
    /** A cron() has no single period; the staleness alarm needs one. */
    trainPeriodMinutes: num(1).optional(),
    // Sized for ~1M interactions: 3008 MB (~1.7 vCPU) and the full 15 minutes.
    trainMemoryMb: num(128, 10_240).default(3008),
    trainTimeoutMinutes: num(1, 15).default(15),
    /** Training budget; default: the most the timeout allows (see TRAIN_TIMING). */
    trainBudgetSeconds: num(1).optional(),
    /** Default-route limits (routes without their own entry). */
    throttleRate: num(1).default(100),
    throttleBurst: num(1).default(200),
    /** Per-route limits, merged over {@link DEFAULT_ROUTE_THROTTLES}. */
    routeThrottles: routeThrottles.default({}),
    /** Browser origins allowed by CORS; empty disables CORS (mobile apps do not need it). */
    corsOrigins: list
      .pipe(
        z.array(z.string().regex(/^(\*|https?:\/\/[^/]+)$/, 'entries must be origins like https://app.example.com')),
      )
      .default([]),
    /** Alarm notifications also go to this address (SNS e-mail subscription); the topic always exists. */
    alarmEmail: email.default(''),
    /** Existing OIDC issuer URL; empty creates a Cognito user pool instead. */
    jwtIssuer: str.refine((s) => s === '' || s.startsWith('https://'), 'must be an https:// URL').default(''),
    /** Accepted `aud` (or `client_id`) values of tokens from {@link jwtIssuer}. */
    jwtAudience: list.default([]),
    /** Cognito mode: group whose members may call admin routes (checked by the handlers). */
    adminGroup: str.default('admin'),
    /** Cognito mode: whether app users may sign themselves up. */
    selfSignUp: bool.default(true),
    /** Cognito mode: sender address verified in SES; empty uses Cognito's default sender (50 e-mails a day). */
    sesFromEmail: email.default(''),
    /** Region of the SES identity; required with sesFromEmail when the stack has no region. */
    sesRegion: str.default(''),
    /** Cognito mode: domain prefix of the hosted token endpoint (client-credentials admin clients). */
    cognitoDomainPrefix: str
      .refine(
        (s) => s === '' || /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(s),
        'must be lowercase letters, digits, dashes',
      )
      .default(''),
    /** Retention of Lambda and API access log groups, in days. */
    logRetentionDays: num(1)
      .refine((n) => LOG_RETENTION_DAYS.includes(n), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`)
      .default(30),
    /** Powertools log level of every function. */
    logLevel: str
      .transform((s) => s.toUpperCase())
      .pipe(z.enum(LOG_LEVELS))
      .default('INFO'),
    /** Share of invocations logged at DEBUG regardless of the level (Powertools sampling). */
    logSampleRate: num(0, 1).default(0),
    /** Staleness alarm: no successful training run (published or nothing new) for this many periods. */
    stalenessPeriods: num(1, 1000).default(3),
    /** API p99 latency alarm threshold, milliseconds. */
    latencyP99Ms: num(1).default(1000),
    /** API 5xx alarm threshold, percent of requests. */
    error5xxPercent: num(0, 100).default(1),
    /** Days a noncurrent (overwritten or deleted) object version is kept in the model bucket. */
    noncurrentVersionDays: num(1).default(30),
    /** Backstop expiry of objects under the model prefix, in days; 0 disables. Train prunes old versions itself. */
    modelExpirationDays: num(0).default(90),
    /** CodeDeploy traffic shifting for Ingest and Recommend. */
    deploymentConfig: z.enum(DEPLOYMENT_CONFIGS).default('Canary10Percent5Minutes'),
    /** Provisioned concurrency of Recommend's live alias; 0 (default) provisions nothing. */
    recommendProvisionedConcurrency: num(0, 1000).pipe(z.number().int()).default(0),
  })
  .strict();

export type AttuneSettings = Omit<
  z.output<typeof SCHEMA>,
  'trainPeriodMinutes' | 'trainBudgetSeconds' | 'routeThrottles'
> & {
  /** Seconds between scheduled runs: parsed from a rate(), or `attune:trainPeriodMinutes` for a cron(). */
  trainPeriodSeconds: number;
  /** Training budget handed to the job: the final fit may run to 1.5× it, after the read. */
  trainBudgetSeconds: number;
  /** Every route's limits: the defaults with the context's entries over them. */
  routeThrottles: Record<string, { rate: number; burst: number }>;
};

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/** Seconds between runs of a `rate(...)` expression, or undefined for anything else. */
export function ratePeriodSeconds(expression: string): number | undefined {
  const m = RATE.exec(expression.trim());
  if (!m) return undefined;
  const unit = m[2].replace(/s$/, '');
  return Number(m[1]) * UNIT_SECONDS[unit];
}

/** The `attune:*` context, keys without the prefix; empty values count as absent. */
function rawContext(scope: Construct): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Every attune:* key, so strict() names a typo instead of ignoring it.
  for (const [k, v] of Object.entries(scope.node.getAllContext())) {
    if (k.startsWith(CTX) && v !== undefined && v !== null && v !== '') out[k.slice(CTX.length)] = v;
  }
  return out;
}

/**
 * Reads and validates every `attune:*` context key.
 * @throws SettingsError naming the key at fault.
 */
export function readSettings(scope: Construct): AttuneSettings {
  let parsed: z.output<typeof SCHEMA>;
  try {
    parsed = SCHEMA.parse(rawContext(scope));
  } catch (e) {
    if (e instanceof SyntaxError) throw new SettingsError(`${CTX}routeThrottles is not valid JSON: ${e.message}`);
    if (!(e instanceof z.ZodError)) throw e;
    const issue = e.issues[0];
    const key = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    throw new SettingsError(`${CTX}${key}: ${issue.message}`);
  }
  const { trainPeriodMinutes, trainBudgetSeconds, routeThrottles: routes, ...s } = parsed;

  let trainPeriodSeconds = ratePeriodSeconds(s.trainSchedule);
  if (trainPeriodSeconds === undefined) {
    if (!/^cron\(.+\)$/.test(s.trainSchedule)) {
      throw new SettingsError(`${CTX}trainSchedule must be rate(N unit) or cron(...), got "${s.trainSchedule}"`);
    }
    if (trainPeriodMinutes === undefined) {
      throw new SettingsError(`${CTX}trainPeriodMinutes is required with a cron() ${CTX}trainSchedule`);
    }
    trainPeriodSeconds = trainPeriodMinutes * 60;
  }
  if (trainPeriodSeconds < 60)
    throw new SettingsError(`${CTX}trainSchedule must not run more often than once a minute`);

  // The job may run to finalFitFactor × budget after the table read, then publishes.
  const timeoutSeconds = s.trainTimeoutMinutes * 60;
  const maxBudget = maxTrainBudgetSeconds(timeoutSeconds);
  if (maxBudget < 1) {
    throw new SettingsError(
      `${CTX}trainTimeoutMinutes=${s.trainTimeoutMinutes} leaves no training time after the ` +
        `${TRAIN_TIMING.reserveSeconds} s reserved for the read and the publish`,
    );
  }
  if (trainBudgetSeconds !== undefined && trainBudgetSeconds > maxBudget) {
    throw new SettingsError(
      `${CTX}trainBudgetSeconds=${trainBudgetSeconds} does not fit ` +
        `${CTX}trainTimeoutMinutes=${s.trainTimeoutMinutes}: ` +
        `${TRAIN_TIMING.finalFitFactor} × budget + ${TRAIN_TIMING.reserveSeconds} s (read and publish) must be ≤ ` +
        `${timeoutSeconds} s, so the budget can be at most ${maxBudget} s`,
    );
  }

  if (parsed.jwtIssuer && parsed.jwtAudience.length === 0) {
    throw new SettingsError(`${CTX}jwtAudience is required with ${CTX}jwtIssuer`);
  }
  return {
    ...s,
    trainPeriodSeconds,
    trainBudgetSeconds: trainBudgetSeconds ?? maxBudget,
    routeThrottles: { ...DEFAULT_ROUTE_THROTTLES, ...routes },
  };
}
