/** The handlers' metric hooks (functions/observe.ts), without Lambda: what each hook counts. */
import { describe, expect, it } from 'vitest';
import {
  countingLogger,
  observedLogger,
  observeRoutes,
  powertools as makePowertools,
  type powertools,
  timed,
} from '../../functions/observe';
import { StoreMisconfiguredError } from '../../shared/ports/interactions';
import { API_METRICS as M } from '../../shared/topology';

/** Powertools with its log lines silenced (they are asserted through the metrics). */
function quiet(): ReturnType<typeof powertools> {
  const pt = makePowertools();
  pt.logger.setLogLevel('SILENT');
  return pt;
}

/** Metric name → stored values, read from the EMF document Powertools would print. */
function stored(pt: ReturnType<typeof powertools>): Record<string, unknown> {
  const doc = pt.metrics.serializeMetrics() as unknown as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
  };
  const names = doc._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name));
  return Object.fromEntries(names.map((n) => [n, doc[n]]));
}

describe('metric hooks', () => {
  it('counts model refreshes and refused versions from the model cache log lines, and still logs them', () => {
    const pt = quiet();
    const log = countingLogger(pt);
    log.info('model loaded', { version: 'v2' });
    log.error('model version refused (corrupt); serving the current model', { version: 'v3' });
    log.warn('model check failed; serving the current model', {});
    expect(stored(pt)).toEqual({ [M.modelRefreshes]: 1, [M.refusedVersions]: 1 });
  });

  it('counts a store misconfiguration however the error line names it, and nothing else', () => {
    const pt = quiet();
    const log = observedLogger(pt);
    log.error('request', { route: 'POST /events', status: 500, fault: 'StoreMisconfiguredError' });
    log.error('training failed', { error: new Error('wrapped', { cause: new StoreMisconfiguredError('S3 403') }) });
    log.error('request', { route: 'POST /events', status: 500, fault: 'TypeError' });
    log.warn('request', { route: 'GET /health', status: 503, fault: 'model_unavailable' });
    expect(stored(pt)).toEqual({ [M.misconfigurations]: [1, 1] });
  });

  it('sees each route response and times the store writes', async () => {
    const pt = quiet();
    const seen: number[] = [];
    const routes = observeRoutes(
      { 'GET /a': async () => ({ status: 200 }), 'GET /b': async () => ({ status: 404 }) },
      { 'GET /a': (res) => seen.push(res.status) },
    );
    await routes['GET /a']({} as never);
    await routes['GET /b']({} as never);
    expect(seen).toEqual([200]);
    const store = timed({ putEvents: async (n: number) => n * 2, other: () => 1 }, ['putEvents'], pt, M.storeLatency);
    expect(await store.putEvents(21)).toBe(42);
    expect(store.other()).toBe(1);
    expect(Object.keys(stored(pt))).toEqual([M.storeLatency]);
  });
});
