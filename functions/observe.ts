/**
 * Powertools wiring shared by the three handlers: logger (level and debug
 * sampling from POWERTOOLS_LOG_LEVEL / POWERTOOLS_LOGGER_SAMPLE_RATE, set by
 * the stack), EMF metrics, X-Ray tracer, and hooks that turn what the cores
 * already return or log into metrics — so the cores stay free of metrics code.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import type { ApiResponse, RouteImpl } from '../shared/http/api';
import { API_METRICS as M, METRICS_NAMESPACE, SERVICE_NAME } from '../shared/topology';

export interface Powertools {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

export function powertools(): Powertools {
  return {
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    tracer: new Tracer({ serviceName: SERVICE_NAME }),
  };
}

/**
 * Runs each invocation in its own X-Ray subsegment with the cold-start
 * annotation, counts cold starts, and flushes the metrics the invocation
 * (and any background refresh before it) stored.
 */
export function instrument<E, R>(
  pt: Powertools,
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  let cold = true;
  return async (event, context) => {
    const parent = pt.tracer.getSegment();
    const sub = parent?.addNewSubsegment(`## ${process.env._HANDLER ?? 'handler'}`);
    if (sub) pt.tracer.setSegment(sub);
    pt.tracer.annotateColdStart();
    pt.tracer.addServiceNameAnnotation();
    if (cold) pt.metrics.addMetric(M.coldStarts, MetricUnit.Count, 1);
    cold = false;
    try {
      return await handler(event, context);
    } catch (err) {
      pt.tracer.addErrorAsMetadata(err as Error);
      throw err;
    } finally {
      sub?.close();
      if (parent) pt.tracer.setSegment(parent);
      // Publishing nothing would log a warning line per request (one log line per request is the rule).
      if (pt.metrics.hasStoredMetrics()) pt.metrics.publishStoredMetrics();
    }
  };
}

type Hook = (res: ApiResponse, ms: number) => void;

/** Wraps route implementations so a hook sees each response and its core latency. */
export function observeRoutes(
  impls: Record<string, RouteImpl>,
  hooks: Record<string, Hook>,
): Record<string, RouteImpl> {
  const out: Record<string, RouteImpl> = {};
  for (const [key, impl] of Object.entries(impls)) {
    const hook = hooks[key] ?? hooks['*'];
    out[key] = !hook
      ? impl
      : async (req) => {
          const started = performance.now();
          const res = await impl(req);
          hook(res, performance.now() - started);
          return res;
        };
  }
  return out;
}

/** Times every call of the named async methods of an adapter into one metric. */
export function timed<T extends object>(target: T, methods: (keyof T & string)[], pt: Powertools, metric: string): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function' || !methods.includes(prop as keyof T & string)) return value;
      return async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
        } finally {
          pt.metrics.addMetric(metric, MetricUnit.Milliseconds, performance.now() - started);
        }
      };
    },
  });
}

/** Log messages of the model cache that are also metrics (shared/serving/model-cache.ts). */
const MODEL_LOG_METRICS: [RegExp, string][] = [
  [/^model loaded/, M.modelRefreshes],
  [/refused/, M.refusedVersions],
];

/** True when an error, or any error in its cause chain, is a store misconfiguration (S3 403, missing table). */
function misconfigured(value: unknown): boolean {
  for (let e = value, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as Error).cause, depth++) {
    if ((e as Error).name === 'StoreMisconfiguredError') return true;
  }
  return false;
}

/**
 * The Powertools logger, counting `Misconfigurations` whenever an error line
 * reports a store misconfiguration (shared/http logs the fault's name; jobs
 * and caches log the error itself). The alarm on that metric then names the
 * deployment mistake instead of a generic 5xx rate.
 */
export function observedLogger(pt: Powertools): Logger {
  return new Proxy(pt.logger, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== 'error' && prop !== 'warn') return typeof value === 'function' ? value.bind(target) : value;
      return (message: unknown, ...extra: unknown[]) => {
        const fields = extra[0] as { fault?: unknown; error?: unknown } | undefined;
        if (fields?.fault === 'StoreMisconfiguredError' || misconfigured(fields?.error) || misconfigured(fields)) {
          pt.metrics.addMetric(M.misconfigurations, MetricUnit.Count, 1);
        }
        return (value as (...a: unknown[]) => void).call(target, message, ...extra);
      };
    },
  });
}

/** A logger for the serving service that also counts model refreshes and refused versions. */
export function countingLogger(pt: Powertools): Pick<Logger, 'info' | 'warn' | 'error'> {
  const count = (message: string) => {
    for (const [re, metric] of MODEL_LOG_METRICS)
      if (re.test(message)) pt.metrics.addMetric(metric, MetricUnit.Count, 1);
  };
  const level =
    (name: 'info' | 'warn' | 'error') =>
    (message: string, ...extra: unknown[]) => {
      count(message);
      (observed[name] as (m: string, ...e: unknown[]) => void)(message, ...extra);
    };
  const observed = observedLogger(pt);
  return { info: level('info'), warn: level('warn'), error: level('error') } as Pick<Logger, 'info' | 'warn' | 'error'>;
}
