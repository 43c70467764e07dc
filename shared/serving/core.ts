/**
 * The serving core behind the Recommend routes: recommendations, ranking,
 * similar items and health, over the cached model and catalog. Transport-free
 * (the routes adapt HTTP), so the benchmark drives exactly this. Every score
 * comes from the model's kind (shared/model/kinds); every buffer a request
 * writes is checked out for it alone (PreparedModel.withScratch).
 */
import type { RatingRange } from '../events';
import { ApiError, notFound } from '../http/errors';
import type { InteractionStore } from '../ports/interactions';
import type { CatalogCache, CatalogView } from './catalog';
import { type ColdCatalog, coldQueryScores, similarWithNewItems } from './cold';
import { readUser, userContext, type Logger, type Source, type UserReads } from './context';
import { diversify, poolSize, wantsRerank } from './diversify';
import { newItemScores, withNewItems } from './explore';
import { type InterestSource, interestsFirst, readInterests } from './interests';
import type { ModelCache } from './model-cache';
import { requestPlan, RulePass, type RuleOptions } from '../rules/apply';
import type { RuleCache } from '../rules/cache';
import { FilterIndex } from '../rules/filter-index';
import type { PreparedModel } from './prepared';
import { modelChoice, type ModelChoice, type ServedBy, type VariantModels } from './variant-models';
import { excludeBelow, floorIsExact, probabilityFloor, probabilityOf } from './probability';
import { selectTop } from './select';

/** `filter`, `filterName` and `promotions` are the business rules' (shared/rules/apply.ts). */
/** `modelVersion`, `kind` and `ranker` come from an A/B variant's pipeline only (./variant-models.ts). */
export interface RecommendOptions extends RuleOptions, ModelChoice {
  k: number;
  exclude?: string[];
  /** Only items in any of these categories. */
  categories?: string[];
  excludeCategories?: string[];
  minProbability?: number;
  /** Skip `because` (the benchmark measures scoring alone with it off too). */
  explain?: boolean;
  /** Exploration slots for new catalog items (./explore.ts); default true, `explore=0` turns them off. */
  explore?: boolean;
  /** MMR re-ranking weight 0..1 over item similarity (./diversify.ts). */
  diversity?: number;
  /** At most this many items of one category. */
  maxPerCategory?: number;
  /** Calibrated re-rank weight 0..1 toward the user's category mix (Steck 2018). */
  calibrate?: number;
}

/** A history item and its share of the score, or the metadata reason (./explore.ts). */
export type Because = { itemId: string; weight: number } | { category: string } | { rule: string };

export interface ScoredItem {
  itemId: string;
  score: number;
  /** Null for popular items: calibration applies to model scores only. */
  probability: number | null;
  because: Because[];
  /** A new catalog item scored from its metadata (no interactions yet). */
  coldStart?: true;
}

export interface Recommendations {
  userId: string;
  modelVersion: string;
  source: Source;
  /** Present (true) when the user's events could not be read: the answer is the cached model's alone. */
  stale?: true;
  /** Present when an A/B variant chose the model: which one answered (./variant-models.ts). */
  servedBy?: ServedBy;
  items: ScoredItem[];
}

export interface RankedItem {
  itemId: string;
  score: number | null;
  probability: number | null;
  coldStart?: true;
}

export interface Ranking {
  userId: string;
  modelVersion: string;
  source: Source;
  stale?: true;
  servedBy?: ServedBy;
  items: RankedItem[];
}

export interface Health {
  status: 'ok' | 'degraded';
  /** Why the status is degraded (empty when ok). Never business volumes. */
  reasons: string[];
  modelVersion: string | null;
  modelAgeSeconds: number | null;
}

export interface ServingDeps {
  models: ModelCache;
  catalog: CatalogCache;
  store: Pick<InteractionStore, 'listUserEvents' | 'getErasure'>;
  log: Logger;
  refreshSeconds: number;
  /** The rating range ingest accepts (config.ratingRange): fold-in weighs ratings as training did. */
  ratingRange?: RatingRange;
  /** Stored filters and promotions (shared/rules); absent: none are stored. */
  rules?: RuleCache;
  /** Compiled filters and their bitmaps; one per service so the cache is shared by requests. */
  filters?: FilterIndex;
  /** New catalog items scored from metadata (./cold.ts); absent: only the model's items are served. */
  cold?: ColdCatalog;
  /** Share of recommendation slots for new items (config.exploreShare). */
  exploreShare?: number;
  /** Users' declared interests, read for users served popular items (./interests.ts); absent: none are read. */
  attributes?: InterestSource;
  /** Models A/B variants name beside the latest (./variant-models.ts); absent: the latest answers everyone. */
  variants?: VariantModels;
  now?: () => number;
}

const BECAUSE_LIMIT = 3;

