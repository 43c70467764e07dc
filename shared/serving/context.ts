/**
 * Who the user is to the model right now: a stored vector (personalized), a
 * vector folded in from recent events (fold-in), or nobody (popular) — plus
 * the items to keep out of their recommendations.
 */
import type { Interaction } from '../events';
import type { InteractionStore } from '../ports/interactions';
import { RECENT_EVENTS, summarizeEvents, withModelHistory } from './history';
import type { PreparedModel } from './prepared';
import { UserSystem, type History } from './user-system';

export type Source = 'personalized' | 'fold-in' | 'popular';

export interface UserContext {
  source: Source;
  /** The user vector (pm.query) when source is not 'popular'. */
  vector: Float32Array | null;
  /** Model item indices to exclude: the model's seen row and every item in recent events. */
  seen: Int32Array[];
  /** History for explanations (fold-in math); empty when there is none. */
  history: History;
  /** Factored user system, when fold-in built one (reused for explanations). */
  system: UserSystem | null;
}

export type Logger = (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;

const NO_ITEMS = new Int32Array(0);
const EMPTY_HISTORY: History = { itemIdx: NO_ITEMS, weights: new Float64Array(0) };

/** What the store says about a user: erased or not, and their recent events (null when unreadable). */
export interface UserReads {
  erasure: 'ok' | 'erased' | 'unknown';
  events: Interaction[] | null;
}

/**
 * Reads the user's erasure marker and recent events in parallel (one GetItem,
 * one Query). Store failures degrade and are logged: without the erasure
 * marker a user is served popular items, never personalized.
 */
export async function readUser(
  userId: string,
  store: Pick<InteractionStore, 'listUserEvents' | 'getErasure'>,
  log: Logger,
): Promise<UserReads> {
  const [erasure, events] = await Promise.all([
    store.getErasure(userId).then(
      (e): UserReads['erasure'] => (e ? 'erased' : 'ok'),
      (err) => {
        log('warn', 'erasure check failed; serving popular items', { error: err });
        return 'unknown' as const;
      },
    ),
    store.listUserEvents(userId, { limit: RECENT_EVENTS }).then(
      (p): Interaction[] | null => p.events,
      (err) => {
        log('warn', 'recent events unavailable; serving from the model only', { error: err });
        return null;
      },
    ),
  ]);
  return { erasure, events };
}

/**
 * Decides how to serve a user. Synchronous on purpose: it fills the model's
 * shared query buffer and fold-in scratch, which the caller must consume
 * before its next await.
 */
export function userContext(pm: PreparedModel, userId: string, reads: UserReads): UserContext {
  const { erasure, events } = reads;
  if (erasure !== 'ok') return { source: 'popular', vector: null, seen: [], history: EMPTY_HISTORY, system: null };

  const model = pm.model;
  const u = pm.userIndex.get(userId);
  const act = summarizeEvents(events ?? [], pm.itemIndex, pm.watermark);
  const seenRow = u === undefined ? NO_ITEMS : model.seenIndices.subarray(model.seenIndptr[u], model.seenIndptr[u + 1]);
  const seen = [seenRow, act.seen];
  const params = model.manifest.foldIn;
  const f = pm.factors;
  if (f === 0) return { source: 'popular', vector: null, seen, history: EMPTY_HISTORY, system: null };

  const full = u === undefined ? act.history : withModelHistory(act.history, seenRow);
  const stored = () => {
    pm.query.set(model.userFactors.subarray(u! * f, u! * f + f));
    return pm.query;
  };
  if (u !== undefined && !act.fresh) return { source: 'personalized', vector: stored(), seen, history: full, system: null };
  if (params && act.history.itemIdx.length > 0) {
    const system = new UserSystem(pm.itemFactors, f, pm.yty(), full, params);
    return { source: 'fold-in', vector: system.solve(pm.query), seen, history: full, system };
  }
  if (u !== undefined) return { source: 'personalized', vector: stored(), seen, history: full, system: null };
  return { source: 'popular', vector: null, seen, history: EMPTY_HISTORY, system: null };
}
