/**
 * Bounded shard reads: a shard step fetches only the other side's rows its
 * interactions touch (coalesced byte ranges of the shard files), not the side.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Interaction } from '../../../shared/events';
import type { ModelStore } from '../../../shared/ports/model-store';
import { MemoryModelStore } from '../../../shared/storage/local/memory-model-store';
import { MemoryTrainingStore } from '../../../shared/storage/local/memory-training';
import { controlStep } from '../../../shared/training/distributed/dispatch';
import { localIndices, planRuns, touchedRows } from '../../../shared/training/distributed/gather';
import type { StepDeps } from '../../../shared/training/distributed/record';
import { solveShard } from '../../../shared/training/distributed/solve';
import { SHARD_FIXED_BYTES, shardBytesPerPair, shardPairBound, type RowRange } from '../../../shared/workflow/shards';
import { syntheticInteractions } from '../training/data';
import { largePathDeps } from './fixture';

/** Ranges tiling 0..n from cut points. */
const tiling = (n: number, cuts: number[]): RowRange[] => {
  const c = [...new Set(cuts.filter((x) => x > 0 && x < n))].sort((a, b) => a - b);
  const edges = [0, ...c, n];
  return edges.slice(1).map((hi, s) => [edges[s]!, hi]);
};

describe('planning the ranged reads', () => {
  it('covers every touched row once, inside its shard, within the hole and piece limits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.nat(299), { maxLength: 8 }),
        fc.array(fc.nat(299), { maxLength: 120 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 40 }),
        (n, cuts, raw, holeRows, pieceRows) => {
          const ranges = tiling(n, cuts);
          const touched = touchedRows(Int32Array.from(raw.filter((r) => r < n)), Int32Array.from([n - 1]));
          const runs = planRuns(touched, ranges, 16, {
            holeBytes: holeRows * 16,
            pieceBytes: pieceRows * 16,
            concurrency: 1,
          });
          const seen: number[] = [];
          for (const [j, run] of runs.entries()) {
            const [lo, hi] = ranges[run.shard]!;
            expect(run.lo >= lo && run.hi <= hi && run.hi > run.lo).toBe(true);
            expect(run.hi - run.lo).toBeLessThanOrEqual(pieceRows);
            expect(touched[run.first]).toBe(run.lo);
            if (j > 0) expect(run.lo).toBeGreaterThanOrEqual(runs[j - 1]!.hi);
            for (let q = run.first; q < touched.length && touched[q]! < run.hi; q++) seen.push(touched[q]!);
          }
          expect(seen).toEqual(Array.from(touched));
        },
      ),
    );
  });

  it('maps indices into the packed rows', () => {
    const touched = touchedRows(Int32Array.from([9, 2, 2, 40]), Int32Array.from([7, 9]));
    expect(Array.from(touched)).toEqual([2, 7, 9, 40]);
    expect(Array.from(localIndices(Int32Array.from([40, 2, 9, 7, 9]), touched))).toEqual([3, 0, 2, 1, 2]);
  });
});

/** Two shops that share no user and no item: a user shard of one touches half the items. */
function twoShops(): Interaction[] {
  const shop = (tag: string, seed: number) =>
    syntheticInteractions({ users: 120, items: 45, seed }).map((e) => ({
      ...e,
      eventId: `${tag}${e.eventId}`,
      userId: `${tag}-${e.userId}`,
      itemId: `${tag}-${e.itemId}`,
    }));
  return [...shop('a', 3), ...shop('b', 4)];
}

/** Counts the bytes read under a prefix. */
function counting(inner: ModelStore, under: string) {
  const c = { bytes: 0, wholeGets: 0 };
  const store: ModelStore = {
    ...inner,
    put: (k, b, t) => inner.put(k, b, t),
    list: (p) => inner.list(p),
    delete: (k) => inner.delete(k),
    getIfChanged: (k, e) => inner.getIfChanged(k, e),
    get: async (k) => {
      const b = await inner.get(k);
      if (k.includes(under) && b) (c.bytes += b.length), c.wholeGets++;
      return b;
    },
    getRange: async (k, s, e) => {
      const b = await inner.getRange(k, s, e);
      if (k.includes(under) && b) c.bytes += b.length;
      return b;
    },
  };
  return { store, c };
}

describe('the shard size follows the shard Lambda and the factor count', () => {
  it('cuts shards so their worst case fits TrainShard (1769 MB): 773,877 interactions at 64 factors', () => {
    expect(shardPairBound(1769, 64)).toBe(773_877);
    expect(shardPairBound(1769, 256)).toBeLessThan(shardPairBound(1769, 64) / 3.9);
    for (const f of [8, 32, 64, 128, 256, 512])
      for (const mb of [512, 1769, 3008, 10240]) {
        const n = shardPairBound(mb, f);
        if (n > 1000) expect(n * shardBytesPerPair(f) + SHARD_FIXED_BYTES).toBeLessThanOrEqual(mb * 2 ** 20);
        expect(shardPairBound(mb, f * 2)).toBeLessThanOrEqual(n);
      }
  });
});

describe('a shard step reads only the rows it touches', () => {
  it('a user shard of one shop fetches its shop’s item rows, not the whole item side, and solves the same', async () => {
    const models = new MemoryModelStore();
    const deps: StepDeps = largePathDeps(new MemoryTrainingStore(twoShops()), models, {
      keepVersions: 2,
    });
    const prep = (await controlStep(deps, {
      step: 'prepare',
      input: { distributed: true, params: { factors: 8, iterations: 2 } },
    })) as { runId: string; userShards: number[] };
    expect(prep.userShards.length).toBeGreaterThan(2);
    const itemFiles = await models.list(`workflow/${prep.runId}/rows/item/0/`);
    let side = 0;
    for (const k of itemFiles) side += (await models.get(k))!.length;

    const { store, c } = counting(models, '/rows/item/0/');
    const input = { runId: prep.runId, side: 'user' as const, shard: 0, iteration: 1 };
    const r = await solveShard({ models: store, scratch: 'workflow/' }, input);
    // shard 0 holds shop a's first users: they touch at most shop a's 45 items of 90
    expect(r.otherRows).toBeLessThanOrEqual(45);
    expect(c.wholeGets).toBe(0);
    expect(c.bytes).toBe(r.otherBytes);
    expect(c.bytes).toBeLessThan(0.6 * side);
    expect(r.otherBytes).toBeLessThan(0.6 * r.sideBytes);

    // the same rows as a solve that fetches everything in one piece per shard file (holes of any size)
    const bytes = await models.get(`workflow/${prep.runId}/rows/user/1/0.bin`);
    const whole = { holeBytes: 1e12, pieceBytes: 1e12, concurrency: 1 };
    const r2 = await solveShard({ models, scratch: 'workflow/', reads: whole }, input);
    expect(r2.otherBytes).toBeGreaterThanOrEqual(r.otherBytes);
    expect(
      Buffer.from((await models.get(`workflow/${prep.runId}/rows/user/1/0.bin`))!).equals(Buffer.from(bytes!)),
    ).toBe(true);
  });
});
