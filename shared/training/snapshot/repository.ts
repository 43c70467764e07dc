/**
 * Snapshots on a ModelStore, with the model artifacts' discipline: the file
 * first (`<prefix><id>/snapshot.bin`), then `<prefix>latest.json` naming it
 * with its sha256 and length. A crash before the pointer leaves the previous
 * snapshot in force; a reader checks the bytes against the pointer, so a
 * half-written or altered file is refused (and the run rebuilds) rather than read.
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../../model/codec';
import type { ModelStore } from '../../ports/model-store';
import { decodeSnapshot } from './codec';
import { CorruptSnapshotError, type TrainingSnapshot } from './format';
import { openSnapshot, readWhole, SnapshotWriter, writeWhole, type OpenSnapshot, type SnapshotPointer } from './stream';

export type { SnapshotPointer } from './stream';
export const SNAPSHOT_FILE = 'snapshot.bin';
export const SNAPSHOT_POINTER = 'latest.json';

const utf8 = new TextEncoder();

/** Snapshot ids sort by creation time, like model versions. */
export function newSnapshotId(now: number): string {
  return `${new Date(now).toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** Writes the snapshot (chunks, then its index: ./stream.ts), then the pointer; keeps the newest `keep` (2). */
export async function writeSnapshot(
  store: ModelStore,
  prefix: string,
  snapshot: TrainingSnapshot,
  opts: { keep?: number; now?: number; chunkPairs?: number } = {},
): Promise<SnapshotPointer> {
  const w = new SnapshotWriter(store, prefix, newSnapshotId(opts.now ?? Date.now()), opts.chunkPairs);
  return commitSnapshot(store, prefix, await writeWhole(w, snapshot), opts.keep);
}

/**
 * Writes the pointer to a snapshot whose files are written, then deletes all but the newest `keep`
 * snapshots (every file of each): an erased user's rows must not outlive the run that dropped them.
 */
export async function commitSnapshot(
  store: ModelStore,
  prefix: string,
  pointer: SnapshotPointer,
  keep = 2,
): Promise<SnapshotPointer> {
  await store.put(prefix + SNAPSHOT_POINTER, utf8.encode(JSON.stringify(pointer, null, 2)), 'application/json');
  const all = await store.list(prefix);
  const ids = [...new Set(all.map((k) => k.slice(prefix.length).split('/')[0]))]
    .filter((x) => x !== SNAPSHOT_POINTER && x !== pointer.id)
    .sort();
  const doomed = new Set(ids.slice(0, Math.max(0, ids.length - (Math.max(1, keep) - 1))));
  const keys = all.filter((k) => doomed.has(k.slice(prefix.length).split('/')[0]));
  for (let k = 0; k < keys.length; k += 1000) await store.delete(keys.slice(k, k + 1000));
  return pointer;
}

/** The pointer, or null when there is none. Throws CorruptSnapshotError when unreadable. */
export async function readPointer(store: ModelStore, prefix: string): Promise<SnapshotPointer | null> {
  const raw = await store.get(prefix + SNAPSHOT_POINTER);
  if (!raw) return null;
  let pointer: SnapshotPointer;
  try {
    pointer = JSON.parse(new TextDecoder().decode(raw));
  } catch (err) {
    throw new CorruptSnapshotError(`${prefix}${SNAPSHOT_POINTER}: ${(err as Error).message}`);
  }
  if (typeof pointer?.id !== 'string' || !/^[0-9A-Za-z-]+$/.test(pointer.id) || typeof pointer.sha256 !== 'string')
    throw new CorruptSnapshotError(`${prefix}${SNAPSHOT_POINTER}: not a snapshot pointer`);
  return pointer;
}

/** The snapshot the pointer names, opened for reading chunk by chunk; null when there is none. */
export async function openLatestSnapshot(store: ModelStore, prefix: string): Promise<OpenSnapshot | null> {
  const pointer = await readPointer(store, prefix);
  if (!pointer) return null;
  if (pointer.format === 2) return openSnapshot(store, prefix, pointer);
  // another format is never merged (./load.ts rebuilds on it): its header's format is all a run reads of it
  const header = { format: pointer.format, watermark: pointer.watermark, createdAt: pointer.createdAt };
  const none = new Float64Array(0);
  const index = {
    header: header as TrainingSnapshot['header'],
    userIds: [],
    itemIds: [],
    userPairs: new Int32Array(0),
    itemPairs: new Int32Array(0),
    recentKey: none,
    recentAt: none,
    chunks: [],
    pairs: 0,
    events: 0,
  };
  return {
    pointer,
    index,
    // biome-ignore lint/correctness/useYield: never read (see above)
    async *chunks() {
      throw new CorruptSnapshotError(`snapshot ${pointer.id}: format ${pointer.format} is not read in chunks`);
    },
  };
}

async function readFormat1(store: ModelStore, prefix: string, pointer: SnapshotPointer): Promise<TrainingSnapshot> {
  const key = `${prefix}${pointer.id}/${SNAPSHOT_FILE}`;
  const bytes = await store.get(key);
  if (!bytes) throw new CorruptSnapshotError(`${key}: missing`);
  if (bytes.byteLength !== pointer.bytes || sha256(bytes) !== pointer.sha256)
    throw new CorruptSnapshotError(`${key}: length or sha256 differs from the pointer`);
  return decodeSnapshot(bytes);
}

/** The snapshot the pointer names, whole; null when there is none. Throws CorruptSnapshotError when unreadable. */
export async function readSnapshot(
  store: ModelStore,
  prefix: string,
): Promise<{ snapshot: TrainingSnapshot; pointer: SnapshotPointer } | null> {
  const pointer = await readPointer(store, prefix);
  if (!pointer) return null;
  if (pointer.format !== 2) return { snapshot: await readFormat1(store, prefix, pointer), pointer };
  return { snapshot: await readWhole(await openSnapshot(store, prefix, pointer)), pointer };
}
