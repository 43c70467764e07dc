/**
 * The model artifact codec: a {@link Model} ⇄ a manifest plus named binary
 * files. Numbers are little-endian Float32/Int32, row-major; ids are JSON
 * arrays (ids may hold any character, JSON escapes them all). Decoding makes
 * typed-array views over the fetched bytes (no per-element parsing) after
 * checking every file's length and sha256 and the shapes against each other.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { CorruptModelError } from './errors';
import type { FileEntry, Model, ModelManifest } from './types';

/** The file names of a version folder (see docs/training.md). */
export const FILES = {
  userIds: 'user_ids.json',
  itemIds: 'item_ids.json',
  userFactors: 'user_factors.f32',
  itemFactors: 'item_factors.f32',
  userBias: 'user_bias.f32',
  itemBias: 'item_bias.f32',
  seenIndptr: 'seen_indptr.i32',
  seenIndices: 'seen_indices.i32',
  popularity: 'popularity.f32',
  neighborIndptr: 'neighbors_indptr.i32',
  neighborIndices: 'neighbors_indices.i32',
  neighborWeights: 'neighbors_weights.f32',
  /** Optional (added later): readers of older artifacts compute it instead. */
  itemGramian: 'item_gramian.f64',
} as const;

export { CorruptModelError };

/** The ALS pair's second user-factor file (shared/model/kinds/als-pair.ts): a user-side file like the first. */
export const PAIR_USER_FACTORS_FILE = 'pair_user_factors.f32';

/**
 * The files that grow with the number of users. A reader that serves users from
 * their histories (fetched by range) omits them: its memory depends on the catalog only.
 */
export const USER_SIDE_FILES: readonly string[] = [
  FILES.userIds,
  FILES.userFactors,
  FILES.userBias,
  FILES.seenIndptr,
  FILES.seenIndices,
  PAIR_USER_FACTORS_FILE,
];

// Typed arrays use the platform's byte order; the format is little-endian.
const LITTLE_ENDIAN = endianness() === 'LE';

/** Hex sha256 of bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A typed array's bytes in the format's byte order (a view on little-endian machines). */
export function typedBytes(a: Float32Array | Int32Array | Float64Array): Uint8Array {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN) return view;
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float64Array) dv.setFloat64(i * 8, a[i], true);
    else if (a instanceof Float32Array) dv.setFloat32(i * 4, a[i], true);
    else dv.setInt32(i * 4, a[i], true);
  }
  return out;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns a model into its files and a manifest that lists each file's sha256
 * and length. Shape fields of the manifest (counts, factors) are taken from
 * the arrays, so a manifest can never disagree with its files.
 */
export function encodeModel(model: Model): { manifest: ModelManifest; files: Map<string, Uint8Array> } {
  assertShapes(model);
  const files = new Map<string, Uint8Array>();
  files.set(FILES.userIds, utf8.encode(JSON.stringify(model.userIds)));
  files.set(FILES.itemIds, utf8.encode(JSON.stringify(model.itemIds)));
  files.set(FILES.userFactors, typedBytes(model.userFactors));
  files.set(FILES.itemFactors, typedBytes(model.itemFactors));
  if (model.userBias) files.set(FILES.userBias, typedBytes(model.userBias));
  if (model.itemBias) files.set(FILES.itemBias, typedBytes(model.itemBias));
  files.set(FILES.seenIndptr, typedBytes(model.seenIndptr));
  files.set(FILES.seenIndices, typedBytes(model.seenIndices));
  files.set(FILES.popularity, typedBytes(model.popularity));
  if (model.neighbors) {
    files.set(FILES.neighborIndptr, typedBytes(model.neighbors.indptr));
    files.set(FILES.neighborIndices, typedBytes(model.neighbors.indices));
    files.set(FILES.neighborWeights, typedBytes(model.neighbors.weights));
  }
  if (model.itemGramian) files.set(FILES.itemGramian, typedBytes(model.itemGramian));
  for (const [name, value] of Object.entries(model.parts ?? {})) files.set(name, encodePart(name, value));
  const entries: Record<string, FileEntry> = {};
  for (const [name, bytes] of files) entries[name] = { sha256: sha256(bytes), bytes: bytes.byteLength };
  const manifest: ModelManifest = {
    ...model.manifest,
    formatVersion: 1,
    factors: model.factors,
    counts: {
      users: model.userIds.length,
      items: model.itemIds.length,
      interactions: model.seenIndices.length,
    },
    globalBias: model.globalBias ?? model.manifest.globalBias,
    files: entries,
  };
  if (manifest.globalBias === undefined) delete manifest.globalBias;
  return { manifest, files };
}

