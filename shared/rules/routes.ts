/**
 * The admin routes of business rules (on the Ingest function, which may write
 * the RULES partition): list, create or replace, and delete named filters and
 * promotions. A stored expression always compiles: it is checked on the way in.
 */
import type { ApiRequest, RouteImpl } from '../http/api';
import { ApiError, badRequest } from '../http/errors';
import { describeIssues, parseJsonBody, validate } from '../http/validation';
import { FilterBody, MAX_RULES, PromotionBody, RuleName } from './definitions';
import type { RuleStore } from './store';

const MAX_RULE_BODY_BYTES = 16 * 1024;

function ruleName(req: ApiRequest): string {
  const r = RuleName.safeParse(req.params.name);
  if (!r.success) throw badRequest('invalid_path', `name: ${describeIssues(r.error.issues)}`);
  return r.data;
}

/** `store` undefined: this deployment keeps no rules (a misconfiguration answered as 500). */
export function ruleRoutes(store: RuleStore | undefined, now: () => number = Date.now): Record<string, RouteImpl> {
  const rules = (): RuleStore => {
    if (!store) throw new ApiError(500, 'internal', 'no rule store is configured', false);
    return store;
  };
  const full = (kind: 'filters' | 'promotions', existing: { name: string }[], name: string) => {
    if (existing.length >= MAX_RULES && !existing.some((r) => r.name === name)) {
      throw new ApiError(409, 'too_many_rules', `at most ${MAX_RULES} ${kind} are stored; delete one first`);
    }
  };
  return {
    'GET /rules': async () => ({ status: 200, body: await rules().listRules() }),

    'PUT /rules/filters/{name}': async (req) => {
      const name = ruleName(req);
      const body = validate(FilterBody, parseJsonBody(req.body, MAX_RULE_BODY_BYTES), 'invalid_rule');
      const s = rules();
      full('filters', (await s.listRules()).filters, name);
      const def = { name, ...body, updatedAt: new Date(now()).toISOString() };
      await s.putFilter(def);
      return { status: 200, body: def };
    },

    'DELETE /rules/filters/{name}': async (req) => {
      const name = ruleName(req);
      return { status: 200, body: { name, deleted: await rules().deleteFilter(name) } };
    },

    'PUT /rules/promotions/{name}': async (req) => {
      const name = ruleName(req);
      const body = validate(PromotionBody, parseJsonBody(req.body, MAX_RULE_BODY_BYTES), 'invalid_rule');
      const s = rules();
      full('promotions', (await s.listRules()).promotions, name);
      const promotion = { name, ...body, updatedAt: new Date(now()).toISOString() };
      await s.putPromotion(promotion);
      return { status: 200, body: promotion };
    },

    'DELETE /rules/promotions/{name}': async (req) => {
      const name = ruleName(req);
      return { status: 200, body: { name, deleted: await rules().deletePromotion(name) } };
    },
  };
}
