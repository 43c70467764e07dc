/**
 * A minimal WebAssembly binary encoder: LEB128, sections and the opcodes the
 * hand-assembled SIMD kernels use (serving's scoring kernel, ALS training).
 * Kernels are generated as byte arrays at startup, so there is no build step
 * and no dependency.
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32 range). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A module section: id, byte length, body. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
/** A length-prefixed vector of already-encoded items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A length-prefixed UTF-8 name. */
export const str = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];

function f32Bytes(x: number): number[] {
  return [...new Uint8Array(Float32Array.of(x).buffer)];
}

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Instructions; memory accesses take a static byte offset (the memarg immediate). */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  f32: (x: number) => [0x43, ...f32Bytes(x)],
  eqz: [0x45],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  and: [0x71],
  ltU: [0x49],
  geU: [0x4f],
  i32Load: (off: number) => [0x28, 2, ...uleb(off)],
  f32Load: (off: number) => [0x2a, 2, ...uleb(off)],
  f32Store: (off: number) => [0x38, 2, ...uleb(off)],
  i32Store: (off: number) => [0x36, 2, ...uleb(off)],
  f32Lt: [0x5d],
  f32Gt: [0x5e],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  vLoad: (off: number) => [0xfd, 0x00, 4, ...uleb(off)],
  vStore: (off: number) => [0xfd, 0x0b, 4, ...uleb(off)],
  vZero: [0xfd, 0x0c, ...new Array(16).fill(0)],
  splat: [0xfd, 0x13],
  lane: (l: number) => [0xfd, 0x1f, l],
  fNeg: [0xfd, 0xe1, 0x01],
  fAdd: [0xfd, 0xe4, 0x01],
  fSub: [0xfd, 0xe5, 0x01],
  fMul: [0xfd, 0xe6, 0x01],
  /** i8x16.shuffle: 16 byte-lane indices into the concatenation of the two operands. */
  shuffle: (lanes: number[]) => [0xfd, 0x0d, ...lanes],
  /** Relaxed SIMD: a·b + c and −(a·b) + c, fused where the CPU has FMA (then one rounding). */
  relaxedMadd: [0xfd, 0x85, 0x02],
  relaxedNmadd: [0xfd, 0x86, 0x02],
};

/** i8x16.shuffle picking f32 lanes (0–3 of the first operand, 4–7 of the second). */
export const f32Shuffle = (l: [number, number, number, number]): number[] =>
  op.shuffle(l.flatMap((k) => [4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3]));

export type ValType = typeof I32 | typeof F32 | typeof V128;

/**
 * One function under construction: named locals over the raw index space
 * (params first, then locals grouped by type) and its code. The names go into
 * the module's name section, so a disassembly (the committed .wat listings)
 * reads `local.get $indptr` rather than `local.get 0`.
 */
export class Fn {
  readonly code: number[] = [];
  private readonly idx = new Map<string, number>();
  private readonly params: ValType[] = [];
  private readonly groups: [ValType, string[]][] = [];
  constructor(
    readonly name: string,
    params: [string, ValType][],
    locals: [ValType, string[]][],
  ) {
    for (const [n, t] of params) {
      this.idx.set(n, this.idx.size);
      this.params.push(t);
    }
    for (const [t, names] of locals) {
      for (const n of names) this.idx.set(n, this.idx.size);
      this.groups.push([t, names]);
    }
  }
  /** Appends instructions. */
  emit(...parts: number[][]): void {
    for (const p of parts) for (const b of p) this.code.push(b);
  }
  get(n: string): number[] {
    return op.get(this.at(n));
  }
  set(n: string): number[] {
    return op.set(this.at(n));
  }
  tee(n: string): number[] {
    return op.tee(this.at(n));
  }
  private at(n: string): number {
    const i = this.idx.get(n);
    if (i === undefined) throw new Error(`wasm ${this.name}: unknown local ${n}`);
    return i;
  }
  /** The function type (params → no results). */
  type(): number[] {
    return [0x60, ...vec(this.params.map((t) => [t])), 0];
  }
  /** The code-section entry: size, local groups, code, end. */
  body(): number[] {
    const locals = vec(this.groups.map(([t, names]) => [...uleb(names.length), t]));
    const b = [...locals, ...this.code, ...op.end];
    return [...uleb(b.length), ...b];
  }
  /** Local names for the name section, in index order. */
  localNames(): number[] {
    const entries = [...this.idx].map(([n, i]) => [...uleb(i), ...str(n)]);
    return vec(entries);
  }
}

/**
 * A module importing one memory (env.mem, shared with `sharedMemory`) and
 * exporting every function under its name, each with its own type, plus a
 * name section (function and local names; engines ignore it, disassemblers
 * print it).
 */
export function moduleBytes(fns: Fn[], opts: { sharedMemory?: boolean } = {}): Uint8Array {
  const indexed = (items: number[][]) => vec(items.map((b, i) => [...uleb(i), ...b]));
  const names = [
    ...section(1, indexed(fns.map((f) => str(f.name)))),
    ...section(2, indexed(fns.map((f) => f.localNames()))),
  ];
  // a shared memory (worker threads) must declare a maximum: all 4 GiB, so any memory matches
  const limits = opts.sharedMemory ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(fns.map((f) => f.type()))),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, ...limits]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.body()))),
    ...section(0, [...str('name'), ...names]),
  ];
  return Uint8Array.from(bytes);
}
