/** The ingest core on an in-memory store whose writes partly fail: the answer must say exactly what was stored. */
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import type { ApiRequest } from '../../../shared/http/api';
import { ingestRoutes } from '../../../shared/ingest/routes';
import { deriveEventId } from '../../../shared/ingest/normalize';
import type { PutEventsResult } from '../../../shared/ports/interactions';
import { MemoryInteractionStore } from '../../../shared/storage/memory/interactions';

class FlakyStore extends MemoryInteractionStore {
  override async putEvents(events: Interaction[]): Promise<PutEventsResult> {
    // Items whose id ends in "x" never make it (as if UnprocessedItems persisted past all retries).
    const ok = events.filter((e) => !e.itemId.endsWith('x'));
    await super.putEvents(ok);
    return {
      stored: events.flatMap((e, i) => (e.itemId.endsWith('x') ? [] : [i])),
      failed: events.flatMap((e, i) => (e.itemId.endsWith('x') ? [i] : [])),
    };
  }
}

const request = (body: unknown): ApiRequest => ({
  method: 'POST',
  route: 'POST /events',
  params: {},
  query: {},
  headers: {},
  body: JSON.stringify(body),
  principal: { authenticated: false, groups: [], scopes: [], isAdmin: true },
  requestId: 'r',
});

describe('POST /events with a partly failing store', () => {
  it('answers 503, counts only stored events, and lists stored/failed/rejected indexes', async () => {
    const store = new FlakyStore();
    const routes = ingestRoutes({ store, authMode: 'none', now: () => Date.UTC(2026, 5, 1) });
    const res = await routes['POST /events'](
      request({
        events: [
          { userId: 'u', itemId: 'a', type: 'view' },
          { userId: 'u', itemId: 'bx', type: 'view' },
          { userId: 'u', itemId: 'c', type: 'nope' },
          { userId: 'u', itemId: 'd', type: 'click' },
        ],
      }),
    );
    expect(res.status).toBe(503);
    expect(res.headers).toEqual({ 'Retry-After': '2' });
    const body = res.body as any;
    expect(body.accepted).toBe(2);
    expect(body.stored).toEqual([0, 3]);
    expect(body.failed).toEqual([1]);
    expect(body.rejected.map((r: any) => r.index)).toEqual([2]);
    expect(body.error.code).toBe('store_unavailable');
    const page = await store.listUserEvents('u', { limit: 10 });
    expect(page.events.map((e) => e.itemId).sort()).toEqual(['a', 'd']);
  });
});

describe('deriveEventId', () => {
  it('depends on content only', () => {
    const base = { userId: 'u', itemId: 'i', type: 'view' as const, timestamp: 1 };
    expect(deriveEventId(base)).toBe(deriveEventId({ ...base }));
    expect(deriveEventId(base)).not.toBe(deriveEventId({ ...base, timestamp: 2 }));
    expect(deriveEventId(base)).not.toBe(deriveEventId({ ...base, value: 1 }));
  });
});
