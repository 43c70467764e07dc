/**
 * The serving core behind the Recommend routes: recommendations, ranking,
 * similar items and health, over the cached model and catalog. Transport-free
 * (the routes adapt HTTP), so the benchmark drives exactly this.
 */
import { dot } from '../math/topk';
import { ApiError, notFound } from '../http/errors';
import type { InteractionStore } from '../ports/interactions';
import type { CatalogCache, CatalogView } from './catalog';
import { readUser, userContext, type Logger, type Source, type UserContext } from './context';
import type { ModelCache } from './model-cache';
import type { PreparedModel } from './prepared';
import { probability, scoreFloor, selectTop } from './select';
import { UserSystem } from './user-system';

export interface RecommendOptions {
  k: number;
  exclude?: string[];
  /** Only items in any of these categories. */
  categories?: string[];
  excludeCategories?: string[];
  minProbability?: number;
  /** Skip `because` (the benchmark measures scoring alone with it off too). */
  explain?: boolean;
}

export interface Because {
  itemId: string;
  weight: number;
}

export interface ScoredItem {
  itemId: string;
  score: number;
  /** Null for popular items: calibration applies to model scores only. */
  probability: number | null;
  because: Because[];
}

export interface Recommendations {
  userId: string;
  modelVersion: string;
  source: Source;
  items: ScoredItem[];
}

export interface RankedItem {
  itemId: string;
  score: number | null;
  probability: number | null;
}

export interface Health {
  status: 'ok';
  modelVersion: string | null;
  modelAgeSeconds: number | null;
  users: number;
  items: number;
}

export interface ServingDeps {
  models: ModelCache;
  catalog: CatalogCache;
  store: Pick<InteractionStore, 'listUserEvents' | 'getErasure'>;
  log: Logger;
  refreshSeconds: number;
  now?: () => number;
}

const BECAUSE_LIMIT = 3;

