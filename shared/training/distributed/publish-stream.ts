/**
 * Publish of the large path in bounded memory: the artifact the single path
 * publishes (same files, same bytes: shared/training/fit.ts toModel and the
 * codec), but every file that grows with users or interactions is written as
 * a stream, a user shard at a time, from the run's files (./run-files.ts):
 * user ids, user factors, the seen CSR, and the user histories, which are
 * hash-bucketed by user id and so need one external partition (below). The
 * step holds the item side (factors, YᵀY, popularity), the id lists, one
 * shard's pairs and one group of history buckets; never the interactions.
 *
 * Files go through publishStreamed (shared/model/repository.ts): each is one
 * object written by ModelStore.putParts (a multipart upload on S3), its sha256
 * taken over the bytes as they pass, the manifest and latest.json after all of
 * them, so a failure anywhere publishes nothing.
 */
import { encodePart, FILES, typedBytes } from '../../model/codec';
import type { FittedModel } from '../../model/kinds';
import { publishStreamed, type FileWriter, type PublishOptions } from '../../model/repository';
import type { ModelManifest } from '../../model/types';
import { bucketCount, fnv1a, USER_HISTORIES_FILE, USER_HISTORIES_INDEX_FILE } from '../../model/user-histories';
import type { ModelStore } from '../../ports/model-store';
import { CorruptScratchError } from './blob';
import { keys, writeBlob, type RunPlan } from './layout';
import {
  lengthOf,
  openBlob,
  openData,
  readSlice,
  userShardRows,
  type RangedBlob,
  type Typed,
  type TypedCtor,
  type UserShardRows,
} from './run-files';
import type { ArtifactInfo } from '../fit';
import type { ModelExposure } from '../exposure';

/** Pairs per ranged read of data.bin (20 bytes a pair at most: 20 MB a read). */
export const CHUNK_PAIRS = 1 << 20;
/**
 * Bytes of user histories one group of buckets holds (the partition's unit of memory: the step holds a group's
 * sections and its output, 2 × this). Larger groups mean fewer ranged GETs (shards × groups): at 1B pairs
 * (~9 GB of histories, 1,293 user shards) 128 MiB makes ~72 groups, ~93k GETs.
 */
export const HISTORY_GROUP_BYTES = 128 * 1024 * 1024;

/** What the manifest says besides the files: the single path's artifact info, and its exposure block. */
export type StreamedInfo = ArtifactInfo & { exposure?: ModelExposure };

interface Run {
  store: ModelStore;
  scratch: string;
  plan: RunPlan;
  data: RangedBlob<unknown>;
  shards: UserShardRows[];
  /** Pairs per ranged read. */
  chunk: number;
}

const once = (b: Uint8Array) =>
  (async function* () {
    yield b;
  })();

/** A JSON array of strings, as JSON.stringify writes it, a slice of ids at a time. */
async function* jsonIds(ids: readonly string[]) {
  const utf8 = new TextEncoder();
  yield utf8.encode('[');
  for (let at = 0; at < ids.length; at += 65_536) {
    const text = ids.slice(at, at + 65_536).map((id) => JSON.stringify(id));
    yield utf8.encode((at ? ',' : '') + text.join(','));
  }
  yield utf8.encode(']');
}

/** [lo, hi) of a data.bin array in pieces of at most CHUNK_PAIRS, the next piece in flight while one is used. */
async function* slices<T extends Typed>(
  r: Run,
  name: string,
  type: TypedCtor<T>,
  lo: number,
  hi: number,
): AsyncGenerator<{ at: number; a: T }> {
  const read = (at: number) =>
    at < hi ? readSlice(r.store, r.data, name, type, at, Math.min(hi, at + r.chunk)) : null;
  let next = read(lo);
  try {
    for (let at = lo; at < hi; at += r.chunk) {
      const a = await next!;
      next = read(at + r.chunk);
      yield { at, a };
    }
  } finally {
    // a consumer that stops early leaves a read in flight: its failure must not go unhandled
    next?.catch(() => {});
  }
}

