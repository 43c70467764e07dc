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
import { mixInto, standardize } from '../../math/blend';
import { EASE_MAX_ITEMS } from '../../math/ease';
import { selectModel } from '../../training/select-model';
import type { Model } from '../types';
import { als } from './als';
import { type FittedEase, ease, easeLambdaFor } from './ease';
import type { Capabilities, FittedModel, History, KindArtifact, KindSpec, LoadOptions, UserScorer } from './kind';

const CAPABILITIES: Capabilities = {
  personalized: true,
  foldIn: true,
  similarItems: true,
  explain: true,
  ratings: false,
};

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

class FittedBlend implements FittedModel {
  readonly kind = 'blend';
  readonly capabilities = CAPABILITIES;
  readonly users: number;
  readonly items: number;
  readonly weight: number;

  constructor(
    private readonly a: FittedModel,
    private readonly e: FittedEase,
    readonly params: Record<string, unknown>,
  ) {
    this.users = e.users;
    this.items = e.items;
    this.weight = typeof params.weight === 'number' ? params.weight : 0.5;
  }

  /** Scores both sides once (per scorer: its cache is its own) and mixes them. */
  private mix(sa: UserScorer, se: UserScorer): UserScorer {
    let cache: Float32Array | undefined;
    const all = (): Float32Array => {
      if (!cache) {
        const n = this.items;
        const x = new Float32Array(n);
        const y = new Float32Array(n);
        sa.scoreAll(x);
        se.scoreAll(y);
        standardize(x);
        standardize(y);
        cache = new Float32Array(n);
        mixInto(x, y, this.weight, cache);
      }
      return cache;
    };
    return { scoreAll: (out) => out.set(all()), score: (i) => all()[i], explain: se.explain };
  }

  user(u: number, history?: History): UserScorer {
    return this.mix(this.a.user(u, history), this.e.user(u, history));
  }

  foldIn(history: History): UserScorer | null {
    const sa = this.a.foldIn?.(history);
    const se = this.e.foldIn(history);
    return sa && se ? this.mix(sa, se) : null;
  }

  similarItems(item: number, out: Float32Array): void {
    const y = new Float32Array(this.items);
    this.a.similarItems!(item, out);
    this.e.similarItems(item, y);
    out[item] = y[item] = 0;
    standardize(out);
    standardize(y);
    mixInto(out, y, this.weight, out);
    out[item] = -Infinity;
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
