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
import { decodeSnapshot, encodeSnapshot } from './codec';
import { CorruptSnapshotError, type TrainingSnapshot } from './format';

export const SNAPSHOT_FILE = 'snapshot.bin';
export const SNAPSHOT_POINTER = 'latest.json';

export interface SnapshotPointer {
  id: string;
  createdAt: string;
  watermark: number;
  sha256: string;
  bytes: number;
  format: number;
}

const utf8 = new TextEncoder();

/** Snapshot ids sort by creation time, like model versions. */
function newId(now: number): string {
  return `${new Date(now).toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** Writes the snapshot, then the pointer; keeps the newest `keep` snapshots (default 2). */
export async function writeSnapshot(
  store: ModelStore,
  prefix: string,
  snapshot: TrainingSnapshot,
  opts: { keep?: number; now?: number } = {},
): Promise<SnapshotPointer> {
  const bytes = encodeSnapshot(snapshot);
  const id = newId(opts.now ?? Date.now());
  await store.put(`${prefix}${id}/${SNAPSHOT_FILE}`, bytes);
  const pointer: SnapshotPointer = {
    id,
    createdAt: snapshot.header.createdAt,
    watermark: snapshot.header.watermark,
    sha256: sha256(bytes),
    bytes: bytes.byteLength,
    format: snapshot.header.format,
  };
  await store.put(prefix + SNAPSHOT_POINTER, utf8.encode(JSON.stringify(pointer, null, 2)), 'application/json');
  const ids = [...new Set((await store.list(prefix)).map((k) => k.slice(prefix.length).split('/')[0]))]
    .filter((x) => x !== SNAPSHOT_POINTER && x !== id)
    .sort();
  const doomed = ids.slice(0, Math.max(0, ids.length - (Math.max(1, opts.keep ?? 2) - 1)));
  if (doomed.length) await store.delete(doomed.map((x) => `${prefix}${x}/${SNAPSHOT_FILE}`));
  return pointer;
}

/** The snapshot the pointer names; null when there is none. Throws CorruptSnapshotError when unreadable. */
export async function readSnapshot(
  store: ModelStore,
  prefix: string,
): Promise<{ snapshot: TrainingSnapshot; pointer: SnapshotPointer } | null> {
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
  const key = `${prefix}${pointer.id}/${SNAPSHOT_FILE}`;
  const bytes = await store.get(key);
  if (!bytes) throw new CorruptSnapshotError(`${key}: missing`);
  if (bytes.byteLength !== pointer.bytes || sha256(bytes) !== pointer.sha256)
    throw new CorruptSnapshotError(`${key}: length or sha256 differs from the pointer`);
  return { snapshot: decodeSnapshot(bytes), pointer };
}
