/**
 * Publishing and loading model versions on a {@link ModelStore}.
 *
 * Layout under a prefix (e.g. "models/"):
 *   <prefix><version>/<file>          binary files and ids (see codec FILES)
 *   <prefix><version>/manifest.json   lists every file's sha256 and length
 *   <prefix>latest.json               { version, createdAt, manifestSha256 }
 *   <prefix>latest-<kind>.json        the same pointer for the newest version of one kind (a kind's
 *                                     channel: A/B variants that name a kind are served from it)
 *
 * The pointer is written last, so a crash at any point of a publish leaves
 * readers on the previous version; a reader checks the manifest against the
 * pointer's hash and every file against the manifest.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ModelStore } from '../ports/model-store';
import { CorruptModelError, decodeIds, decodeModel, encodeModel, FILES, sha256, verifyFile } from './codec';
import type { FileEntry, Model, ModelManifest } from './types';
import { rangedUserHistories, USER_HISTORIES_FILE, USER_HISTORIES_INDEX_FILE } from './user-histories';

export const MANIFEST_FILE = 'manifest.json';
export const LATEST_FILE = 'latest.json';
/** A kind's channel pointer: a file beside latest.json (every folder under the prefix is a version). */
export const channelFile = (kind: string) => `latest-${kind}.json`;
const KIND_RE = /^[a-z][a-z0-9-]{0,31}$/;

export interface LatestPointer {
  version: string;
  createdAt: string;
  manifestSha256: string;
}

export type LatestResult =
  | { status: 'unchanged' }
  | { status: 'missing' }
  | ({ status: 'ok'; etag: string } & LatestPointer);

const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z._-]*$/;
/** Puts in flight at once while publishing (S3 likes some parallelism; 2 cores do not need more). */
const PUT_CONCURRENCY = 4;

/**
 * A new version id that sorts by creation time: `20261129T130501Z-a1b2c3`.
 * The random suffix keeps two publishes in the same second apart.
 */
export function newVersion(now: number = Date.now()): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

const utf8 = new TextEncoder();
const jsonBytes = (value: unknown): Uint8Array => utf8.encode(JSON.stringify(value, null, 2));

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Version folders under a prefix, oldest first. */
export async function listVersions(store: ModelStore, prefix: string): Promise<string[]> {
  const versions = new Set<string>();
  for (const key of await store.list(prefix)) {
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash > 0) versions.add(rest.slice(0, slash));
  }
  return [...versions].sort();
}

export interface PublishOptions {
  keep: number;
  onWarning?: (message: string, err: unknown) => void;
  /**
   * False publishes to the kind's channel only (latest.json stays where it is): the training job's
   * extra fits of kinds A/B variants name. Default true.
   */
  latest?: boolean;
  /** Versions retention must keep whatever their age (pinned by experiments); read once per publish. */
  pinned?: () => Promise<Iterable<string>>;
}

/**
 * Publishes a model: every file, then its manifest, then the latest pointer
 * and its kind's channel pointer; then deletes all but the newest `keep`
 * versions (never the one just published, one a pointer names, or a pinned
 * one). Retention failures are reported through `onWarning` and do not undo a
 * publish that already succeeded.
 */
export async function publishModel(
  store: ModelStore,
  prefix: string,
  model: Model,
  opts: PublishOptions,
): Promise<ModelManifest> {
  const version = model.manifest.version || newVersion();
  if (!VERSION_RE.test(version)) throw new RangeError(`invalid model version "${version}"`);
  const { manifest: encoded, files } = encodeModel(model);
  const manifest: ModelManifest = { ...encoded, version, createdAt: encoded.createdAt || new Date().toISOString() };
  const dir = `${prefix}${version}/`;
  await inParallel([...files], PUT_CONCURRENCY, ([name, bytes]) => store.put(dir + name, bytes));
  return finishPublish(store, prefix, manifest, opts);
}

/** Writes one file of a version from its parts, hashing them as they pass: its manifest entry. */
export type FileWriter = (name: string, parts: AsyncIterable<Uint8Array>) => Promise<FileEntry>;

