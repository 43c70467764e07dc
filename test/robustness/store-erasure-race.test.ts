/**
 * Erasure under concurrency, through the Ingest handler against dynalite: 20 users, each with
 * two clients POSTing batches while an admin DELETE lands at a seeded moment among them. dynalite
 * answers one request at a time, so under this load some calls time out: clients retry a 503 as
 * a real client would (the 503 is honest, see store.process.test.ts). After everything settles, no
 * event of those users is readable (GET) or trainable (the training job's read), and lifting the
 * blocks leaves none stored: nothing comes back.
 */
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../shared/events';
import type { LambdaHttpHandler } from '../../shared/http/api';
import { dynamoDocumentClient } from '../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { DynamoTrainingStore } from '../../shared/storage/dynamodb/training';
import { useEmbeddedAws } from '../helpers/aws';
import { call, loadHandler } from '../helpers/handlers';

const aws = useEmbeddedAws();
const USERS = 20;
const CLIENTS = 2;
/** Longest seeded pause between a user's first acknowledged POST and their DELETE. */
const DELETE_SPREAD_MS = 60;
const BATCH = 10;

/** mulberry32: the DELETE's moment per user, the same on every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends until the answer is not a 503, as a client honouring Retry-After would (shortened here). */
async function untilNot503(send: () => Promise<{ status: number }>) {
  for (let attempt = 0; ; attempt++) {
    const res = await send();
    if (res.status !== 503 || attempt === 20) return res;
    await sleep(100 + 50 * attempt);
  }
}

async function race(h: LambdaHttpHandler, userId: string, deleteAfterMs: number) {
  let erased = false;
  let inFlight = 0;
  let firstAck!: () => void;
  const acked = new Promise<void>((r) => (firstAck = r));
  const statuses: number[] = [];
  const client = async (c: number) => {
    // Keeps posting until the DELETE has answered, and one batch more: a write in flight at that moment.
    for (let b = 0; b < 10; b++) {
      const done = erased;
      const events = Array.from({ length: BATCH }, (_, k) => ({
        eventId: `c${c}-b${b}-${k}`,
        userId,
        itemId: `i${k % 9}`,
        type: 'view',
        timestamp: Date.UTC(2026, 0, 1) + b * 1000 + k,
      }));
      inFlight++;
      const res = await untilNot503(() => call(h, { method: 'POST', path: '/events', body: { events } }));
      inFlight--;
      statuses.push(res.status);
      if (res.status === 202) firstAck();
      if (done) break;
    }
  };
  let inFlightAtDelete = 0;
  const del = (async () => {
    // Erase a user who has events, at a seeded moment while the clients keep posting.
    await acked;
    await sleep(deleteAfterMs);
    inFlightAtDelete = inFlight;
    const res = await untilNot503(() => call(h, { method: 'DELETE', path: `/users/${encodeURIComponent(userId)}` }));
    erased = true;
    return res.status;
  })();
  const [deleteStatus] = await Promise.all([del, ...Array.from({ length: CLIENTS }, (_, c) => client(c))]);
  return { deleteStatus, statuses, inFlightAtDelete };
}

describe('erasure races', () => {
  it(`${USERS} concurrent POST+DELETE races leave 0 readable and 0 trainable events; a lift brings none back`, async () => {
    const h = await loadHandler('../../functions/ingest/handler', {
      ATTUNE_AUTH_MODE: 'none',
      ATTUNE_ADMIN_GROUP: 'admin',
    });
    const random = rng(9);
    const users = Array.from({ length: USERS }, (_, u) => `racer-${u}`);
    const outcomes = await Promise.all(users.map((u) => race(h, u, Math.floor(random() * DELETE_SPREAD_MS))));
    for (const o of outcomes) {
      expect(o.deleteStatus).toBe(202);
      // Every POST was answered: stored (202), or refused because the user was erased (400).
      for (const s of o.statuses) expect([202, 400]).toContain(s);
    }
    // The races were real: POSTs were in flight when most DELETEs were sent.
    expect(outcomes.filter((o) => o.inFlightAtDelete > 0).length).toBeGreaterThan(USERS / 2);

    for (const u of users) {
      const res = await call(h, { method: 'GET', path: `/users/${u}/events?limit=100` });
      expect(res.status).toBe(200);
      expect(res.body.events).toEqual([]);
    }
    // Trainable: what the training job reads (every event, minus the users it lists as erased).
    const doc = dynamoDocumentClient();
    const training = new DynamoTrainingStore(doc, aws().tableName);
    const erased = new Set((await training.listErasures()).map((e) => e.userId));
    expect(users.filter((u) => !erased.has(u))).toEqual([]);
    const racers = async () => {
      const seen: Interaction[] = [];
      await training.scanInteractions((batch) => seen.push(...batch.filter((e) => e.userId.startsWith('racer-'))));
      return seen;
    };
    expect((await racers()).filter((e) => !erased.has(e.userId))).toEqual([]);

    // A write abandoned by its client can sit in dynalite's queue and land after both sweeps: it
    // stays hidden (above) until the block is lifted, and the lift deletes it first. Once the
    // queue has drained (a write sent now is answered after the ones queued before it), lifting
    // every block leaves nothing stored.
    const store = new DynamoInteractionStore(doc, aws().tableName);
    await sleep(1_000);
    expect(
      (
        await store.putEvents([
          { eventId: 'drain', userId: 'drain', itemId: 'i', type: 'view', timestamp: 1, receivedAt: 1 },
        ])
      ).stored,
    ).toEqual([0]);
    for (const u of users) expect(await store.clearErasure(u)).toBe(true);
    expect(await racers()).toEqual([]);
    for (const u of users) expect((await store.listUserEvents(u, { limit: 100 })).events).toEqual([]);

    // The user can start again.
    const again = await call(h, {
      method: 'POST',
      path: '/events',
      body: { events: [{ eventId: 'back', userId: 'racer-0', itemId: 'i1', type: 'view' }] },
    });
    expect(again.status).toBe(202);
    expect((await store.listUserEvents('racer-0', { limit: 100 })).events.map((e) => e.eventId)).toEqual(['back']);
  }, 120_000);
});
