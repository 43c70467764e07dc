/**
 * User attributes: `PUT /users/{userId}/attributes` (the user, or an admin)
 * stores a small, bounded, optional profile — age band, country, declared
 * interests — beside the user's events (`U#<userId>` / `ATTR`); `GET` reads it
 * back (404 when none). Never required: models use it when present (the
 * neural ranker embeds it as tokens). Erasing the user deletes it with their
 * events, and an erased user's attributes are refused like their events.
 */
import { z } from 'zod';
import type { ApiRequest, RouteImpl } from '../http/api';
import { ApiError, badRequest, notFound } from '../http/errors';
import { describeIssues, parseJsonBody, validate } from '../http/validation';
import type { UserAttributes } from '../metadata/vocabulary';
import { StoreUnavailableError } from '../ports/interactions';
import { Id } from './schemas';

export const AGE_BANDS = ['under-18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
export const MAX_INTERESTS = 20;
const MAX_ATTRIBUTES_BYTES = 4 * 1024;

const Interest = z
  .string()
  .regex(/^[a-z0-9][a-z0-9 _-]{0,47}$/, 'must be 1..48 characters: lowercase letters, digits, space, _ or -');

/** The request body: every field optional; a PUT replaces the whole profile. */
export const UserAttributesBody = z
  .object({
    ageBand: z.enum(AGE_BANDS).optional(),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code, e.g. "DE"')
      .optional(),
    interests: z
      .array(Interest)
      .max(MAX_INTERESTS, `at most ${MAX_INTERESTS} interests`)
      .refine((xs) => new Set(xs).size === xs.length, 'must not repeat an interest')
      .optional(),
  })
  .strict();
export type UserAttributesBody = z.infer<typeof UserAttributesBody>;

export interface StoredUserAttributes extends UserAttributesBody {
  userId: string;
  updatedAt: string;
}

/** Attribute storage (DynamoDB and memory interaction stores implement it beside their events). */
export interface UserAttributeStore {
  /** Replaces the user's attributes; throws UserErasedError for an erased user (nothing is kept). */
  putUserAttributes(userId: string, attributes: UserAttributesBody, now?: number): Promise<StoredUserAttributes>;
  /** The user's attributes; null when none (or the user is erased). */
  getUserAttributes(userId: string): Promise<StoredUserAttributes | null>;
  /** Every stored profile (training reads them; erased users' are deleted with their events). */
  listUserAttributes(): Promise<StoredUserAttributes[]>;
}

export class UserErasedError extends Error {
  override name = 'UserErasedError';
}

export function isUserAttributeStore(s: unknown): s is UserAttributeStore {
  const x = s as Partial<UserAttributeStore> | null;
  return typeof x?.putUserAttributes === 'function' && typeof x.listUserAttributes === 'function';
}

/** A stored profile as model tokens (`ageBand=25-34`, `country=DE`, `interest:<name>=1`). */
export function attributesForTraining(a: StoredUserAttributes): UserAttributes {
  const out: Record<string, string> = {};
  if (a.ageBand) out.ageBand = a.ageBand;
  if (a.country) out.country = a.country;
  for (const i of a.interests ?? []) out[`interest:${i}`] = '1';
  return { userId: a.userId, attributes: out };
}

function pathId(req: ApiRequest): string {
  const r = Id.safeParse(req.params.userId);
  if (!r.success) throw badRequest('invalid_path', `userId: ${describeIssues(r.error.issues)}`);
  return r.data;
}

async function storeCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UserErasedError)
      throw new ApiError(409, 'user_erased', 'userId: this user has been erased; their attributes are not stored');
    if (err instanceof StoreUnavailableError)
      // the store error is the cause: the request's log line is an ERROR that names it
      throw new ApiError(
        503,
        'store_unavailable',
        `${what}: the store is unavailable; retry later`,
        true,
        { 'Retry-After': String(err.retryAfterSeconds) },
        undefined,
        { cause: err },
      );
    throw err;
  }
}

/** The two routes; `store` is the interaction store when it keeps attributes. */
export function attributeRoutes(store: unknown, now: () => number = Date.now): Record<string, RouteImpl> {
  const attrs = isUserAttributeStore(store) ? store : null;
  const need = () => {
    if (!attrs) throw new ApiError(501, 'not_supported', 'this store keeps no user attributes');
    return attrs;
  };
  return {
    'PUT /users/{userId}/attributes': async (req) => {
      const userId = pathId(req);
      const body = validate(UserAttributesBody, parseJsonBody(req.body, MAX_ATTRIBUTES_BYTES), 'invalid_request');
      const s = need();
      // a write whose answer was lost may have landed: say so (a PUT replaces the profile, so a retry is safe)
      const what = 'the attributes may have been stored or not; retrying this PUT is safe';
      const stored = await storeCall(what, () => s.putUserAttributes(userId, body, now()));
      return { status: 200, body: stored };
    },
    'GET /users/{userId}/attributes': async (req) => {
      const userId = pathId(req);
      const s = need();
      const a = await storeCall('attributes not read', () => s.getUserAttributes(userId));
      if (!a) throw notFound(`user "${userId}" has no stored attributes`);
      return { status: 200, body: a };
    },
  };
}
