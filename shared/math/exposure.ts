/**
 * What a model's lists do to exposure: how unequally the slots of everyone's
 * top-k are spread over the catalog (Gini), how much of the catalog is shown
 * at all (coverage), how much goes to the long tail (items outside the top
 * 20% by popularity), and per group (a category, or any item property) the
 * share of slots against the group's share of interactions.
 */

/**
 * Gini coefficient of non-negative amounts, zeros included: 0 when all are
 * equal, (n − 1)/n when one holds everything. G = Σ (2i − n − 1)·x_(i) / (n·Σx),
 * x sorted ascending, i from 1. 0 for an empty or all-zero input.
 */
export function gini(x: ArrayLike<number>): number {
  const n = x.length;
  if (n === 0) return 0;
  const s = Float64Array.from(x).sort();
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += s[i];
    weighted += (2 * (i + 1) - n - 1) * s[i];
  }
  return total > 0 ? weighted / (n * total) : 0;
}

/**
 * Marks the head: the ceil(20%) most popular items (ties to the lower index).
 * Items with no interactions are never head.
 */
export function headItems(popularity: ArrayLike<number>, share = 0.2): Uint8Array {
  const n = popularity.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => popularity[b] - popularity[a] || a - b);
  const head = new Uint8Array(n);
  const h = Math.ceil(share * n);
  for (let r = 0; r < h; r++) if (popularity[order[r]] > 0) head[order[r]] = 1;
  return head;
}

export interface GroupExposure {
  group: string;
  /** Share of all recommended slots that went to the group's items. */
  exposure: number;
  /** Share of all interactions with the group's items. */
  interactions: number;
  /** exposure / interactions (1 = shown as often as it is used; absent when the group has no interactions). */
  ratio?: number;
}

export interface ExposureReport {
  /** Lists measured and the list length k. */
  users: number;
  k: number;
  /** Gini of slot counts over the whole catalog. */
  gini: number;
  /** Share of the catalog in at least one list. */
  coverage: number;
  /** Share of slots given to items outside the top 20% by popularity. */
  longTail: number;
  /** Share of interactions with those items (what longTail compares with). */
  longTailInteractions: number;
  /** Per group, largest exposure first (absent when no grouping was given). */
  groups?: GroupExposure[];
}

/** The manifest's `exposure` block (shared/training/exposure.ts fills it). */
export interface ModelExposure extends ExposureReport {
  /** What the groups are ("category" from the catalog), when there are groups. */
  groupedBy?: 'category';
  /** The same shares per value of each label property of the catalog (e.g. provider), by property name. */
  byProperty?: Record<string, GroupExposure[]>;
}

export interface ExposureInput {
  /** The lists, each of item indices (length ≤ k). */
  lists: Iterable<ArrayLike<number>>;
  k: number;
  items: number;
  /** Interactions per item (what "popular" and the groups' interaction shares are measured by). */
  interactions: ArrayLike<number>;
  /** Groups of an item (categories, a property's value); an item may be in several or none. */
  groupsOf?: (item: number) => readonly string[];
  /** Keep the largest groups by exposure or interactions (default 20); the rest are summed into "(other)". */
  maxGroups?: number;
}

export function exposureReport(input: ExposureInput): ExposureReport {
  const { items, k, interactions } = input;
  const slots = new Float64Array(items);
  let users = 0;
  let total = 0;
  for (const l of input.lists) {
    users++;
    for (let r = 0; r < l.length; r++) slots[l[r]]++;
    total += l.length;
  }
  const head = headItems(interactions);
  let covered = 0;
  let tailSlots = 0;
  let tailUse = 0;
  let use = 0;
  for (let i = 0; i < items; i++) {
    if (slots[i] > 0) covered++;
    use += interactions[i];
    if (!head[i]) {
      tailSlots += slots[i];
      tailUse += interactions[i];
    }
  }
  const report: ExposureReport = {
    users,
    k,
    gini: gini(slots),
    coverage: items ? covered / items : 0,
    longTail: total ? tailSlots / total : 0,
    longTailInteractions: use ? tailUse / use : 0,
  };
  if (input.groupsOf) report.groups = groupShares(slots, total, interactions, use, input.groupsOf, input.maxGroups);
  return report;
}

function groupShares(
  slots: Float64Array,
  total: number,
  interactions: ArrayLike<number>,
  use: number,
  groupsOf: (item: number) => readonly string[],
  maxGroups = 20,
): GroupExposure[] {
  const acc = new Map<string, { s: number; u: number }>();
  for (let i = 0; i < slots.length; i++) {
    if (slots[i] === 0 && interactions[i] === 0) continue;
    for (const g of groupsOf(i)) {
      let a = acc.get(g);
      if (!a) acc.set(g, (a = { s: 0, u: 0 }));
      a.s += slots[i];
      a.u += interactions[i];
    }
  }
  return groupRows([...acc.entries()], total, use, maxGroups);
}

/**
 * Groups' slot and interaction sums as rows, largest exposure first, the ones past `maxGroups` summed into
 * "(other)" — one ordering for the manifest's rows and the online report's.
 */
export function groupRows(
  sums: readonly (readonly [string, { s: number; u: number }])[],
  total: number,
  use: number,
  maxGroups: number,
): GroupExposure[] {
  const rows = [...sums].sort((x, y) => y[1].s - x[1].s || y[1].u - x[1].u || (x[0] < y[0] ? -1 : 1));
  const kept = rows.slice(0, maxGroups);
  if (rows.length > maxGroups) {
    const rest = rows.slice(maxGroups).reduce((a, [, v]) => ({ s: a.s + v.s, u: a.u + v.u }), { s: 0, u: 0 });
    kept.push(['(other)', rest]);
  }
  return kept.map(([group, v]) => {
    const exposure = total ? v.s / total : 0;
    const share = use ? v.u / use : 0;
    return {
      group,
      exposure: round4(exposure),
      interactions: round4(share),
      ...(share > 0 ? { ratio: round4(exposure / share) } : {}),
    };
  });
}

/** Manifest-sized numbers: four decimals are what anyone reads. */
export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