/**
 * Publishes a version whose files are written as streams (a model too large to hold whole):
 * `write` writes every file through the writer it is given (each through ModelStore.putParts,
 * sha256 and length taken over the bytes as they pass), then the manifest, the pointers and
 * retention follow as in {@link publishModel}. `manifest.files` is filled from what was written;
 * a failure before the manifest publishes nothing (readers stay on the previous version).
 */
export async function publishStreamed(
  store: ModelStore,
  prefix: string,
  manifest: Omit<ModelManifest, 'files'>,
  write: (file: FileWriter) => Promise<void>,
  opts: PublishOptions,
): Promise<ModelManifest> {
  const version = manifest.version;
  if (!VERSION_RE.test(version)) throw new RangeError(`invalid model version "${version}"`);
  const dir = `${prefix}${version}/`;
  const files: Record<string, FileEntry> = {};
  await write(async (name, parts) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === MANIFEST_FILE || name in files)
      throw new RangeError(`model file "${name}": not a free file name`);
    const hash = createHash('sha256');
    let bytes = 0;
    async function* hashed() {
      for await (const part of parts) {
        hash.update(part);
        bytes += part.byteLength;
        yield part;
      }
    }
    if (store.putParts) await store.putParts(dir + name, hashed());
    else {
      const all: Uint8Array[] = [];
      for await (const part of hashed()) all.push(part);
      await store.put(dir + name, Buffer.concat(all));
    }
    files[name] = { sha256: hash.digest('hex'), bytes };
    return files[name]!;
  });
  return finishPublish(store, prefix, { ...manifest, files }, opts);
}

/** The end of every publish: the manifest, then the latest pointer and the kind's channel, then retention. */
async function finishPublish(
  store: ModelStore,
  prefix: string,
  manifest: ModelManifest,
  opts: PublishOptions,
): Promise<ModelManifest> {
  const version = manifest.version;
  const dir = `${prefix}${version}/`;
  const manifestBytes = jsonBytes(manifest);
  await store.put(dir + MANIFEST_FILE, manifestBytes, 'application/json');
  const pointer: LatestPointer = { version, createdAt: manifest.createdAt, manifestSha256: sha256(manifestBytes) };
  if (opts.latest !== false) await store.put(prefix + LATEST_FILE, jsonBytes(pointer), 'application/json');
  // the channel follows: a crash between the two leaves it one publish behind, never ahead of a missing version
  if (KIND_RE.test(manifest.kind))
    await store.put(prefix + channelFile(manifest.kind), jsonBytes(pointer), 'application/json');
  try {
    const pinned = opts.pinned ? await opts.pinned() : [];
    await pruneVersions(store, prefix, Math.max(1, opts.keep), version, pinned);
  } catch (err) {
    opts.onWarning?.(`retention of ${prefix} failed; old versions stay until the next publish`, err);
  }
  return manifest;
}

/** The versions latest.json and every kind's channel pointer name (unreadable pointers name none). */
export async function pointedVersions(store: ModelStore, prefix: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const key of await store.list(prefix)) {
    const name = key.slice(prefix.length);
    if (name !== LATEST_FILE && !/^latest-[a-z][a-z0-9-]*\.json$/.test(name)) continue;
    try {
      const r = await readPointer(store, key);
      if (r.status === 'ok') out.add(r.version);
    } catch {
      // a malformed pointer protects nothing; readers refuse it on their own
    }
  }
  return out;
}

/**
 * Deletes all versions but `keep`: `protect` (if given) and the newest others, plus
 * every version a pointer (latest, a kind's channel) names and every `pinned` one.
 */
export async function pruneVersions(
  store: ModelStore,
  prefix: string,
  keep: number,
  protect?: string,
  pinned: Iterable<string> = [],
): Promise<string[]> {
  const versions = await listVersions(store, prefix);
  // The protected (just published) version counts towards `keep` wherever it sorts.
  const others = versions.filter((v) => v !== protect);
  const kept = new Set(others.slice(Math.max(0, others.length - (protect ? keep - 1 : keep))));
  if (protect) kept.add(protect);
  for (const v of pinned) kept.add(v);
  for (const v of await pointedVersions(store, prefix)) kept.add(v);
  const doomed = versions.filter((v) => !kept.has(v));
  if (!doomed.length) return [];
  const keys: string[] = [];
  for (const v of doomed) keys.push(...(await store.list(`${prefix}${v}/`)));
  // Manifests go first: a half-deleted version then reads as missing, not as corrupt files.
  keys.sort((a, b) => Number(b.endsWith(MANIFEST_FILE)) - Number(a.endsWith(MANIFEST_FILE)));
  await store.delete(keys);
  return doomed;
}

