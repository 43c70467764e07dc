/**
 * Filter expressions applied inside the top-k selection, against a brute-force
 * oracle: random catalogs, random expressions (generated as a tree, printed as
 * text, evaluated by a separate interpreter here), random scores and k. The
 * selection must return exactly the oracle's list: the k best matching items,
 * so exactly k whenever k match.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CatalogCache } from '../../shared/serving/catalog';
import { Scratch } from '../../shared/serving/prepared';
import { selectTop } from '../../shared/serving/select';
import { FilterIndex } from '../../shared/rules/filter-index';
import type { CatalogItem } from '../../shared/events';
import { FC } from './fc';

type Val = string | number | boolean;
type Ex =
  | { t: 'cmp'; prop: string; op: '==' | '!=' | '<' | '<=' | '>' | '>='; v: Val }
  | { t: 'in'; prop: string; vs: Val[] }
  | { t: 'has'; prop: string; v: string }
  | { t: 'cat'; op: '==' | '!='; v: string }
  | { t: 'null'; prop: string; op: '==' | '!=' }
  | { t: 'not'; a: Ex }
  | { t: 'and' | 'or'; a: Ex; b: Ex };

const PROPS = ['price', 'brand', 'sale', 'tags'];
const BRANDS = ['acme', 'zed', 'Ünï', 'a"b'];
const CATS = ['c1', 'c2', 'c3'];
const val: fc.Arbitrary<Val> = fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(...BRANDS), fc.boolean());

const ex: fc.Arbitrary<Ex> = fc.letrec<{ ex: Ex }>((tie) => ({
  ex: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      t: fc.constant('cmp' as const),
      prop: fc.constantFrom(...PROPS),
      op: fc.constantFrom('==', '!=', '<', '<=', '>', '>=' as const),
      v: fc.oneof(fc.integer({ min: -3, max: 12 }), fc.constantFrom(...BRANDS)),
    }),
    fc.record({ t: fc.constant('in' as const), prop: fc.constantFrom(...PROPS), vs: fc.array(val, { maxLength: 4 }) }),
    fc.record({ t: fc.constant('has' as const), prop: fc.constantFrom(...PROPS), v: fc.constantFrom('x', 'y') }),
    fc.record({
      t: fc.constant('cat' as const),
      op: fc.constantFrom('==', '!=' as const),
      v: fc.constantFrom(...CATS),
    }),
    fc.record({
      t: fc.constant('null' as const),
      prop: fc.constantFrom(...PROPS),
      op: fc.constantFrom('==', '!=' as const),
    }),
    fc.record({ t: fc.constant('not' as const), a: tie('ex') }),
    fc.record({ t: fc.constantFrom('and' as const, 'or' as const), a: tie('ex'), b: tie('ex') }),
  ),
})).ex;

const lit = (v: Val) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
function print(e: Ex): string {
  switch (e.t) {
    case 'cmp':
      return `${e.prop} ${e.op} ${lit(e.v)}`;
    case 'in':
      return `${e.prop} in [${e.vs.map(lit).join(', ')}]`;
    case 'has':
      return `${lit(e.v)} in ${e.prop}`;
    case 'cat':
      return `category ${e.op} ${lit(e.v)}`;
    case 'null':
      return `${e.prop} ${e.op} null`;
    case 'not':
      return `not (${print(e.a)})`;
    default:
      return `(${print(e.a)}) ${e.t} (${print(e.b)})`;
  }
}

/** The semantics of docs/rules.md, written out directly. */
function holds(e: Ex, props: Record<string, unknown> | undefined, cats: string[]): boolean {
  const has = (p: string) => props !== undefined && Object.hasOwn(props, p);
  const scalar = (x: unknown) => ['string', 'number', 'boolean'].includes(typeof x);
  switch (e.t) {
    case 'cmp': {
      if (!has(e.prop)) return false;
      const x = props![e.prop];
      if (e.op === '==') return scalar(x) && x === e.v;
      if (e.op === '!=') return !(scalar(x) && x === e.v);
      if (typeof x !== typeof e.v || (typeof x !== 'number' && typeof x !== 'string')) return false;
      const [a, b] = [x as number, e.v as number];
      return e.op === '<' ? a < b : e.op === '<=' ? a <= b : e.op === '>' ? a > b : a >= b;
    }
    case 'in':
      return has(e.prop) && scalar(props![e.prop]) && e.vs.includes(props![e.prop] as Val);
    case 'has':
      return has(e.prop) && Array.isArray(props![e.prop]) && (props![e.prop] as unknown[]).includes(e.v);
    case 'cat':
      return cats.includes(e.v) === (e.op === '==');
    case 'null':
      return (!has(e.prop) || props![e.prop] === null) === (e.op === '==');
    case 'not':
      return !holds(e.a, props, cats);
    case 'and':
      return holds(e.a, props, cats) && holds(e.b, props, cats);
    default:
      return holds(e.a, props, cats) || holds(e.b, props, cats);
  }
}

