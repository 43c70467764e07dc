/**
 * Business rules in one recommendations request, in this order:
 * 1. filters (the request's `filter` and the stored `filterName`): a bitmap the
 *    top-k selection reads, so exactly k come back when k qualify;
 * 2. boosts: matching items' scores multiplied by the factor (divided when
 *    negative, so a boost always helps) before the selection;
 * 3. after personalization (and any re-ranking): slot promotions bring the best
 *    matching items in until N of the k do, replacing the lowest-ranked others;
 *    pins put an item at a slot. Promoted and pinned items obey every filter.
 * Each item a rule moved carries `{"rule": name}` in `because`. Deterministic:
 * rules apply in name order, ties go to the lower item index.
 */
import { ApiError, badRequest } from '../http/errors';
import type { Scratch } from '../serving/prepared';
import { type SelectFilter, selectTop } from '../serving/select';
import type { RuleCache } from './cache';
import type { RuleSet } from './definitions';
import { RuleSyntaxError } from './expression';
import type { FilterIndex, FilterView } from './filter-index';

/** At most this many rules are named in one item's `because`. */
export const RULE_REASONS = 3;

/** What a request asks of the rules (RecommendOptions fields). */
export interface RuleOptions {
  /** A filter expression over item properties. */
  filter?: string;
  /** The name of a stored filter definition. */
  filterName?: string;
  /** Stored promotions and pins apply (default true). */
  promotions?: boolean;
}

/** The rules of one request, resolved from its options and the stored rule set. */
export interface RequestPlan {
  /** Expressions every returned item must match. */
  filters: string[];
  boosts: { name: string; source: string; factor: number }[];
  slots: { name: string; source: string; slots: number }[];
  pins: { name: string; itemId: string; position: number }[];
}

/**
 * Resolves a request's rules; throws a 400 naming the problem for a bad filter
 * or an unknown filter name. `rules` null: the stored rules could not be read.
 */
export function planFor(opts: RuleOptions, rules: RuleSet | null, index: FilterIndex): RequestPlan | null {
  const filters: string[] = [];
  if (opts.filter !== undefined) {
    try {
      index.compile(opts.filter);
    } catch (err) {
      if (err instanceof RuleSyntaxError) throw badRequest('invalid_filter', `filter: ${err.message}`);
      throw err;
    }
    filters.push(opts.filter);
  }
  if (opts.filterName !== undefined) {
    const def = rules?.filters.find((f) => f.name === opts.filterName);
    if (!def) throw badRequest('unknown_filter', `filterName: no stored filter is named "${opts.filterName}"`);
    filters.push(def.expression);
  }
  const plan: RequestPlan = { filters, boosts: [], slots: [], pins: [] };
  if (opts.promotions !== false) {
    for (const p of rules?.promotions ?? []) {
      if (!p.enabled) continue;
      if (p.type === 'boost') plan.boosts.push({ name: p.name, source: p.expression, factor: p.factor });
      else if (p.type === 'slots') plan.slots.push({ name: p.name, source: p.expression, slots: p.slots });
      else plan.pins.push({ name: p.name, itemId: p.itemId, position: p.position });
    }
    plan.pins.sort((a, b) => a.position - b.position || (a.name < b.name ? -1 : 1));
  }
  const empty = !filters.length && !plan.boosts.length && !plan.slots.length && !plan.pins.length;
  return empty ? null : plan;
}

/**
 * planFor with the stored rules read when the request needs them. A request naming a stored
 * filter while the rules have never been read answers 503; without one it is served without
 * promotions (and /health says why).
 */
export async function requestPlan(
  opts: RuleOptions,
  cache: RuleCache | undefined,
  index: FilterIndex,
): Promise<RequestPlan | null> {
  // a malformed filter is refused before any store read
  if (opts.filter !== undefined) planFor({ filter: opts.filter, promotions: false }, null, index);
  const needed = opts.filterName !== undefined || opts.promotions !== false;
  let rules = cache && needed ? await cache.get() : null;
  // a filter stored since the last refresh is found at once, not after the refresh interval
  if (cache && opts.filterName !== undefined && !rules?.filters.some((f) => f.name === opts.filterName)) {
    rules = await cache.get(true);
  }
  if (opts.filterName !== undefined && cache && rules === null) {
    throw new ApiError(503, 'rules_unavailable', 'the stored filters could not be read; retry shortly', true, {
      'Retry-After': '1',
    });
  }
  return planFor(opts, rules, index);
}

/** A stored expression that no longer compiles is skipped rather than failing every request. */
function bitmapOrNull(index: FilterIndex, view: FilterView, sources: string[]): Uint8Array | null {
  try {
    return index.bitmap(view, sources);
  } catch (err) {
    if (err instanceof RuleSyntaxError) return null;
    throw err;
  }
}

/** The boost of a score: multiplied by f when ≥ 0, divided when negative (f > 1 always raises). */
export function boosted(score: number, f: number): number {
  return score >= 0 ? score * f : score / f;
}

/** One request's rule state over its scratch; created inside the request's scratch section. */
export class RulePass {
  /** The filters' bitmap for selectTop (null: no filter). */
  readonly allow: Uint8Array | null;
  private readonly boosts: { name: string; bits: Uint8Array; factor: number }[] = [];
  private readonly moved = new Map<number, string>();