function aligned(name: string, bytes: Uint8Array, width = 4): Uint8Array {
  if (bytes.byteLength % width !== 0)
    throw new CorruptModelError(`${name}: ${bytes.byteLength} bytes is not a multiple of ${width}`);
  // Buffers from the SDK or fs may sit at any offset of a shared pool; a view needs aligned bytes.
  // (The streaming loader gives every file its own buffer, so this copy does not happen there.)
  if (bytes.byteOffset % width === 0) return bytes;
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

function f32(name: string, bytes: Uint8Array): Float32Array {
  const b = aligned(name, bytes);
  const n = b.byteLength / 4;
  if (LITTLE_ENDIAN) return new Float32Array(b.buffer, b.byteOffset, n);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Float32Array.from({ length: n }, (_, i) => dv.getFloat32(i * 4, true));
}

function i32(name: string, bytes: Uint8Array): Int32Array {
  const b = aligned(name, bytes);
  const n = b.byteLength / 4;
  if (LITTLE_ENDIAN) return new Int32Array(b.buffer, b.byteOffset, n);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Int32Array.from({ length: n }, (_, i) => dv.getInt32(i * 4, true));
}

function f64(name: string, bytes: Uint8Array): Float64Array {
  const b = aligned(name, bytes, 8);
  const n = b.byteLength / 8;
  if (LITTLE_ENDIAN) return new Float64Array(b.buffer, b.byteOffset, n);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Float64Array.from({ length: n }, (_, i) => dv.getFloat64(i * 8, true));
}

/**
 * Parses an id file (a JSON array of strings). Call it on verified bytes only
 * ({@link verifyFile}); throws {@link CorruptModelError} when it is not one.
 */
export function decodeIds(name: string, bytes: Uint8Array): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decoder.decode(bytes));
  } catch (err) {
    throw new CorruptModelError(`${name}: not a JSON array of strings (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
    throw new CorruptModelError(`${name}: not a JSON array of strings`);
  }
  return parsed as string[];
}

/**
 * Throws {@link CorruptModelError} unless `bytes` has the length and sha256 the
 * manifest lists. `digest` is the sha256 a loader already computed over exactly
 * these bytes while they streamed in; without it the bytes are hashed here.
 */
export function verifyFile(name: string, entry: FileEntry, bytes: Uint8Array | undefined, digest?: string): Uint8Array {
  if (!bytes) throw new CorruptModelError(`${name}: missing`);
  if (bytes.byteLength !== entry.bytes)
    throw new CorruptModelError(`${name}: ${bytes.byteLength} bytes, manifest says ${entry.bytes}`);
  if ((digest ?? sha256(bytes)) !== entry.sha256) throw new CorruptModelError(`${name}: sha256 mismatch`);
  return bytes;
}

/** What a loader already did while the files streamed in. */
export interface DecodeHints {
  /** sha256 of each file's bytes, computed while reading (see {@link verifyFile}); files without one are hashed here. */
  digests?: ReadonlyMap<string, string>;
  /**
   * Files the reader chose not to fetch (not verified, not decoded): user-side files
   * ({@link USER_SIDE_FILES}) come back empty, as a model of no stored users; omitted kind parts are absent.
   */
  omitted?: ReadonlySet<string>;
  /** Id lists already parsed from their verified files with {@link decodeIds}, by file name. */
  ids?: ReadonlyMap<string, string[]>;
}

/**
 * Rebuilds a model from its manifest and files. Throws {@link CorruptModelError}
 * on a missing or extra file, a length or sha256 mismatch, or inconsistent shapes.
 */
export function decodeModel(manifest: ModelManifest, files: Map<string, Uint8Array>, hints: DecodeHints = {}): Model {
  const { digests } = hints;
  const omitted = hints.omitted ?? new Set<string>();
  const usersOmitted = USER_SIDE_FILES.some((n) => omitted.has(n));
  if (usersOmitted && !USER_SIDE_FILES.every((n) => omitted.has(n) || !(n in (manifest?.files ?? {}))))
    throw new RangeError('omit every user-side file or none');
  if (manifest?.formatVersion !== 1)
    throw new CorruptModelError(`unsupported manifest formatVersion ${manifest?.formatVersion}`);
  if (!manifest.files || typeof manifest.files !== 'object') throw new CorruptModelError('manifest lists no files');
  for (const [name, entry] of Object.entries(manifest.files))
    if (!omitted.has(name)) verifyFile(name, entry, files.get(name), digests?.get(name));
  const need = (name: string): Uint8Array => {
    if (!(name in manifest.files)) throw new CorruptModelError(`${name}: not listed in the manifest`);
    return files.get(name)!;
  };
  const optional = (name: string): Uint8Array | undefined => (name in manifest.files ? files.get(name) : undefined);

  const userBiasBytes = usersOmitted ? undefined : optional(FILES.userBias);
  const itemBiasBytes = optional(FILES.itemBias);
  const nbIndptr = optional(FILES.neighborIndptr);
  const nbIndices = optional(FILES.neighborIndices);
  const nbWeights = optional(FILES.neighborWeights);
  const gramBytes = optional(FILES.itemGramian);
  if ((nbIndptr || nbIndices || nbWeights) && !(nbIndptr && nbIndices && nbWeights)) {
    throw new CorruptModelError('neighbour CSR is incomplete');
  }
  const model: Model = {
    manifest,
    userIds: usersOmitted ? [] : (hints.ids?.get(FILES.userIds) ?? decodeIds(FILES.userIds, need(FILES.userIds))),
    itemIds: hints.ids?.get(FILES.itemIds) ?? decodeIds(FILES.itemIds, need(FILES.itemIds)),
    factors: manifest.factors,
    userFactors: usersOmitted ? new Float32Array(0) : f32(FILES.userFactors, need(FILES.userFactors)),
    itemFactors: f32(FILES.itemFactors, need(FILES.itemFactors)),
    seenIndptr: usersOmitted ? new Int32Array(1) : i32(FILES.seenIndptr, need(FILES.seenIndptr)),
    seenIndices: usersOmitted ? new Int32Array(0) : i32(FILES.seenIndices, need(FILES.seenIndices)),
    popularity: f32(FILES.popularity, need(FILES.popularity)),
  };
  if (userBiasBytes) model.userBias = f32(FILES.userBias, userBiasBytes);
  if (itemBiasBytes) model.itemBias = f32(FILES.itemBias, itemBiasBytes);
  if (manifest.globalBias !== undefined) model.globalBias = manifest.globalBias;
  if (nbIndptr && nbIndices && nbWeights) {
    model.neighbors = {
      indptr: i32(FILES.neighborIndptr, nbIndptr),
      indices: i32(FILES.neighborIndices, nbIndices),
      weights: f32(FILES.neighborWeights, nbWeights),
    };
  }
  if (gramBytes) model.itemGramian = f64(FILES.itemGramian, gramBytes);
  for (const name of Object.keys(manifest.files)) {
    if (COMMON_FILES.has(name) || omitted.has(name)) continue;
    (model.parts ??= {})[name] = decodePart(name, files.get(name)!);
  }
  try {
    assertShapes(model);
  } catch (err) {
    throw err instanceof CorruptModelError ? err : new CorruptModelError((err as Error).message);
  }
  const c = manifest.counts;
  if (!c || (!usersOmitted && c.users !== model.userIds.length) || c.items !== model.itemIds.length) {
    throw new CorruptModelError(
      `manifest counts ${JSON.stringify(c)} disagree with ${model.userIds.length} users × ${model.itemIds.length} items`,
    );
  }
  return model;
}

function checkCsr(what: string, indptr: Int32Array, indices: Int32Array, rows: number, cols: number): void {
  if (indptr.length !== rows + 1)
    throw new CorruptModelError(`${what}: indptr has ${indptr.length} entries, expected ${rows + 1}`);
  if (indptr[0] !== 0 || indptr[rows] !== indices.length)
    throw new CorruptModelError(`${what}: indptr does not span the indices`);
  for (let r = 0; r < rows; r++)
    if (indptr[r + 1] < indptr[r]) throw new CorruptModelError(`${what}: indptr decreases at row ${r}`);
  // Serving indexes item arrays with these; an out-of-range index would read garbage.
  for (let q = 0; q < indices.length; q++) {
    const c = indices[q];
    if (c < 0 || c >= cols) throw new CorruptModelError(`${what}: index ${c} at ${q} outside 0..${cols - 1}`);
  }
}

const COMMON_FILES: ReadonlySet<string> = new Set(Object.values(FILES));

/**
 * A kind's own file (Model.parts), typed by its extension so the codec never
 * needs to know the kind: `.f32`, `.i32`, `.f64` typed arrays, `.json` any JSON.
 */
export function encodePart(name: string, value: unknown): Uint8Array {
  if (COMMON_FILES.has(name) || name === 'manifest.json' || name === 'latest.json' || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new RangeError(`model part "${name}": not a free file name`);
  }
  const ext = name.slice(name.lastIndexOf('.') + 1);
  const ok =
    (ext === 'f32' && value instanceof Float32Array) ||
    (ext === 'i32' && value instanceof Int32Array) ||
    (ext === 'f64' && value instanceof Float64Array);
  if (ok) return typedBytes(value as Float32Array | Int32Array | Float64Array);
  if (ext === 'json') return utf8.encode(JSON.stringify(value));
  throw new RangeError(`model part "${name}": a .${ext} file cannot hold ${Object.prototype.toString.call(value)}`);
}

function decodePart(name: string, bytes: Uint8Array): unknown {
  const ext = name.slice(name.lastIndexOf('.') + 1);
  if (ext === 'f32') return f32(name, bytes);
  if (ext === 'i32') return i32(name, bytes);
  if (ext === 'f64') return f64(name, bytes);
  if (ext === 'json') {
    try {
      return JSON.parse(utf8Decoder.decode(bytes));
    } catch (err) {
      throw new CorruptModelError(`${name}: not JSON (${(err as Error).message})`);
    }
  }
  throw new CorruptModelError(`${name}: unknown file type`);
}

/** Throws CorruptModelError when the arrays of a model do not fit together. */
export function assertShapes(m: Model): void {
  const users = m.userIds.length;
  const items = m.itemIds.length;
  const f = m.factors;
  if (!Number.isInteger(f) || f < 0) throw new CorruptModelError(`factors must be a non-negative integer, got ${f}`);
  if (m.userFactors.length !== users * f)
    throw new CorruptModelError(`user factors: ${m.userFactors.length} values, expected ${users} × ${f}`);
  if (m.itemFactors.length !== items * f)
    throw new CorruptModelError(`item factors: ${m.itemFactors.length} values, expected ${items} × ${f}`);
  if (m.popularity.length !== items)
    throw new CorruptModelError(`popularity: ${m.popularity.length} values, expected ${items}`);
  if (m.userBias && m.userBias.length !== users)
    throw new CorruptModelError(`user bias: ${m.userBias.length} values, expected ${users}`);
  if (m.itemBias && m.itemBias.length !== items)
    throw new CorruptModelError(`item bias: ${m.itemBias.length} values, expected ${items}`);
  checkCsr('seen', m.seenIndptr, m.seenIndices, users, items);
  if (m.neighbors) {
    const knnRows = m.manifest.kind === 'user-knn' ? users : items;
    checkCsr('neighbors', m.neighbors.indptr, m.neighbors.indices, knnRows, knnRows);
    if (m.neighbors.weights.length !== m.neighbors.indices.length)
      throw new CorruptModelError('neighbors: weights and indices differ in length');
  }
  if (m.itemGramian) checkGramian(m.itemGramian, m.itemFactors, items, f);
}

/** Relative agreement asked of a shipped YᵀY diagonal entry with one recomputed from the factors. */
const GRAMIAN_TOLERANCE = 1e-4;

/**
 * A shipped YᵀY must be f × f, finite and symmetric, and must belong to these
 * factors: three diagonal entries are recomputed (O(items) each, well under a
 * millisecond at 100k items), which catches a Gramian of other factors without
 * paying for the O(items·f²) product it saves.
 */
function checkGramian(g: Float64Array, y: Float32Array, items: number, f: number): void {
  if (g.length !== f * f) throw new CorruptModelError(`item gramian: ${g.length} values, expected ${f} × ${f}`);
  for (let a = 0; a < f; a++) {
    for (let b = a; b < f; b++) {
      const v = g[a * f + b];
      if (!Number.isFinite(v) || v !== g[b * f + a])
        throw new CorruptModelError(`item gramian: not finite and symmetric at (${a}, ${b})`);
    }
  }
  for (const a of f > 0 ? new Set([0, f >> 1, f - 1]) : []) {
    let s = 0;
    for (let i = 0; i < items; i++) s += y[i * f + a] * y[i * f + a];
    if (Math.abs(g[a * f + a] - s) > GRAMIAN_TOLERANCE * Math.max(1, Math.abs(s))) {
      throw new CorruptModelError(`item gramian: diagonal ${a} is ${g[a * f + a]}, the factors give ${s}`);
    }
  }
}
