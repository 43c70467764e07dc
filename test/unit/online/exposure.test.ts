/**
 * Exposure per variant from impressions (issue #14 §4): tiny cases by hand and
 * against the manifest's measure (shared/math/exposure.ts) over the same lists,
 * and a fold in pieces equal to one fold over everything (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import { exposureReport, gini, round4 } from '../../../shared/math/exposure';
import { emptyState, foldEvents, groupKey } from '../../../shared/online/aggregate';
import {
  countShown,
  EXPOSURE_K,
  exposureUniverse,
  onlineExposure,
  sparseGini,
  countInteraction,
  type ExposureStateFields,
  MAX_INTERACTION_ITEMS,
} from '../../../shared/online/exposure';
import { buildReport } from '../../../shared/online/report';
import { OnlineReport } from '../../../shared/online/schemas';
import { FC } from '../../property/fc';

const T = Date.UTC(2026, 10, 30, 12);
const rec = (n: number) => `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`;

let seq = 0;
const impression = (r: number, itemId: string, position: number | undefined, variant: string, at = T + 1) =>
  ({
    eventId: `i${String(++seq).padStart(6, '0')}`,
    userId: `u${r}`,
    itemId,
    type: 'impression',
    timestamp: at,
    receivedAt: at,
    recommendationId: rec(r),
    modelVersion: 'v1',
    variant,
    ...(position === undefined ? {} : { position }),
  }) as Interaction;
const used = (itemId: string, at = T + 1): Interaction => ({
  eventId: `v${String(++seq).padStart(6, '0')}`,
  userId: 'someone',
  itemId,
  type: 'view',
  timestamp: at,
  receivedAt: at,
});

const ITEMS = ['a', 'b', 'c', 'd', 'e'];
const CATEGORY: Record<string, string[]> = { a: ['rock'], b: ['rock'], c: ['jazz'], d: ['jazz', 'folk'], e: [] };
// provider is a label (two values); price is a number and never a group
const PROPERTIES: Record<string, Record<string, unknown>> = {
  a: { provider: 'x', price: 1 },
  b: { provider: 'x' },
  c: { provider: 'y' },
  d: { provider: 'y', price: 3 },
};
const catalog = {
  itemIds: ITEMS,
  categoriesOf: (id: string) => CATEGORY[id] ?? [],
  propertiesOf: (id: string) => PROPERTIES[id],
};

describe('exposure per variant', () => {
  it('by hand: Gini, coverage, long tail and categories of what was shown, positions beyond 10 left out', () => {
    const s = emptyState(T);
    foldEvents(
      s,
      [
        impression(1, 'a', 1, 'x:control'),
        impression(1, 'b', 2, 'x:control'),
        impression(2, 'a', 1, 'x:control'),
        impression(2, 'c', 11, 'x:control'), // scrolled to: shown, not exposure in the top-10
        impression(3, 'c', undefined, 'x:new'), // no position given: counts
        impression(3, 'd', 2, 'x:new'),
        ...['a', 'a', 'a', 'b', 'c', 'd', 'e', 'e'].map((i) => used(i)),
      ],
      T + 10,
    );
    const report = buildReport(s, null, ITEMS.length, catalog);
    expect(OnlineReport.safeParse(report).success).toBe(true);
    const control = report.byVariant.find((r) => r.variant === 'x:control')!;
    // slots a 2, b 1, c d e 0 over 5 items: sorted 0 0 0 1 2 → (1·(8−6) + 2·(10−6)) / (5·3) = 10/15
    expect(control.exposure).toMatchObject({ k: 10, impressions: 3, catalogItems: 5, coverage: 0.4 });
    expect(control.exposure!.gini).toBeCloseTo(10 / 15, 4);
    expect(control.itemsShown).toBe(3); // c was shown (position 11) but is no exposure
    // head = the top 20% of 5 items by use = a (3 views): b holds 1 of 3 slots
    expect(control.exposure!.longTail).toBeCloseTo(1 / 3, 4);
    expect(control.exposure!.longTailInteractions).toBeCloseTo(5 / 8, 4);
    expect(control.exposure!.groups).toEqual([
      { group: 'rock', exposure: 1, interactions: 0.5, ratio: 2 },
      { group: 'jazz', exposure: 0, interactions: 0.25, ratio: 0 },
      { group: 'folk', exposure: 0, interactions: 0.125, ratio: 0 },
    ]);
    // by provider: x (a, b) holds every slot and 4 of 8 uses; y (c, d) none of the slots and 2 of 8
    expect(control.exposure!.byProperty).toEqual({
      provider: [
        { group: 'x', exposure: 1, interactions: 0.5, ratio: 2 },
        { group: 'y', exposure: 0, interactions: 0.25, ratio: 0 },
      ],
    });
    const treated = report.byVariant.find((r) => r.variant === 'x:new')!;
    expect(treated.exposure).toMatchObject({ impressions: 2, coverage: 0.4, longTail: 1 });
    expect(report.totals.exposure).toMatchObject({ impressions: 5, coverage: 0.8 });
    // the same lists through the manifest's measure
    const ref = exposureReport({
      lists: [[0, 1], [0]],
      k: 10,
      items: 5,
      interactions: [3, 1, 1, 1, 2],
      groupsOf: (i) => CATEGORY[ITEMS[i]],
    });
    expect(control.exposure).toMatchObject({
      gini: round4(ref.gini),
      coverage: round4(ref.coverage),
      longTail: round4(ref.longTail),
      longTailInteractions: round4(ref.longTailInteractions),
      groups: ref.groups,
    });
  });

  it('is null before any impression in the top-k, and without a catalog measures the items the state has seen', () => {
    const s = emptyState(T);
    foldEvents(s, [impression(1, 'a', 12, 'x:control'), used('b'), used('c')], T + 10);
    const r = buildReport(s, null, null);
    expect(r.totals.exposure).toBeNull();
    foldEvents(s, [impression(2, 'b', 3, 'x:control', T + 20)], T + 30);
    // a (shown at 12), b and c (used): three items, one of them exposed
    expect(buildReport(s, null, null).totals.exposure).toMatchObject({ catalogItems: 3, coverage: round4(1 / 3) });
  });

  it('impressions of items beyond the per-group cap are summed, not spread', () => {
    const g = { items: ['a'] };
    countShown(g, 0);
    countShown(g, -1);
    countShown(g, -1);
    expect(g).toEqual({ items: ['a'], shown: [1], shownBeyondCap: 2 });
    // interactions: one counter per item up to the cap, the rest summed (a fold stays linear at the cap)
    const st: ExposureStateFields = {};
    for (let i = 0; i <= MAX_INTERACTION_ITEMS; i++) countInteraction(st, `i${i}`);
    countInteraction(st, 'i0');
    expect([st.interactionItems!.length, st.interactionCounts![0], st.interactionsBeyondCap]).toEqual([
      MAX_INTERACTION_ITEMS,
      2,
      1,
    ]);
    const u = exposureUniverse({}, ['a'], { itemIds: ['a', 'b'] });
    expect(onlineExposure(new Map([['a', 1]]), 2, u)).toMatchObject({ impressions: 1, beyondCap: 2, gini: 0.5 });
  });

  it('a state saved before the exposure fields reports no exposure rather than failing', () => {
    const s = emptyState(T);
    foldEvents(s, [impression(1, 'a', 1, 'x:control')], T + 10);
    const g = s.groups[groupKey('v1', 'x:control')];
    delete g.shown;
    delete s.interactionItems;
    delete s.interactionCounts;
    expect(buildReport(JSON.parse(JSON.stringify(s)), null, 5, catalog).totals.exposure).toBeNull();
  });

  it('sparse Gini equals the Gini of the full vector (zeros included)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }), fc.nat(30), (pos, zeros) => {
        const full = [...pos, ...new Array(zeros).fill(0)];
        expect(sparseGini(pos, full.length)).toBeCloseTo(gini(full), 12);
      }),
      FC,
    );
  });

  // One answer: its group, its items (distinct) with positions (undefined = none given), when it was shown.
  const answer = fc.record({
    variant: fc.constantFrom('x:control', 'x:new'),
    items: fc.uniqueArray(fc.nat(11), { minLength: 1, maxLength: 12 }),
    noPosition: fc.boolean(),
    at: fc.integer({ min: 1, max: 3_600_000 }),
  });
  const world = fc.record({
    answers: fc.array(answer, { minLength: 1, maxLength: 25 }),
    uses: fc.array(fc.record({ item: fc.nat(11), at: fc.integer({ min: 1, max: 3_600_000 }) }), { maxLength: 40 }),
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: 3_600_000 }), { maxLength: 5 }),
  });
  const names = Array.from({ length: 12 }, (_, i) => `item-${i}`);
  const cats = (id: string) => [`g${Number(id.slice(5)) % 3}`, ...(id.endsWith('1') ? ['ones'] : [])];
  const provider = (id: string) => (Number(id.slice(5)) % 4 === 3 ? [] : [`p${Number(id.slice(5)) % 2}`]);

  it('folding in pieces equals one fold, and both equal the manifest measure over the same lists', () => {
    fc.assert(
      fc.property(world, ({ answers, uses, cuts }) => {
        seq = 0;
        const events: Interaction[] = [];
        for (const [r, a] of answers.entries())
          for (const [j, item] of a.items.entries())
            events.push(impression(r, names[item], a.noPosition ? undefined : j + 1, a.variant, T + a.at));
        for (const u of uses) events.push(used(names[u.item], T + u.at));
        const end = T + 3_600_000;
        const once = emptyState(T);
        foldEvents(once, events, end);
        const pieces = emptyState(T);
        for (const c of [...cuts].sort((x, y) => x - y)) foldEvents(pieces, [...events].reverse(), T + c);
        foldEvents(pieces, events, end);
        const cat = {
          itemIds: names,
          categoriesOf: cats,
          propertiesOf: (id: string) => (provider(id).length ? { provider: provider(id)[0] } : {}),
        };
        const a = buildReport(once, null, names.length, cat);
        expect(buildReport(pieces, null, names.length, cat)).toEqual(a);
        // from scratch: each variant's lists of exposure slots through shared/math/exposure.ts
        const interactions = new Array(names.length).fill(0);
        for (const u of uses) interactions[u.item]++;
        for (const variant of ['x:control', 'x:new']) {
          const lists = answers
            .filter((x) => x.variant === variant)
            .map((x) => x.items.filter((_, j) => x.noPosition || j + 1 <= EXPOSURE_K));
          const row = a.byVariant.find((r) => r.variant === variant);
          if (lists.every((l) => l.length === 0)) {
            expect(row?.exposure ?? null).toBeNull();
            continue;
          }
          const ref = exposureReport({
            lists,
            k: EXPOSURE_K,
            items: names.length,
            interactions,
            groupsOf: (i) => cats(names[i]),
          });
          const byProvider = exposureReport({
            lists,
            k: EXPOSURE_K,
            items: names.length,
            interactions,
            groupsOf: (i) => provider(names[i]),
          });
          expect(row!.exposure).toEqual({
            k: EXPOSURE_K,
            impressions: lists.reduce((s, l) => s + l.length, 0),
            beyondCap: 0,
            catalogItems: names.length,
            gini: round4(ref.gini),
            coverage: round4(ref.coverage),
            longTail: round4(ref.longTail),
            longTailInteractions: round4(ref.longTailInteractions),
            groups: ref.groups,
            byProperty: { provider: byProvider.groups },
          });
        }
      }),
      { ...FC, numRuns: 100 },
    );
  });
});