function parseJson<T>(what: string, bytes: Uint8Array): T {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (err) {
    throw new CorruptModelError(`${what}: invalid JSON (${(err as Error).message})`);
  }
}

/**
 * Reads the latest pointer; pass the previous ETag to get 'unchanged' cheaply
 * (a conditional GET). Throws CorruptModelError on a malformed pointer.
 */
export async function readLatest(store: ModelStore, prefix: string, etag?: string): Promise<LatestResult> {
  return readPointer(store, prefix + LATEST_FILE, etag);
}

/** Reads a kind's channel pointer (latest-<kind>.json) as {@link readLatest} reads latest.json. */
export async function readChannel(store: ModelStore, prefix: string, kind: string, etag?: string) {
  if (!KIND_RE.test(kind)) throw new RangeError(`invalid model kind "${kind}"`);
  return readPointer(store, prefix + channelFile(kind), etag);
}

/** True when `version` has a manifest under the prefix (published, not yet pruned). */
export async function versionExists(store: ModelStore, prefix: string, version: string): Promise<boolean> {
  if (!VERSION_RE.test(version)) return false;
  return (await store.get(`${prefix}${version}/${MANIFEST_FILE}`)) !== null;
}

async function readPointer(store: ModelStore, key: string, etag?: string): Promise<LatestResult> {
  const r = await store.getIfChanged(key, etag);
  if (r.status !== 'ok') return r;
  const p = parseJson<Partial<LatestPointer>>(key, r.body);
  if (typeof p.version !== 'string' || !VERSION_RE.test(p.version) || typeof p.manifestSha256 !== 'string') {
    throw new CorruptModelError(`${key}: not a model pointer`);
  }
  return {
    status: 'ok',
    etag: r.etag,
    version: p.version,
    createdAt: String(p.createdAt ?? ''),
    manifestSha256: p.manifestSha256,
  };
}

/**
 * A version's manifest, checked against `expectedSha256` when given. Throws
 * CorruptModelError when it is missing or unreadable.
 */
export async function readManifest(
  store: ModelStore,
  prefix: string,
  version: string,
  expectedSha256?: string,
): Promise<ModelManifest> {
  const key = `${prefix}${version}/${MANIFEST_FILE}`;
  const bytes = await store.get(key);
  if (!bytes) throw new CorruptModelError(`${key}: missing`);
  if (expectedSha256 !== undefined && sha256(bytes) !== expectedSha256) {
    throw new CorruptModelError(`${key}: sha256 differs from the latest pointer`);
  }
  const manifest = parseJson<ModelManifest>(key, bytes);
  if (manifest.version !== version) throw new CorruptModelError(`${key}: says version ${manifest.version}`);
  return manifest;
}

/** The manifest the latest pointer names, or null when nothing is published. */
export async function readLatestManifest(store: ModelStore, prefix: string): Promise<ModelManifest | null> {
  const latest = await readLatest(store, prefix);
  if (latest.status !== 'ok') return null;
  return readManifest(store, prefix, latest.version, latest.manifestSha256);
}

/**
 * Largest file the loader preallocates for: the manifest matched the pointer's
 * hash, but a broken publisher must still not make a reader allocate without bound.
 */
const MAX_FILE_BYTES = 2 ** 31;

/**
 * One file of a version, hashed while it streams in and written into a
 * buffer of its own sized from the manifest: the buffer starts at offset 0,
 * so the codec's typed-array views need no aligning copy, and no second
 * buffer is assembled from chunks. Null when the object is missing.
 */
