/** One contract for every TrainingStore: DynamoDB (dynalite) and memory. */
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import type { RunRecord, TrainingStore } from '../../../shared/ports/training';
import { DynamoTrainingStore } from '../../../shared/storage/dynamodb/training';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { dynamoDocumentClient } from '../../../shared/storage/aws/clients';
import { useEmbeddedAws } from '../../helpers/aws';
import { events, freshTable, writeErasure, writeEvents } from './seed';

const aws = useEmbeddedAws();
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

interface Backend {
  store: TrainingStore;
  seed(evs: Interaction[], erasures?: [string, number][]): Promise<void>;
}

const backends: Record<string, () => Promise<Backend>> = {
  memory: async () => {
    const store = new MemoryTrainingStore();
    return {
      store,
      async seed(evs, erasures = []) {
        store.addEvents(evs);
        for (const [u, at] of erasures) store.erase(u, at);
      },
    };
  },
  dynamodb: async () => {
    void aws();
    const table = await freshTable('tstore');
    const doc = dynamoDocumentClient();
    // maxIndexDays 3: the scan fallback is reachable with small day gaps
    const store = new DynamoTrainingStore(doc, table, { segments: 3, maxIndexDays: 3 });
    return {
      store,
      async seed(evs, erasures = []) {
        await writeEvents(doc, table, evs);
        for (const [u, at] of erasures) await writeErasure(doc, table, u, at);
      },
    };
  },
};

for (const [name, make] of Object.entries(backends)) {
  describe(`TrainingStore contract: ${name}`, () => {
    it('scans every interaction exactly once, across pages and segments', async () => {
      const b = await make();
      const rows: [string, string, Interaction['type'], number][] = [];
      for (let n = 0; n < 230; n++)
        rows.push([`u${n % 17}`, `i${n % 11}`, n % 5 === 0 ? 'rating' : 'click', NOW - n * 1000]);
      const evs = events(rows);
      await b.seed(evs, [['u3', NOW]]);
      await b.store.recordRun(run('r0', NOW));
      await b.store.acquireLease('train', 'x', 60, NOW);
      const seen: Interaction[] = [];
      const count = await b.store.scanInteractions((batch) => seen.push(...batch));
      expect(count).toBe(230);
      expect(new Set(seen.map((e) => e.eventId)).size).toBe(230);
      const rating = seen.find((e) => e.type === 'rating')!;
      expect(rating.value).toBe(4);
      const original = evs.find((e) => e.eventId === rating.eventId)!;
      expect(rating).toMatchObject({
        userId: original.userId,
        itemId: original.itemId,
        receivedAt: original.receivedAt,
        timestamp: original.timestamp,
      });
    });

    it('hasNewSince: recent watermark via the index, old watermark via the fallback', async () => {
      const b = await make();
      expect(await b.store.hasNewSince(0, NOW)).toBe(false);
      await b.seed(
        events([
          ['u1', 'i1', 'view', NOW - 2 * DAY],
          ['u2', 'i2', 'view', NOW - 1000],
        ]),
      );
      expect(await b.store.hasNewSince(NOW - 1000, NOW)).toBe(false);
      expect(await b.store.hasNewSince(NOW - 1001, NOW)).toBe(true);
      expect(await b.store.hasNewSince(NOW - 3 * DAY, NOW)).toBe(true);
      expect(await b.store.hasNewSince(NOW - 30 * DAY, NOW)).toBe(true);
      expect(await b.store.hasNewSince(0, NOW)).toBe(true);
      expect(await b.store.hasNewSince(NOW, NOW)).toBe(false);
      // only the older event is after this watermark, two days back (a different bucket)
      const b2 = await make();
      await b2.seed(events([['u1', 'i1', 'view', NOW - 2 * DAY]]));
      expect(await b2.store.hasNewSince(NOW - 2 * DAY - 1, NOW)).toBe(true);
      expect(await b2.store.hasNewSince(NOW - 10 * DAY, NOW)).toBe(true);
      expect(await b2.store.hasNewSince(NOW - 2 * DAY, NOW)).toBe(false);
      expect(await b2.store.hasNewSince(NOW - 10 * DAY + 8 * DAY, NOW)).toBe(false);
    });

    it('lists erasure markers', async () => {
      const b = await make();
      await b.seed(
        [],
        [
          ['gone', 5],
          ['also-gone', 7],
        ],
      );
      const list = (await b.store.listErasures()).sort((x, y) => x.erasedAt - y.erasedAt);
      expect(list).toEqual([
        { userId: 'gone', erasedAt: 5 },
        { userId: 'also-gone', erasedAt: 7 },
      ]);
    });

    it('lease: one holder at a time, free again after expiry or release, release only by its owner', async () => {
      const { store } = await make();
      expect(await store.acquireLease('train', 'a', 60, NOW)).toBe(true);
      expect(await store.acquireLease('train', 'b', 60, NOW + 1000)).toBe(false);
      expect(await store.acquireLease('other', 'b', 60, NOW + 1000)).toBe(true);
      expect(await store.releaseLease('train', 'b')).toBe(false);
      expect(await store.acquireLease('train', 'b', 60, NOW + 61_000)).toBe(true);
      expect(await store.releaseLease('train', 'a')).toBe(false);
      expect(await store.releaseLease('train', 'b')).toBe(true);
      expect(await store.acquireLease('train', 'c', 60, NOW + 62_000)).toBe(true);
    });

    it('run log: newest first, limited', async () => {
      const { store } = await make();
      for (let k = 0; k < 4; k++) await store.recordRun(run(`r${k}`, NOW + k * 1000));
      const runs = await store.listRuns(3);
      expect(runs.map((r) => r.runId)).toEqual(['r3', 'r2', 'r1']);
      expect(runs[0]).toEqual(run('r3', NOW + 3000));
    });
  });
}

function run(runId: string, at: number): RunRecord {
  return {
    runId,
    startedAt: new Date(at).toISOString(),
    finishedAt: new Date(at + 500).toISOString(),
    decision: 'published',
    reason: 'test',
    version: `v-${runId}`,
    metrics: { ndcg10: 0.25 },
    timings: { total: 500 },
    counts: { users: 1, items: 2, interactions: 3, events: 4, erasedUsers: 0 },
  };
}
