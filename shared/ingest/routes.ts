/**
 * The ingest core: plain request → store → plain response, one function per
 * route of the Ingest function in the topology. No Lambda types here.
 */
import type { AuthMode } from '../config';
import type { Interaction } from '../events';
import { InvalidCursorError, StoreUnavailableError, type InteractionStore } from '../ports/interactions';
import type { ApiRequest, ApiResponse, RouteImpl } from '../http/api';
import { ApiError, badRequest, errorBody } from '../http/errors';
import { describeIssues, parseJsonBody, validate } from '../http/validation';
import { eventView, resolveTimestamp, toInteraction } from './normalize';
import { EventInput, Id, ListEventsQuery, MAX_BODY_BYTES, PostEventsBody, PutItemBody } from './schemas';

export interface IngestDeps {
  store: InteractionStore;
  authMode: AuthMode;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** Seconds a client should wait before retrying after the store failed. */
const RETRY_AFTER_SECONDS = 2;

function pathId(req: ApiRequest, name: string): string {
  const r = Id.safeParse(req.params[name]);
  if (!r.success) throw badRequest('invalid_path', `${name}: ${describeIssues(r.error.issues)}`);
  return r.data;
}

/** Store outages become 503 + Retry-After; everything else propagates. */
async function storeCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StoreUnavailableError) {
      throw new ApiError(503, 'store_unavailable', `${what}: the interaction store is unavailable; retry later`, true, {
        'Retry-After': String(RETRY_AFTER_SECONDS),
      });
    }
    throw err;
  }
}

export function ingestRoutes(deps: IngestDeps): Record<string, RouteImpl> {
  const now = deps.now ?? Date.now;
  const { store } = deps;

  const postEvents: RouteImpl = async (req) => {
    const envelope = validate(PostEventsBody, parseJsonBody(req.body, MAX_BODY_BYTES), 'invalid_request');
    const t = now();
    const rejected: { index: number; error: string }[] = [];
    const valid: { index: number; ev: Interaction }[] = [];
    envelope.events.forEach((raw, index) => {
      const r = EventInput.safeParse(raw);
      if (!r.success) return void rejected.push({ index, error: describeIssues(r.error.issues) });
      const input = r.data;
      // With tokens, the user is the token's subject; admins (server-to-server) may name any user.
      let userId = input.userId;
      if (deps.authMode === 'jwt' && !req.principal.isAdmin) {
        if (userId !== undefined && userId !== req.principal.subject) {
          return void rejected.push({ index, error: "userId: does not match the token's subject" });
        }
        userId = req.principal.subject;
      }
      if (userId === undefined) return void rejected.push({ index, error: 'userId: is required' });
      const ts = resolveTimestamp(input.timestamp, t);
      if (typeof ts === 'string') return void rejected.push({ index, error: ts });
      valid.push({ index, ev: toInteraction({ ...input, userId }, ts, t) });
    });

    if (valid.length > 0) {
      const erased = await storeCall('no event was stored', () => store.erasedAmong(valid.map((v) => v.ev.userId)));
      for (let i = valid.length - 1; i >= 0; i--) {
        if (erased.has(valid[i].ev.userId)) {
          rejected.push({ index: valid[i].index, error: 'userId: this user has been erased; their events are not stored' });
          valid.splice(i, 1);
        }
      }
    }
    rejected.sort((a, b) => a.index - b.index);

    let result = { stored: [] as number[], failed: [] as number[] };
    if (valid.length > 0) {
      try {
        result = await store.putEvents(valid.map((v) => v.ev));
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        result = { stored: [], failed: valid.map((_, i) => i) };
      }
    }
    if (result.failed.length > 0) {
      const stored = result.stored.map((i) => valid[i].index);
      const failed = result.failed.map((i) => valid[i].index);
      return {
        status: 503,
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        body: {
          ...errorBody(
            'store_unavailable',
            `${failed.length} event(s) could not be stored; ${stored.length} were stored. Retry the failed ones (retrying all is safe: stored events are not duplicated).`,
          ),
          accepted: stored.length,
          stored,
          failed,
          rejected,
        },
      };
    }
    return { status: 202, body: { accepted: result.stored.length, rejected } };
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

  const deleteItem: RouteImpl = async (req) => {
    const itemId = pathId(req, 'itemId');
    const item = await storeCall('item not updated', () => store.markItemUnavailable(itemId, now()));
    return { status: 200, body: item };
  };

  return {
    'POST /events': postEvents,
    'GET /users/{userId}/events': listEvents,
    'DELETE /users/{userId}': eraseUser,
    'PUT /items/{itemId}': putItem,
    'DELETE /items/{itemId}': deleteItem,
  };
}

export type { ApiResponse };