export class ServingCore {
  private readonly now: () => number;
  private readonly filters: FilterIndex;
  /** When reads of users' events or erasure markers started failing (null while they work). */
  private storeFailingSince: number | null = null;

  constructor(private readonly deps: ServingDeps) {
    this.now = deps.now ?? Date.now;
    this.filters = deps.filters ?? new FilterIndex();
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
    // say which of the three it is: an operator acts differently on each
    const st = this.deps.models.status();
    const why =
      st.failingSince !== null
        ? 'the model store could not be read; retry shortly'
        : st.refused
          ? `the newest model version ${st.refused.version} was refused; retry after the next training run`
          : 'no model has been published yet; retry after the first training run';
    throw new ApiError(503, 'model_unavailable', why, true, {
      'Retry-After': String(Math.max(1, Math.min(60, this.deps.refreshSeconds))),
    });
  }

  /** The model a variant's choice names (the latest when there is none, or it cannot be had). */
  private async modelFor(opts: ModelChoice): Promise<{ pm: PreparedModel; servedBy?: ServedBy }> {
    const choice = this.deps.variants ? modelChoice(opts) : undefined;
    if (!choice || !this.deps.variants) return { pm: await this.model() };
    const r = await this.deps.variants.resolve(choice);
    return r.pm ? { pm: r.pm, servedBy: r.servedBy } : { pm: await this.model() };
  }

  private async catalogView(pm: PreparedModel): Promise<CatalogView> {
    await this.deps.catalog.refresh();
    if (!this.deps.catalog.ready) {
      // never returning an unavailable item means not answering until the catalog was read once
      throw new ApiError(503, 'catalog_unavailable', 'the catalog could not be read; retry shortly', true, {
        'Retry-After': '1',
      });
    }
    return this.deps.catalog.viewOf(pm.itemIndex, pm.items);
  }

  private async readUser(userId: string, pm: PreparedModel): Promise<UserReads> {
    const reads = await readUser(userId, this.deps.store, this.deps.log, pm.model.userHistories);
    if (reads.erasure === 'unknown' || reads.events === null) this.storeFailingSince ??= this.now();
    else this.storeFailingSince = null;
    return reads;
  }

