/**
 * P(click) on answers from the artifact's chosen source: a neural model (ALS +
 * ranker over 30 candidates) trained on planted data with metadata, served
 * with its manifest saying `network`, `platt`, or nothing (an old manifest).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NetworkCalibration, networkProbability } from '../../../shared/math/calibration';
import { rankerProbability } from '../../../shared/math/neural/ece';
import type { Model } from '../../../shared/model/types';
import { CatalogCache } from '../../../shared/serving/catalog';
import { ServingCore } from '../../../shared/serving/core';
import { ModelCache } from '../../../shared/serving/model-cache';
import { probabilityFloor } from '../../../shared/serving/probability';
import { probability as platt } from '../../../shared/serving/select';
import { DatasetBuilder } from '../../../shared/training/dataset';
import { trainPipeline } from '../../../shared/training/pipeline';
import { plantedWithMetadata } from '../neural/planted';

function neuralModel(): Model {
  const p = plantedWithMetadata({ users: 200, items: 90, clusters: 4, eventsPerUser: 6, seed: 5, informative: true });
  const b = new DatasetBuilder();
  for (let u = 0; u < p.ui.rows; u++)
    for (let q = p.ui.indptr[u]; q < p.ui.indptr[u + 1]; q++) b.addOne(`u${u}`, `i${p.ui.indices[q]}`, 1, 1000 + q);
  const d = b.build();
  d.side = {
    items: d.itemIds.map((id) => ({
      itemId: id,
      categories: [`k${p.itemCluster[Number(id.slice(1))]}`],
      properties: {},
    })),
  };
  return trainPipeline(d, {
    kind: 'neural',
    params: { als: { factors: 8, iterations: 6 }, candidates: 30, epochs: 3 },
    tune: false,
    budgetSeconds: 60,
    seed: 42,
    split: 'user',
    evaluate: true,
    version: 'v1',
    createdAt: '2026-01-01T00:00:00.000Z',
  }).model;
}

const trained = neuralModel();

/** The trained model served with `source` (undefined: none) and its network map (null: none, as before it existed). */
function serve(source: 'network' | 'platt' | undefined, network?: NetworkCalibration | null) {
  const calibration = { ...trained.manifest.calibration, source };
  if (source === undefined) delete calibration.source;
  if (network === null) delete calibration.network;
  else if (network) calibration.network = network;
  const model: Model = { ...trained, manifest: { ...trained.manifest, calibration } };
  const now = () => Date.parse('2026-06-01T00:00:00Z');
  const models = new ModelCache(
    { latest: async () => ({ status: 'ok', etag: 'e', version: 'v1' }), load: async () => model },
    { refreshSeconds: 60, now },
  );
  const catalog = new CatalogCache({ listCatalog: async () => [] }, { refreshSeconds: 60, now });
  const store = { listUserEvents: async () => ({ events: [], cursor: null }), getErasure: async () => null };
  return new ServingCore({ models, catalog, store, log: () => {}, refreshSeconds: 60, now });
}

const cal = trained.manifest.calibration;
const everyItem = trained.itemIds;

describe('P(click) by the chosen source', () => {
  it('training recorded both ECEs on the same slots and chose the lower', () => {
    expect(trained.manifest.kind).toBe('neural');
    const c = cal.comparison!;
    expect(c.slots).toBeGreaterThan(0);
    expect(c.networkSlots).toBe(c.slots);
    expect(c.platt.bins.reduce((s, b) => s + b.count, 0)).toBe(c.slots);
    expect(c.network.bins.reduce((s, b) => s + b.count, 0)).toBe(c.slots);
    expect(cal.source).toBe(c.network.ece < c.platt.ece ? 'network' : 'platt');
  });

  it('training recorded each network form and the prior its correction used', () => {
    const c = cal.comparison!;
    expect(Object.keys(c.methods!).sort()).toEqual(['platt', 'prior', 'raw']);
    expect(c.prior!.negatives).toBe(4);
    expect(c.prior!.perHistoryItem).toBeGreaterThan(0);
    expect(cal.network!.method).toBeDefined();
    expect(c.methods![cal.network!.method]!.ece).toBe(c.network.ece);
  });

  it('network without a map (manifests before it): the raw P for candidates, Platt outside the top-N', async () => {
    const r = await serve('network', null).rank('u3', everyItem);
    let candidates = 0;
    for (const it of r.items) {
      const own = rankerProbability(it.score!);
      if (own !== null) candidates++;
      expect(it.probability).toBe(own ?? platt(cal, it.score!));
    }
    // 30 candidates among the user's unseen items, the rest fall back to Platt
    expect(candidates).toBe(30);
    expect(r.items.length - candidates).toBeGreaterThan(30);
    const again = await serve('network', null).rank('u3', everyItem);
    expect(again).toEqual(r);
  });

  it("network with a map: each candidate's raw P through it for this user, Platt outside the top-N", async () => {
    const u = trained.userIds.indexOf('u3');
    const user = { history: trained.seenIndptr[u + 1] - trained.seenIndptr[u], candidates: 30 };
    const maps: NetworkCalibration[] = [
      { method: 'prior', negatives: 4, perHistoryItem: 0.2 },
      { method: 'platt', a: 1.4, b: -0.5, negatives: 4, perHistoryItem: 0.2 },
    ];
    for (const m of maps) {
      const r = await serve('network', m).rank('u3', everyItem);
      for (const it of r.items) {
        const own = rankerProbability(it.score!);
        expect(it.probability).toBe(own === null ? platt(cal, it.score!) : networkProbability(m, own, user));
      }
      expect(r.items.some((it) => rankerProbability(it.score!) !== it.probability)).toBe(true);
    }
  });

  it('platt, and an old manifest without a source: Platt for every item', async () => {
    const a = await serve('platt').rank('u3', everyItem);
    const old = await serve(undefined).rank('u3', everyItem);
    expect(old).toEqual(a);
    for (const it of a.items) expect(it.probability).toBe(platt(cal, it.score!));
    // the two sources order the items the same way: only the probabilities differ
    const n = await serve('network').rank('u3', everyItem);
    expect(n.items.map((x) => x.itemId)).toEqual(a.items.map((x) => x.itemId));
    expect(n.items.map((x) => x.probability)).not.toEqual(a.items.map((x) => x.probability));
  });

  it('network: minProbability keeps exactly the best k items whose network P reaches it', async () => {
    for (const m of [null, { method: 'prior', negatives: 4, perHistoryItem: 0.2 } as const, undefined])
      await keepsBestK(serve('network', m));
  });

  async function keepsBestK(core: ServingCore) {
    const all = (await core.rank('u7', everyItem)).items;
    const ps = all.map((x) => x.probability!).filter((_, q) => rankerProbability(all[q].score!) !== null);
    const minP = [...ps].sort((x, y) => x - y)[Math.floor(ps.length / 2)];
    const want = all.filter((x) => x.probability! >= minP).slice(0, 5);
    expect(want.length).toBe(5);
    const r = await core.recommend('u7', { k: 5, minProbability: minP, explore: false });
    expect(r.items.map((x) => [x.itemId, x.probability])).toEqual(want.map((x) => [x.itemId, x.probability]));
  }
});