const propValue = fc.oneof(val, fc.constant(null), fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }));
const record = fc.record(
  {
    inCatalog: fc.boolean(),
    available: fc.boolean(),
    categories: fc.uniqueArray(fc.constantFrom(...CATS), { maxLength: 3 }),
    props: fc.option(fc.dictionary(fc.constantFrom(...PROPS), propValue, { maxKeys: 4 }), { nil: undefined }),
    score: fc.oneof(fc.constantFrom(0, 1, -1, 0.5), fc.float({ noNaN: true, noDefaultInfinity: true })),
    excluded: fc.boolean(),
  },
  { requiredKeys: ['inCatalog', 'available', 'categories', 'score', 'excluded'] },
);

describe('filters inside the top-k selection', () => {
  it('return the k best matching items (exactly k when k match), as a brute-force oracle does', async () => {
    const index = new FilterIndex();
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 40 }), ex, fc.nat(45), async (items, e, kRaw) => {
        const k = Math.min(kRaw, 40);
        const ids = items.map((_, i) => `item-${i}`);
        const catalog: CatalogItem[] = items.flatMap((it, i) =>
          it.inCatalog
            ? [
                {
                  itemId: ids[i],
                  categories: it.categories,
                  available: it.available,
                  properties: it.props,
                  createdAt: '2026-01-01T00:00:00Z',
                  updatedAt: '2026-01-01T00:00:00Z',
                },
              ]
            : [],
        );
        const cache = new CatalogCache({ listCatalog: async () => catalog }, { refreshSeconds: 60 });
        await cache.refresh();
        const itemIndex = new Map(ids.map((id, i) => [id, i]));
        const view = cache.viewOf(itemIndex, ids.length);
        const source = print(e);
        const allow = index.bitmap(view, [source]);

        const s = new Scratch(items.length);
        const gen = s.nextGeneration();
        items.forEach((it, i) => {
          if (it.excluded) s.excl[i] = gen;
        });
        const scores = Float32Array.from(items.map((it) => it.score));
        const n = selectTop(s, scores, k, { restrict: false, blocked: view.blocked, floor: -Infinity, allow });
        const got = Array.from(s.outIndex.subarray(0, n));

        const qualifying = items
          .map((it, i) => ({ it, i }))
          .filter(({ it }) => !it.excluded && (!it.inCatalog || it.available))
          .filter(({ it }) => holds(e, it.inCatalog ? it.props : undefined, it.inCatalog ? it.categories : []))
          .map(({ i }) => i)
          .sort((a, b) => scores[b] - scores[a] || a - b);
        expect(got, source).toEqual(qualifying.slice(0, k));
        expect(n).toBe(Math.min(k, qualifying.length));
      }),
      { ...FC, numRuns: 300 },
    );
  });
});
