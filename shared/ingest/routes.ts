/**
 * The ingest core: plain request → store → plain response, one function per
 * route of the Ingest function in the topology. No Lambda types here.
 */
import type { AuthMode } from '../config';
import { DEFAULT_RATING_RANGE, valueIssue, type Interaction, type RatingRange } from '../events';
import {
  InvalidCursorError,
  StoreMisconfiguredError,
  StoreUnavailableError,
  type InteractionStore,
  type PutEventsResult,
} from '../ports/interactions';
import type { ApiRequest, ApiResponse, RouteImpl } from '../http/api';
import { ApiError, badRequest, errorBody } from '../http/errors';
import { describeIssues, parseJsonBody, validate } from '../http/validation';
import { attributionIssue } from '../online/attribution';
import { attributeRoutes } from './attributes';
import { ruleRoutes } from '../rules/routes';
import type { RuleStore } from '../rules/store';
import { eventView, resolveTimestamp, toInteraction } from './normalize';
import { EventInput, Id, ListEventsQuery, MAX_BODY_BYTES, PostEventsBody, PutItemBody } from './schemas';

export interface IngestDeps {
  store: InteractionStore;
  /** Stored business rules (the admin routes under /rules); absent: those routes answer 500. */
  rules?: RuleStore;
  authMode: AuthMode;
  /** Accepted rating values (config ATTUNE_RATING_MIN/MAX). */
  ratingRange?: RatingRange;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** Seconds a client should wait before retrying after the store failed, unless the store says. */
const RETRY_AFTER_SECONDS = 2;

const ERASED = 'userId: this user has been erased; their events are not stored';

function pathId(req: ApiRequest, name: string): string {
  const r = Id.safeParse(req.params[name]);
  if (!r.success) throw badRequest('invalid_path', `${name}: ${describeIssues(r.error.issues)}`);
  return r.data;
}

const retryAfter = (err: unknown) =>
  String(err instanceof StoreUnavailableError ? err.retryAfterSeconds : RETRY_AFTER_SECONDS);

/** Store outages become 503 + Retry-After with what was (not) done; everything else propagates. */
async function storeCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StoreUnavailableError) {
      throw new ApiError(
        503,
        'store_unavailable',
        `${what}: the interaction store is unavailable; retry later`,
        true,
        {
          'Retry-After': retryAfter(err),
        },
        undefined,
        { cause: err },
      );
    }
    throw err;
  }
}

type Rejection = { index: number; error: string };

/**
 * The answer when not everything valid was stored: 503 (retryable) or 500
 * (misconfigured), always saying exactly which events were stored, which
 * failed (may over-report, never under-report) and which were rejected.
 * Returned, not thrown, so metric hooks see the counts; `cause` reaches the log.
 */
function partialFailure(stored: number[], failed: number[], rejected: Rejection[], cause: unknown): ApiResponse {
  const counts = { accepted: stored.length, stored, failed, rejected };
  if (cause instanceof StoreMisconfiguredError) {
    return { status: 500, body: { ...errorBody('internal', 'the store is misconfigured'), ...counts }, cause };
  }
  const what = stored.length === 0 ? 'no event was stored' : `${stored.length} event(s) were stored`;
  const message =
    `${what}; ${failed.length} could not be stored. ` +
    'Retry the failed ones (retrying all is safe: stored events are not duplicated).';
  return {
    status: 503,
    headers: { 'Retry-After': retryAfter(cause) },
    body: { ...errorBody('store_unavailable', message), ...counts },
    cause,
  };
}