  constructor(
    private readonly index: FilterIndex,
    private readonly view: FilterView,
    private readonly plan: RequestPlan,
  ) {
    this.allow = plan.filters.length ? index.bitmap(view, plan.filters) : null;
    for (const b of plan.boosts) {
      const bits = bitmapOrNull(index, view, [b.source]);
      if (bits) this.boosts.push({ name: b.name, bits, factor: b.factor });
    }
  }

  /**
   * The scores to select on: `base` with boosts applied, written to `out` (which may be `base`).
   * An item below flt.floor gets NaN (never selected) and flt.floor becomes -Infinity: the floor
   * is on the model's score, not the boosted one.
   */
  boost(base: Float32Array, out: Float32Array, flt: SelectFilter): Float32Array {
    if (this.boosts.length === 0) return base;
    const floor = flt.floor;
    for (let i = 0; i < base.length; i++) {
      let x = base[i];
      if (!(x >= floor)) x = Number.NaN;
      else for (const b of this.boosts) if (b.bits[i] === 1) x = boosted(x, b.factor);
      out[i] = x;
    }
    flt.floor = -Infinity;
    return out;
  }

  /**
   * Applies slot promotions and pins to the `count` answers in s.outIndex/outScore (ranked) and
   * returns the new count (≤ k). Boosted items get their model score back (`original`), so the
   * answer's score and probability stay the model's; the order is the rules'.
   */
  promote(
    s: Scratch,
    scores: Float32Array,
    count: number,
    k: number,
    flt: SelectFilter,
    itemIndex: ReadonlyMap<string, number>,
    original: (i: number) => number,
  ): number {
    let list: { i: number; score: number }[] = [];
    for (let r = 0; r < count; r++) list.push({ i: s.outIndex[r], score: s.outScore[r] });
    const counted: Uint8Array[] = [];
    const isMoved = (i: number) => this.moved.has(i);
    for (const p of this.plan.slots) {
      const bits = bitmapOrNull(this.index, this.view, [...this.plan.filters, p.source]);
      if (!bits) continue;
      counted.push(bits);
      let need = Math.min(p.slots, k) - list.filter((x) => bits[x.i] === 1).length;
      if (need <= 0) continue;
      const inList = new Set(list.map((x) => x.i));
      const n = selectTop(s, scores, Math.min(k + p.slots, s.outIndex.length), { ...flt, allow: bits });
      for (let r = 0; r < n && need > 0; r++) {
        const c = { i: s.outIndex[r], score: s.outScore[r] };
        if (inList.has(c.i)) continue;
        if (list.length >= k) {
          // the lowest-ranked item no promotion placed or counted gives its slot up
          let v = list.length - 1;
          while (v >= 0 && (isMoved(list[v].i) || counted.some((b) => b[list[v].i] === 1))) v--;
          if (v < 0) break;
          list.splice(v, 1);
        }
        list = insertByScore(list, c);
        this.moved.set(c.i, p.name);
        need--;
      }
    }
    const pinned = new Set<number>();
    for (const pin of this.plan.pins) {
      const i = itemIndex.get(pin.itemId);
      if (i === undefined || pinned.has(i) || !this.eligible(s, scores, flt, i)) continue;
      list = list.filter((x) => x.i !== i);
      list.splice(Math.min(pin.position - 1, list.length), 0, { i, score: scores[i] });
      this.moved.set(i, pin.name);
      pinned.add(i);
      if (list.length > k) {
        // pins take precedence: the lowest-ranked unpinned item leaves
        let v = list.length - 1;
        while (v >= 0 && pinned.has(list[v].i)) v--;
        list.splice(v >= 0 ? v : list.length - 1, 1);
      }
    }
    for (const [r, x] of list.entries()) {
      s.outIndex[r] = x.i;
      s.outScore[r] = this.boosts.some((b) => b.bits[x.i] === 1) ? original(x.i) : x.score;
    }
    return list.length;
  }

  /** The rules behind item i's place: the promotion or pin that moved it, then the boosts it matched (≤ 3). */
  reasons(i: number): { rule: string }[] {
    const names: string[] = [];
    const m = this.moved.get(i);
    if (m !== undefined) names.push(m);
    for (const b of this.boosts) if (b.bits[i] === 1 && !names.includes(b.name)) names.push(b.name);
    return names.slice(0, RULE_REASONS).map((rule) => ({ rule }));
  }

  /** Whether item i may be answered at all: the same tests selectTop makes. */
  private eligible(s: Scratch, scores: Float32Array, flt: SelectFilter, i: number): boolean {
    if (i >= scores.length || !(scores[i] >= flt.floor) || scores[i] === -Infinity) return false;
    if (s.excl[i] === s.gen || (flt.restrict && s.incl[i] !== s.gen)) return false;
    if (flt.blocked !== null && flt.blocked[i] === 1) return false;
    return this.allow === null || this.allow[i] === 1;
  }
}

/** Inserts c before the first entry scoring lower (ties: after equals), keeping the rest in order. */
function insertByScore(list: { i: number; score: number }[], c: { i: number; score: number }) {
  let at = list.findIndex((x) => x.score < c.score || (x.score === c.score && x.i > c.i));
  if (at < 0) at = list.length;
  list.splice(at, 0, c);
  return list;
}
