/**
 * Named candidate sets for bench/quality-userfold.ts (issue 16). A candidate is a label and a JSON config:
 * an object overriding TUNED_ML100K_ALS, or an array of them (the mean of the members' per-user z-scores).
 */
import { TUNED_ML100K_ALS } from './quality-data';

export type Candidate = [label: string, json: string];

const round = (x: number) => Number(x.toPrecision(4));

/** The served center moved along λ and α0 by the factors l and a (binary confidence, ν 1, 256 factors). */
const binary = (l: number, a: number) =>
  JSON.stringify({
    regularization: round(TUNED_ML100K_ALS.regularization * l),
    unobservedWeight: round(TUNED_ML100K_ALS.unobservedWeight * a),
  });

/** Session 21's --grid: λ × {0.7, 1, 1.4} by α0 × {0.7, 1, 1.4} and the two ridge pairs, center first. */
export function ridgeGrid(): Candidate[] {
  const center = binary(1, 1);
  const grid = [0.7, 1, 1.4].flatMap((l) => [0.7, 1, 1.4].map((a) => binary(l, a))).filter((c) => c !== center);
  const all = [center, ...grid, `[${center},${binary(0.7, 1.4)}]`, `[${center},${binary(1.4, 0.7)}]`];
  return all.map((j) => [j, j]);
}

/**
 * Rating as confidence, in Attune's parameters: observed 1 + α·r, unobserved α0, ν 0 (one λ), 15 iterations.
 * implicit 0.7.2's tuned point (observed α·r with α 1, unobserved 1, λ 30) maps to α 100, α0 100, λ 3,000
 * (bench/implicit-quality.ts `mapped()`): with ν 0 only the ratios c/α0 and λ/α0 matter, so α0 = α = 100 is
 * "c ∝ r + 0.01"; the level s scales α, α0 and λ together, and s 0.01 (α = α0 = 1, λ 30: "moderate") is
 * "c ∝ r + 1", a 1-star rating weighing twice an unobserved item. l and a0 scale λ and α0 alone.
 */
const rating = (o: { l?: number; a0?: number; s?: number; f?: number; nu?: number }) => {
  const s = o.s ?? 1;
  const a0 = 100 * s * (o.a0 ?? 1);
  const lambda = 3000 * s * (o.l ?? 1);
  const p: Record<string, number | string> = {
    factors: o.f ?? 128,
    iterations: 15,
    confidence: 'linear',
    alpha: round(100 * s),
    unobservedWeight: round(a0),
    regularization: round(lambda),
    regularizationExponent: 0,
  };
  // ν 1 scales λ by (n + α0·N), N = the other side's count (≈ α0 · 1,682 for a user row, α0 · 943 for an item
  // row); dividing by α0·√(1682·943) keeps the geometric mean of the two sides' λ at the ν 0 value.
  if (o.nu === 1) Object.assign(p, { regularizationExponent: 1, regularization: round(lambda / (a0 * 1259.4)) });
  return JSON.stringify(p);
};

/** Session 22's coarse pass: the members below (10 fits each) and pairs of them (no extra fits: cached). */
export function ratingCoarse(): Candidate[] {
  const C = binary(1, 1);
  const Cs = binary(0.7, 1.4);
  const R = rating({});
  const Rs = rating({ l: 0.7, a0: 1.4 });
  const Rl = rating({ l: 1.4, a0: 0.7 });
  return [
    ['C', C],
    ['Cs', Cs],
    ['R', R],
    ['Rs', Rs],
    ['Rl', Rl],
    ['R.l0.7', rating({ l: 0.7 })],
    ['R.l1.4', rating({ l: 1.4 })],
    ['R.moderate', rating({ s: 0.01 })],
    ['R.nu1', rating({ nu: 1 })],
    ['R.f256', rating({ f: 256 })],
    ['[C,Cs]', `[${C},${Cs}]`],
    ['[C,R]', `[${C},${R}]`],
    ['[R,Rs]', `[${R},${Rs}]`],
    ['[R,Rl]', `[${R},${Rl}]`],
    ['[Cs,R]', `[${Cs},${R}]`],
    ['[C,Rs]', `[${C},${Rs}]`],
    ['[C,Cs,R]', `[${C},${Cs},${R}]`],
  ];
}

/** Session 22's second dev pass: finer steps around R (the coarse pass found ×0.7 and ×1.4 steps too wide). */
export function ratingFine(): Candidate[] {
  const C = binary(1, 1);
  const Cs = binary(0.7, 1.4);
  const members: Candidate[] = [
    ['R', rating({})],
    ['R.l0.85', rating({ l: 0.85 })],
    ['R.l1.2', rating({ l: 1.2 })],
    ['R.a0.0.85', rating({ a0: 0.85 })],
    ['R.a0.1.2', rating({ a0: 1.2 })],
    ['R.f64', rating({ f: 64 })],
    ['R.f256', rating({ f: 256 })],
    ['R.f256.nu1', rating({ f: 256, nu: 1 })],
  ];
  return [
    ['C', C],
    ...members,
    ...members.map(([n, j]): Candidate => [`[C,${n}]`, `[${C},${j}]`]),
    ...members.map(([n, j]): Candidate => [`[C,Cs,${n}]`, `[${C},${Cs},${j}]`]),
  ];
}

/**
 * Session 22's rule A, fixed from the coarse pass before any seed-42 look: serve the best of these five on
 * user-fold validation (binary center, its small-side ridge pair, the rating point, the mixed pair, both).
 */
export function ratingRule(): Candidate[] {
  const C = binary(1, 1);
  const Cs = binary(0.7, 1.4);
  const R = rating({});
  return [
    ['C', C],
    ['[C,Cs]', `[${C},${Cs}]`],
    ['R', R],
    ['[C,R]', `[${C},${R}]`],
    ['[C,Cs,R]', `[${C},${Cs},${R}]`],
  ];
}

export const CANDIDATE_SETS: Record<string, () => Candidate[]> = {
  ridge: ridgeGrid,
  'rating-coarse': ratingCoarse,
  'rating-fine': ratingFine,
  'rating-rule': ratingRule,
};
