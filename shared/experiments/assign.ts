/**
 * Sticky assignment: a user's variant is a pure function of (experiment id,
 * user id) — sha256 of both, read as a uniform number in [0, 1), walked along
 * the variants' cumulative shares. No state, no store write on the request
 * path, the same answer on every Lambda instance; the hash of one experiment
 * says nothing about another's, so experiments do not correlate.
 */
import { createHash } from 'node:crypto';
import { type Experiment, type Variant, variantLabel } from './schema';

/** A uniform number in [0, 1) from the experiment and user ids (48 bits of sha256). */
export function assignmentPoint(experimentId: string, userId: string): number {
  const h = createHash('sha256').update(experimentId).update('\u0000').update(userId).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** The variant of `userId` in `exp`. */
export function assignVariant(exp: Pick<Experiment, 'experimentId' | 'variants'>, userId: string): Variant {
  const u = assignmentPoint(exp.experimentId, userId) * 100;
  let upTo = 0;
  for (const v of exp.variants) {
    upTo += v.share;
    if (u < upTo) return v;
  }
  // shares sum to 100; rounding can leave a sliver at the top: it belongs to the last variant with a share
  return [...exp.variants].reverse().find((v) => v.share > 0) ?? exp.variants[exp.variants.length - 1];
}

export interface Assignment {
  /** "experiment:variant", or null for a user outside any experiment (and for erased users). */
  label: string | null;
  variant: Variant | null;
}

/**
 * The assignment of a request: the running experiment's variant, or none. An
 * erased user is never assigned: they get the control's pipeline and no label,
 * so nothing about them is reported.
 */
export function assignmentFor(running: Experiment | null, userId: string, erased: boolean): Assignment {
  if (!running) return { label: null, variant: null };
  if (erased) return { label: null, variant: running.variants.find((v) => v.name === running.control) ?? null };
  const v = assignVariant(running, userId);
  return { label: variantLabel(running.experimentId, v.name), variant: v };
}
