/**
 * The job's neural gate records the P(click) choice on its holdout: Platt on
 * the ranker pipeline's scores vs the network's P (raw, prior-corrected, Platt on its logit), on the same slots.
 */
import { describe, expect, it } from 'vitest';
import { holdoutScoreHits, networkProbability } from '../../../shared/math/calibration';
import { expectedCalibrationError, rankerProbability } from '../../../shared/math/neural/ece';
import { neuralOverAls } from '../../../shared/model/kinds/neural';
import { crossFittedPlatt } from '../../../shared/training/calibration-choice';
import { DatasetBuilder } from '../../../shared/training/dataset';
import { evaluateFitted, makeHoldout } from '../../../shared/training/evaluate';
import { fitKind } from '../../../shared/training/fit';
import { gateNeural } from '../../../shared/training/neural-gate';
import { plantedWithMetadata } from '../neural/planted';

describe('gateNeural calibration', () => {
  it('measures Platt and the network P on the same top-10 slots and serves the lower ECE', () => {
    const p = plantedWithMetadata({ users: 200, items: 90, clusters: 4, eventsPerUser: 6, seed: 9, informative: true });
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
    const h = makeHoldout(d, 'user', 42);
    const als = fitKind('als', { factors: 8, iterations: 6, seed: 42 }, h.train, d);
    const g = gateNeural(d, h, als, evaluateFitted(als, d, h, 10).metrics);
    const c = g.calibration.comparison!;
    // every holdout user with train items has 10 slots, all among the ranker's 200 candidates
    expect(c.slots).toBe(10 * h.evalUsers);
    expect(c.networkSlots).toBe(c.slots);
    expect(g.calibration.source).toBe(c.network.ece < c.platt.ece ? 'network' : 'platt');
    // the network's side is the best of its three forms, each on the same slots
    const m = c.methods!;
    expect(Object.keys(m).sort()).toEqual(['platt', 'prior', 'raw']);
    expect(c.network.ece).toBe(Math.min(m.raw!.ece, m.prior!.ece, m.platt!.ece));
    expect(m[g.calibration.network!.method]!.ece).toBe(c.network.ece);
    // the network side is the ECE of exactly the served P of those slots
    // the gate's ranker fitted again (same seed, same data: the fit is deterministic)
    const { ranker } = neuralOverAls({ ui: h.train, userIds: d.userIds, itemIds: d.itemIds, side: d.side }, als, 42);
    const sh = holdoutScoreHits(h.train, h.test, (u, out) => ranker.scoreUser(u, out), 10);
    const own = Array.from(sh.scores, (s) => rankerProbability(s)!);
    expect(m.raw!.ece).toBeCloseTo(expectedCalibrationError(own, sh.hits), 5);
    // the prior correction from the ranker's own training, per user as serving sees them
    expect(c.prior).toEqual(ranker.prior);
    const prior = { method: 'prior' as const, ...ranker.prior! };
    const corrected = own.map((p, t) => {
      const history = h.train.indptr[sh.users[t] + 1] - h.train.indptr[sh.users[t]];
      return networkProbability(prior, p, { history, candidates: Math.min(200, h.train.cols - history) });
    });
    expect(m.prior!.ece).toBeCloseTo(expectedCalibrationError(corrected, sh.hits), 5);
    expect(c.platt.ece).toBeCloseTo(expectedCalibrationError(crossFittedPlatt(sh), sh.hits), 5);
  }, 20_000);
});