/** Time-decayed popularity as decayedPopularity computes it (same order of sums), two passes over the pairs. */
async function popularity(r: Run, items: number, halfLifeDays: number): Promise<Float32Array> {
  const n = lengthOf(r.data, 'pairTime');
  let now = -Infinity;
  for await (const { a } of slices(r, 'pairTime', Float64Array, 0, n))
    for (let q = 0; q < a.length; q++) if (a[q]! > now) now = a[q]!;
  // toModel passes the newest pair time (0 when there are none)
  now = Math.max(0, now);
  const half = halfLifeDays * 86_400_000;
  const rate = Number.isFinite(half) ? Math.LN2 / half : 0;
  const acc = new Float64Array(items);
  for await (const { at, a: t } of slices(r, 'pairTime', Float64Array, 0, n)) {
    const it = await readSlice(r.store, r.data, 'pairItem', Int32Array, at, at + t.length);
    for (let q = 0; q < t.length; q++) {
      const i = it[q]!;
      if (!(i >= 0 && i < items)) throw new CorruptScratchError(`data.bin: item ${i} outside 0..${items - 1}`);
      acc[i]! += rate ? Math.exp(-rate * Math.max(0, now - t[q]!)) : 1;
    }
  }
  return Float32Array.from(acc);
}

/** The full fit's user rows, a shard at a time. */
async function* userFactors(r: Run) {
  const f = r.plan.params.factors;
  const k = keys(r.scratch, r.plan.runId);
  for (const sh of r.shards) {
    const blob = await openBlob(r.store, k.rows('user', r.plan.params.iterations, sh.shard));
    yield typedBytes(await readSlice(r.store, blob, 'full', Float32Array, 0, (sh.hi - sh.lo) * f));
  }
}

/** The seen CSR's row pointers: each shard's, shifted by where its pairs start. */
async function* seenIndptr(r: Run) {
  yield typedBytes(new Int32Array(1));
  for (const sh of r.shards) {
    const out = new Int32Array(sh.hi - sh.lo);
    for (let q = 0; q < out.length; q++) out[q] = sh.pairStart + sh.fullIndptr[q + 1]!;
    yield typedBytes(out);
  }
}

/** The seen CSR's items: data.bin's pairs in order (sorted by user then item), each checked against its row. */
async function* seenIndices(r: Run) {
  for (const sh of r.shards) {
    const n = sh.fullIndptr[sh.hi - sh.lo]!;
    let row = 0;
    for await (const { at, a: users } of slices(r, 'pairUser', Int32Array, sh.pairStart, sh.pairStart + n)) {
      for (let q = 0; q < users.length; q++) {
        const p = at - sh.pairStart + q;
        while (sh.fullIndptr[row + 1]! <= p) row++;
        if (users[q] !== sh.lo + row)
          throw new CorruptScratchError(`data.bin: pair ${at + q} is not user ${sh.lo + row}'s`);
      }
      yield typedBytes(await readSlice(r.store, r.data, 'pairItem', Int32Array, at, at + users.length));
    }
  }
}

/**
 * The user histories (shared/model/user-histories.ts encodeUserHistories, byte for byte): buckets in order,
 * a bucket's users in index order. Bucket order is not user order, so: (1) each user shard writes its users'
 * records to a scratch file, grouped by bucket group and sorted by bucket within a group, each record
 * preceded by its bucket; (2) each group's sections are fetched from every shard file by range and merged
 * bucket by bucket in shard order, then written. Memory: one shard's pairs, then one group.
 */