async function readVersionFile(
  store: ModelStore,
  key: string,
  name: string,
  entry: FileEntry,
  stop: { failed: boolean },
): Promise<{ bytes: Uint8Array; sha256?: string } | null> {
  const expected = (entry as FileEntry | null)?.bytes;
  if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 0 || expected > MAX_FILE_BYTES) {
    throw new CorruptModelError(`${name}: manifest lists ${expected} bytes`);
  }
  if (!store.getChunks) {
    const bytes = await store.get(key);
    return bytes && { bytes };
  }
  const chunks = await store.getChunks(key);
  if (!chunks) return null;
  const bytes = new Uint8Array(expected);
  const hash = createHash('sha256');
  let length = 0;
  // `throw` inside for-await ends the iteration, which destroys the stream (no leaked socket).
  for await (const chunk of chunks) {
    // another file already failed: stop transferring bytes nobody will use
    if (stop.failed) throw new Error(`${name}: read abandoned`);
    if (length + chunk.byteLength > expected)
      throw new CorruptModelError(`${name}: more than the ${expected} bytes the manifest says`);
    bytes.set(chunk, length);
    hash.update(chunk);
    length += chunk.byteLength;
  }
  // A short body: the codec reports the length mismatch.
  return { bytes: length === expected ? bytes : bytes.subarray(0, length), sha256: hash.digest('hex') };
}

/** Options of {@link loadModel}. */
export interface LoadOptions {
  /**
   * Called with each id list as soon as its file has arrived and verified,
   * while larger files are still in transit (serving builds its id indexes here).
   */
  onIds?: (ids: string[]) => void;
  /** Files of this manifest not to fetch (see DecodeHints.omitted); user-side ones are then read on demand. */
  omit?: (manifest: ModelManifest) => ReadonlySet<string>;
}

const ID_FILES: ReadonlySet<string> = new Set([FILES.userIds, FILES.itemIds]);

/**
 * Loads and fully verifies one version (manifest, every file's length and
 * sha256, shapes). Throws CorruptModelError on any mismatch. All files are
 * read at once (largest first), each hashed as it arrives, so verification
 * overlaps the transfer instead of following it; the small id files are
 * verified and parsed while the factors are still arriving.
 */
export async function loadModel(
  store: ModelStore,
  prefix: string,
  version: string,
  manifestSha256?: string,
  opts: LoadOptions = {},
): Promise<Model> {
  const manifest = await readManifest(store, prefix, version, manifestSha256);
  if (!manifest.files || typeof manifest.files !== 'object')
    throw new CorruptModelError(`${version}: manifest lists no files`);
  const omitted = opts.omit?.(manifest) ?? new Set<string>();
  const entries = Object.entries(manifest.files).filter(([name]) => !omitted.has(name));
  for (const [name] of entries)
    if (name.includes('/')) throw new CorruptModelError(`${version}: bad file name "${name}"`);
  // The biggest file (item factors) bounds the load; start it first.
  entries.sort((a, b) => (b[1]?.bytes ?? 0) - (a[1]?.bytes ?? 0));
  const files = new Map<string, Uint8Array>();
  const digests = new Map<string, string>();
  const ids = new Map<string, string[]>();
  const stop = { failed: false };
  await Promise.all(
    entries.map(async ([name, entry]) => {
      try {
        const read = await readVersionFile(store, `${prefix}${version}/${name}`, name, entry, stop);
        if (!read) return;
        files.set(name, read.bytes);
        if (read.sha256) digests.set(name, read.sha256);
        if (ID_FILES.has(name)) {
          // parsed only once verified: a corrupt id file is never read
          const parsed = decodeIds(name, verifyFile(name, entry, read.bytes, read.sha256));
          ids.set(name, parsed);
          opts.onIds?.(parsed);
        }
      } catch (err) {
        stop.failed = true;
        throw err;
      }
    }),
  );
  const model = decodeModel(manifest, files, { digests, ids, omitted });
  if (omitted.has(FILES.userIds)) {
    const index = model.parts?.[USER_HISTORIES_INDEX_FILE];
    const body = manifest.files[USER_HISTORIES_FILE];
    if (!(index instanceof Float64Array) || !body)
      throw new CorruptModelError(`${version}: users omitted but the version has no user histories`);
    const key = `${prefix}${version}/${USER_HISTORIES_FILE}`;
    model.userHistories = rangedUserHistories(store, key, index, model.itemIds.length, body.bytes);
  }
  return model;
}

/** The model the latest pointer names, verified; null when nothing is published. */
export async function loadLatestModel(store: ModelStore, prefix: string): Promise<Model | null> {
  const latest = await readLatest(store, prefix);
  if (latest.status !== 'ok') return null;
  return loadModel(store, prefix, latest.version, latest.manifestSha256);
}
