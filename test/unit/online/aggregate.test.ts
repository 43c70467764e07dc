/** Incremental online counts on tiny exact cases: attribution, dedup, windows, erasure, per-group reports. */
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import {
  ATTRIBUTION_WINDOW_MS,
  emptyState,
  foldEvents,
  forgetUsers,
  groupKey,
  PENDING_MS,
} from '../../../shared/online/aggregate';
import { buildReport } from '../../../shared/online/report';

const T = Date.UTC(2026, 10, 30, 12);
const R1 = '0190a000-0000-7000-8000-000000000001';
const R2 = '0190a000-0000-7000-8000-000000000002';
let n = 0;
const ev = (p: Partial<Interaction> & Pick<Interaction, 'type' | 'itemId'>): Interaction => ({
  eventId: `e${++n}`,
  userId: 'u1',
  timestamp: T,
  receivedAt: T + 1,
  ...p,
});
const shown = (rec: string, itemId: string, position: number, extra: Partial<Interaction> = {}) =>
  ev({ type: 'impression', itemId, recommendationId: rec, position, modelVersion: 'v1', ...extra });

describe('foldEvents', () => {
  it('counts impressions per answer, one click per impression, conversions per answer and revenue', () => {
    const s = emptyState(T);
    const delta = foldEvents(
      s,
      [
        shown(R1, 'a', 1),
        shown(R1, 'b', 2),
        shown(R1, 'b', 2), // the same item reported twice: one impression
        shown(R2, 'a', 1, { variant: 'x:b' }),
        ev({ type: 'click', itemId: 'b', recommendationId: R1 }),
        ev({ type: 'click', itemId: 'b', recommendationId: R1 }), // double click
        ev({ type: 'click', itemId: 'z', recommendationId: R1 }), // never shown: unattributed
        ev({ type: 'purchase', itemId: 'b', value: 10, recommendationId: R1 }),
        ev({ type: 'purchase', itemId: 'a', value: 5, recommendationId: R1 }),
        ev({ type: 'view', itemId: 'a', recommendationId: R1 }), // views are neither clicks nor purchases
        ev({ type: 'click', itemId: 'a' }), // no recommendationId: not online data
      ],
      T + 10,
    );
    const g = s.groups[groupKey('v1', null)];
    expect(g.counts).toMatchObject({
      recommendations: 1,
      impressions: 2,
      clicks: 1,
      conversions: 1,
      purchases: 2,
      revenue: 15,
    });
    expect(g.counts.impressionsAt.slice(0, 3)).toEqual([1, 1, 0]);
    expect(g.counts.clicksAt.slice(0, 3)).toEqual([0, 1, 0]);
    expect(g.items.sort()).toEqual(['a', 'b']);
    expect(s.groups[groupKey('v1', 'x:b')].counts).toMatchObject({ recommendations: 1, impressions: 1, clicks: 0 });
    expect(s.unattributed).toBe(1);
    expect(s.watermark).toBe(T + 10);
    expect(delta.get(groupKey('v1', null))!.counts.clicks).toBe(1);
  });

  it('ignores events outside (watermark, upTo]: a re-read range counts nothing twice', () => {
    const s = emptyState(T);
    const events = [shown(R1, 'a', 1), ev({ type: 'click', itemId: 'a', recommendationId: R1 })];
    foldEvents(s, events, T + 10);
    const again = foldEvents(s, events, T + 20);
    expect(again.size).toBe(0);
    expect(s.groups[groupKey('v1', null)].counts).toMatchObject({ impressions: 1, clicks: 1 });
  });

  it('a click received before its impression waits, then counts; one from another user never does', () => {
    const s = emptyState(T);
    foldEvents(s, [ev({ type: 'click', itemId: 'a', recommendationId: R1, receivedAt: T + 5 })], T + 10);
    expect(s.pending).toHaveLength(1);
    foldEvents(
      s,
      [
        shown(R1, 'a', 1, { receivedAt: T + 15 }),
        ev({ type: 'click', itemId: 'a', recommendationId: R1, userId: 'u2', receivedAt: T + 16 }),
      ],
      T + 20,
    );
    expect(s.pending).toHaveLength(0);
    expect(s.groups[groupKey('v1', null)].counts.clicks).toBe(1);
    expect(s.unattributed).toBe(1);
  });

  it('outcomes past the windows are unattributed and closed answers are dropped from the state', () => {
    const s = emptyState(T);
    foldEvents(s, [ev({ type: 'click', itemId: 'a', recommendationId: R2, receivedAt: T + 5 })], T + 10);
    foldEvents(s, [shown(R1, 'a', 1, { receivedAt: T + 20 })], T + 10 + PENDING_MS + 1);
    expect(s.pending).toHaveLength(0);
    expect(s.unattributed).toBe(1);
    const late = T + 20 + ATTRIBUTION_WINDOW_MS + 1;
    foldEvents(s, [ev({ type: 'click', itemId: 'a', recommendationId: R1, receivedAt: late })], late);
    expect(s.unattributed).toBe(2);
    expect(Object.keys(s.open)).toEqual([]);
  });

  it('forgetUsers drops open answers and waiting outcomes of erased users, keeping the counts', () => {
    const s = emptyState(T);
    foldEvents(s, [shown(R1, 'a', 1), ev({ type: 'click', itemId: 'a', recommendationId: R2, userId: 'u2' })], T + 10);
    forgetUsers(s, new Set(['u1', 'u2']));
    expect(s.open).toEqual({});
    expect(s.pending).toEqual([]);
    expect(JSON.stringify(s)).not.toMatch(/u1|u2/);
    expect(s.groups[groupKey('v1', null)].counts.impressions).toBe(1);
  });
});

describe('buildReport', () => {
  it('rates per model version and variant, CTR@k, coverage of the served catalog', () => {
    const s = emptyState(T);
    foldEvents(
      s,
      [
        shown(R1, 'a', 1, { variant: 'exp:control' }),
        shown(R1, 'b', 2, { variant: 'exp:control' }),
        shown(R2, 'c', 1, { variant: 'exp:b', modelVersion: 'v2' }),
        ev({ type: 'click', itemId: 'b', recommendationId: R1 }),
        ev({ type: 'purchase', itemId: 'c', value: 7, recommendationId: R2 }),
      ],
      T + 10,
    );
    const r = buildReport(s, null, 10);
    expect(r.totals).toMatchObject({
      recommendations: 2,
      impressions: 3,
      clicks: 1,
      conversions: 1,
      revenue: 7,
      itemsShown: 3,
    });
    expect(r.totals.coverage).toBeCloseTo(0.3, 12);
    expect(r.totals.ctr!.rate).toBeCloseTo(1 / 3, 12);
    expect(r.totals.ctrAt).toEqual({ '1': 0, '3': 1 / 3, '5': 1 / 3, '10': 1 / 3 });
    expect(r.byModelVersion.map((x) => [x.modelVersion, x.impressions])).toEqual([
      ['v1', 2],
      ['v2', 1],
    ]);
    expect(r.byVariant.map((x) => [x.variant, x.clicks, x.conversions])).toEqual([
      ['exp:b', 0, 1],
      ['exp:control', 1, 0],
    ]);
    expect(r.countedUntil).toBe(new Date(T + 10).toISOString());
  });

  it('is empty, not an error, before the first run', () => {
    const r = buildReport(null, null, null);
    expect(r.totals.impressions).toBe(0);
    expect(r.totals.ctr).toBeNull();
    expect(r.countedUntil).toBeNull();
  });
});
