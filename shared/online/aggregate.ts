/**
 * Incremental online counts per (model version, variant): each run folds the
 * events received since the last watermark into a small state, so no run
 * rereads history. Impressions open a recommendation (keyed by its
 * recommendationId, with the user, model version and variant the app echoed);
 * a click or purchase carrying that recommendationId, from the same user,
 * within the attribution window, is attributed to it. Outcomes that arrive
 * before their impressions wait (pending) for up to PENDING_MS.
 *
 * Counting units, so every rate is a proportion of independent-looking trials:
 * - impression: a distinct (recommendation, item) shown; a click counts once per
 *   impression it follows (a double click is one), so clicks ≤ impressions;
 * - conversion: a recommendation with at least one attributed purchase;
 *   revenue sums every attributed purchase's value.
 */
import type { Interaction } from '../events';
import {
  countInteraction,
  countShown,
  countsAsExposure,
  type ExposureGroupFields,
  type ExposureStateFields,
} from './exposure';

/** A recommendation is attributable this long after its first impression was received. */
export const ATTRIBUTION_WINDOW_MS = 24 * 3_600_000;
/** A click or purchase whose impressions have not arrived waits this long before it counts as unattributed. */
export const PENDING_MS = 3_600_000;
/** Positions counted one by one (CTR@k for k up to this). */
export const TRACKED_POSITIONS = 20;
/** Groups beyond this many fold into modelVersion "other" (a bound on state size and metric dimensions). */
export const MAX_GROUPS = 64;
/** Distinct items remembered per group for coverage; beyond, coverage is a lower bound. */
export const MAX_ITEMS_PER_GROUP = 100_000;
export const UNKNOWN_VERSION = 'unknown';

export interface Counts {
  recommendations: number;
  impressions: number;
  clicks: number;
  conversions: number;
  purchases: number;
  revenue: number;
  /** Impressions and clicks at positions 1..TRACKED_POSITIONS (index = position − 1). */
  impressionsAt: number[];
  clicksAt: number[];
}

export interface Group extends ExposureGroupFields {
  modelVersion: string;
  /** "experiment:variant", or null outside any experiment. */
  variant: string | null;
  counts: Counts;
  /** Distinct items shown (at most MAX_ITEMS_PER_GROUP). */
  items: string[];
}

interface OpenRecommendation {
  userId: string;
  group: string;
  /** receivedAt of its first impression (ms). */
  at: number;
  /** item → position (0 when the impression named none). */
  shown: Record<string, number>;
  clicked: string[];
  converted: boolean;
}

type Outcome = Pick<Interaction, 'eventId' | 'userId' | 'itemId' | 'type' | 'value' | 'receivedAt'> & {
  recommendationId: string;
};

export interface OnlineState extends ExposureStateFields {
  version: 1;
  /** Every event received at or before this (ms) has been folded in. */
  watermark: number;
  updatedAt: number;
  groups: Record<string, Group>;
  open: Record<string, OpenRecommendation>;
  pending: Outcome[];
  /** Clicks and purchases whose recommendation was never seen, or not within the window, or another user's. */
  unattributed: number;
}

export const emptyState = (watermark = 0): OnlineState => ({
  version: 1,
  watermark,
  updatedAt: 0,
  groups: {},
  open: {},
  pending: [],
  unattributed: 0,
});

export const emptyCounts = (): Counts => ({
  recommendations: 0,
  impressions: 0,
  clicks: 0,
  conversions: 0,
  purchases: 0,
  revenue: 0,
  impressionsAt: new Array(TRACKED_POSITIONS).fill(0),
  clicksAt: new Array(TRACKED_POSITIONS).fill(0),
});

export const groupKey = (modelVersion: string, variant: string | null) => `${modelVersion}\u0000${variant ?? ''}`;

/** What one fold added, per group key: the job publishes these as metrics. */
export type Delta = Map<string, { modelVersion: string; variant: string | null; counts: Counts }>;

/**
 * Folds events received in (state.watermark, upTo] into `state` (mutated) and
 * returns what was added. Events outside that range are ignored, so a run that
 * re-reads an overlapping range cannot count anything twice.
 */
