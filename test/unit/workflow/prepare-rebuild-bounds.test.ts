/**
 * A rebuild in Prepare (first run, on demand, every N runs) holds what a usual run holds, not the events it
 * reads: the array buffers resident at every store call stay the same at 4x the events of the same users,
 * where the whole read's merger held 40 bytes an event (user, item, weight, time, key, receive time).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import type { ModelStore } from '../../../shared/ports/model-store';
import { LocalModelStore } from '../../../shared/storage/local/model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { prepare } from '../../../shared/training/distributed/prepare';
import { readPlan } from '../../../shared/training/distributed/layout';
import type { StepDeps } from '../../../shared/training/distributed/record';
import { largePathDeps, residentBuffers } from './fixture';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const USERS = 500;

/** `per` events a user over 60 days (the snapshot keeps a day of event keys, as in use); repeats sum into pairs. */
function table(per: number): Interaction[] {
  return Array.from({ length: USERS * per }, (_, n) => {
    const u = n % USERS;
    const at = T0 + Math.floor((n * 60 * DAY) / (USERS * per));
    const itemId = `i${(u * 131 + Math.floor(n / USERS) * 17) % 300}`;
    return { eventId: `e${n}`, userId: `u${u}`, itemId, type: 'click', timestamp: at, receivedAt: at };
  });
}

describe('Prepare on a rebuild', () => {
  it('holds the ids, a spill, a group, a chunk and a shard: not growing with the events read', async () => {
    const resident = residentBuffers();
    const peaks: Record<number, { held: number; events: number; spills: number }> = {};
    // the first size pays Node's one-time buffers (fs, crypto pools): a warm-up, not measured
    for (const per of [2, 8, 32]) {
      const dir = mkdtempSync(join(tmpdir(), 'attune-rebuild-'));
      dirs.push(dir);
      // a folder store: the written files are not resident, so what is resident is Prepare's
      const store = new LocalModelStore(dir);
      let held = 0;
      let spills = 0;
      let base = -1;
      const probe = () => {
        if (base >= 0) held = Math.max(held, resident() - base);
      };
      const models: ModelStore = Object.create(store, {
        put: {
          value: (key: string, body: Uint8Array, ...rest: unknown[]) => {
            probe();
            if (/\/rebuild\/rebuild-0\/spill-/.test(key)) spills++;
            return (store.put as (...a: unknown[]) => Promise<void>).call(store, key, body, ...rest);
          },
        },
        getRange: { value: (k: string, a: number, b: number) => (probe(), store.getRange(k, a, b)) },
      });
      const events = table(per);
      const d: StepDeps = {
        ...largePathDeps(new MemoryTrainingStore(events), models, { shardInteractions: 4000 }),
        now: () => events.at(-1)!.receivedAt + DAY,
      };
      base = resident();
      const out = await prepare(
        d,
        { distributed: true, params: { factors: 8, iterations: 1 } },
        {
          chunkPairs: 2048,
          spillEntries: 2048,
        },
      );
      if (out.path !== 'large') throw new Error(`prepare took the ${out.path} path`);
      const plan = await readPlan(store, 'workflow/', out.runId);
      expect(plan.counts.events).toBe(events.length);
      peaks[per] = { held, events: events.length, spills };
    }
    // the read spilled (2,048 events a spill) and is gone from the scratch afterwards
    expect(peaks[32]!.spills).toBeGreaterThanOrEqual(7);
    // 4x the events, the same users: what Prepare holds stays (the whole read's merger: 40 B an event more)
    expect(peaks[32]!.held).toBeLessThan(1.25 * peaks[8]!.held + 128 * 1024);
    expect(peaks[32]!.held - peaks[8]!.held).toBeLessThan(0.25 * 40 * (peaks[32]!.events - peaks[8]!.events));
    // spill buffers and read blocks (2 x 2,048 x 24 B each), a group, a chunk, an item spill, a shard
    expect(peaks[32]!.held).toBeLessThan(1024 * 1024);
  }, 120_000);
});
