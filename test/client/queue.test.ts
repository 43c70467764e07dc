/**
 * The event queue's policies with a scripted transport: batching, bounds and
 * the drop policy, splitting a refused envelope, Retry-After, persistence and
 * page-hide flushing. (Delivery against the real API: client.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventQueue, type QueuedEvent, type SendResult } from '../../clients/typescript/src/queue';
import { localStorageAdapter, memoryStorage } from '../../clients/typescript/src/storage';

const ev = (i: number) => ({ userId: 'u1', itemId: `item-${i}`, type: 'view' as const });
const queues: EventQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close();
});

function scripted(answers: ((batch: QueuedEvent[]) => SendResult)[]) {
  const calls: QueuedEvent[][] = [];
  const send = async (batch: QueuedEvent[]) => {
    calls.push(batch);
    const answer = answers.length > 1 ? answers.shift()! : answers[0];
    return answer(batch);
  };
  return { calls, send };
}
const ok = (): SendResult => ({ status: 202, body: { accepted: 1, rejected: [] } });
const make = (o: ConstructorParameters<typeof EventQueue>[0]) => {
  const q = new EventQueue({ flushIntervalMs: 0, initialBackoffMs: 20, ...o });
  queues.push(q);
  return q;
};

describe('EventQueue', () => {
  it('track returns a UUIDv7 at once and keeps the event time; batches hold at most batchSize', async () => {
    const t = scripted([ok]);
    const q = make({ send: t.send, batchSize: 100 });
    const ids = Array.from({ length: 250 }, (_, i) => q.track(ev(i)));
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(250);
    // ids sort by creation time: the server's newest-first listing matches tracking order
    expect([...ids].sort()).toEqual(ids);
    await q.flush();
    expect(t.calls.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(t.calls.flat().map((e) => e.eventId)).toEqual(ids);
    expect(typeof t.calls[0][0].timestamp).toBe('string');
    expect(q.size).toBe(0);
  });

  it('a full batch is sent without waiting for the interval', async () => {
    const t = scripted([ok]);
    const q = make({ send: t.send, batchSize: 10 });
    for (let i = 0; i < 10; i++) q.track(ev(i));
    await q.drained();
    expect(t.calls).toHaveLength(1);
  });

  it('sends on the interval', async () => {
    const t = scripted([ok]);
    const q = make({ send: t.send, flushIntervalMs: 30 });
    q.track(ev(1));
    await q.drained();
    expect(t.calls).toHaveLength(1);
  });

  it('drops only what the API rejected as invalid, and reports it', async () => {
    const reported: string[] = [];
    const t = scripted([
      () => ({ status: 202, body: { accepted: 2, rejected: [{ index: 1, error: 'itemId: too long' }] } }),
    ]);
    const q = make({ send: t.send, onInvalid: (r) => reported.push(...r.map((x) => `${x.event.itemId}: ${x.error}`)) });
    q.track(ev(0));
    q.track(ev(1));
    q.track(ev(2));
    await q.flush();
    expect(reported).toEqual(['item-1: itemId: too long']);
    expect(q.size).toBe(0);
  });

  it('503 with failed indexes: keeps only those and resends them no sooner than Retry-After', async () => {
    const times: number[] = [];
    const t = scripted([
      () => ({
        status: 503,
        retryAfter: 0.3,
        body: {
          error: { code: 'store_unavailable', message: 'x' },
          accepted: 2,
          stored: [0, 2],
          failed: [1, 3],
          rejected: [],
        },
      }),
      ok,
    ]);
    const q = make({ send: async (b) => (times.push(Date.now()), t.send(b)) });
    for (let i = 0; i < 4; i++) q.track(ev(i));
    await q.flush();
    expect(q.pending().map((e) => e.itemId)).toEqual(['item-1', 'item-3']);
    await q.drained();
    expect(t.calls[1].map((e) => e.itemId)).toEqual(['item-1', 'item-3']);
    expect(t.calls[1].map((e) => e.eventId)).toEqual([t.calls[0][1].eventId, t.calls[0][3].eventId]);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(290);
  });

  it('keeps everything through network errors, 5xx and 401, backing off', async () => {
    const errors: (number | undefined)[] = [];
    let n = 0;
    const send = async (b: QueuedEvent[]) => {
      n++;
      if (n === 1) throw new TypeError('fetch failed');
      if (n === 2) return { status: 502, body: { message: 'Internal Server Error' } };
      if (n === 3) return { status: 401, body: { message: 'Unauthorized' } };
      return { status: 202, body: { accepted: b.length, rejected: [] } };
    };
    const q = make({ send, onError: (e) => errors.push(e.status) });
    q.track(ev(1));
    q.track(ev(2));
    await q.flush();
    await q.drained();
    expect(n).toBe(4);
    expect(errors).toEqual([undefined, 502, 401]);
  });

  it('a refused envelope (413) is split; a single refused event is dropped as invalid', async () => {
    const invalid: string[] = [];
    const send = async (b: QueuedEvent[]) => {
      const big = b.some((e) => e.itemId === 'huge');
      if (big && b.length > 1)
        return { status: 413, body: { error: { code: 'payload_too_large', message: 'too big' } } };
      if (big) return { status: 413, body: { error: { code: 'payload_too_large', message: 'too big' } } };
      return { status: 202, body: { accepted: b.length, rejected: [] } };
    };
    const q = make({ send, batchSize: 8, onInvalid: (r) => invalid.push(...r.map((x) => x.event.itemId)) });
    for (let i = 0; i < 7; i++) q.track(i === 3 ? { ...ev(i), itemId: 'huge' } : ev(i));
    await q.flush();
    expect(invalid).toEqual(['huge']);
    expect(q.size).toBe(0);
  });

  it('bounded: beyond maxEvents the oldest are dropped and reported', async () => {
    const dropped: string[] = [];
    const q = make({
      send: async () => ({ status: 503, body: { error: { code: 'x', message: 'down' } } }),
      maxEvents: 5,
      onDrop: (evs, why) => dropped.push(...evs.map((e) => `${e.itemId}:${why}`)),
    });
    for (let i = 0; i < 8; i++) q.track(ev(i));
    expect(q.size).toBe(5);
    expect(dropped).toEqual(['item-0:overflow', 'item-1:overflow', 'item-2:overflow']);
    expect(q.pending()[0].itemId).toBe('item-3');
  });

  it('bounded storage: the persisted queue stays under maxStorageChars, oldest dropped first', async () => {
    const storage = memoryStorage();
    const dropped: string[] = [];
    const q = make({
      send: async () => ({ status: 503 }),
      storage,
      maxStorageChars: 2_000,
      onDrop: (_e, why) => dropped.push(why),
    });
    for (let i = 0; i < 40; i++) q.track({ ...ev(i), properties: { note: 'x'.repeat(20) } });
    await q.persisted();
    const stored = storage.data.get('attune.events')!;
    expect(stored.length).toBeLessThanOrEqual(2_000);
    expect(JSON.parse(stored).at(-1).itemId).toBe('item-39');
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((d) => d === 'storage_full')).toBe(true);
  });

  it('survives a restart through localStorage: events tracked offline are sent by the next run', async () => {
    const store = new Map<string, string>();
    const ls = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    };
    const first = new EventQueue({
      send: async () => {
        throw new TypeError('offline');
      },
      storage: localStorageAdapter(ls),
      flushIntervalMs: 0,
    });
    const ids = [first.track(ev(1)), first.track(ev(2))];
    await first.close();
    expect(JSON.parse(store.get('attune.events')!).map((e: QueuedEvent) => e.eventId)).toEqual(ids);

    const t = scripted([ok]);
    const second = make({ send: t.send, storage: localStorageAdapter(ls) });
    const later = second.track(ev(3));
    await second.ready;
    await second.flush();
    expect(t.calls.flat().map((e) => e.eventId)).toEqual([...ids, later]);
    await second.persisted();
    expect(store.has('attune.events')).toBe(false);
  });

  it('flushes when the page is hidden', async () => {
    const listeners: Record<string, () => void> = {};
    const doc = {
      visibilityState: 'visible',
      addEventListener: (n: string, f: () => void) => (listeners[n] = f),
      removeEventListener: () => {},
    };
    (globalThis as any).document = doc;
    try {
      const t = scripted([ok]);
      const q = make({ send: t.send });
      q.track(ev(1));
      expect(t.calls).toHaveLength(0);
      doc.visibilityState = 'hidden';
      listeners.visibilitychange();
      await q.drained();
      expect(t.calls).toHaveLength(1);
    } finally {
      delete (globalThis as any).document;
    }
  });
});