  /** Top-k items for a user with every filter applied inside the selection. */
  async recommend(userId: string, opts: RecommendOptions): Promise<Recommendations> {
    const { pm, servedBy } = await this.modelFor(opts);
    // the rules are read beside the user's events: a slow store costs the longer read, not both
    const [view, reads, plan] = await Promise.all([
      this.catalogView(pm),
      this.readUser(userId, pm),
      requestPlan(opts, this.deps.rules, this.filters),
    ]);
    const ctx = userContext(pm, userId, reads, this.deps.ratingRange);
    // interests only matter to a user without a vector: no read for anyone else
    const interests =
      ctx.scorer || reads.erasure !== 'ok' ? [] : await readInterests(this.deps.attributes, userId, this.deps.log);
    return pm.withScratch((s) => {
      const gen = s.nextGeneration();
      for (const row of ctx.seen) for (let q = 0; q < row.length; q++) s.excl[row[q]] = gen;
      for (const id of opts.exclude ?? []) {
        const i = pm.itemIndex.get(id);
        if (i !== undefined) s.excl[i] = gen;
      }
      for (const c of opts.excludeCategories ?? []) for (const i of view.itemsIn(c)) s.excl[i] = gen;
      const restrict = (opts.categories?.length ?? 0) > 0;
      for (const c of opts.categories ?? []) for (const i of view.itemsIn(c)) s.incl[i] = gen;

      const cal = pm.model.manifest.calibration;
      const scorer = ctx.scorer;
      // P(click) from the artifact's chosen source: Platt, or the network's P for its candidates
      const prob = probabilityOf(cal, scorer);
      let scores = pm.model.popularity;
      if (scorer) {
        scorer.scoreAll(s.scores);
        scores = s.scores;
      }
      const lifted = scorer || !interests.length ? null : interestsFirst(scores, view, interests, s.scores);
      if (lifted) scores = s.scores;
      const minP = opts.minProbability !== undefined && opts.minProbability > 0 ? opts.minProbability : undefined;
      let floor = -Infinity;
      if (minP !== undefined) {
        // popular items have no probability, so none reaches a threshold
        const f = scorer ? probabilityFloor(cal, minP, scorer) : Infinity;
        floor = f === null ? -Infinity : f - 1e-9 * Math.abs(f);
      }
      // a re-ranked answer picks k from a larger pool selected with the same filters (./diversify.ts)
      const rerank = wantsRerank(opts);
      // business rules: filters inside the selection, boosts before it, promotions after (shared/rules)
      const rules = plan ? new RulePass(this.filters, view, plan) : null;
      const flt = { restrict, blocked: view.blocked, floor, allow: rules?.allow ?? null };
      if (rules) scores = rules.boost(scores, s.scores, flt);
      // a bound that is not exact: each item's own P decides inside the selection (./probability.ts)
      if (minP !== undefined && prob && !floorIsExact(cal, minP, scorer))
        excludeBelow(prob, scores, Math.min(scores.length, s.items), minP, floor, s.excl, gen);
      let count = selectTop(s, scores, rerank ? poolSize(opts.k, opts) : opts.k, flt);
      if (rerank) count = diversify(pm, s, count, opts.k, opts, (i) => view.categoriesOf(i), ctx.seen);
      const original = (i: number) => (scorer ? scorer.score(i) : pm.model.popularity[i]);
      if (rules) count = rules.promote(s, scores, count, opts.k, flt, pm.itemIndex, original);

      const explain = scorer?.explain && opts.explain !== false ? scorer.explain : null;
      const items: ScoredItem[] = [];
      for (let r = 0; r < count; r++) {
        const i = s.outIndex[r];
        const interest = lifted?.matched.get(i);
        // an item of the user's interests answers its own popularity, and says why it came first
        const score = interest === undefined ? s.outScore[r] : s.outScore[r] - lifted!.lift;
        const p = prob ? prob(i, score) : null;
        if (minP !== undefined && !(p !== null && p >= minP)) continue;
        const because: Because[] = explain
          ? explain(i, BECAUSE_LIMIT).map((c) => ({ itemId: pm.model.itemIds[c.itemIndex], weight: c.weight }))
          : [];
        if (rules) because.push(...rules.reasons(i));
        if (interest !== undefined && opts.explain !== false) because.push({ category: interest });
        items.push({ itemId: pm.model.itemIds[i], score, probability: p, because });
      }
      const cold = this.deps.cold;
      const answered = cold
        ? withNewItems(items, {
            pm,
            cold,
            history: ctx.seen,
            // the kind's scores as scoreAll left them (a rule's boost rewrites them): content's units fit on them
            kindScores: scorer && !rules ? s.scores : undefined,
            userId,
            now: this.now(),
            interests,
            scorer,
            k: opts.k,
            share: opts.explore === false ? 0 : (this.deps.exploreShare ?? 0),
            explain: opts.explain !== false,
            exclude: new Set([...(opts.exclude ?? []), ...(reads.events ?? []).map((e) => e.itemId)]),
            categories: opts.categories,
            excludeCategories: opts.excludeCategories,
            // a per-category cap constrains every slot like a filter: no exploration slot may break it
            // and an answer a promotion or pin shaped is the business's: exploration never displaces it
            filtered:
              opts.filter !== undefined ||
              opts.filterName !== undefined ||
              opts.maxPerCategory !== undefined ||
              items.some((it) => it.because.some((b) => 'rule' in b)),
            // a new item is never a ranker candidate: Platt
            probability: (x) => (prob ? prob(-1, x) : null),
            minProbability: minP,
          })
        : items;
      return {
        userId,
        modelVersion: pm.version,
        source: ctx.source,
        ...(ctx.stale ? { stale: true as const } : {}),
        ...(servedBy ? { servedBy } : {}),
        items: answered,
      };
    });
  }

  /** The given items ordered best first; items the model does not know come last with a null score. */
  async rank(
    userId: string,
    itemIds: string[],
    rules: Pick<RuleOptions, 'filter' | 'filterName'> & ModelChoice = {},
  ): Promise<Ranking> {
    const { pm, servedBy } = await this.modelFor(rules);
    const [reads, plan] = await Promise.all([
      this.readUser(userId, pm),
      requestPlan({ ...rules, promotions: false }, this.deps.rules, this.filters),
    ]);
    // with a filter (shared/rules), candidates outside its bitmap (non-matching or unknown to the model) leave
    const allow = plan ? new RulePass(this.filters, await this.catalogView(pm), plan).allow : null;
    if (allow) itemIds = itemIds.filter((id) => allow[pm.itemIndex.get(id) ?? -1] === 1);
    const ctx = userContext(pm, userId, reads, this.deps.ratingRange);
    const cal = pm.model.manifest.calibration;
    const scorer = ctx.scorer;
    const prob = probabilityOf(cal, scorer);
    const known: { itemId: string; i: number; score: number; coldStart?: true }[] = [];
    const unknown: RankedItem[] = [];
    // new catalog items are scored from their metadata in the kind's units when the model can (./cold.ts)
    // a failed catalog refresh never throws: the last catalog read stays in use
    if (scorer && this.deps.cold) await this.deps.catalog.refresh();
    const set = scorer ? (this.deps.cold?.setFor(pm) ?? null) : null;
    const fresh = set && scorer ? newItemScores(pm, set, this.deps.cold!, scorer, ctx.seen) : null;
    for (const id of itemIds) {
      const i = pm.itemIndex.get(id);
      const j = i === undefined ? set?.index.get(id) : undefined;
      const x = fresh && j !== undefined ? fresh.score(j) : Number.NaN;
      if (Number.isFinite(x)) known.push({ itemId: id, i: pm.items + j!, score: x, coldStart: true });
      else if (i === undefined) unknown.push({ itemId: id, score: null, probability: null });
      else known.push({ itemId: id, i, score: scorer ? scorer.score(i) : pm.model.popularity[i] });
    }
    // at most 500 candidates: a comparison sort is the right tool here
    known.sort((a, b) => b.score - a.score || a.i - b.i);
    const items: RankedItem[] = known.map((k) => ({
      itemId: k.itemId,
      score: k.score,
      probability: prob ? prob(k.coldStart ? -1 : k.i, k.score) : null,
      ...(k.coldStart ? { coldStart: k.coldStart } : {}),
    }));
    return {
      userId,
      modelVersion: pm.version,
      source: ctx.source,
      ...(ctx.stale ? { stale: true as const } : {}),
      ...(servedBy ? { servedBy } : {}),
      items: items.concat(unknown),
    };
  }