export function foldEvents(state: OnlineState, events: Iterable<Interaction>, upTo: number): Delta {
  const delta: Delta = new Map();
  const bump = (key: string, f: (c: Counts) => void) => {
    const g = state.groups[key];
    f(g.counts);
    let d = delta.get(key);
    if (!d) delta.set(key, (d = { modelVersion: g.modelVersion, variant: g.variant, counts: emptyCounts() }));
    f(d.counts);
  };
  const from = state.watermark;
  const outcomes: Outcome[] = [];
  const shown: Interaction[] = [];
  for (const ev of events) {
    if (!(ev.receivedAt > from && ev.receivedAt <= upTo)) continue;
    // popularity for the exposure numbers: every event but an impression, attributed or not
    if (ev.type !== 'impression') countInteraction(state, ev.itemId);
    if (ev.recommendationId === undefined) continue;
    if (ev.type === 'impression') shown.push(ev);
    else if (ev.type === 'click' || ev.type === 'purchase')
      outcomes.push({
        eventId: ev.eventId,
        userId: ev.userId,
        itemId: ev.itemId,
        type: ev.type,
        value: ev.value,
        receivedAt: ev.receivedAt,
        recommendationId: ev.recommendationId,
      });
  }
  // Impressions first (by receive time, then id: the same answer for any read order), then outcomes.
  const order = (a: { receivedAt: number; eventId: string }, b: { receivedAt: number; eventId: string }) =>
    a.receivedAt - b.receivedAt || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
  shown.sort(order);
  for (const ev of shown) {
    const id = ev.recommendationId as string;
    let rec = state.open[id];
    if (!rec) {
      const key = ensureGroup(state, ev.modelVersion ?? UNKNOWN_VERSION, ev.variant ?? null);
      rec = state.open[id] = {
        userId: ev.userId,
        group: key,
        at: ev.receivedAt,
        shown: {},
        clicked: [],
        converted: false,
      };
      bump(key, (c) => c.recommendations++);
    }
    if (rec.userId !== ev.userId || ev.itemId in rec.shown) continue;
    const pos = ev.position ?? 0;
    rec.shown[ev.itemId] = pos;
    const g = state.groups[rec.group];
    const items = itemIndex(g);
    let at = items.get(ev.itemId);
    if (at === undefined && items.size < MAX_ITEMS_PER_GROUP) {
      items.set(ev.itemId, (at = g.items.push(ev.itemId) - 1));
    }
    if (countsAsExposure(pos)) countShown(g, at ?? -1);
    bump(rec.group, (c) => {
      c.impressions++;
      if (pos >= 1 && pos <= TRACKED_POSITIONS) c.impressionsAt[pos - 1]++;
    });
  }
  const waiting = [...state.pending, ...outcomes].sort(order);
  state.pending = [];
  for (const o of waiting) {
    const rec = state.open[o.recommendationId];
    if (!rec) {
      if (upTo - o.receivedAt <= PENDING_MS) state.pending.push(o);
      else state.unattributed++;
      continue;
    }
    if (rec.userId !== o.userId || o.receivedAt - rec.at > ATTRIBUTION_WINDOW_MS) {
      state.unattributed++;
      continue;
    }
    if (o.type === 'click') {
      const pos = rec.shown[o.itemId];
      // a click on an item the app did not report as shown has no impression to count against
      if (pos === undefined) {
        state.unattributed++;
        continue;
      }
      if (rec.clicked.includes(o.itemId)) continue;
      rec.clicked.push(o.itemId);
      bump(rec.group, (c) => {
        c.clicks++;
        if (pos >= 1 && pos <= TRACKED_POSITIONS) c.clicksAt[pos - 1]++;
      });
    } else {
      const first = !rec.converted;
      rec.converted = true;
      bump(rec.group, (c) => {
        c.purchases++;
        c.revenue += o.value ?? 0;
        if (first) c.conversions++;
      });
    }
  }
  // Close recommendations past the window: their outcomes can no longer count.
  for (const [id, rec] of Object.entries(state.open)) if (upTo - rec.at > ATTRIBUTION_WINDOW_MS) delete state.open[id];
  state.watermark = Math.max(state.watermark, upTo);
  return delta;
}

// The state is plain JSON (stored as is); a Map beside each group's item list keeps a fold linear.
const itemIndexes = new WeakMap<Group, Map<string, number>>();
function itemIndex(g: Group): Map<string, number> {
  let m = itemIndexes.get(g);
  if (!m) itemIndexes.set(g, (m = new Map(g.items.map((id, j) => [id, j]))));
  return m;
}

function ensureGroup(state: OnlineState, modelVersion: string, variant: string | null): string {
  let key = groupKey(modelVersion, variant);
  if (state.groups[key]) return key;
  if (Object.keys(state.groups).length >= MAX_GROUPS) {
    key = groupKey('other', variant);
    if (state.groups[key]) return key;
    modelVersion = 'other';
  }
  state.groups[key] = { modelVersion, variant, counts: emptyCounts(), items: [] };
  return key;
}

/**
 * Drops what the state knows of erased users (their open recommendations and
 * waiting outcomes). Counts already added stay: they hold no user id.
 */
export function forgetUsers(state: OnlineState, erased: ReadonlySet<string>): void {
  for (const [id, rec] of Object.entries(state.open)) if (erased.has(rec.userId)) delete state.open[id];
  state.pending = state.pending.filter((o) => !erased.has(o.userId));
}
