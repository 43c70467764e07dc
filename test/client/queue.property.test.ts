/**
 * The queue's delivery invariant under any sequence of server answers
 * (fast-check): once the server recovers, every tracked event ends exactly one
 * way — stored once, reported invalid, or reported dropped by a bound — and
 * none is stored twice or stored after being reported.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue, type QueuedEvent, type SendResult } from '../../clients/typescript/src/queue';
import { FC } from '../property/fc';

type Outcome = 'ok' | 'partial' | 'network' | 'bare500' | 'tooLarge' | 'unauthorized';
const OUTCOMES: Outcome[] = ['ok', 'partial', 'network', 'bare500', 'tooLarge', 'unauthorized'];

/** A server whose answers follow `script`, then recovers; events with a "bad-" item are always invalid. */
function scriptedServer(script: { outcome: Outcome; seed: number }[]) {
  const stores = new Map<string, number>();
  let call = 0;
  const send = async (batch: QueuedEvent[]): Promise<SendResult> => {
    const step = script[call++] ?? { outcome: 'ok' as Outcome, seed: 0 };
    if (step.outcome === 'network') throw new TypeError('fetch failed');
    if (step.outcome === 'bare500') return { status: 500 };
    if (step.outcome === 'unauthorized') return { status: 401, body: { message: 'Unauthorized' } };
    if (step.outcome === 'tooLarge' && batch.length > 1) {
      return { status: 413, body: { message: 'Request Entity Too Large' } };
    }
    const rejected: { index: number; error: string }[] = [];
    const stored: number[] = [];
    const failed: number[] = [];
    batch.forEach((e, i) => {
      if (e.itemId.startsWith('bad-')) rejected.push({ index: i, error: 'itemId: bad' });
      // a partial answer fails a seed-chosen subset of the valid events
      else if (step.outcome === 'partial' && ((step.seed >> (i % 30)) & 1) === 1) failed.push(i);
      else stored.push(i);
    });
    for (const i of stored) stores.set(batch[i].eventId, (stores.get(batch[i].eventId) ?? 0) + 1);
    if (failed.length) {
      const error = { code: 'store_unavailable', message: 'x' };
      return { status: 503, body: { error, accepted: stored.length, stored, failed, rejected } };
    }
    if (stored.length === 0 && rejected.length > 0) {
      return { status: 400, body: { error: { code: 'invalid_events', message: 'all rejected' }, rejected } };
    }
    return { status: 202, body: { accepted: stored.length, rejected } };
  };
  return { send, stores };
}

describe('EventQueue delivery (property)', () => {
  it('every event is stored exactly once, or reported invalid, or reported dropped', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 160 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 20, max: 200 }),
        fc.array(fc.record({ outcome: fc.constantFrom(...OUTCOMES), seed: fc.integer({ min: 0, max: 2 ** 30 }) }), {
          maxLength: 12,
        }),
        async (bad, batchSize, maxEvents, script) => {
          const server = scriptedServer(script);
          const invalid = new Map<string, number>();
          const dropped = new Map<string, number>();
          const q = new EventQueue({
            send: server.send,
            batchSize,
            maxEvents,
            flushIntervalMs: 0,
            initialBackoffMs: 1,
            maxBackoffMs: 2,
            onInvalid: (r) => {
              for (const x of r) invalid.set(x.event.eventId, (invalid.get(x.event.eventId) ?? 0) + 1);
            },
            onDrop: (evs) => {
              for (const e of evs) dropped.set(e.eventId, (dropped.get(e.eventId) ?? 0) + 1);
            },
          });
          const ids = bad.map((b, i) => q.track({ userId: 'u', itemId: `${b ? 'bad' : 'ok'}-${i}`, type: 'view' }));
          await q.flush();
          await q.drained();
          await q.close();
          for (const id of ids) {
            const ends = (server.stores.get(id) ?? 0) + (invalid.get(id) ?? 0) + (dropped.get(id) ?? 0);
            if (ends !== 1) return false;
          }
          // only the events the server called invalid were reported invalid
          return [...invalid.keys()].every((id) => bad[ids.indexOf(id)]);
        },
      ),
      { ...FC, numRuns: Math.min(FC.numRuns, 150) },
    );
  }, 60_000);

  it('with no bound reached nothing is dropped: every valid event is stored', async () => {
    const server = scriptedServer([
      { outcome: 'partial', seed: 0b1011 },
      { outcome: 'network', seed: 0 },
      { outcome: 'partial', seed: 0b1 },
    ]);
    const q = new EventQueue({ send: server.send, flushIntervalMs: 0, initialBackoffMs: 1, maxBackoffMs: 2 });
    const ids = Array.from({ length: 230 }, (_, i) => q.track({ userId: 'u', itemId: `ok-${i}`, type: 'click' }));
    await q.flush();
    await q.drained();
    await q.close();
    expect(ids.every((id) => server.stores.get(id) === 1)).toBe(true);
  });
});