  /**
   * Nearest items by the kind's similarity (cosine over item factors for factor
   * kinds); the item itself is never listed. A kind without item similarity
   * (popular) answers its popular items.
   */
  async similar(
    itemId: string,
    k: number,
    rules: Pick<RuleOptions, 'filter' | 'filterName'> = {},
  ): Promise<{ itemId: string; modelVersion: string; items: { itemId: string; score: number; coldStart?: true }[] }> {
    const pm = await this.model();
    const i = pm.itemIndex.get(itemId);
    const view = await this.catalogView(pm);
    // a new catalog item (no interactions) is compared by its metadata (./cold.ts)
    const set = this.deps.cold?.setFor(pm) ?? null;
    const j = i === undefined ? set?.index.get(itemId) : undefined;
    if (i === undefined && j === undefined) throw notFound(`item "${itemId}" is not in the model`);
    const plan = await requestPlan({ ...rules, promotions: false }, this.deps.rules, this.filters);
    return pm.withScratch((s) => {
      const gen = s.nextGeneration();
      if (i !== undefined) s.excl[i] = gen;
      let scores = pm.model.popularity;
      if (set && j !== undefined) {
        coldQueryScores(pm, set, j, s.scores);
        scores = s.scores;
      } else if (i !== undefined && pm.fitted.similarItems) {
        pm.fitted.similarItems(i, s.scores);
        scores = s.scores;
      }
      // a filter (shared/rules) is the selection's allow bitmap, over the model's items only
      const allow = plan ? new RulePass(this.filters, view, plan).allow : null;
      const count = selectTop(s, scores, k, { restrict: false, blocked: view.blocked, floor: -Infinity, allow });
      const items: { itemId: string; score: number }[] = [];
      for (let r = 0; r < count; r++) items.push({ itemId: pm.model.itemIds[s.outIndex[r]], score: s.outScore[r] });
      if (!set || allow) return { itemId, modelVersion: pm.version, items };
      const query = j !== undefined ? { j } : { i: i as number };
      // the kind's similarities to a model item put a new item's content similarity in its units
      const similarity = j === undefined && scores === s.scores ? s.scores : null;
      return { itemId, modelVersion: pm.version, items: similarWithNewItems(pm, set, query, items, k, similarity) };
    });
  }

  /**
   * Service and model status; never fails for want of a model. Cheap (no store
   * read beyond the model cache's due check). `degraded` names each reason.
   */
  async health(): Promise<Health> {
    const pm = await this.deps.models.get().catch(() => this.deps.models.peek());
    const reasons: string[] = [];
    const iso = (t: number) => new Date(t).toISOString();
    const st = this.deps.models.status();
    if (st.refused) reasons.push(`latest model version ${st.refused.version} refused: ${st.refused.reason}`);
    if (st.failingSince !== null) reasons.push(`model refresh failing since ${iso(st.failingSince)}`);
    if (this.deps.catalog.failingSince !== null)
      reasons.push(`catalog reads failing since ${iso(this.deps.catalog.failingSince)}`);
    if (this.storeFailingSince !== null) reasons.push(`user event reads failing since ${iso(this.storeFailingSince)}`);
    const rulesFailing = this.deps.rules?.failingSince ?? null;
    if (rulesFailing !== null) reasons.push(`rule reads failing since ${iso(rulesFailing)}`);
    reasons.push(...(this.deps.variants?.problems() ?? []));
    return {
      status: reasons.length ? 'degraded' : 'ok',
      reasons,
      modelVersion: pm?.version ?? null,
      modelAgeSeconds: pm ? Math.max(0, Math.round((this.now() - pm.createdAtMs) / 1000)) : null,
    };
  }
}
