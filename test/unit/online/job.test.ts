/**
 * The online job over the received-time index of a real table (dynalite):
 * events across a day boundary are read once, a second run adds nothing, an
 * erased user's open answers leave the state, a first run reads at most the lookback.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createTableInput } from '../../../infra/local/embedded';
import type { Interaction } from '../../../shared/events';
import { groupKey } from '../../../shared/online/aggregate';
import { MAX_LOOKBACK_MS, runOnlineJob } from '../../../shared/online/job';
import { arraySource, DynamoReceivedSource } from '../../../shared/online/source';
import { memoryState } from '../../../shared/online/state-store';
import { dynamoDocumentClient } from '../../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../../shared/storage/dynamodb/interactions';
import { TABLE_SCHEMA } from '../../../shared/storage/schema';
import { useEmbeddedAws } from '../../helpers/aws';

const aws = useEmbeddedAws();
const MIDNIGHT = Date.UTC(2026, 10, 30);
const REC = (n: number) => `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`;

function traffic(): Interaction[] {
  const out: Interaction[] = [];
  let e = 0;
  // 30 users, one answer each: shown before midnight, clicked after it
  for (let u = 0; u < 30; u++) {
    const base = { userId: `u${u}`, timestamp: MIDNIGHT - 60_000, recommendationId: REC(u) };
    for (let pos = 1; pos <= 3; pos++) {
      out.push({
        ...base,
        eventId: `i${e++}`,
        itemId: `item-${pos}`,
        type: 'impression',
        position: pos,
        modelVersion: 'v1',
        receivedAt: MIDNIGHT - 30_000 + u,
      });
    }
    if (u % 3 === 0)
      out.push({ ...base, eventId: `c${e++}`, itemId: 'item-2', type: 'click', receivedAt: MIDNIGHT + 5_000 + u });
    if (u % 10 === 0)
      out.push({
        ...base,
        eventId: `p${e++}`,
        itemId: 'item-2',
        type: 'purchase',
        value: 20,
        receivedAt: MIDNIGHT + 9_000,
      });
    out.push({ ...base, eventId: `v${e++}`, itemId: 'item-9', type: 'view', receivedAt: MIDNIGHT + 1_000 });
  }
  return out;
}

describe('runOnlineJob', () => {
  const before = {
    ...TABLE_SCHEMA,
    globalIndexes: TABLE_SCHEMA.globalIndexes.filter((i) => i.name !== 'ByReceivedEvents'),
  };
  it.each([
    ['ByReceivedEvents, no BatchGetItem', TABLE_SCHEMA, false],
    ['a table made before ByReceivedEvents: ByReceived + BatchGetItem', before, true],
  ] as const)(
    'reads the received-time index day by day, once, and a second run adds nothing (%s)',
    async (_, schema, batchGets) => {
      void aws;
      const table = `online-${Date.now()}`;
      const client = new DynamoDBClient({});
      await client.send(new CreateTableCommand(createTableInput(table, schema)));
      client.destroy();
      const doc = dynamoDocumentClient();
      const sent: string[] = [];
      doc.middlewareStack.add(
        (next, context) => async (args) => {
          sent.push(String(context.commandName));
          return next(args);
        },
        { step: 'initialize' },
      );
      const events = traffic();
      const put = await new DynamoInteractionStore(doc, table).putEvents(events);
      expect(put.failed).toEqual([]);
      sent.length = 0;
      const state = memoryState();
      // a previous run counted up to one minute before midnight
      await state.save({
        ...(
          await runOnlineJob({
            source: arraySource([]),
            state,
            erasedUsers: async () => new Set(),
            now: MIDNIGHT - 50_000,
            settleMs: 0,
          })
        ).state,
      });
      const deps = {
        source: new DynamoReceivedSource(doc, table),
        state,
        erasedUsers: async () => new Set<string>(['u3']),
        settleMs: 0,
      };
      const first = await runOnlineJob({ ...deps, now: MIDNIGHT + 60_000 });
      expect(first.events).toBe(events.length);
      const g = first.state.groups[groupKey('v1', null)].counts;
      expect(g).toMatchObject({
        recommendations: 30,
        impressions: 90,
        clicks: 10,
        conversions: 3,
        purchases: 3,
        revenue: 60,
      });
      expect(g.clicksAt.slice(0, 3)).toEqual([0, 10, 0]);
      expect(first.state.open[REC(3)]).toBeUndefined(); // u3 was erased
      expect(first.state.open[REC(4)]).toBeDefined();
      expect(sent.some((c) => c.startsWith('BatchGet'))).toBe(batchGets);
      const second = await runOnlineJob({ ...deps, now: MIDNIGHT + 120_000 });
      expect(second.events).toBe(0);
      expect(second.delta.size).toBe(0);
      expect(second.state.groups[groupKey('v1', null)].counts.clicks).toBe(10);
    },
  );

  it('a first run reads back at most the lookback, and says so', async () => {
    const now = MIDNIGHT + 3_600_000;
    const old = { ...traffic()[0], receivedAt: now - MAX_LOOKBACK_MS - 1 };
    const recent = { ...traffic()[1], receivedAt: now - 1_000 };
    const r = await runOnlineJob({
      source: arraySource([old, recent]),
      state: memoryState(),
      erasedUsers: async () => new Set(),
      now,
      settleMs: 0,
    });
    expect(r.events).toBe(1);
    expect(r.skippedBefore).toBe(now - MAX_LOOKBACK_MS);
    expect(r.state.watermark).toBe(now);
  });
});
