import { describe, expect, it } from 'vitest';
import { generateSynthetic } from '../../../shared/math/synthetic';
import { buildInteractionMatrix } from '../../../shared/math/interactions';
import { holdoutSplit } from '../../../shared/math/hpo';
import { evaluateRanking } from '../../../shared/math/metrics';
import { popularityFromCsr } from '../../../shared/math/popularity';
import {
  BLEND_MARGIN,
  chooseKind,
  defaultEaseLambdas,
  fitSelection,
  selectModel,
  type SelectOptions,
} from '../../../shared/training/select-model';
import { fitKind } from '../../../shared/training/fit';
import { Rng } from '../../../shared/math/rng';
import { csrFromTriples } from '../../../shared/math/csr';
import { DEFAULT_ALS_PARAMS, alsDefaultsFor } from '../../../shared/math/als';
import { plantedWithMetadata } from '../neural/planted';

const d = generateSynthetic({ users: 300, items: 150, clusters: 5, eventsPerUser: 15, seed: 12 });
const m = buildInteractionMatrix(d.triples).matrix;
const { fit: train, valid: test } = holdoutSplit(m, 0.8, 99, 'user');
const plan: SelectOptions = {
  seed: 3,
  budgetSeconds: 600,
  splits: 1,
  alsTrials: 3,
  alsFactors: [16],
  easeLambdas: [5, 40],
};

describe('selectModel', () => {
  const sel = selectModel(train, plan);

  it('tries ALS, EASE and their blend and picks the best validation score, saying why', () => {
    expect(sel.candidates.map((c) => c.kind)).toEqual(['als', 'ease', 'blend', 'als-pair']);
    const [als, ease, blend] = sel.candidates.map((c) => c.validation!);
    const single = Math.max(als, ease);
    const want = blend > single * (1 + BLEND_MARGIN) ? 'blend' : als >= ease ? 'als' : 'ease';
    // an ALS win goes on to the pair's gate (its own test file): served as als-pair when the pair wins there
    const pair = sel.candidates[3];
    if (want === 'als') {
      const [, alone, both] = /ALS alone ([\d.]+), pair ([\d.]+)/.exec(pair.note!)!.map(Number);
      expect(sel.kind).toBe(both > alone ? 'als-pair' : 'als');
    } else expect(sel.kind).toBe(want);
    if (want !== 'als') expect(pair.note).toMatch(/^not tried: it pairs the ALS winner/);
    const v = sel.candidates.find((c) => c.kind === want)!.validation!;
    expect(sel.reason).toContain(`${want} wins with mean validation nDCG@10 ${v.toFixed(4)}`);
    expect([5, 40]).toContain(sel.candidates[1].params.lambda);
    if (sel.kind === 'blend') expect(sel.weight).toBeGreaterThan(0);
  });

  it('the blend must clear its margin over the best single kind; without a margin the top score wins', () => {
    const blend = sel.candidates[2].validation!;
    const single = Math.max(sel.candidates[0].validation!, sel.candidates[1].validation!);
    const eager = selectModel(train, { ...plan, blendMargin: 0 });
    expect(eager.kind).toBe(
      blend > single ? 'blend' : sel.candidates[0].validation! >= sel.candidates[1].validation! ? 'als' : 'ease',
    );
    const never = selectModel(train, { ...plan, blendMargin: 1 });
    expect(never.kind).not.toBe('blend');
    if (blend > single) expect(never.reason).toContain('margin it must clear');
  });

  it('is deterministic for a seed (work is counted, not timed)', () => {
    const again = selectModel(train, plan);
    expect(again.kind).toBe(sel.kind);
    expect(again.candidates.map((c) => c.validation)).toEqual(sel.candidates.map((c) => c.validation));
  });

  it('the refit winner beats popularity on held-out data', () => {
    const fitted = fitSelection(train, sel);
    const pop = popularityFromCsr(train);
    const ours = evaluateRanking(train, test, fitted.score, 10).ndcg;
    expect(ours).toBeGreaterThan(1.3 * evaluateRanking(train, test, (_, out) => out.set(pop), 10).ndcg);
  });

  it('does not offer EASE (nor the blend) above the catalog limit, and says so', () => {
    const capped = selectModel(train, { ...plan, maxEaseItems: 100 });
    expect(['als', 'als-pair']).toContain(capped.kind);
    expect(capped.candidates.map((c) => c.kind)).toEqual(['als', 'ease', 'als-pair']);
    expect(capped.candidates[1].validation).toBeNull();
    expect(capped.candidates[1].note).toMatch(/not offered: \d+ items > 100/);
  });

  it('restricted to one kind, returns that kind', () => {
    const only = selectModel(train, { ...plan, kinds: ['ease'] });
    expect(only.kind).toBe('ease');
    expect(only.als).toBeUndefined();
  });

  it('centres the λ ladder on 5 × the mean item count', () => {
    expect(
      defaultEaseLambdas({
        rows: 2,
        cols: 2,
        indptr: Int32Array.from([0, 2, 4]),
        indices: new Int32Array(4),
        data: new Float32Array(4),
      }),
    ).toEqual([2.5, 5, 10, 20, 40]);
  });

  it('chooseKind returns the registered kind and params that fit it, and a manifest record', () => {
    for (const kinds of [['als'], ['ease'], ['blend']] as const) {
      const c = chooseKind(train, { ...plan, kinds: [...kinds] });
      expect(c.kind).toBe(kinds[0]);
      const ids = {
        userIds: Array.from({ length: train.rows }, (_, u) => `u${u}`),
        itemIds: Array.from({ length: train.cols }, (_, i) => `i${i}`),
      };
      const fitted = fitKind(c.kind, c.params, train, ids);
      expect(fitted.kind).toBe(kinds[0]);
      const out = new Float32Array(train.cols);
      fitted.user(0).scoreAll(out);
      expect(out.every(Number.isFinite)).toBe(true);
      expect((c.tuning.auto as { reason: string }).reason).toContain(`${kinds[0]} wins with`);
    }
  });

  it('says in the record when the clock, not the plan, ended the λ ladder', () => {
    const r = selectModel(train, { ...plan, budgetSeconds: 1e-6, kinds: ['ease'] });
    const ease = r.candidates.find((c) => c.kind === 'ease')!;
    expect(ease.note).toMatch(/λ tried 5:0\.\d{4} \(the clock safety stop ended the ladder after 1 of its points\)/);
    expect(sel.candidates[1].note).not.toContain('clock');
  });

  it('fixed ALS parameters skip the tuner and are what the ALS candidate carries', () => {
    const fixed = { ...DEFAULT_ALS_PARAMS, factors: 8, iterations: 5 };
    const r = selectModel(train, { ...plan, alsParams: fixed, kinds: ['als'] });
    expect(r.candidates[0].note).toBe('0 tuning trials');
    expect(r.als).toEqual(fixed);
  });

  it('chooses EASE where the structure is item-to-item (bought-together pairs) rather than low rank', () => {
    // items 2p and 2p + 1 come together: ~60 independent pairs, more than 16 factors can hold, exact for EASE
    const rng = new Rng(4);
    const r: number[] = [];
    const c: number[] = [];
    for (let u = 0; u < 600; u++) {
      const seen = new Set<number>();
      for (let e = 0; e < 6; e++) {
        const p = rng.int(60);
        for (const i of [2 * p, 2 * p + 1]) if (rng.next() < 0.9 && !seen.has(i)) seen.add(i), r.push(u), c.push(i);
      }
    }
    const pairs = csrFromTriples(600, 120, r, c, new Float32Array(r.length).fill(1));
    const { fit, valid } = holdoutSplit(pairs, 0.8, 5, 'user');
    const chosen = selectModel(fit, { ...plan, alsFactors: [16], easeLambdas: [5, 20] });
    expect(chosen.kind).toBe('ease');
    const [als, ease] = chosen.candidates.map((x) => x.validation!);
    expect(ease).toBeGreaterThan(1.5 * als);
    // and it holds on data the choice never saw
    const onTest = (kind: 'als' | 'ease') =>
      evaluateRanking(
        fit,
        valid,
        fitSelection(fit, {
          kind,
          als: chosen.candidates[0].params as never,
          ease: chosen.candidates[1].params as never,
        }).score,
        10,
      ).ndcg;
    expect(onTest('ease')).toBeGreaterThan(onTest('als'));
  });
});

