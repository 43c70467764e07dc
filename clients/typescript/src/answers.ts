/** What POST /events answered, read strictly: only the API's own answer can say an event is stored. */
export interface Rejected {
  index: number;
  error: string;
}
export const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
export const rejectedOf = (body: unknown): Rejected[] =>
  isObject(body) && Array.isArray(body.rejected) ? (body.rejected as Rejected[]) : [];
const isIndex = (i: unknown, n: number): i is number => Number.isInteger(i) && (i as number) >= 0 && (i as number) < n;
const validRejected = (r: unknown, n: number): r is Rejected[] =>
  Array.isArray(r) && r.every((x) => isObject(x) && isIndex(x.index, n) && typeof x.error === 'string');

/**
 * A 2xx is believed only as the API's answer (`accepted` and the rejected indexes of this
 * batch). Anything else (an empty 200 from a proxy, a 204, `{}`) keeps the batch for a resend,
 * which the event ids make idempotent; before, it counted as stored and the events were gone.
 */
export function acceptedAnswer(body: unknown, n: number): Rejected[] | null {
  if (!isObject(body) || !Number.isInteger(body.accepted) || !validRejected(body.rejected, n)) return null;
  return body.rejected;
}

/** A 5xx naming exactly which events failed (non-empty, in range); else nothing is known stored. */
export function failedIndexes(body: unknown, n: number): number[] | null {
  if (!isObject(body) || !Array.isArray(body.failed) || body.failed.length === 0) return null;
  if (!body.failed.every((i) => isIndex(i, n))) return null;
  if (body.rejected !== undefined && !validRejected(body.rejected, n)) return null;
  return body.failed as number[];
}
export const messageOf = (body: unknown, status: number): string => {
  if (isObject(body) && isObject(body.error) && typeof body.error.message === 'string') return body.error.message;
  if (isObject(body) && typeof body.message === 'string') return body.message;
  return `HTTP ${status}`;
};
