/**
 * Who the user is to the model right now: what it stored about them
 * (personalized), a user folded in from recent events (fold-in), or nobody
 * (popular) — plus the items to keep out of their recommendations. How a
 * user is scored is the kind's business (shared/model/kinds); this file only
 * decides which of the kind's answers applies.
 */
import type { Interaction, RatingRange } from '../events';
import type { History } from '../math/foldin';
import type { UserScorer } from '../model/kinds';
import type { UserHistorySource } from '../model/user-histories';
import type { InteractionStore } from '../ports/interactions';
import { RECENT_EVENTS, summarizeEvents, withFreshEvents, withModelHistory } from './history';
import type { PreparedModel } from './prepared';

export type Source = 'personalized' | 'fold-in' | 'popular';

export interface UserContext {
  source: Source;
  /** The kind's scorer for this user; null when serving popular items. */
  scorer: UserScorer | null;
  /** Model item indices to exclude: the model's seen row and every item in recent events. */
  seen: Int32Array[];
  /**
   * The user's recent events (or erasure marker) could not be read: the answer
   * comes from the cached model alone (their stored row, or popular items).
   */
  stale: boolean;
}

export type Logger = (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;

const NO_ITEMS = new Int32Array(0);

/** What the store says about a user: erased or not, and their recent events (null when unreadable). */
export interface UserReads {
  erasure: 'ok' | 'erased' | 'unknown';
  events: Interaction[] | null;
  /**
   * The user's training history read from the model by range (models served without
   * their user rows), when the recent events may not hold all of it; null otherwise.
   */
  stored?: History | null;
}

/**
 * Reads the user's erasure marker and recent events in parallel (one GetItem,
 * one Query). Store failures (timeouts included) degrade and are logged:
 * without the erasure marker a user is served popular items, never personalized;
 * without their events, from what the model stored about them.
 * For a model served without user rows (`histories`), the user's stored history is
 * read by range only when one page of events may not be all of it (a full page; no
 * page; an empty one, as when retention expired the events a model still holds): a
 * user with fewer events has their whole history in the page.
 */
export async function readUser(
  userId: string,
  store: Pick<InteractionStore, 'listUserEvents' | 'getErasure'>,
  log: Logger,
  histories?: UserHistorySource,
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
  const whole = events !== null && events.length > 0 && events.length < RECENT_EVENTS;
  if (!histories || erasure !== 'ok' || whole) return { erasure, events };
  const stored = await histories.read(userId).catch((err) => {
    log('warn', "stored user history unavailable; folding in from the user's recent events", { error: err });
    return null;
  });
  return { erasure, events, stored };
}

/** Decides how to serve a user; builds the kind's scorer (cheap: no catalog-sized work). */
export function userContext(pm: PreparedModel, userId: string, reads: UserReads, range?: RatingRange): UserContext {
  const { erasure, events } = reads;
  const stale = erasure === 'unknown' || events === null;
  if (erasure !== 'ok') return { source: 'popular', scorer: null, seen: [], stale };

  const model = pm.model;
  const fitted = pm.fitted;
  if (model.userHistories) return onDemandContext(pm, reads, stale, range);
  const u = pm.userIndex.get(userId);
  const act = summarizeEvents(events ?? [], pm.itemIndex, pm.watermark, range);
  const seenRow = u === undefined ? NO_ITEMS : model.seenIndices.subarray(model.seenIndptr[u], model.seenIndptr[u + 1]);
  const seen = [seenRow, act.seen];
  if (!fitted.capabilities.personalized) return { source: 'popular', scorer: null, seen, stale };

  const full = u === undefined ? act.history : withModelHistory(act.history, seenRow);
  if (u !== undefined && !act.fresh) return { source: 'personalized', scorer: fitted.user(u, full), seen, stale };
  const folded = fitted.foldIn && act.history.itemIdx.length > 0 ? fitted.foldIn(full) : null;
  if (folded) return { source: 'fold-in', scorer: folded, seen, stale };
  if (u !== undefined) return { source: 'personalized', scorer: fitted.user(u, full), seen, stale };
  return { source: 'popular', scorer: null, seen, stale };
}

/**
 * A model served without user rows: every user is folded in from their history —
 * the recent events, plus the stored training history when it was read (fresh
 * events added on top). Fold-in from a whole history scores as the stored row does
 * (docs/scale.md), so the label stays `personalized` for a user the model stored
 * and who has nothing newer.
 */
function onDemandContext(pm: PreparedModel, reads: UserReads, stale: boolean, range?: RatingRange): UserContext {
  const act = summarizeEvents(reads.events ?? [], pm.itemIndex, pm.watermark, range);
  const stored = reads.stored ?? null;
  const history = stored ? withFreshEvents(stored, reads.events ?? [], pm.itemIndex, pm.watermark, range) : act.history;
  const seen = stored ? [act.seen, stored.itemIdx] : [act.seen];
  const fitted = pm.fitted;
  if (!fitted.capabilities.personalized || !fitted.foldIn || history.itemIdx.length === 0)
    return { source: 'popular', scorer: null, seen, stale };
  const scorer = fitted.foldIn(history);
  if (!scorer) return { source: 'popular', scorer: null, seen, stale };
  return { source: stored && !act.fresh ? 'personalized' : 'fold-in', scorer, seen, stale };
}
