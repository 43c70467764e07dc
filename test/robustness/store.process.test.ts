/**
 * Black box: the stores run in a process of their own (bench/embedded-aws-process.ts, data on
 * disk, fixed ports) while clients POST events through the Ingest handler. Mid-load the process
 * is killed and restarted, and in a second run frozen (SIGSTOP) for longer than the write budget
 * and thawed. Afterwards every acknowledged event (a 202, or an index listed in a 503's `stored`)
 * is found; every 503 says what was stored and carries Retry-After; no request outlives the
 * Ingest function's 29 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHttpHandler } from '../../shared/http/api';
import { dynamoDocumentClient } from '../../shared/storage/aws/clients';
import { DynamoInteractionStore } from '../../shared/storage/dynamodb/interactions';
import { call, loadHandler } from '../helpers/handlers';

const SCRIPT = new URL('../../bench/embedded-aws-process.ts', import.meta.url).pathname;
/** The Ingest function's timeout on AWS: no request may take longer. */
const INGEST_TIMEOUT_MS = 29_000;
const CLIENTS = 4;
const BATCH = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

interface Stores {
  child: ChildProcess;
  env: Record<string, string>;
}

async function startStores(home: string, dynamoPort: number, s3Port: number): Promise<Stores> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, JSON.stringify({ home, dynamoPort, s3Port })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`store process exited (${code}) before it was ready`)));
  });
  return { child, env: JSON.parse(line).env };
}

async function stopStores(s: Stores | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGCONT');
  s.child.stdin!.end();
  await exited;
}

interface Tally {
  acknowledged: Map<string, string>;
  statuses: Map<number, number>;
  /**
   * When each acknowledged request was sent (performance.now()). The send time, not the answer's: an
   * answer the store completed just before it died can still be read after the kill is observed,
   * while a request sent to a dead store can never be acknowledged.
   */
  okAt: number[];
  slowestMs: number;
  dishonest: string[];
}

/** Resolves once `cond` holds (checked every 50 ms); the wall clock only as a safety stop. */
async function until(cond: () => boolean, what: string, limitMs = 40_000): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > limitMs) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

/** CLIENTS clients post batches until `stop()`; each answer is checked and tallied as it comes. */
function load(h: LambdaHttpHandler, tag: string) {
  const tally: Tally = { acknowledged: new Map(), statuses: new Map(), okAt: [], slowestMs: 0, dishonest: [] };
  let stopped = false;
  const client = async (c: number) => {
    const userId = `${tag}-user-${c}`;
    for (let b = 0; !stopped; b++) {
      const events = Array.from({ length: BATCH }, (_, k) => ({
        eventId: `${tag}-c${c}-b${b}-${k}`,
        userId,
        itemId: `i${k}`,
        type: 'view',
        timestamp: Date.UTC(2026, 0, 1) + b * 1000 + k,
      }));
      const t0 = performance.now();
      const res = await call(h, { method: 'POST', path: '/events', body: { events } });
      tally.slowestMs = Math.max(tally.slowestMs, performance.now() - t0);
      tally.statuses.set(res.status, (tally.statuses.get(res.status) ?? 0) + 1);
      if (res.status === 202 && res.body.accepted === BATCH) {
        tally.okAt.push(t0);
        for (const e of events) tally.acknowledged.set(e.eventId, userId);
      } else if (res.status === 503) {
        const { stored, failed } = res.body ?? {};
        const honest =
          res.headers['retry-after'] !== undefined &&
          Array.isArray(stored) &&
          Array.isArray(failed) &&
          stored.length + failed.length === BATCH &&
          res.body.accepted === stored.length;
        if (!honest) tally.dishonest.push(JSON.stringify({ headers: res.headers, body: res.body }));
        for (const i of stored ?? []) tally.acknowledged.set(events[i].eventId, userId);
        await sleep(200);
      } else {
        tally.dishonest.push(`${res.status} ${JSON.stringify(res.body)}`);
      }
    }
  };
  const running = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  return {
    tally,
    async stop() {
      stopped = true;
      await running;
      return tally;
    },
  };
}

const oksAfter = (tally: Tally, t: number) => tally.okAt.filter((x) => x > t).length;

async function missing(env: Record<string, string>, tally: Tally): Promise<string[]> {
  const store = new DynamoInteractionStore(dynamoDocumentClient(), env.ATTUNE_TABLE ?? 'attune-interactions');
  const found = new Set<string>();
  for (const userId of new Set(tally.acknowledged.values())) {
    let cursor: string | undefined;
    do {
      const page = await store.listUserEvents(userId, { limit: 100, cursor });
      for (const e of page.events) found.add(e.eventId);
      cursor = page.cursor ?? undefined;
    } while (cursor);
  }
  return [...tally.acknowledged.keys()].filter((id) => !found.has(id));
}

describe('stores in a separate process, killed and frozen mid-load', () => {
  const home = mkdtempSync(join(tmpdir(), 'attune-store-process-'));
  const savedEnv = { ...process.env };
  let stores: Stores | undefined;
  let ports: [number, number];
  let h: LambdaHttpHandler;

  beforeAll(async () => {
    ports = [await freePort(), await freePort()];
    stores = await startStores(home, ...ports);
    // The SDK reads the endpoints when a client first sends: they must stay set for the whole file.
    Object.assign(process.env, stores.env);
    h = await loadHandler('../../functions/ingest/handler', { ATTUNE_AUTH_MODE: 'none' });
  }, 60_000);

  afterAll(async () => {
    await stopStores(stores);
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
    rmSync(home, { recursive: true, force: true });
  });

  it('killed, then restarted on the same data: every acknowledged event is there', async () => {
    const run = load(h, 'kill');
    // Steps wait for counts of answers, not for time: the same plan on a quiet and a loaded machine.
    await until(() => run.tally.okAt.length >= CLIENTS, 'the first acknowledged batches');
    stores!.child.kill('SIGKILL');
    await new Promise((r) => stores!.child.once('exit', r));
    const killed = performance.now();
    await until(() => (run.tally.statuses.get(503) ?? 0) >= CLIENTS, '503s while the store is down');
    expect(oksAfter(run.tally, killed)).toBe(0);
    stores = await startStores(home, ...ports);
    const restarted = performance.now();
    // The same handler (same SDK client, stale keep-alive sockets) recovers once the store is back.
    await until(() => oksAfter(run.tally, restarted) >= CLIENTS, 'acknowledged batches after the restart');
    const tally = await run.stop();
    expect(tally.dishonest).toEqual([]);
    expect(tally.slowestMs).toBeLessThan(INGEST_TIMEOUT_MS);
    expect(await missing(stores.env, tally)).toEqual([]);
  }, 90_000);

  it('frozen (SIGSTOP) for 9 s, then thawed: 503s inside the timeout, every acknowledged event is there', async () => {
    const run = load(h, 'freeze');
    await until(() => run.tally.okAt.length >= CLIENTS, 'the first acknowledged batches');
    stores!.child.kill('SIGSTOP');
    // Longer than the write budget (8 s): requests in flight must give up, not wait for the thaw.
    await sleep(9_000);
    expect(run.tally.statuses.get(503) ?? 0).toBeGreaterThan(0);
    stores!.child.kill('SIGCONT');
    const thawed = performance.now();
    await until(() => oksAfter(run.tally, thawed) >= CLIENTS, 'acknowledged batches after the thaw');
    const tally = await run.stop();
    expect(tally.dishonest).toEqual([]);
    expect(tally.slowestMs).toBeLessThan(INGEST_TIMEOUT_MS);
    expect(await missing(stores!.env, tally)).toEqual([]);
  }, 90_000);
});
