/**
 * The online job: folds the events received since the state's watermark into
 * the online counts, a UTC day at a time (each day is one range of the
 * received-time index), and saves the state. Run after each training run
 * (functions/train/handler.ts), so on AWS hourly and locally every few minutes.
 * Events of the last `settleMs` wait for the next run: a write in flight on
 * another instance may still land with a receive time just behind "now"
 * (ATTUNE_ONLINE_SETTLE_SECONDS overrides it, for tests and demos).
 */
import type { Delta, OnlineState } from './aggregate';
import { emptyState, foldEvents, forgetUsers } from './aggregate';
import type { ReceivedEventSource } from './source';
import type { OnlineStateStore } from './state-store';

/** Longer than Ingest's 29 s timeout: an event stamped at receipt has landed (or failed) by then. */
export const SETTLE_MS = 30_000;
/** How far back a first run (or one after a long pause) reads; older events are not counted. */
export const MAX_LOOKBACK_MS = 7 * 86_400_000;

export interface OnlineJobDeps {
  source: ReceivedEventSource;
  state: OnlineStateStore;
  /** Erased users: their open answers and waiting outcomes are dropped from the state. */
  erasedUsers: () => Promise<ReadonlySet<string>>;
  now?: number;
  settleMs?: number;
  log?: (message: string, extra?: Record<string, unknown>) => void;
}

export interface OnlineJobResult {
  state: OnlineState;
  /** What this run added, per (model version, variant). */
  delta: Delta;
  /** Events read. */
  events: number;
  /** Events received before this were skipped (a first run, or a gap longer than the lookback), else null. */
  skippedBefore: number | null;
}

const DAY_MS = 86_400_000;

export async function runOnlineJob(deps: OnlineJobDeps): Promise<OnlineJobResult> {
  const now = deps.now ?? Date.now();
  const upTo = now - (deps.settleMs ?? SETTLE_MS);
  const floor = upTo - MAX_LOOKBACK_MS;
  const saved = await deps.state.load();
  const state = saved ?? emptyState(floor);
  let skippedBefore: number | null = saved ? null : floor;
  if (state.watermark < floor) {
    deps.log?.('online: events older than the lookback are not counted', { from: state.watermark, floor });
    skippedBefore = floor;
    state.watermark = floor;
  }
  const delta: Delta = new Map();
  let events = 0;
  while (state.watermark < upTo) {
    // (watermark, end of its UTC day] or (watermark, upTo], whichever ends first
    const dayEnd = Math.floor((state.watermark + 1) / DAY_MS) * DAY_MS + DAY_MS - 1;
    const to = Math.min(upTo, dayEnd);
    const batch = await deps.source.receivedBetween(state.watermark, to);
    events += batch.length;
    for (const [k, d] of foldEvents(state, batch, to)) merge(delta, k, d);
  }
  forgetUsers(state, await deps.erasedUsers());
  state.updatedAt = now;
  await deps.state.save(state);
  return { state, delta, events, skippedBefore };
}

function merge(into: Delta, key: string, d: Delta extends Map<string, infer V> ? V : never): void {
  const have = into.get(key);
  if (!have) {
    into.set(key, d);
    return;
  }
  const a = have.counts;
  const b = d.counts;
  a.recommendations += b.recommendations;
  a.impressions += b.impressions;
  a.clicks += b.clicks;
  a.conversions += b.conversions;
  a.purchases += b.purchases;
  a.revenue += b.revenue;
  b.impressionsAt.forEach((x, i) => {
    a.impressionsAt[i] += x;
  });
  b.clicksAt.forEach((x, i) => {
    a.clicksAt[i] += x;
  });
}