async function writeHistories(r: Run, file: FileWriter, userIds: readonly string[], groupBytes: number): Promise<void> {
  const users = userIds.length;
  const B = bucketCount(users);
  const utf8 = new TextEncoder();
  let words = 0;
  for (const sh of r.shards)
    for (let q = 0; q < sh.hi - sh.lo; q++)
      words +=
        2 + Math.ceil(utf8.encode(userIds[sh.lo + q]!).length / 4) + 2 * (sh.fullIndptr[q + 1]! - sh.fullIndptr[q]!);
  const G = Math.max(1, Math.min(B, Math.ceil((words * 4) / groupBytes)));
  const groupOf = (b: number) => Math.floor((b * G) / B);
  const firstBucket = (g: number) => Math.ceil((g * B) / G);
  const part = (s: number) => `${keys(r.scratch, r.plan.runId).prefix}publish/histories-${s}.bin`;

  for (const sh of r.shards) {
    const n = sh.hi - sh.lo;
    const ids = Array.from({ length: n }, (_, q) => utf8.encode(userIds[sh.lo + q]!));
    const bucket = Int32Array.from(ids, (id) => fnv1a(id) % B);
    const order = Int32Array.from({ length: n }, (_, q) => q).sort((a, b) => bucket[a]! - bucket[b]! || a - b);
    const pairs = sh.fullIndptr[n]!;
    const [items, weights] = await Promise.all([
      readSlice(r.store, r.data, 'pairItem', Int32Array, sh.pairStart, sh.pairStart + pairs),
      readSlice(r.store, r.data, 'pairWeight', Float32Array, sh.pairStart, sh.pairStart + pairs),
    ]);
    let total = 0;
    for (let q = 0; q < n; q++)
      total += 3 + Math.ceil(ids[q]!.length / 4) + 2 * (sh.fullIndptr[q + 1]! - sh.fullIndptr[q]!);
    const body = new Int32Array(total);
    const bytes = new Uint8Array(body.buffer);
    const asF32 = new Float32Array(body.buffer);
    const offsets = new Float64Array(G + 1);
    let w = 0;
    let g = 0;
    for (const q of order) {
      while (g <= groupOf(bucket[q]!)) offsets[g++] = w;
      const lo = sh.fullIndptr[q]!;
      const len = sh.fullIndptr[q + 1]! - lo;
      body[w++] = bucket[q]!;
      body[w++] = ids[q]!.length;
      body[w++] = len;
      bytes.set(ids[q]!, w * 4);
      w += Math.ceil(ids[q]!.length / 4);
      body.set(items.subarray(lo, lo + len), w);
      w += len;
      asF32.set(weights.subarray(lo, lo + len), w);
      w += len;
    }
    while (g <= G) offsets[g++] = w;
    await writeBlob(r.store, part(sh.shard), { shard: sh.shard, groups: G }, { offsets, body });
  }

  const index = new Float64Array(2 + 2 * B);
  index[0] = B;
  async function* body() {
    const files = await Promise.all(r.shards.map((sh) => openBlob(r.store, part(sh.shard))));
    const offsets = await Promise.all(files.map((b) => readSlice(r.store, b, 'offsets', Float64Array, 0, G + 1)));
    let w = 0;
    for (let g = 0; g < G; g++) {
      const secs: Int32Array[] = [];
      for (let s0 = 0; s0 < files.length; s0 += 16)
        secs.push(
          ...(await Promise.all(
            files
              .slice(s0, s0 + 16)
              .map((b, j) => readSlice(r.store, b, 'body', Int32Array, offsets[s0 + j]![g]!, offsets[s0 + j]![g + 1]!)),
          )),
        );
      const out = new Int32Array(secs.reduce((t, x) => t + x.length, 0));
      const pos = new Int32Array(secs.length);
      let o = 0;
      for (let b = firstBucket(g); b < firstBucket(g + 1); b++) {
        const start = o;
        for (let s = 0; s < secs.length; s++) {
          const sec = secs[s]!;
          while (pos[s]! < sec.length && sec[pos[s]!] === b) {
            const p = pos[s]!;
            const size = 2 + Math.ceil(sec[p + 1]! / 4) + 2 * sec[p + 2]!;
            out.set(sec.subarray(p + 1, p + 1 + size), o);
            o += size;
            pos[s] = p + 1 + size;
          }
        }
        index[1 + b] = w + start;
        index[2 + B + b] = fnv1a(new Uint8Array(out.buffer, start * 4, (o - start) * 4));
      }
      for (let s = 0; s < secs.length; s++)
        if (pos[s] !== secs[s]!.length)
          throw new CorruptScratchError(`histories of shard ${s}: group ${g} not consumed`);
      w += o;
      yield new Uint8Array(out.buffer, 0, o * 4);
    }
    index[1 + B] = w;
  }
  await file(USER_HISTORIES_FILE, body());
  await file(USER_HISTORIES_INDEX_FILE, once(typedBytes(index)));
}

