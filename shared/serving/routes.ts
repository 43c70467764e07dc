/**
 * The Recommend routes: plain request → serving core → plain response.
 * Validation lives here (schemas.ts); every bad input is a 400 with the
 * shared error shape, never a 500.
 */
import type { ApiRequest, RouteImpl } from '../http/api';
import { badRequest } from '../http/errors';
import { describeIssues, parseJsonBody, validate } from '../http/validation';
import type { RecommendOptions, ServingCore } from './core';
import { MAX_RANK_ITEMS } from './prepared';
import { Id, MAX_RANK_BODY_BYTES, NoQuery, RankBody, RecommendQuery, SimilarQuery } from './schemas';

/** Default number of results when `k` is omitted. */
export const DEFAULT_K = 10;

function pathId(req: ApiRequest, name: string): string {
  const r = Id.safeParse(req.params[name]);
  if (!r.success) throw badRequest('invalid_path', `${name}: ${describeIssues(r.error.issues)}`);
  return r.data;
}

// Recommendations are per user and change with every event: never cache them in between.
const PRIVATE = { 'cache-control': 'private, no-store' };

/** The diversity re-rankers' options (./diversify.ts); MMR and calibration are two answers to one question. */
function reranking(q: RecommendQuery): Pick<RecommendOptions, 'diversity' | 'maxPerCategory' | 'calibrate'> {
  if ((q.diversity ?? 0) > 0 && (q.calibrate ?? 0) > 0)
    throw badRequest('invalid_query', 'diversity and calibrate re-rank the same list: set one of them, not both');
  // only what the request set: an absent parameter must not override an experiment variant's setting
  return {
    ...(q.diversity !== undefined ? { diversity: q.diversity } : {}),
    ...(q.maxPerCategory !== undefined ? { maxPerCategory: q.maxPerCategory } : {}),
    ...(q.calibrate !== undefined ? { calibrate: q.calibrate } : {}),
  };
}

/** Route implementations keyed by topology route, for createHttpHandler('Recommend', …). */
export function recommendRoutes(core: ServingCore): Record<string, RouteImpl> {
  return {
    'GET /users/{userId}/recommendations': async (req) => {
      const userId = pathId(req, 'userId');
      const q = validate(RecommendQuery, req.query, 'invalid_query');
      const body = await core.recommend(userId, {
        k: q.k ?? DEFAULT_K,
        exclude: q.exclude,
        categories: q.category,
        excludeCategories: q.excludeCategory,
        minProbability: q.minProbability,
        explore: q.explore,
        ...reranking(q),
        filter: q.filter,
        filterName: q.filterName,
        promotions: q.promotions,
      });
      return { status: 200, body, headers: PRIVATE };
    },

    'POST /users/{userId}/rank': async (req) => {
      const userId = pathId(req, 'userId');
      validate(NoQuery, req.query, 'invalid_query');
      const raw = parseJsonBody(req.body, MAX_RANK_BODY_BYTES);
      const ids = (raw as { itemIds?: unknown } | null)?.itemIds;
      if (Array.isArray(ids) && ids.length > MAX_RANK_ITEMS) {
        throw badRequest(
          'too_many_items',
          `itemIds holds ${ids.length} ids; at most ${MAX_RANK_ITEMS} are ranked per call`,
        );
      }
      const { itemIds, filter, filterName } = validate(RankBody, raw, 'invalid_request');
      return { status: 200, body: await core.rank(userId, itemIds, { filter, filterName }), headers: PRIVATE };
    },

    'GET /items/{itemId}/similar': async (req) => {
      const itemId = pathId(req, 'itemId');
      const q = validate(SimilarQuery, req.query, 'invalid_query');
      const rules = { filter: q.filter, filterName: q.filterName };
      return { status: 200, body: await core.similar(itemId, q.k ?? DEFAULT_K, rules) };
    },

    // load balancers and uptime probes add their own parameters: health ignores the query
    'GET /health': async () => ({ status: 200, body: await core.health(), headers: { 'cache-control': 'no-store' } }),
  };
}
