/**
 * Calibrated re-ranking (Steck 2018, "Calibrated Recommendations"): the list's
 * category distribution q should match the user's history distribution p, so
 * a user who watches 70% drama and 30% comedy does not get 100% drama.
 *
 * p(g|u) = Σ_h w_h·p(g|h) / Σ_h w_h over history items h, with p(g|i) = 1/|categories(i)|.
 * q(g|list) is the same over the list, uniform weights. Miscalibration is
 * C_KL(p, q) = Σ_g p(g) log(p(g) / q̃(g)), q̃ = (1 − α)q + αp (α = 0.01 keeps it finite).
 * The list greedily maximises (1 − λ)·Σ relevance − λ·C_KL, relevance min-max
 * scaled to [0, 1] over the pool (as in MMR, so λ means the same for every kind).
 * The greedy choice is Steck's own (the objective is submodular-like; he reports it near optimal).
 */
import { scaled } from './diversity';

export const CALIBRATION_ALPHA = 0.01;

/** A distribution over categories: category → probability (sums to 1 when non-empty). */
export type CategoryDistribution = ReadonlyMap<string, number>;

/** p(g|u) from weighted history items; items without categories are left out. */
export function categoryDistribution(
  history: Iterable<{ categories: readonly string[]; weight?: number }>,
): Map<string, number> {
  const p = new Map<string, number>();
  let total = 0;
  for (const h of history) {
    const cats = [...new Set(h.categories)];
    const w = h.weight ?? 1;
    if (cats.length === 0 || !(w > 0)) continue;
    for (const g of cats) p.set(g, (p.get(g) ?? 0) + w / cats.length);
    total += w;
  }
  for (const [g, v] of p) p.set(g, v / total);
  return p;
}

/** C_KL(p, q̃) of a list (its items' category lists); 0 when p is empty. */
export function miscalibration(p: CategoryDistribution, list: Iterable<readonly string[]>): number {
  const mass = new Map<string, number>();
  let total = 0;
  for (const cats of list) {
    const set = [...new Set(cats)];
    for (const g of set) mass.set(g, (mass.get(g) ?? 0) + 1 / set.length);
    if (set.length) total += 1;
  }
  let kl = 0;
  for (const [g, pg] of p) {
    const q = total ? (mass.get(g) ?? 0) / total : 0;
    kl += pg * Math.log(pg / ((1 - CALIBRATION_ALPHA) * q + CALIBRATION_ALPHA * pg));
  }
  return kl;
}

/**
 * Picks at most k pool positions (pool given best-first with its relevance)
 * maximising (1 − λ)·Σ rel − λ·C_KL(p, q(list)), one greedy step at a time;
 * ties go to the earlier position, so λ = 0 (or an empty p) is the plain top-k.
 */
export function calibratedRerank(
  relevance: ArrayLike<number>,
  categoriesOf: (p: number) => readonly string[],
  target: CategoryDistribution,
  k: number,
  lambda: number,
): number[] {
  const n = relevance.length;
  const lam = Number.isFinite(lambda) ? Math.min(1, Math.max(0, lambda)) : 0;
  const rel = scaled(relevance);
  const groups = [...target.keys()];
  const pg = groups.map((g) => target.get(g)!);
  const gIndex = new Map(groups.map((g, j) => [g, j]));
  // each candidate's category mass on the target's categories, and its total mass (any category)
  const share: { j: number; m: number }[][] = [];
  const hasCats = new Uint8Array(n);
  for (let c = 0; c < n; c++) {
    const cats = [...new Set(categoriesOf(c))];
    hasCats[c] = cats.length > 0 ? 1 : 0;
    share.push(cats.filter((g) => gIndex.has(g)).map((g) => ({ j: gIndex.get(g)!, m: 1 / cats.length })));
  }
  const mass = new Float64Array(groups.length);
  let listed = 0;
  const taken = new Uint8Array(n);
  const out: number[] = [];
  // one term of C_KL: p_j log(p_j / q̃_j) with q_j = m / total
  const term = (j: number, m: number, total: number) => {
    const q = total ? m / total : 0;
    return pg[j] * Math.log(pg[j] / ((1 - CALIBRATION_ALPHA) * q + CALIBRATION_ALPHA * pg[j]));
  };
  // terms after adding any categorised item (total + 1), before its own categories are counted:
  // a candidate then changes only the terms of its categories, so scoring it costs O(its categories)
  const plusOne = new Float64Array(groups.length);
  let relSum = 0;
  while (out.length < k) {
    let klPlusOne = 0;
    let klSame = 0;
    if (lam > 0)
      for (let j = 0; j < pg.length; j++) {
        plusOne[j] = term(j, mass[j], listed + 1);
        klPlusOne += plusOne[j];
        klSame += term(j, mass[j], listed);
      }
    let best = -1;
    let bestValue = -Infinity;
    for (let c = 0; c < n; c++) {
      if (taken[c]) continue;
      let v = (1 - lam) * (relSum + rel[c]);
      if (lam > 0 && pg.length) {
        let kl = hasCats[c] ? klPlusOne : klSame;
        if (hasCats[c]) for (const { j, m } of share[c]) kl += term(j, mass[j] + m, listed + 1) - plusOne[j];
        v -= lam * kl;
      }
      if (v > bestValue) {
        best = c;
        bestValue = v;
      }
    }
    if (best < 0) break;
    taken[best] = 1;
    out.push(best);
    relSum += rel[best];
    for (const { j, m } of share[best]) mass[j] += m;
    listed += hasCats[best];
  }
  return out;
}