describe('the neural ranker on top of the winner', () => {
  const gated = (informative: boolean, eventsPerUser: number, kinds: SelectOptions['kinds']) => {
    const { ui, meta } = plantedWithMetadata({
      users: 800,
      items: 400,
      clusters: 8,
      eventsPerUser,
      seed: 3,
      informative,
    });
    const { fit } = holdoutSplit(ui, 0.75, 42, 'user');
    const als = { ...alsDefaultsFor({ rows: fit.rows, cols: fit.cols, nnz: fit.indptr[fit.rows] }), factors: 16 };
    return chooseKind(fit, { ...plan, seed: 7, alsParams: als, kinds, ranker: { meta } });
  };

  it('serves ALS + ranker when it wins the gate on a split of the training data, and records both numbers', () => {
    const c = gated(true, 5, ['als']);
    expect(c.kind).toBe('neural');
    expect((c.params.als as { factors: number }).factors).toBe(16);
    const auto = c.tuning.auto as { reason: string; candidates: { kind: string; validation: number; note: string }[] };
    const n = auto.candidates.find((x) => x.kind === 'neural')!;
    expect(n.note).toMatch(/ALS alone 0\.\d{4}, ALS \+ ranker 0\.\d{4}/);
    expect(auto.reason).toContain('neural ranker served on top');
  });

  it('keeps ALS alone where the ranker does not win, and does not try it on top of EASE', () => {
    const c = gated(false, 20, ['als']);
    expect(c.kind).toBe('als');
    expect((c.tuning.auto as { reason: string }).reason).toContain('neural ranker not served');
    const e = gated(true, 5, ['ease']);
    expect(e.kind).toBe('ease');
    expect((e.tuning.auto as { reason: string }).reason).toContain('re-ranks ALS candidates and ease won');
  });
});
