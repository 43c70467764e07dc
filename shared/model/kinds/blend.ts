/**
 * Blend of ALS and EASE (shared/math/blend.ts): score = w·z(ALS) + (1 − w)·z(EASE),
 * each side standardized over the catalog per user. The artifact carries both:
 * ALS's factors and fold-in parameters in the common fields, EASE's weights as
 * its own file. Fold-in is ALS's exact user step plus EASE's free row × B;
 * explanations come from the EASE side (the history items whose rows of B
 * carry the score), similar items from both sides' standardized similarities.
 * Chosen and weighted on validation by shared/training/select-model.ts.
 */
import { alsDefaultsFor } from '../../math/als';
import { EASE_MAX_ITEMS } from '../../math/ease';
import { selectModel } from '../../training/select-model';
import type { Model } from '../types';
import { als } from './als';
import { type FittedEase, ease, easeLambdaFor } from './ease';
import type { Capabilities, FittedModel, KindArtifact, KindSpec, LoadOptions } from './kind';
import { FittedMix } from './mix';

const CAPABILITIES: Capabilities = {
  personalized: true,
  foldIn: true,
  similarItems: true,
  explain: true,
  ratings: false,
};

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

class FittedBlend extends FittedMix {
  readonly kind = 'blend';

  constructor(
    a: FittedModel,
    private readonly e: FittedEase,
    params: Record<string, unknown>,
  ) {
    super(a, e, typeof params.weight === 'number' ? params.weight : 0.5, 'b', CAPABILITIES, params);
  }

  artifact(): KindArtifact {
    return { ...this.a.artifact(), parts: this.e.artifact().parts };
  }
}

/** The ALS and EASE halves of blend params ({ weight, als: {...}, ease: {...} }). */
function halves(params: Record<string, unknown>) {
  return { als: obj(params.als), ease: obj(params.ease) };
}

export const blend: KindSpec = {
  kind: 'blend',
  description: `ALS + EASE blend, weight chosen on validation: personalized, fold-in, similar, explanations; ≤ ${EASE_MAX_ITEMS} items`,
  capabilities: CAPABILITIES,
  defaults: (s) => ({
    weight: 0.5,
    als: { ...alsDefaultsFor({ rows: s.users, cols: s.items, nnz: s.interactions }) },
    ease: { lambda: easeLambdaFor(s) },
  }),
  searchSpace: () => ({ weight: { type: 'float', min: 0, max: 1 } }),
  infeasible: (s) => ease.infeasible!(s),
  /** ALS's tuner, EASE's λ ladder and the weight, all on the same validation splits. */
  tune(data, opts) {
    const sel = selectModel(data.ui, {
      seed: opts.seed,
      budgetSeconds: opts.budgetSeconds,
      alsTrials: opts.maxTrials,
      kinds: ['blend'],
    });
    const params = { weight: sel.weight, als: { ...sel.als }, ease: { ...sel.ease } };
    const best = sel.candidates.find((c) => c.kind === 'blend')?.validation ?? 0;
    return {
      params,
      metric: best,
      log: sel.candidates.map((c) => ({ ...c })),
      seconds: sel.seconds,
      stoppedBy: sel.stoppedBy,
    };
  },
  fit(data, params, opts) {
    const h = halves(params);
    const a = als.fit(data, { seed: opts.seed, ...h.als }, opts);
    const e = ease.fit(data, h.ease, opts) as FittedEase;
    return new FittedBlend(a, e, { ...params, als: a.params, ease: e.params });
  },
  load(model: Model, opts?: LoadOptions) {
    const hp = model.manifest.hyperParameters;
    const h = halves(hp);
    const a = als.load({ ...model, manifest: { ...model.manifest, hyperParameters: h.als } }, opts);
    const e = ease.load({ ...model, manifest: { ...model.manifest, hyperParameters: h.ease } }) as FittedEase;
    return new FittedBlend(a, e, hp);
  },
};
