/**
 * Popularity: the same list for everyone. The fallback for tiny data, and the
 * baseline every other kind must beat. It answers no personal question.
 */
import { popularityFromCsr } from '../../math/popularity';
import { CorruptModelError } from '../errors';
import type { Capabilities, FittedModel, KindSpec, UserScorer } from './kind';

const CAPABILITIES: Capabilities = {
  personalized: false,
  foldIn: false,
  similarItems: false,
  explain: false,
  ratings: false,
};

class FittedPopular implements FittedModel {
  readonly kind = 'popular';
  readonly capabilities = CAPABILITIES;
  readonly items: number;

  constructor(
    private readonly popularity: Float32Array,
    readonly users: number,
    readonly params: Record<string, unknown>,
  ) {
    this.items = popularity.length;
  }

  user(): UserScorer {
    const p = this.popularity;
    return { scoreAll: (out) => out.set(p), score: (i) => p[i] };
  }

  artifact() {
    return { factors: 0 };
  }
}

export const popular: KindSpec = {
  kind: 'popular',
  description: 'most popular items (distinct users per item, time-decayed in the artifact)',
  capabilities: CAPABILITIES,
  defaults: () => ({}),
  searchSpace: () => ({}),
  // distinct users per item: one account's repeated events count once
  fit: (data, params) => new FittedPopular(popularityFromCsr(data.ui, true), data.ui.rows, { ...params }),
  load(model) {
    if (model.popularity.length !== model.itemIds.length)
      throw new CorruptModelError('popular: popularity does not cover the items');
    return new FittedPopular(model.popularity, model.userIds.length, model.manifest.hyperParameters);
  },
};
