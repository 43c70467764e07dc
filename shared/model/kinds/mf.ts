/**
 * Biased matrix factorization for explicit ratings (shared/math/mf.ts). Its
 * ranking score is the predicted rating μ + b_u + b_i + p_u·q_i, unclipped —
 * the same number in evaluation, calibration, the CLI and serving.
 */
import { DEFAULT_MF_PARAMS, trainBiasedMf, type MfModel, type MfParams } from '../../math/mf';
import { CorruptModelError } from '../errors';
import { ItemFactors, requireFactors } from './factors';
import type { Capabilities, FittedModel, KindSpec, LoadOptions, UserScorer } from './kind';

const CAPABILITIES: Capabilities = {
  personalized: true,
  foldIn: false,
  similarItems: true,
  explain: false,
  ratings: true,
};

class FittedMf implements FittedModel {
  readonly kind = 'mf';
  readonly capabilities = CAPABILITIES;
  readonly users: number;
  readonly items: number;
  private readonly y: ItemFactors;

  constructor(
    private readonly m: MfModel,
    readonly params: Record<string, unknown>,
    opts: LoadOptions = {},
  ) {
    this.users = m.userBias.length;
    this.items = m.itemBias.length;
    this.y = new ItemFactors(m.itemFactors, this.items, m.factors, opts);
  }

  /** μ + b_u (the part of a score that is the same for every item). */
  private base(u: number): number {
    return this.m.globalBias + (u >= 0 && u < this.users ? this.m.userBias[u] : 0);
  }

  user(u: number): UserScorer {
    const f = this.m.factors;
    const q = this.m.userFactors.slice(u * f, u * f + f);
    const c = this.base(u);
    const bi = this.m.itemBias;
    return {
      scoreAll: (out) => {
        this.y.dense.scoreAll(q, out);
        for (let i = 0; i < this.items; i++) out[i] += bi[i] + c;
      },
      score: (i) => this.y.score(q, i) + bi[i] + c,
    };
  }

  similarItems(item: number, out: Float32Array): void {
    this.y.cosine(item, out);
  }

  predictRating(u: number, i: number): number {
    const m = this.m;
    const knownU = u >= 0 && u < this.users;
    const knownI = i >= 0 && i < this.items;
    let r = this.base(u) + (knownI ? m.itemBias[i] : 0);
    if (knownU && knownI) r += this.y.score(m.userFactors.subarray(u * m.factors, (u + 1) * m.factors), i);
    return m.clip ? Math.min(m.clip[1], Math.max(m.clip[0], r)) : r;
  }

  artifact() {
    const m = this.m;
    return {
      factors: m.factors,
      userFactors: m.userFactors,
      itemFactors: this.y.y,
      userBias: m.userBias,
      itemBias: m.itemBias,
      globalBias: m.globalBias,
    };
  }
}

export const mf: KindSpec = {
  kind: 'mf',
  description: 'biased matrix factorization for explicit ratings: personalized, similar items, rating prediction',
  capabilities: CAPABILITIES,
  explicit: true,
  defaults: () => ({ ...DEFAULT_MF_PARAMS }),
  searchSpace: () => ({
    factors: { type: 'choice', values: [32, 64, 128] },
    regularization: { type: 'float', min: 0.005, max: 0.2, log: true },
    learningRate: { type: 'float', min: 0.002, max: 0.02, log: true },
    epochs: { type: 'choice', values: [30, 60, 100] },
  }),
  fit(data, params, opts) {
    const p: MfParams = { ...DEFAULT_MF_PARAMS, seed: opts.seed, ...(params as Partial<MfParams>) };
    if (opts.workBudget !== undefined) p.epochs = Math.min(p.epochs, Math.max(1, Math.floor(opts.workBudget)));
    const m = trainBiasedMf(data.ui, p, { shouldStop: opts.shouldStop, onEpoch: opts.onEpoch });
    return new FittedMf(m, { ...p });
  },
  load(model, opts) {
    requireFactors(model);
    if (!model.userBias || !model.itemBias || model.globalBias === undefined) {
      throw new CorruptModelError('mf: the artifact has no biases');
    }
    const clip = model.manifest.hyperParameters.clip;
    const m: MfModel = {
      globalBias: model.globalBias,
      userBias: model.userBias,
      itemBias: model.itemBias,
      userFactors: model.userFactors,
      itemFactors: model.itemFactors,
      factors: model.factors,
      clip: Array.isArray(clip) && clip.length === 2 ? [Number(clip[0]), Number(clip[1])] : null,
    };
    return new FittedMf(m, model.manifest.hyperParameters, opts);
  },
};