/**
 * Publishes the run's model: `fit` is the full fit's item side (its user rows are read from the run a shard at
 * a time), `info` what toModel's ArtifactInfo carries.
 */
export async function publishRun(
  store: ModelStore,
  prefix: string,
  scratch: string,
  plan: RunPlan,
  fit: FittedModel,
  info: StreamedInfo,
  opts: PublishOptions & { historyGroupBytes?: number; chunkPairs?: number },
): Promise<ModelManifest> {
  const data = await openData(store, scratch, plan.runId);
  const shards = await userShardRows(store, scratch, plan.runId, plan.userRanges);
  const r: Run = { store, scratch, plan, data, shards, chunk: opts.chunkPairs ?? CHUNK_PAIRS };
  const { userIds, itemIds, watermark } = data.layout.meta;
  const interactions = lengthOf(data, 'pairItem');
  const last = shards[shards.length - 1]!;
  if (last.hi !== userIds.length || last.pairStart + last.fullIndptr[last.hi - last.lo]! !== interactions)
    throw new CorruptScratchError('the user shards do not cover data.bin');
  const a = fit.artifact();
  const f = a.factors;
  if (!a.itemFactors || a.itemFactors.length !== itemIds.length * f)
    throw new CorruptScratchError(`item factors: not ${itemIds.length} × ${f}`);
  const pop = await popularity(r, itemIds.length, info.popularityHalfLifeDays);
  const manifest: Omit<ModelManifest, 'files'> = {
    formatVersion: 1,
    version: info.version,
    createdAt: info.createdAt,
    kind: fit.kind,
    factors: f,
    hyperParameters: { ...fit.params, popularityHalfLifeDays: info.popularityHalfLifeDays },
    counts: { users: userIds.length, items: itemIds.length, interactions },
    metrics: info.metrics,
    watermark,
    calibration: info.calibration,
    ...(a.manifest ?? {}),
    ...(info.tuning ? { tuning: info.tuning } : {}),
    ...(info.note ? { note: info.note } : {}),
    ...(info.erasureWatermark !== undefined ? { erasureWatermark: info.erasureWatermark } : {}),
    ...(info.exposure ? { exposure: info.exposure } : {}),
  };
  return publishStreamed(
    store,
    prefix,
    manifest,
    async (file) => {
      await file(FILES.userIds, jsonIds(userIds));
      await file(FILES.itemIds, jsonIds(itemIds));
      await file(FILES.userFactors, userFactors(r));
      await file(FILES.itemFactors, once(typedBytes(a.itemFactors!)));
      await file(FILES.seenIndptr, seenIndptr(r));
      await file(FILES.seenIndices, seenIndices(r));
      await file(FILES.popularity, once(typedBytes(pop)));
      if (a.itemGramian) await file(FILES.itemGramian, once(typedBytes(a.itemGramian)));
      // the kind's own item-side files (written whole: the fit holds them anyway)
      for (const [name, value] of Object.entries(a.parts ?? {})) await file(name, once(encodePart(name, value)));
      await writeHistories(r, file, userIds, opts.historyGroupBytes ?? HISTORY_GROUP_BYTES);
    },
    opts,
  );
}
