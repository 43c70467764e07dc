/**
 * Issue #13 §4: serving memory, cold start and latency with every user in memory vs
 * users on demand (ATTUNE_SERVING_MAX_USERS), on a generated ALS artifact published
 * to a local folder store (the loader and ranged reads are the production ones; S3
 * adds its own first-byte latency, see docs/scale.md).
 *   npx tsx bench/serving-users.ts [--users 1000000] [--items 100000] [--factors 64] [--seen 20]
 * Each mode runs in a child process of its own, so resident memory is that mode's alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { csrFromTriples } from '../shared/math/csr';
import { gramian } from '../shared/math/linalg';
import { Rng } from '../shared/math/rng';
import { publishModel } from '../shared/model/repository';
import type { Model } from '../shared/model/types';
import { encodeUserHistories, USER_HISTORIES_FILE, USER_HISTORIES_INDEX_FILE } from '../shared/model/user-histories';
import { CatalogCache } from '../shared/serving/catalog';
import { ServingCore } from '../shared/serving/core';
import { ModelCache, repositorySource } from '../shared/serving/model-cache';
import { prepareModel } from '../shared/serving/prepared';
import { LocalModelStore } from '../shared/storage/local/model-store';
import { event } from '../test/unit/serving/fixture';

const args = process.argv.slice(2);
const opt = (name: string, d: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : d);
const USERS = opt('--users', 1_000_000);
const ITEMS = opt('--items', 100_000);
const F = opt('--factors', 64);
const SEEN = opt('--seen', 20);
const mb = (b: number) => Math.round(b / 1048576);

function generated(): Model {
  const rng = new Rng(42);
  const uf = new Float32Array(USERS * F);
  const itf = new Float32Array(ITEMS * F);
  for (let k = 0; k < uf.length; k++) uf[k] = rng.normal() * 0.3;
  for (let k = 0; k < itf.length; k++) itf[k] = rng.normal() * 0.3;
  const rows = new Int32Array(USERS * SEEN);
  const cols = new Int32Array(USERS * SEEN);
  for (let q = 0; q < rows.length; q++) {
    rows[q] = Math.floor(q / SEEN);
    cols[q] = rng.int(ITEMS);
  }
  const ui = csrFromTriples(USERS, ITEMS, rows, cols, new Float32Array(rows.length).fill(1));
  const userIds = Array.from({ length: USERS }, (_, u) => `u${u}`);
  const h = encodeUserHistories(userIds, ui);
  return {
    manifest: {
      formatVersion: 1,
      version: 'bench-users',
      createdAt: new Date().toISOString(),
      kind: 'als',
      factors: F,
      hyperParameters: {},
      counts: { users: USERS, items: ITEMS, interactions: ui.indptr[USERS] },
      metrics: {},
      watermark: Date.now(),
      calibration: { a: 3, b: -2 },
      foldIn: {
        regularization: 0.05,
        alpha: 1,
        confidence: 'linear',
        epsilon: 1,
        unobservedWeight: 1,
        regularizationExponent: 0,
      },
      files: {},
    },
    userIds,
    itemIds: Array.from({ length: ITEMS }, (_, i) => `i${i}`),
    factors: F,
    userFactors: uf,
    itemFactors: itf,
    seenIndptr: ui.indptr,
    seenIndices: ui.indices,
    popularity: Float32Array.from({ length: ITEMS }, () => rng.next()),
    itemGramian: gramian(itf, ITEMS, F),
    parts: { [USER_HISTORIES_FILE]: h.body, [USER_HISTORIES_INDEX_FILE]: h.index },
  };
}

async function child(dir: string, mode: 'memory' | 'on-demand') {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const rss0 = process.memoryUsage().rss;
  const store = new LocalModelStore(dir);
  const t0 = performance.now();
  const source = repositorySource(store, 'models/', {
    maxUsersInMemory: mode === 'memory' ? Number.POSITIVE_INFINITY : 0,
  });
  const models = new ModelCache(source, { refreshSeconds: 3600, prepare: (m) => prepareModel(m) });
  await models.get();
  const loadMs = performance.now() - t0;
  gc?.();
  const rss = process.memoryUsage().rss - rss0;
  const catalog = new CatalogCache({ listCatalog: async () => [] }, { refreshSeconds: 3600 });
  const rng = new Rng(7);
  const latency = async (events: (u: string) => ReturnType<typeof event>[]) => {
    const interactions = {
      listUserEvents: async (u: string) => ({ events: events(u), cursor: null }),
      getErasure: async () => null,
    };
    const core = new ServingCore({ models, catalog, store: interactions, log: () => {}, refreshSeconds: 3600 });
    for (let i = 0; i < 50; i++) await core.recommend(`u${rng.int(USERS)}`, { k: 10 });
    const times: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = performance.now();
      await core.recommend(`u${rng.int(USERS)}`, { k: 10 });
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => Number(times[Math.floor(p * (times.length - 1))].toFixed(2));
    return { p50Ms: at(0.5), p99Ms: at(0.99) };
  };
  // no events in the table page: on demand, every request reads the user's bucket by range
  const stored = await latency(() => []);
  // a partial page (the user's whole history): on demand folds in without any read
  const fromEvents = await latency((u) => Array.from({ length: SEEN }, (_, q) => event(u, `i${(q * 7919) % ITEMS}`)));
  console.log(JSON.stringify({ mode, loadMs: Math.round(loadMs), residentMb: mb(rss), stored, fromEvents }));
}

async function main() {
  if (args[0] === '--child') return child(args[1], args[2] as 'memory' | 'on-demand');
  const dir = mkdtempSync(join(tmpdir(), 'attune-users-'));
  try {
    const t0 = performance.now();
    const manifest = await publishModel(new LocalModelStore(dir), 'models/', generated(), { keep: 1 });
    const bytes = (names: string[]) => mb(names.reduce((s, n) => s + (manifest.files[n]?.bytes ?? 0), 0));
    console.log(
      JSON.stringify({
        users: USERS,
        items: ITEMS,
        factors: F,
        seenPerUser: SEEN,
        publishSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
        userSideMb: bytes(['user_ids.json', 'user_factors.f32', 'seen_indptr.i32', 'seen_indices.i32']),
        historiesMb: bytes([USER_HISTORIES_FILE, USER_HISTORIES_INDEX_FILE]),
        itemSideMb: bytes(['item_ids.json', 'item_factors.f32', 'popularity.f32', 'item_gramian.f64']),
      }),
    );
    for (const mode of ['memory', 'on-demand']) {
      const r = spawnSync(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', dir, mode, ...args],
        { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
      );
      process.stdout.write(r.stdout);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