describe('probabilityFloor', () => {
  const c = { a: 2, b: -1 };
  it('is Platt’s score bound for platt and for an old calibration', () => {
    expect(probabilityFloor(c, 0.5)).toBeCloseTo(0.5, 12);
    expect(probabilityFloor({ ...c, source: 'platt' }, 0.5)).toBeCloseTo(0.5, 12);
    expect(probabilityFloor(c, undefined)).toBe(-Infinity);
  });
  it('is 1 + p for network when Platt cannot reach p below −1, else the lower bound or none', () => {
    expect(probabilityFloor({ ...c, source: 'network' }, 0.5)).toBe(1.5);
    // σ(2s − 1) ≥ 0.01 from s ≈ −1.80: items outside the candidates can qualify
    expect(probabilityFloor({ ...c, source: 'network' }, 0.01)).toBeCloseTo((Math.log(0.01 / 0.99) + 1) / 2, 12);
    expect(probabilityFloor({ a: -1, b: 0, source: 'network' }, 0.5)).toBeNull();
  });

  it('never excludes an item whose served P reaches p, and is exact when only candidates can (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 8, noNaN: true }),
        fc.double({ min: -6, max: 6, noNaN: true }),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: -10, max: -1, noNaN: true }),
        (a, b, p, q, s) => {
          const net = { a, b, source: 'network' as const };
          const floor = probabilityFloor(net, p)!;
          // a candidate scores 1 + q and answers q; an item outside scores s ≤ −1 and answers Platt
          if (q >= p) expect(1 + q).toBeGreaterThanOrEqual(floor);
          if (platt(net, s) >= p) expect(s).toBeGreaterThanOrEqual(floor - 1e-9);
          if (floor === 1 + p) expect(platt(net, s)).toBeLessThan(p);
        },
      ),
    );
  });

  it("with a network map, bounds candidates by the user's raw P₀ where the mapped P reaches p (fast-check)", () => {
    const maps: NetworkCalibration[] = [
      { method: 'prior', negatives: 4, perHistoryItem: 0.25 },
      { method: 'platt', a: 1.5, b: 1.5, negatives: 4, perHistoryItem: 0.25 },
      { method: 'platt', a: 0.8, b: -0.4 },
    ];
    const history = 12;
    const scorer = { scoreAll: () => {}, score: () => 0, probabilityUser: () => ({ history, candidates: 200 }) };
    fc.assert(
      fc.property(
        fc.constantFrom(...maps),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (network, p, q) => {
          // Platt far below p outside the candidates: the bound is the candidates' own
          const cal = { a: 1, b: -40, source: 'network' as const, network };
          const floor = probabilityFloor(cal, p, scorer)!;
          const served = networkProbability(network, q, { history, candidates: 200 });
          if (served >= p) expect(1 + q).toBeGreaterThanOrEqual(floor - 1e-9);
          if (1 + q >= floor + 1e-9) expect(served).toBeGreaterThanOrEqual(p - 1e-9);
        },
      ),
    );
    expect(
      probabilityFloor({ a: 1, b: 0, source: 'network', network: { method: 'platt', a: -1, b: 0 } }, 0.5),
    ).toBeNull();
  });
});
