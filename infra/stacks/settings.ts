/**
 * Deploy-time settings of the Attune stack, read from CDK context (`attune:*`
 * keys in cdk.json, or `-c key=value` on the command line). Every knob the
 * stack has is listed here, typed and validated once, so a typo fails synth
 * with a message naming the key instead of deploying something surprising.
 */
import type { Construct } from 'constructs';
import { TRAIN_SCHEDULE } from '../../shared/topology';

/** All context settings, with the defaults the stack uses when a key is absent. */
export interface AttuneSettings {
  /** Stage name; the stack is called `Attune-<stage>`. */
  stage: string;
  /** Dev stages only: no authorizer at all and ATTUNE_AUTH_MODE=none. */
  unauthenticated: boolean;
  /** Keep the table, bucket, user pool and log groups when the stack is deleted. */
  retainData: boolean;
  /** Days an interaction is kept (TTL written by Ingest); 0 keeps forever. */
  retentionDays: number;
  /** EventBridge schedule expression for retraining: `rate(...)` or `cron(...)`. */
  trainSchedule: string;
  /** Seconds between scheduled runs: parsed from a rate(), or `attune:trainPeriodMinutes` for a cron(). */
  trainPeriodSeconds: number;
  trainMemoryMb: number;
  trainTimeoutMinutes: number;
  throttleRate: number;
  throttleBurst: number;
  /** Browser origins allowed by CORS; empty disables CORS (mobile apps do not need it). */
  corsOrigins: string[];
  /** Alarm notifications go to this address (SNS email subscription); empty creates no topic. */
  alarmEmail: string;
  /** Existing OIDC issuer URL; empty creates a Cognito user pool instead. */
  jwtIssuer: string;
  /** Accepted `aud` (or `client_id`) values of tokens from {@link jwtIssuer}. */
  jwtAudience: string[];
  /** Cognito mode: group whose members may call admin routes (checked by the handlers). */
  adminGroup: string;
  /** Cognito mode: whether app users may sign themselves up. */
  selfSignUp: boolean;
  /** Retention of Lambda and API access log groups, in days. */
  logRetentionDays: number;
  /** Model staleness alarm fires when the served model is older than this many schedule periods. */
  stalenessPeriods: number;
  /** API p99 latency alarm threshold, milliseconds. */
  latencyP99Ms: number;
  /** API 5xx alarm threshold, percent of requests. */
  error5xxPercent: number;
  /** Days a noncurrent (overwritten or deleted) object version is kept in the model bucket. */
  noncurrentVersionDays: number;
  /** Backstop expiry of objects under the model prefix, in days; 0 disables. Train prunes old versions itself. */
  modelExpirationDays: number;
}

type ContextReader = Pick<Construct['node'], 'tryGetContext'>;

/** Thrown for a context value that cannot be used; the message names the key. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

const CTX = 'attune:';

function raw(node: ContextReader, key: string): unknown {
  const v: unknown = node.tryGetContext(CTX + key);
  return v === null || v === '' ? undefined : v;
}

function bool(node: ContextReader, key: string, fallback: boolean): boolean {
  const v = raw(node, key);
  if (v === undefined) return fallback;
  // `-c key=true` arrives as a string; cdk.json gives a real boolean.
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new SettingsError(`${CTX}${key} must be true or false, got ${JSON.stringify(v)}`);
}

function num(node: ContextReader, key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = raw(node, key);
  if (v === undefined) return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new SettingsError(`${CTX}${key} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return n;
}

function str(node: ContextReader, key: string, fallback: string): string {
  const v = raw(node, key);
  if (v === undefined) return fallback;
  if (typeof v !== 'string') throw new SettingsError(`${CTX}${key} must be a string, got ${JSON.stringify(v)}`);
  return v.trim();
}

function list(node: ContextReader, key: string): string[] {
  const v = raw(node, key);
  if (v === undefined) return [];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.map((x) => x.trim()).filter(Boolean);
  // From the command line: a JSON array or a comma-separated list.
  if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('[')) {
      try {
        return list({ tryGetContext: () => JSON.parse(s) as unknown }, key);
      } catch (e) {
        if (e instanceof SettingsError) throw e;
        throw new SettingsError(`${CTX}${key} is not a valid JSON array: ${s}`);
      }
    }
    return s.split(',').map((x) => x.trim()).filter(Boolean);
  }
  throw new SettingsError(`${CTX}${key} must be a list of strings, got ${JSON.stringify(v)}`);
}

/** Retention periods CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/** Seconds between runs of a `rate(...)` expression, or undefined for anything else. */
export function ratePeriodSeconds(expression: string): number | undefined {
  const m = RATE.exec(expression.trim());
  if (!m) return undefined;
  const unit = m[2].replace(/s$/, '');
  return Number(m[1]) * UNIT_SECONDS[unit];
}

