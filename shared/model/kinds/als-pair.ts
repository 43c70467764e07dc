/**
 * Two ALS fits served as one (issue 16, session 22): the tuned ALS ("a", binary confidence as tuned) and a
 * second fit that takes the interaction's strength — the rating — as its confidence ("b", shared/math/
 * als-pair.ts `ratingMember`), mixed as the mean of their per-user z-scores (./mix.ts). The two err
 * differently: on ML-100K the pair gains +0.004 … +0.007 nDCG@10 on test over the tuned ALS on eight of
 * eight development splits (docs/quality.md, "Session 22"). Chosen only by the user-fold gate of
 * shared/training/select-pair.ts. Fold-in solves each side with its own parameters; explanations come from
 * side a; similar items mix both sides' cosines. The artifact is ALS's (side a in the common files) plus
 * side b's factors and Gramian as the kind's own files; side b's user factors are a user-side file, so a
 * reader that serves users from their histories omits both sides' user factors alike.
 */
import { DEFAULT_ALS_PARAMS, alsDefaultsFor, type AlsParams } from '../../math/als';
import { ratingMember } from '../../math/als-pair';
import { PAIR_USER_FACTORS_FILE } from '../codec';
import { CorruptModelError } from '../errors';
import type { Model } from '../types';
import { als, foldInOf } from './als';
import type { Capabilities, FittedModel, KindArtifact, KindSpec, LoadOptions } from './kind';
import { FittedMix } from './mix';

// what each side answers, so the pair answers it too
const CAPABILITIES: Capabilities = als.capabilities;

/** Side b's files besides its user factors. */
export const PAIR_FILES = { itemFactors: 'pair_item_factors.f32', gramian: 'pair_item_gramian.f64' } as const;

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

class FittedPair extends FittedMix {
  readonly kind = 'als-pair';

  constructor(a: FittedModel, b: FittedModel, params: Record<string, unknown>) {
    super(a, b, 0.5, 'a', CAPABILITIES, params);
  }

  artifact(): KindArtifact {
    const sideA = this.a.artifact();
    const sideB = this.b.artifact();
    const parts: Record<string, unknown> = {
      ...sideA.parts,
      [PAIR_FILES.itemFactors]: sideB.itemFactors,
      [PAIR_FILES.gramian]: sideB.itemGramian,
    };
    if (sideB.userFactors && sideB.userFactors.length > 0) parts[PAIR_USER_FACTORS_FILE] = sideB.userFactors;
    return { ...sideA, parts };
  }
}

/** The pair's two members ({ a: {...}, b: {...} }), defaults filled in. */
function members(params: Record<string, unknown>, seed?: number): { a: AlsParams; b: AlsParams } {
  const a = { ...DEFAULT_ALS_PARAMS, ...(seed === undefined ? {} : { seed }), ...obj(params.a) } as AlsParams;
  const b = { ...ratingMember(a), ...obj(params.b) } as AlsParams;
  return { a, b };
}

/** Side b of a loaded artifact, as an ALS model of its own (its user factors absent when omitted). */
function sideB(model: Model, b: AlsParams, opts?: LoadOptions): FittedModel {
  const parts = model.parts ?? {};
  const y = parts[PAIR_FILES.itemFactors];
  const g = parts[PAIR_FILES.gramian];
  const x = parts[PAIR_USER_FACTORS_FILE];
  const f = b.factors;
  const items = model.itemIds.length;
  const users = model.userFactors.length > 0 ? model.userIds.length : 0;
  const bad = (why: string) => new CorruptModelError(`als-pair: side b: ${why}`);
  if (!(Number.isInteger(f) && f > 0)) throw bad(`factors must be a positive integer, got ${f}`);
  if (!(y instanceof Float32Array) || y.length !== items * f)
    throw bad(`${PAIR_FILES.itemFactors}: ${items} × ${f} expected`);
  if (!(g instanceof Float64Array) || g.length !== f * f) throw bad(`${PAIR_FILES.gramian}: ${f} × ${f} expected`);
  const userFactors = users > 0 ? x : new Float32Array(0);
  if (!(userFactors instanceof Float32Array) || userFactors.length !== users * f)
    throw bad(`${PAIR_USER_FACTORS_FILE}: ${users} × ${f} expected`);
  return als.load(
    {
      ...model,
      factors: f,
      userFactors,
      itemFactors: y,
      itemGramian: g,
      parts: {},
      manifest: { ...model.manifest, foldIn: foldInOf(b), hyperParameters: { ...b } },
    },
    opts,
  );
}

export const alsPair: KindSpec = {
  kind: 'als-pair',
  description:
    'two ALS fits (as tuned, and the rating as confidence) mixed by z-score: personalized, fold-in, similar, explanations',
  capabilities: CAPABILITIES,
  defaults: (s) => {
    const a = { ...alsDefaultsFor({ rows: s.users, cols: s.items, nnz: s.interactions }) };
    return { a, b: ratingMember(a) };
  },
  // its members come from ALS's tuner and the pair gate (shared/training/select-pair.ts), not a search of its own
  searchSpace: () => ({}),
  fit(data, params, opts) {
    const m = members(params, opts.seed);
    // no cold-item ridge: the mix has no single factor space a new item's vector could be scored in
    const plain = { ...data, side: undefined };
    const a = als.fit(plain, { ...m.a }, opts);
    const b = als.fit(plain, { ...m.b }, opts);
    return new FittedPair(a, b, { a: a.params, b: b.params });
  },
  load(model, opts) {
    const m = members(model.manifest.hyperParameters);
    const a = als.load({ ...model, manifest: { ...model.manifest, hyperParameters: { ...m.a } } }, opts);
    return new FittedPair(a, sideB(model, m.b, opts), { a: m.a, b: m.b });
  },
};
