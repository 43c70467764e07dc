/**
 * Scratch files of a distributed run: named typed arrays plus a small JSON
 * header, 8-byte aligned so the reader takes views without copying each array.
 * Not the model format (shared/model/codec.ts): these live for one run.
 *
 * Layout: "ATSB" | u32 header length | header JSON | padding | arrays.
 */
import type { ModelStore } from '../../ports/model-store';

export type Numeric = Float32Array | Float64Array | Int32Array;
type Kind = 'f32' | 'f64' | 'i32';

interface Entry {
  name: string;
  kind: Kind;
  offset: number;
  length: number;
}

const MAGIC = 0x42535441; // "ATSB" little-endian
const kindOf = (a: Numeric): Kind => (a instanceof Float32Array ? 'f32' : a instanceof Float64Array ? 'f64' : 'i32');
const align8 = (n: number) => (n + 7) & ~7;

export class CorruptScratchError extends Error {
  override name = 'CorruptScratchError';
}

export function encodeBlob(meta: Record<string, unknown>, arrays: Record<string, Numeric>): Uint8Array {
  const entries: Entry[] = [];
  let at = 0;
  for (const [name, a] of Object.entries(arrays)) {
    entries.push({ name, kind: kindOf(a), offset: at, length: a.length });
    at = align8(at + a.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ meta, entries, dataBytes: at }));
  const base = align8(8 + header.length);
  const out = new Uint8Array(base + at);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  out.set(header, 8);
  entries.forEach((e, k) => {
    const a = Object.values(arrays)[k]!;
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), base + e.offset);
  });
  return out;
}

/**
 * The bytes before a blob's arrays (preamble, header, padding) for arrays of known kinds and lengths, and
 * where each array starts after them: a writer streams the head, then each array padded to 8 bytes, and
 * gets the bytes {@link encodeBlob} gives, without holding the arrays at once.
 */
export function blobHead(
  meta: Record<string, unknown>,
  specs: Record<string, { kind: Kind; length: number }>,
): { head: Uint8Array; entries: Entry[]; dataBytes: number } {
  const entries: Entry[] = [];
  let at = 0;
  for (const [name, { kind, length }] of Object.entries(specs)) {
    entries.push({ name, kind, offset: at, length });
    at = align8(at + length * (kind === 'f64' ? 8 : 4));
  }
  const header = new TextEncoder().encode(JSON.stringify({ meta, entries, dataBytes: at }));
  const head = new Uint8Array(align8(8 + header.length));
  const view = new DataView(head.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  head.set(header, 8);
  return { head, entries, dataBytes: at };
}

export interface Blob<M> {
  meta: M;
  arrays: Record<string, Numeric>;
}

export function decodeBlob<M = Record<string, unknown>>(bytes: Uint8Array, what = 'scratch file'): Blob<M> {
  // one copy into a fresh buffer puts every array on an aligned offset
  const own = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const view = new DataView(own.buffer, own.byteOffset, own.byteLength);
  if (own.length < 8 || view.getUint32(0, true) !== MAGIC) throw new CorruptScratchError(`${what}: not a scratch file`);
  const len = view.getUint32(4, true);
  let header: { meta: M; entries: Entry[]; dataBytes: number };
  try {
    header = JSON.parse(new TextDecoder().decode(own.subarray(8, 8 + len)));
  } catch {
    throw new CorruptScratchError(`${what}: unreadable header`);
  }
  const base = align8(8 + len);
  if (own.length !== base + header.dataBytes)
    throw new CorruptScratchError(`${what}: ${own.length} bytes, the header says ${base + header.dataBytes}`);
  const arrays: Record<string, Numeric> = {};
  for (const e of header.entries) {
    const start = own.byteOffset + base + e.offset;
    arrays[e.name] =
      e.kind === 'f32'
        ? new Float32Array(own.buffer, start, e.length)
        : e.kind === 'f64'
          ? new Float64Array(own.buffer, start, e.length)
          : new Int32Array(own.buffer, start, e.length);
  }
  return { meta: header.meta, arrays };
}

/** Where a blob's arrays sit, from its first bytes (ranged readers fetch arrays without the whole file). */
export interface BlobLayout<M> {
  meta: M;
  /** Byte offset of the first array in the file. */
  base: number;
  entries: Entry[];
  dataBytes: number;
}

/** Bytes before the header JSON: magic and header length. */
export const BLOB_PREAMBLE = 8;

/** The header length from a blob's first {@link BLOB_PREAMBLE} bytes. */
export function blobHeaderLength(first: Uint8Array, what = 'scratch file'): number {
  const view = new DataView(first.buffer, first.byteOffset, first.byteLength);
  if (first.length < BLOB_PREAMBLE || view.getUint32(0, true) !== MAGIC)
    throw new CorruptScratchError(`${what}: not a scratch file`);
  return view.getUint32(4, true);
}

/** The layout from the header JSON's bytes (those after the preamble). */
export function parseBlobHeader<M>(header: Uint8Array, what = 'scratch file'): BlobLayout<M> {
  let h: { meta: M; entries: Entry[]; dataBytes: number };
  try {
    h = JSON.parse(new TextDecoder().decode(header));
  } catch {
    throw new CorruptScratchError(`${what}: unreadable header`);
  }
  return { meta: h.meta, entries: h.entries, dataBytes: h.dataBytes, base: align8(BLOB_PREAMBLE + header.length) };
}

/** Byte range [start, end) of a named array of the expected kind and length, in the file. */
export function arraySpan(layout: BlobLayout<unknown>, name: string, kind: Kind, length: number, what: string) {
  const e = layout.entries.find((x) => x.name === name);
  if (!e || e.kind !== kind || e.length !== length)
    throw new CorruptScratchError(`${what}: array ${name} is missing or not ${length} × ${kind}`);
  const width = kind === 'f64' ? 8 : 4;
  return { start: layout.base + e.offset, end: layout.base + e.offset + e.length * width };
}

/** The named array, of the expected type (a scratch file from another build fails loudly). */
export function arrayOf<T extends Numeric>(b: Blob<unknown>, name: string, type: new (n: number) => T): T {
  const a = b.arrays[name];
  if (!(a instanceof type)) throw new CorruptScratchError(`scratch array ${name} is missing or of the wrong type`);
  return a as T;
}

/** Bytes [start, end) of a scratch file by one ranged GET; a missing or short file is corrupt scratch. */
export async function readRange(store: ModelStore, key: string, start: number, end: number): Promise<Uint8Array> {
  if (end === start) return new Uint8Array(0);
  const b = await store.getRange(key, start, end);
  if (!b) throw new CorruptScratchError(`${key} is missing`);
  if (b.length !== end - start)
    throw new CorruptScratchError(`${key}: ${b.length} bytes at ${start}, not ${end - start}`);
  return b;
}

/** A blob's layout from its header alone (two small ranged GETs), for readers that fetch arrays by range. */
export async function readBlobLayout<M>(store: ModelStore, key: string): Promise<BlobLayout<M>> {
  const len = blobHeaderLength(await readRange(store, key, 0, BLOB_PREAMBLE), key);
  return parseBlobHeader<M>(await readRange(store, key, BLOB_PREAMBLE, BLOB_PREAMBLE + len), key);
}