/**
 * Reads and validates every `attune:*` context key.
 * @throws SettingsError naming the key at fault.
 */
export function readSettings(scope: Construct): AttuneSettings {
  const node = scope.node;
  const trainSchedule = str(node, 'trainSchedule', TRAIN_SCHEDULE);
  let trainPeriodSeconds = ratePeriodSeconds(trainSchedule);
  if (trainPeriodSeconds === undefined) {
    if (!/^cron\(.+\)$/.test(trainSchedule)) {
      throw new SettingsError(`${CTX}trainSchedule must be rate(N unit) or cron(...), got "${trainSchedule}"`);
    }
    // A cron has no single period; the staleness alarm needs one, so ask for it.
    const minutes = num(node, 'trainPeriodMinutes', Number.NaN, 1);
    if (Number.isNaN(minutes)) {
      throw new SettingsError(`${CTX}trainPeriodMinutes is required with a cron() ${CTX}trainSchedule`);
    }
    trainPeriodSeconds = minutes * 60;
  }
  if (trainPeriodSeconds < 60) throw new SettingsError(`${CTX}trainSchedule must not run more often than once a minute`);

  const jwtIssuer = str(node, 'jwtIssuer', '');
  const jwtAudience = list(node, 'jwtAudience');
  if (jwtIssuer && !jwtIssuer.startsWith('https://')) {
    throw new SettingsError(`${CTX}jwtIssuer must be an https:// URL, got "${jwtIssuer}"`);
  }
  if (jwtIssuer && jwtAudience.length === 0) {
    throw new SettingsError(`${CTX}jwtAudience is required with ${CTX}jwtIssuer`);
  }
  const corsOrigins = list(node, 'corsOrigins');
  for (const o of corsOrigins) {
    if (o !== '*' && !/^https?:\/\/[^/]+$/.test(o)) {
      throw new SettingsError(`${CTX}corsOrigins entries must be origins like https://app.example.com, got "${o}"`);
    }
  }
  const alarmEmail = str(node, 'alarmEmail', '');
  if (alarmEmail && !/^[^@\s]+@[^@\s]+$/.test(alarmEmail)) {
    throw new SettingsError(`${CTX}alarmEmail is not an e-mail address: "${alarmEmail}"`);
  }
  const stage = str(node, 'stage', 'prod');
  if (!/^[A-Za-z0-9-]{1,20}$/.test(stage)) throw new SettingsError(`${CTX}stage must be 1-20 letters, digits or dashes`);

  const logRetentionDays = num(node, 'logRetentionDays', 30, 1);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new SettingsError(`${CTX}logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${logRetentionDays}`);
  }

  return {
    stage,
    unauthenticated: bool(node, 'unauthenticated', false),
    retainData: bool(node, 'retainData', true),
    retentionDays: num(node, 'retentionDays', 0, 0, 36_500),
    trainSchedule,
    trainPeriodSeconds,
    // Sized for ~1M interactions: 3008 MB (~1.7 vCPU) and the full 15 minutes.
    trainMemoryMb: num(node, 'trainMemoryMb', 3008, 128, 10_240),
    trainTimeoutMinutes: num(node, 'trainTimeoutMinutes', 15, 1, 15),
    throttleRate: num(node, 'throttleRate', 100, 1),
    throttleBurst: num(node, 'throttleBurst', 200, 1),
    corsOrigins,
    alarmEmail,
    jwtIssuer,
    jwtAudience,
    adminGroup: str(node, 'adminGroup', 'admin'),
    selfSignUp: bool(node, 'selfSignUp', true),
    logRetentionDays,
    stalenessPeriods: num(node, 'stalenessPeriods', 3, 1, 1000),
    latencyP99Ms: num(node, 'latencyP99Ms', 1000, 1),
    error5xxPercent: num(node, 'error5xxPercent', 1, 0, 100),
    noncurrentVersionDays: num(node, 'noncurrentVersionDays', 30, 1),
    modelExpirationDays: num(node, 'modelExpirationDays', 90, 0),
  };
}