export class ServingCore {
  private readonly now: () => number;
  constructor(private readonly deps: ServingDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Loads the model and catalog ahead of the first request (never throws). */
  async warm(): Promise<void> {
    await Promise.all([this.deps.models.get().catch(() => null), this.deps.catalog.refresh().catch(() => undefined)]);
  }

  private async model(): Promise<PreparedModel> {
    const pm = await this.deps.models.get();
    if (pm) return pm;
    // Chosen over popularity-from-the-store: the store has no aggregate read, and
    // scanning events on a request path is unbounded. Training publishes a
    // popularity-only model as soon as there is any data.
    throw new ApiError(503, 'model_unavailable', 'no model has been published yet; retry after the first training run', true, {
      'Retry-After': String(Math.max(1, Math.min(60, this.deps.refreshSeconds))),
    });
  }

  private async catalogView(pm: PreparedModel): Promise<CatalogView> {
    await this.deps.catalog.refresh();
    if (!this.deps.catalog.ready) {
      // never returning an unavailable item means not answering until the catalog was read once
      throw new ApiError(503, 'catalog_unavailable', 'the catalog could not be read; retry shortly', true, { 'Retry-After': '1' });
    }
    return this.deps.catalog.viewOf(pm.itemIndex, pm.items);
  }

  /** Top-k items for a user with every filter applied inside the selection. */
  async recommend(userId: string, opts: RecommendOptions): Promise<Recommendations> {
    const pm = await this.model();
    const [view, reads] = await Promise.all([this.catalogView(pm), readUser(userId, this.deps.store, this.deps.log)]);
    // from here on synchronous: the per-model buffers are never shared with another request
    const ctx = userContext(pm, userId, reads);
    const gen = pm.nextGeneration();
    for (const row of ctx.seen) for (let q = 0; q < row.length; q++) pm.excl[row[q]] = gen;
    for (const id of opts.exclude ?? []) {
      const i = pm.itemIndex.get(id);
      if (i !== undefined) pm.excl[i] = gen;
    }
    for (const c of opts.excludeCategories ?? []) for (const i of view.itemsIn(c)) pm.excl[i] = gen;
    const restrict = (opts.categories?.length ?? 0) > 0;
    for (const c of opts.categories ?? []) for (const i of view.itemsIn(c)) pm.incl[i] = gen;

    const cal = pm.model.manifest.calibration;
    const personal = ctx.vector !== null;
    const scores = personal ? this.userScores(pm, ctx.vector!, userId) : pm.model.popularity;
    let floor = -Infinity;
    if (opts.minProbability !== undefined && opts.minProbability > 0) {
      // popular items have no probability, so none reaches a threshold
      const f = personal ? scoreFloor(cal, opts.minProbability) : Infinity;
      floor = f === null ? -Infinity : f - 1e-9 * Math.abs(f);
    }
    const count = selectTop(pm, scores, opts.k, { gen, restrict, blocked: view.blocked, floor });

    const items: ScoredItem[] = [];
    let system: UserSystem | null | undefined = ctx.system;
    for (let r = 0; r < count; r++) {
      const i = pm.outIndex[r];
      const score = pm.outScore[r];
      const p = personal ? probability(cal, score) : null;
      if (opts.minProbability !== undefined && opts.minProbability > 0 && !(p !== null && p >= opts.minProbability)) continue;
      let because: { itemId: string; weight: number }[] = [];
      if (personal && opts.explain !== false) {
        system ??= this.explainer(pm, ctx);
        if (system) because = system.explain(i, BECAUSE_LIMIT).map((c) => ({ itemId: pm.model.itemIds[c.itemIndex], weight: c.weight }));
      }
      items.push({ itemId: pm.model.itemIds[i], score, probability: p, because });
    }
    return { userId, modelVersion: pm.version, source: ctx.source, items };
  }

  /** The given items ordered best first; items the model does not know come last with a null score. */
  async rank(userId: string, itemIds: string[]): Promise<{ userId: string; modelVersion: string; source: Source; items: RankedItem[] }> {
    const pm = await this.model();
    const reads = await readUser(userId, this.deps.store, this.deps.log);
    const ctx = userContext(pm, userId, reads);
    const cal = pm.model.manifest.calibration;
    const f = pm.factors;
    const known: { itemId: string; i: number; score: number }[] = [];
    const unknown: RankedItem[] = [];
    for (const id of itemIds) {
      const i = pm.itemIndex.get(id);
      if (i === undefined) unknown.push({ itemId: id, score: null, probability: null });
      else {
        const score = ctx.vector
          ? dot(ctx.vector, 0, pm.itemFactors, i * f, f) + this.bias(pm, i, userId)
          : pm.model.popularity[i];
        known.push({ itemId: id, i, score });
      }
    }
    // at most 500 candidates: a comparison sort is the right tool here
    known.sort((a, b) => b.score - a.score || a.i - b.i);
    const items: RankedItem[] = known.map((k) => ({
      itemId: k.itemId,
      score: k.score,
      probability: ctx.vector ? probability(cal, k.score) : null,
    }));
    return { userId, modelVersion: pm.version, source: ctx.source, items: items.concat(unknown) };
  }

  /** Nearest items by cosine over item factors; the item itself is never listed. */
  async similar(itemId: string, k: number): Promise<{ itemId: string; modelVersion: string; items: { itemId: string; score: number }[] }> {
    const pm = await this.model();
    const i = pm.itemIndex.get(itemId);
    if (i === undefined) throw notFound(`item "${itemId}" is not in the model`);
    const view = await this.catalogView(pm);
    const f = pm.factors;
    const gen = pm.nextGeneration();
    pm.excl[i] = gen;
    let scores: Float32Array;
    if (pm.kernel && f > 0) {
      pm.query.set(pm.itemFactors.subarray(i * f, i * f + f));
      scores = pm.kernel.scoreAll(pm.query);
      const qi = pm.invNorms[i];
      const inv = pm.invNorms;
      for (let j = 0; j < pm.items; j++) scores[j] *= qi * inv[j];
    } else {
      scores = pm.model.popularity;
    }
    const count = selectTop(pm, scores, k, { gen, restrict: false, blocked: view.blocked, floor: -Infinity });
    const items: { itemId: string; score: number }[] = [];
    for (let r = 0; r < count; r++) items.push({ itemId: pm.model.itemIds[pm.outIndex[r]], score: pm.outScore[r] });
    return { itemId, modelVersion: pm.version, items };
  }

  /** Service and model status; never fails for want of a model. */
  async health(): Promise<Health> {
    const pm = await this.deps.models.get().catch(() => this.deps.models.peek());
    return {
      status: 'ok',
      modelVersion: pm?.version ?? null,
      modelAgeSeconds: pm ? Math.max(0, Math.round((this.now() - pm.createdAtMs) / 1000)) : null,
      users: pm?.users ?? 0,
      items: pm?.items ?? 0,
    };
  }

  private userScores(pm: PreparedModel, vector: Float32Array, userId: string): Float32Array {
    const scores = pm.kernel!.scoreAll(vector);
    const ib = pm.model.itemBias;
    if (ib) {
      // biased MF: the item bias moves ranks; the constant part only the probability
      const c = this.bias(pm, -1, userId);
      for (let i = 0; i < pm.items; i++) scores[i] += ib[i] + c;
    }
    return scores;
  }

  /** Bias terms of a biased-MF score (0 for ALS); item -1 means the constant part only. */
  private bias(pm: PreparedModel, item: number, userId: string): number {
    const m = pm.model;
    if (!m.itemBias) return 0;
    const u = pm.userIndex.get(userId);
    return (m.globalBias ?? 0) + (u !== undefined && m.userBias ? m.userBias[u] : 0) + (item >= 0 ? m.itemBias[item] : 0);
  }

  /** A factored system for explaining a stored user's scores from their history. */
  private explainer(pm: PreparedModel, ctx: UserContext): UserSystem | null {
    const params = pm.model.manifest.foldIn;
    if (!params || ctx.history.itemIdx.length === 0) return null;
    return new UserSystem(pm.itemFactors, pm.factors, pm.yty(), ctx.history, params);
  }
}
