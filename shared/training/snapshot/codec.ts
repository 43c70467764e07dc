/**
 * Snapshot ⇄ one binary file: "ATSNAP\n" + format byte, a u32 header length,
 * the JSON header (with every section's offset and length), then the sections,
 * each 8-byte aligned: ids as JSON arrays, numbers as little-endian typed
 * arrays. Decoding checks every section's bounds and every array's shape, so
 * a truncated or mismatched file is a CorruptSnapshotError, never a wrong dataset.
 */
import { endianness } from 'node:os';
import { CorruptSnapshotError, type SnapshotHeader, type TrainingSnapshot } from './format';

const MAGIC = 'ATSNAP\n';
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export type Numeric = Int32Array | Uint32Array | Float64Array;
const ARRAYS = {
  pairUser: Int32Array,
  pairItem: Int32Array,
  pairWeight: Float64Array,
  pairCount: Uint32Array,
  pairTime: Float64Array,
  windowUser: Int32Array,
  windowIndex: Float64Array,
  windowCount: Uint32Array,
  recentKey: Float64Array,
  recentAt: Float64Array,
} as const;
type ArrayName = keyof typeof ARRAYS;

interface Section {
  name: string;
  offset: number;
  bytes: number;
}

export function assertLittleEndian(): void {
  // Typed arrays use the platform's byte order; every platform Node ships on for Lambda is little-endian.
  if (endianness() !== 'LE') throw new Error('training snapshots are little-endian; this platform is not');
}

/** Magic + format byte + u32 header length + JSON header (with `sections`) + 8-byte aligned sections. */
export function encodeSections(magic: string, format: number, head: object, parts: [string, Uint8Array][]): Uint8Array {
  const sections: Section[] = [];
  let offset = 0;
  for (const [name, b] of parts) {
    sections.push({ name, offset, bytes: b.byteLength });
    offset += Math.ceil(b.byteLength / 8) * 8;
  }
  const headBytes = utf8.encode(JSON.stringify({ ...head, sections }));
  const start = Math.ceil((magic.length + 1 + 4 + headBytes.byteLength) / 8) * 8;
  const out = new Uint8Array(start + offset);
  out.set(utf8.encode(magic), 0);
  out[magic.length] = format;
  new DataView(out.buffer).setUint32(magic.length + 1, headBytes.byteLength, true);
  out.set(headBytes, magic.length + 5);
  for (const [k, [, b]] of parts.entries()) out.set(b, start + sections[k].offset);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The header and a bounds-checked section reader of an {@link encodeSections} file. */
export function decodeSections<H extends { format?: number }>(bytes: Uint8Array, magic: string, what: string) {
  assertLittleEndian();
  if (bytes.byteLength < magic.length + 5 || utf8Decoder.decode(bytes.subarray(0, magic.length)) !== magic)
    throw new CorruptSnapshotError(`not a ${what}`);
  const headLen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(magic.length + 1, true);
  const start = Math.ceil((magic.length + 5 + headLen) / 8) * 8;
  if (start > bytes.byteLength) throw new CorruptSnapshotError('truncated header');
  let header: H & { sections: Section[] };
  try {
    header = JSON.parse(utf8Decoder.decode(bytes.subarray(magic.length + 5, magic.length + 5 + headLen)));
  } catch (err) {
    throw new CorruptSnapshotError(`header: ${(err as Error).message}`);
  }
  const byName = new Map((header.sections ?? []).map((x) => [x.name, x]));
  const section = (name: string): Uint8Array => {
    const x = byName.get(name);
    if (!x || !(x.offset >= 0) || !(x.bytes >= 0) || start + x.offset + x.bytes > bytes.byteLength)
      throw new CorruptSnapshotError(`section ${name}: missing or out of bounds`);
    return bytes.subarray(start + x.offset, start + x.offset + x.bytes);
  };
  const array = <T extends Numeric>(name: string, T: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T => {
    const b = section(name);
    if (b.byteLength % T.BYTES_PER_ELEMENT) throw new CorruptSnapshotError(`section ${name}: ragged length`);
    // copied: the section's offset in a fetched buffer need not be aligned for the view
    // a copy (a Buffer's slice() is a view of the whole file)
    return new T(Uint8Array.prototype.slice.call(b).buffer);
  };
  return { header, format: bytes[magic.length], section, array };
}

export function encodeSnapshot(s: TrainingSnapshot): Uint8Array {
  assertLittleEndian();
  const parts: [string, Uint8Array][] = [
    ['userIds', utf8.encode(JSON.stringify(s.userIds))],
    ['itemIds', utf8.encode(JSON.stringify(s.itemIds))],
    ...(Object.keys(ARRAYS) as ArrayName[]).map((n): [string, Uint8Array] => [n, bytesOf(s[n])]),
  ];
  return encodeSections(MAGIC, s.header.format, s.header, parts);
}

/** The ids of a section holding a JSON array of strings. */
export function idsOf(name: string, b: Uint8Array): string[] {
  return ids(name, b);
}

function ids(name: string, b: Uint8Array): string[] {
  let v: unknown;
  try {
    v = JSON.parse(utf8Decoder.decode(b));
  } catch (err) {
    throw new CorruptSnapshotError(`${name}: not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new CorruptSnapshotError(`${name}: not an array of strings`);
  return v as string[];
}

export function decodeSnapshot(bytes: Uint8Array): TrainingSnapshot {
  const { header, format, section, array } = decodeSections<SnapshotHeader>(bytes, MAGIC, 'training snapshot');
  if (header.format !== format) throw new CorruptSnapshotError('header and file disagree on the format');
  const a = <N extends ArrayName>(name: N) =>
    array(name, ARRAYS[name] as unknown as Float64ArrayConstructor) as unknown as InstanceType<(typeof ARRAYS)[N]>;
  const { sections: _s, ...h } = header;
  const s: TrainingSnapshot = {
    header: h,
    userIds: ids('userIds', section('userIds')),
    itemIds: ids('itemIds', section('itemIds')),
    pairUser: a('pairUser'),
    pairItem: a('pairItem'),
    pairWeight: a('pairWeight'),
    pairCount: a('pairCount'),
    pairTime: a('pairTime'),
    windowUser: a('windowUser'),
    windowIndex: a('windowIndex'),
    windowCount: a('windowCount'),
    recentKey: a('recentKey'),
    recentAt: a('recentAt'),
  };
  checkShape(s);
  return s;
}

function checkShape(s: TrainingSnapshot): void {
  const n = s.pairUser.length;
  for (const k of ['pairItem', 'pairWeight', 'pairCount', 'pairTime'] as const)
    if (s[k].length !== n) throw new CorruptSnapshotError(`${k}: ${s[k].length} entries, pairUser has ${n}`);
  if (s.windowIndex.length !== s.windowUser.length || s.windowCount.length !== s.windowUser.length)
    throw new CorruptSnapshotError('window arrays differ in length');
  if (s.recentAt.length !== s.recentKey.length) throw new CorruptSnapshotError('recent arrays differ in length');
  const users = s.userIds.length;
  const items = s.itemIds.length;
  for (let q = 0; q < n; q++) {
    if (!(s.pairUser[q] >= 0 && s.pairUser[q] < users && s.pairItem[q] >= 0 && s.pairItem[q] < items))
      throw new CorruptSnapshotError(`pair ${q} points outside the ids`);
  }
  for (let q = 0; q < s.windowUser.length; q++)
    if (!(s.windowUser[q] >= 0 && s.windowUser[q] < users)) throw new CorruptSnapshotError(`window ${q}: bad user`);
}
