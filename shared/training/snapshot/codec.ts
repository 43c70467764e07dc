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

type Numeric = Int32Array | Uint32Array | Float64Array;
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

function assertLittleEndian(): void {
  // Typed arrays use the platform's byte order; every platform Node ships on for Lambda is little-endian.
  if (endianness() !== 'LE') throw new Error('training snapshots are little-endian; this platform is not');
}

export function encodeSnapshot(s: TrainingSnapshot): Uint8Array {
  assertLittleEndian();
  const parts: [string, Uint8Array][] = [
    ['userIds', utf8.encode(JSON.stringify(s.userIds))],
    ['itemIds', utf8.encode(JSON.stringify(s.itemIds))],
    ...(Object.keys(ARRAYS) as ArrayName[]).map((n): [string, Uint8Array] => {
      const a: Numeric = s[n];
      return [n, new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];
    }),
  ];
  const sections: Section[] = [];
  let offset = 0;
  for (const [name, b] of parts) {
    sections.push({ name, offset, bytes: b.byteLength });
    offset += Math.ceil(b.byteLength / 8) * 8;
  }
  const head = utf8.encode(JSON.stringify({ ...s.header, sections }));
  const start = Math.ceil((MAGIC.length + 1 + 4 + head.byteLength) / 8) * 8;
  const out = new Uint8Array(start + offset);
  out.set(utf8.encode(MAGIC), 0);
  out[MAGIC.length] = s.header.format;
  new DataView(out.buffer).setUint32(MAGIC.length + 1, head.byteLength, true);
  out.set(head, MAGIC.length + 5);
  for (const [k, [, b]] of parts.entries()) out.set(b, start + sections[k].offset);
  return out;
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
  assertLittleEndian();
  if (bytes.byteLength < MAGIC.length + 5 || utf8Decoder.decode(bytes.subarray(0, MAGIC.length)) !== MAGIC)
    throw new CorruptSnapshotError('not a training snapshot');
  const headLen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length + 1, true);
  const start = Math.ceil((MAGIC.length + 5 + headLen) / 8) * 8;
  if (start > bytes.byteLength) throw new CorruptSnapshotError('truncated header');
  let header: SnapshotHeader & { sections: Section[] };
  try {
    header = JSON.parse(utf8Decoder.decode(bytes.subarray(MAGIC.length + 5, MAGIC.length + 5 + headLen)));
  } catch (err) {
    throw new CorruptSnapshotError(`header: ${(err as Error).message}`);
  }
  if (header.format !== bytes[MAGIC.length]) throw new CorruptSnapshotError('header and file disagree on the format');
  const byName = new Map((header.sections ?? []).map((x) => [x.name, x]));
  const section = (name: string): Uint8Array => {
    const x = byName.get(name);
    if (!x || !(x.offset >= 0) || !(x.bytes >= 0) || start + x.offset + x.bytes > bytes.byteLength)
      throw new CorruptSnapshotError(`section ${name}: missing or out of bounds`);
    return bytes.subarray(start + x.offset, start + x.offset + x.bytes);
  };
  const array = <N extends ArrayName>(name: N): InstanceType<(typeof ARRAYS)[N]> => {
    const T = ARRAYS[name];
    const b = section(name);
    if (b.byteLength % T.BYTES_PER_ELEMENT) throw new CorruptSnapshotError(`section ${name}: ragged length`);
    // copied: the section's offset in a fetched buffer need not be aligned for the view
    return new T(b.slice().buffer) as InstanceType<(typeof ARRAYS)[N]>;
  };
  const { sections: _s, ...h } = header;
  const s: TrainingSnapshot = {
    header: h,
    userIds: ids('userIds', section('userIds')),
    itemIds: ids('itemIds', section('itemIds')),
    pairUser: array('pairUser'),
    pairItem: array('pairItem'),
    pairWeight: array('pairWeight'),
    pairCount: array('pairCount'),
    pairTime: array('pairTime'),
    windowUser: array('windowUser'),
    windowIndex: array('windowIndex'),
    windowCount: array('windowCount'),
    recentKey: array('recentKey'),
    recentAt: array('recentAt'),
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
