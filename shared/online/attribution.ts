/**
 * Attribution ids: every answer of recommendations, rank and similar carries a
 * `recommendationId` (uuid v7: unique without coordination between Lambda
 * instances, and its first 48 bits are the serving time), and every item its
 * 1-based `position`. Apps echo them on `impression` events (what was shown)
 * and on clicks and purchases, so the online job (shared/online/job.ts) can
 * tie an outcome to the answer, its model version and its variant.
 */
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { EventType } from '../events';

export const newRecommendationId = (): string => uuidv7();

/** Positions beyond this are not counted per position (CTR@k stops here); answers hold at most 100 items. */
export const MAX_POSITION = 500;

export const RecommendationId = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    'must be the recommendationId of an answer (a UUID)',
  )
  .transform((s) => s.toLowerCase());

export const Position = z
  .number()
  .int('must be an integer')
  .min(1, 'positions start at 1')
  .max(MAX_POSITION, `must be at most ${MAX_POSITION}`);

/** Why an event's attribution fields do not fit its type, or null (the field first). */
export function attributionIssue(
  type: EventType,
  ev: { recommendationId?: string; position?: number; modelVersion?: string; variant?: string },
): string | null {
  if (type === 'impression') {
    if (ev.recommendationId === undefined)
      return "recommendationId: is required on an impression (the answer's recommendationId)";
    return null;
  }
  for (const f of ['position', 'modelVersion', 'variant'] as const) {
    if (ev[f] !== undefined) return `${f}: is only accepted on impression events`;
  }
  return null;
}
