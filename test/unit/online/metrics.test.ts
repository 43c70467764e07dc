/**
 * The online job's CloudWatch metrics as the EMF lines Powertools prints
 * (functions/online/emit.ts over shared/online/metrics.ts): run counts, and the
 * exposure levels per newest model versions and variants, dimensions bounded.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { emitOnlineMetrics } from '../../../functions/online/emit';
import type { Interaction } from '../../../shared/events';
import { emptyState, foldEvents } from '../../../shared/online/aggregate';
import { EXPOSURE_METRICS, MAX_VARIANT_DIMENSIONS, MAX_VERSION_DIMENSIONS } from '../../../shared/online/metrics';
import { buildReport } from '../../../shared/online/report';
import { servedItemCatalog } from '../../../shared/online/served-catalog';
import { loadConfig } from '../../../shared/config';
import { readLatest, readManifest } from '../../../shared/model/repository';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { runTrainingJob } from '../../../shared/training/job';
import { syntheticInteractions } from '../training/data';

const T = Date.UTC(2026, 10, 30, 12);
let seq = 0;
const impression = (answer: number, itemId: string, position: number, modelVersion: string, variant: string) =>
  ({
    eventId: `i${String(++seq).padStart(6, '0')}`,
    userId: `u${answer}`,
    itemId,
    type: 'impression',
    timestamp: T + 1,
    receivedAt: T + 1,
    recommendationId: `0190a000-0000-7000-8000-${String(answer).padStart(12, '0')}`,
    modelVersion,
    variant,
    position,
  }) as Interaction;

interface Emf {
  _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [k: string]: unknown;
}

/** Every EMF document printed while `f` runs and the metrics are flushed. */
function emitted(f: (m: Metrics) => void): Emf[] {
  const lines: string[] = [];
  // the tests' environment may set POWERTOOLS_DEV (metrics off, printed through the global console)
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(a.map(String).join(' '));
  });
  try {
    const m = new Metrics({ namespace: 'Attune', serviceName: 'attune' });
    f(m);
    m.publishStoredMetrics();
  } finally {
    spy.mockRestore();
    vi.unstubAllEnvs();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Emf);
}

/** name → [dimension value or 'total', value] for the exposure metrics. */
function exposureSeries(docs: Emf[]) {
  const out: [string, string, number][] = [];
  for (const d of docs) {
    const names = d._aws.CloudWatchMetrics.flatMap((c) => c.Metrics.map((x) => x.Name));
    const dims = d._aws.CloudWatchMetrics[0].Dimensions[0];
    const dim = dims.find((x) => x !== 'service');
    for (const n of names)
      if ((Object.values(EXPOSURE_METRICS) as string[]).includes(n))
        out.push([n, dim ? `${dim}=${String(d[dim])}` : 'total', d[n] as number]);
  }
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('online exposure metrics', () => {
  it('publishes Gini, coverage and long-tail share in total, per model version and per variant', () => {
    const state = emptyState(T);
    // answer 1 (v1, control) shows a, b; answer 2 (v1, diverse) shows a, c, d; catalog of 8 items
    const events = [
      impression(1, 'a', 1, 'v1', 'ab:control'),
      impression(1, 'b', 2, 'v1', 'ab:control'),
      impression(2, 'a', 1, 'v1', 'ab:diverse'),
      impression(2, 'c', 2, 'v1', 'ab:diverse'),
      impression(2, 'd', 3, 'v1', 'ab:diverse'),
    ];
    const delta = foldEvents(state, events, T + 2);
    const report = buildReport(state, null, null, { itemIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] });
    const series = exposureSeries(emitted((m) => emitOnlineMetrics(m, delta, report)));
    const get = (name: string, where: string) => series.find(([n, w]) => n === name && w === where)?.[2];
    // 4 of 8 items shown: coverage by hand
    expect(get('OnlineExposureCoverage', 'total')).toBe(0.5);
    expect(get('OnlineExposureCoverage', 'variant=ab:control')).toBe(0.25);
    expect(get('OnlineExposureCoverage', 'variant=ab:diverse')).toBe(0.375);
    expect(get('OnlineExposureCoverage', 'modelVersion=v1')).toBe(0.5);
    expect(get('OnlineExposureGini', 'total')).toBe(report.totals.exposure!.gini);
    expect(get('OnlineExposureGini', 'total')).toBeGreaterThan(0);
    expect(get('OnlineLongTailShare', 'variant=ab:diverse')).toBe(report.byVariant[1].exposure!.longTail);
    expect(series).toHaveLength(3 * 4);
  });

  it('bounds the dimensions: the 3 newest versions, the 10 busiest variants; the counts stay as they were', () => {
    const state = emptyState(T);
    const events: Interaction[] = [];
    for (let n = 0; n < 12; n++) {
      const version = `20261130T${String(n).padStart(2, '0')}0000Z-aaaaaa`;
      // variant n shows n + 1 items, so the busiest are the last ten
      for (let p = 1; p <= n + 1; p++) events.push(impression(n, `i${p}`, p, version, `ab:v${n}`));
    }
    const delta = foldEvents(state, events, T + 2);
    const report = buildReport(state, null, null, { itemIds: Array.from({ length: 20 }, (_, i) => `i${i + 1}`) });
    const docs = emitted((m) => emitOnlineMetrics(m, delta, report));
    const where = new Set(exposureSeries(docs).map(([, w]) => w));
    const versions = [...where].filter((w) => w.startsWith('modelVersion='));
    const variants = [...where].filter((w) => w.startsWith('variant='));
    expect(versions.sort()).toEqual(['09', '10', '11'].map((h) => `modelVersion=20261130T${h}0000Z-aaaaaa`));
    expect(versions).toHaveLength(MAX_VERSION_DIMENSIONS);
    expect(variants).toHaveLength(MAX_VARIANT_DIMENSIONS);
    expect(variants).not.toContain('variant=ab:v0');
    expect(variants).not.toContain('variant=ab:v1');
    // the run's counts: totals and per variant, as before
    const impressions = docs.filter((d) => 'OnlineImpressions' in d && !('variant' in d));
    expect(impressions.map((d) => d.OnlineImpressions)).toEqual([events.length]);
  });

  it('publishes no exposure without a report (nothing served yet), the counts still', () => {
    const docs = emitted((m) => emitOnlineMetrics(m, new Map(), null));
    expect(exposureSeries(docs)).toEqual([]);
    expect(docs.some((d) => d.OnlineImpressions === 0)).toBe(true);
  });
});

describe('servedItemCatalog', () => {
  it("reads the latest model's item ids, null before a publish, refuses a file that differs from the manifest", async () => {
    const models = new MemoryModelStore();
    expect(await servedItemCatalog(models, 'models/')).toBeNull();
    const store = new MemoryTrainingStore(syntheticInteractions());
    const config = loadConfig({ ATTUNE_TABLE: 't', ATTUNE_TRAIN_BUDGET_SECONDS: '5', ATTUNE_TUNE: 'false' });
    const logger = { info: () => {}, warn: () => {} };
    expect((await runTrainingJob({ store, models, prefix: 'models/', config, logger })).decision).toBe('published');
    const latest = await readLatest(models, 'models/');
    const manifest = await readManifest(models, 'models/', (latest as { version: string }).version);
    const got = await servedItemCatalog(models, 'models/');
    expect(got?.itemIds).toHaveLength(manifest.counts.items);
    await models.put(`models/${manifest.version}/item_ids.json`, Buffer.from('["x"]'));
    await expect(servedItemCatalog(models, 'models/')).rejects.toThrow(/item_ids.json/);
  }, 30_000);
});
