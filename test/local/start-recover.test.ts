/**
 * What a local start finds after a process was killed (session 21 review,
 * docs/reliability.md), on a real home folder with dynalite: a seed cut half-way is
 * finished with nothing duplicated and nothing left out, and a training lease left by a
 * dead run is released instead of locking training for 30 minutes.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDemoDataset } from '../../infra/local/demo-data';
import { HomeInUseError, startEmbeddedAws } from '../../infra/local/embedded';
import { releaseStaleLease } from '../../infra/local/recover';
import { seedDataset, seedIfEmpty } from '../../infra/local/seed';
import { dynamoDocumentClient } from '../../shared/storage/aws/clients';
import { DynamoTrainingStore } from '../../shared/storage/dynamodb/training';
import { useEmbeddedAws } from '../helpers/aws';

const home = mkdtempSync(join(tmpdir(), 'attune-recover-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const aws = useEmbeddedAws({ home });

/** Event ids in the table (SK E#…), every page. */
async function eventIds(): Promise<string[]> {
  const doc = dynamoDocumentClient();
  const ids: string[] = [];
  let start: Record<string, unknown> | undefined;
  try {
    do {
      const page = await doc.send(new ScanCommand({ TableName: aws().tableName, ExclusiveStartKey: start }));
      for (const it of page.Items ?? []) if (String(it.SK).startsWith('E#')) ids.push(`${it.PK}/${it.SK}`);
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    doc.destroy();
  }
  return ids;
}

describe('a local start after a kill', () => {
  it('finishes a seed a killed start left half done: every event once (it stayed partial for good)', async () => {
    const size = { users: 30, items: 24, eventsPerUser: 6 };
    const now = Date.parse('2026-11-30T10:00:00Z');
    const full = generateDemoDataset({ ...size, now });
    // the state a kill leaves: the marker written, the catalog and a third of the events stored
    writeFileSync(join(home, 'seeding.json'), JSON.stringify({ dataset: 'demo', now, demo: size }));
    await seedDataset(aws().tableName, { ...full, events: full.events.slice(0, Math.floor(full.events.length / 3)) });
    expect((await eventIds()).length).toBeLessThan(full.events.length);

    const lines: string[] = [];
    const stack = { aws: aws() };
    const r = await seedIfEmpty(stack, { home, demo: size, log: (l) => lines.push(l) });
    expect(lines[0]).toBe('finishing the demo seed a stopped start left half done');
    expect(r?.events).toBe(full.events.length);
    const ids = await eventIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(new Set(full.events.map((e) => `${e.userId}/${e.eventId}`)).size);
    expect(existsSync(join(home, 'seeding.json'))).toBe(false);
    // the next start finds a finished store
    expect(await seedIfEmpty(stack, { home, demo: size, log: (l) => lines.push(l) })).toBeNull();
    expect(lines.at(-1)).toBe('store has data: not seeding');
    expect((await eventIds()).length).toBe(ids.length);
  });

  it("releases a dead run's training lease; a live lease elsewhere is not this code's to touch", async () => {
    const store = new DynamoTrainingStore(dynamoDocumentClient(), aws().tableName);
    expect(await store.acquireLease('train', 'dead-run', 1800)).toBe(true);
    // what the next start's training found before: locked for the lease's 30 minutes
    expect(await store.acquireLease('train', 'next-run', 1800)).toBe(false);
    const lines: string[] = [];
    expect(await releaseStaleLease(aws().tableName, (l) => lines.push(l))).toBe('dead-run');
    expect(lines[0]).toMatch(/^released the training lease of run dead-run \(taken \d{4}-/);
    expect(await store.acquireLease('train', 'next-run', 1800)).toBe(true);
    expect(await store.releaseLease('train', 'next-run')).toBe(true);
    expect(await releaseStaleLease(aws().tableName)).toBeNull();
  });

  it('a second process on the same home is refused in one line; a lock a killed process left is taken over', async () => {
    // this test's stores hold the home: a second opening crashed inside dynalite (LevelDB's lock)
    const second = await startEmbeddedAws({ home }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(HomeInUseError);
    expect((second as Error).message).toBe(
      `the stores in ${home} are open in process ${process.pid} (npm start or attune local); stop it or use another home`,
    );
    const other = mkdtempSync(join(tmpdir(), 'attune-recover-lock-'));
    try {
      writeFileSync(join(other, 'stores.lock'), '99999999');
      const stores = await startEmbeddedAws({ home: other });
      await stores.stop();
      expect(existsSync(join(other, 'stores.lock'))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