/** JSON with every object's keys sorted: two events that differ only in key order are the same event. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : x,
  );
}

export function ingestRoutes(deps: IngestDeps): Record<string, RouteImpl> {
  const now = deps.now ?? Date.now;
  const range = deps.ratingRange ?? DEFAULT_RATING_RANGE;
  const { store } = deps;

  const postEvents: RouteImpl = async (req) => {
    const envelope = validate(PostEventsBody, parseJsonBody(req.body, MAX_BODY_BYTES), 'invalid_request');
    const t = now();
    /** One event as sent → what to store, or why not (the problem's field first). */
    const admit = (raw: unknown): Interaction | string => {
      const r = EventInput.safeParse(raw);
      if (!r.success) return describeIssues(r.error.issues);
      const input = r.data;
      const bad = valueIssue(input.type, input.value, range);
      if (bad) return `value: ${bad}`;
      const unattributable = attributionIssue(input.type, input);
      if (unattributable) return unattributable;
      // With tokens, the user is the token's subject; admins (server-to-server) may name any user.
      let userId = input.userId;
      if (deps.authMode === 'jwt' && !req.principal.isAdmin) {
        if (userId !== undefined && userId !== req.principal.subject)
          return "userId: does not match the token's subject";
        userId = req.principal.subject;
        // the authorizer checked the token, not the subject's form: an id no path can name could
        // never be read or erased again
        const sub = Id.safeParse(userId);
        if (!sub.success) return `userId: the token's subject is not a valid id: ${describeIssues(sub.error.issues)}`;
      }
      if (userId === undefined) return 'userId: is required';
      const ts = resolveTimestamp(input.timestamp, t);
      if (typeof ts === 'string') return ts;
      return toInteraction({ ...input, userId }, ts, t);
    };
    const rejected: Rejection[] = [];
    let valid: { index: number; ev: Interaction }[] = [];
    // The store writes one record per (userId, eventId): a later event of this batch with the
    // key of an earlier one and other content would be counted accepted and never written.
    const firstByKey = new Map<string, { index: number; content: string }>();
    for (const [index, raw] of envelope.events.entries()) {
      const outcome = admit(raw);
      if (typeof outcome === 'string') {
        rejected.push({ index, error: outcome });
        continue;
      }
      const key = JSON.stringify([outcome.userId, outcome.eventId]);
      const content = canonicalJson(outcome);
      const first = firstByKey.get(key);
      if (first && first.content !== content) {
        const sent = (raw as { eventId?: unknown }).eventId !== undefined;
        rejected.push({
          index,
          error: sent
            ? `eventId: ${JSON.stringify(outcome.eventId)} is event ${first.index} of this batch for the same user ` +
              'with other content; one (userId, eventId) is one event'
            : `event ${first.index} of this batch has the same user, item, type, value, timestamp and session ` +
              'with other content, so the same derived id; send an eventId to keep both',
        });
        continue;
      }
      if (!first) firstByKey.set(key, { index, content });
      valid.push({ index, ev: outcome });
    }

    if (valid.length > 0) {
      let erased: Set<string>;
      try {
        erased = await store.erasedAmong(valid.map((v) => v.ev.userId));
      } catch (err) {
        if (!(err instanceof StoreUnavailableError || err instanceof StoreMisconfiguredError)) throw err;
        rejected.sort((a, b) => a.index - b.index);
        return partialFailure(
          [],
          valid.map((v) => v.index),
          rejected,
          err,
        );
      }
      for (const v of valid) if (erased.has(v.ev.userId)) rejected.push({ index: v.index, error: ERASED });
      valid = valid.filter((v) => !erased.has(v.ev.userId));
    }

    let result: PutEventsResult = { stored: [], failed: [] };
    if (valid.length > 0) {
      try {
        result = await store.putEvents(valid.map((v) => v.ev));
      } catch (err) {
        // An adapter that throws instead of reporting: nothing is known to be stored.
        if (!(err instanceof StoreUnavailableError || err instanceof StoreMisconfiguredError)) throw err;
        result = { stored: [], failed: valid.map((_, i) => i), error: err };
      }
    }
    for (const inv of result.invalid ?? []) rejected.push({ index: valid[inv.index].index, error: inv.error });
    for (const i of result.erased ?? []) rejected.push({ index: valid[i].index, error: ERASED });
    rejected.sort((a, b) => a.index - b.index);
    const stored = result.stored.map((i) => valid[i].index);
    if (result.failed.length > 0) {
      const failed = result.failed.map((i) => valid[i].index);
      return partialFailure(stored, failed, rejected, result.error);
    }
    if (stored.length === 0) {
      // Nothing to retry and nothing stored: a client error, with the same per-event list.
      const error = errorBody('invalid_events', `all ${rejected.length} event(s) were rejected; see rejected`);
      return { status: 400, body: { ...error, rejected } };
    }
    return { status: 202, body: { accepted: stored.length, rejected } };
  };

  const listEvents: RouteImpl = async (req) => {
    const userId = pathId(req, 'userId');
    const q = validate(ListEventsQuery, req.query, 'invalid_query');
    try {
      const page = await storeCall('events not read', () =>
        store.listUserEvents(userId, { limit: q.limit ?? 50, cursor: q.cursor }),
      );
      return { status: 200, body: { events: page.events.map(eventView), cursor: page.cursor } };
    } catch (err) {
      if (err instanceof InvalidCursorError) throw badRequest('invalid_cursor', `cursor: ${err.message}`);
      throw err;
    }
  };

  const eraseUser: RouteImpl = async (req) => {
    const userId = pathId(req, 'userId');
    const { deleted } = await storeCall('erasure not completed (safe to retry)', () => store.eraseUser(userId));
    return { status: 202, body: { userId, deleted } };
  };

  const putItem: RouteImpl = async (req) => {
    const itemId = pathId(req, 'itemId');
    const body = validate(PutItemBody, parseJsonBody(req.body, MAX_BODY_BYTES), 'invalid_item');
    const item = await storeCall('item not stored', () => store.putItem({ itemId, ...body }, now()));
    return { status: 200, body: item };
  };

  const liftErasure: RouteImpl = async (req) => {
    const userId = pathId(req, 'userId');
    const lifted = await storeCall('erasure block not lifted (safe to retry)', () => store.clearErasure(userId));
    return { status: 200, body: { userId, lifted } };
  };

  const deleteItem: RouteImpl = async (req) => {
    const itemId = pathId(req, 'itemId');
    const item = await storeCall('item not updated', () => store.markItemUnavailable(itemId, now()));
    return { status: 200, body: item };
  };

  return {
    'POST /events': postEvents,
    'GET /users/{userId}/events': listEvents,
    'DELETE /users/{userId}': eraseUser,
    'DELETE /users/{userId}/erasure': liftErasure,
    'PUT /items/{itemId}': putItem,
    'DELETE /items/{itemId}': deleteItem,
    ...attributeRoutes(store, now),
    ...ruleRoutes(deps.rules, now),
  };
}

export type { ApiResponse };
