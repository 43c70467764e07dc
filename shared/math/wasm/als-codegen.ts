/**
 * Code generation for the ALS training kernels: a WebAssembly module with
 * 128-bit SIMD (f32x4), specialized at runtime for one padded factor count fp
 * (a multiple of 4). The loops over the fp/4 vector chunks of a factor row are
 * fully unrolled with constant memory offsets, so the per-nonzero work is
 * straight-line SIMD with no loop overhead — the reason one module is built
 * per factor count instead of one generic module.
 *
 * Exports (all pointers are byte offsets into the imported memory env.mem):
 *  - cgHalf(indptr, indices, conf, lam, X, Y, G, rows, a0, steps, r, p, ap):
 *    the warm-started conjugate-gradient half-step of shared/math/als-step.ts
 *    for every row of X, with G = α0·YᵀY (fp×fp, f32) precomputed.
 *  - gram4(y, groups, g): g[a][b] += Σ y[r][a]·y[r][b] for b ≥ a (rounded down
 *    to 4) over `groups` groups of four rows, f32 accumulation.
 */
import { F32, I32, V128, op, section, str, uleb, vec } from './encoder';

type Ty = typeof I32 | typeof F32 | typeof V128;

/** Named locals over the raw index space: params first, then locals grouped by type. */
class Fn {
  private readonly idx = new Map<string, number>();
  private readonly params: Ty[] = [];
  private readonly groups: [Ty, string[]][] = [];
  constructor(params: [string, Ty][], locals: [Ty, string[]][]) {
    for (const [n, t] of params) {
      this.idx.set(n, this.idx.size);
      this.params.push(t);
    }
    for (const [t, names] of locals) {
      for (const n of names) this.idx.set(n, this.idx.size);
      this.groups.push([t, names]);
    }
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
    if (i === undefined) throw new Error(`als-codegen: unknown local ${n}`);
    return i;
  }
  type(): number[] {
    return [0x60, ...vec(this.params.map((t) => [t])), 0];
  }
  body(code: number[]): number[] {
    const locals = vec(this.groups.map(([t, names]) => [...uleb(names.length), t]));
    const b = [...locals, ...code, ...op.end];
    return [...uleb(b.length), ...b];
  }
}

/** Four independent accumulators are enough to hide f32x4 add latency. */
const ACC = 4;

function cgHalfFn(fp: number): Fn & { code: number[] } {
  const rb = fp * 4;
  const chunks = fp / 4;
  const fn = new Fn(
    [
      ['indptr', I32], ['indices', I32], ['conf', I32], ['lam', I32], ['X', I32], ['Y', I32], ['G', I32],
      ['rows', I32], ['a0', F32], ['steps', I32], ['r', I32], ['p', I32], ['ap', I32],
    ],
    [
      [I32, ['u', 'x', 'qs', 'qe', 'qc0', 'qi', 'qc', 'y', 'it', 'gp', 'pp', 'pend']],
      [F32, ['lamv', 'c', 'd', 'rs', 'rsnew', 'pap']],
      [V128, ['s0', 's1', 's2', 's3', 'wv', 'a1', 'a2', 'a3']],
    ],
  );
  const g = (n: string) => fn.get(n);
  const s = (n: string) => fn.set(n);
  const code: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) code.push(...p);
  };
  const splatScalar = (local: string, into: string) => emit(g(local), op.splat, s(into));
  /** dst[j] = splat(scalar)·src[j]. */
  const scaleInto = (dst: string, src: string, scalar: string) => {
    splatScalar(scalar, 'wv');
    for (let j = 0; j < chunks; j++) emit(g(dst), g('wv'), g(src), op.vLoad(16 * j), op.fMul, op.vStore(16 * j));
  };
  /** dst += G·src, four G rows (one per src component) per pass so dst is loaded/stored once per four. */
  const matvecAdd = (dst: string, src: string) => {
    emit(g('G'), s('gp'), g(src), fn.tee('pp'), op.i32(rb), op.add, s('pend'));
    emit(op.loop);
    for (let t = 0; t < 4; t++) emit(g('pp'), op.f32Load(4 * t), op.splat, s(`s${t}`));
    for (let j = 0; j < chunks; j++) {
      emit(g(dst), g(dst), op.vLoad(16 * j));
      for (let t = 0; t < 4; t++) emit(g(`s${t}`), g('gp'), op.vLoad(t * rb + 16 * j), op.fMul, op.fAdd);
      emit(op.vStore(16 * j));
    }
    emit(g('gp'), op.i32(4 * rb), op.add, s('gp'));
    emit(g('pp'), op.i32(16), op.add, fn.tee('pp'), g('pend'), op.ltU, op.brIf(0), op.end);
  };
  /** Leaves Σ_k a[k]·b[k] on the stack (f32; ACC partial sums, then lanes). */
  const dot = (a: string, b: string) => {
    const acc = ['s0', 'a1', 'a2', 'a3'];
    const n = Math.min(ACC, chunks);
    for (let j = 0; j < chunks; j++) {
      const k = j % n;
      if (j < n) emit(g(a), op.vLoad(16 * j), g(b), op.vLoad(16 * j), op.fMul, s(acc[k]));
      else emit(g(acc[k]), g(a), op.vLoad(16 * j), g(b), op.vLoad(16 * j), op.fMul, op.fAdd, s(acc[k]));
    }
    // fixed pairwise order keeps the result deterministic
    if (n === 4) emit(g('s0'), g('a1'), op.fAdd, g('a2'), g('a3'), op.fAdd, op.fAdd, s('s0'));
    else for (let k = 1; k < n; k++) emit(g('s0'), g(acc[k]), op.fAdd, s('s0'));
    emit(g('s0'), op.lane(0), g('s0'), op.lane(1), op.f32Add, g('s0'), op.lane(2), g('s0'), op.lane(3), op.f32Add, op.f32Add);
  };
  /**
   * dst += Σ_q w_q·y_q over the row's nonzeros, where d = y_q·src and
   * w = c − (c − α0)·d for the initial residual, (c − α0)·d for A·p.
   */
  const sparse = (src: string, dst: string, initial: boolean) => {
    emit(g('qs'), s('qi'), g('qc0'), s('qc'));
    emit(op.block, g('qi'), g('qe'), op.geU, op.brIf(0), op.loop);
    emit(g('Y'), g('qi'), op.i32Load(0), op.i32(rb), op.mul, op.add, s('y'));
    emit(g('qc'), op.f32Load(0), s('c'));
    dot('y', src);
    emit(s('d'));
    if (initial) emit(g('c'), g('c'), g('a0'), op.f32Sub, g('d'), op.f32Mul, op.f32Sub);
    else emit(g('c'), g('a0'), op.f32Sub, g('d'), op.f32Mul);
    emit(op.splat, s('wv'));
    for (let j = 0; j < chunks; j++) emit(g(dst), g(dst), op.vLoad(16 * j), g('wv'), g('y'), op.vLoad(16 * j), op.fMul, op.fAdd, op.vStore(16 * j));
    emit(g('qc'), op.i32(4), op.add, s('qc'));
    emit(g('qi'), op.i32(4), op.add, fn.tee('qi'), g('qe'), op.ltU, op.brIf(0), op.end, op.end);
  };

  // block $done
  emit(op.block, g('rows'), op.eqz, op.brIf(0));
  emit(g('X'), s('x'), op.i32(0), s('u'));
  emit(op.loop); // $rows
  emit(op.block); // $next
  emit(g('indptr'), op.i32Load(0), op.i32(4), op.mul, s('qs'));
  emit(g('conf'), g('qs'), op.add, s('qc0'));
  emit(g('indices'), g('indptr'), op.i32Load(4), op.i32(4), op.mul, op.add, s('qe'));
  emit(g('indices'), g('qs'), op.add, s('qs'));
  emit(g('lam'), op.f32Load(0), s('lamv'));
  // r = −(α0·YᵀY + λI)·x + Σ (c − (c − α0)·y·x)·y
  scaleInto('r', 'x', 'lamv');
  matvecAdd('r', 'x');
  for (let j = 0; j < chunks; j++) emit(g('r'), g('r'), op.vLoad(16 * j), op.fNeg, op.vStore(16 * j));
  sparse('x', 'r', true);
  for (let j = 0; j < chunks; j++) emit(g('p'), g('r'), op.vLoad(16 * j), op.vStore(16 * j));
  dot('r', 'r');
  emit(fn.tee('rs'), op.f32(1e-20), op.f32Lt, op.brIf(0));
  emit(g('steps'), op.eqz, op.brIf(0));
  emit(op.i32(0), s('it'));
  emit(op.block, op.loop); // $cgdone, $cg
  scaleInto('ap', 'p', 'lamv');
  matvecAdd('ap', 'p');
  sparse('p', 'ap', false);
  dot('p', 'ap');
  // !(pap > 0) also stops on NaN, as in the JS solver
  emit(fn.tee('pap'), op.f32(0), op.f32Gt, op.eqz, op.brIf(1));
  emit(g('rs'), g('pap'), op.f32Div, op.splat, s('wv'));
  for (let j = 0; j < chunks; j++) {
    emit(g('x'), g('x'), op.vLoad(16 * j), g('wv'), g('p'), op.vLoad(16 * j), op.fMul, op.fAdd, op.vStore(16 * j));
    emit(g('r'), g('r'), op.vLoad(16 * j), g('wv'), g('ap'), op.vLoad(16 * j), op.fMul, op.fSub, op.vStore(16 * j));
  }
  dot('r', 'r');
  emit(fn.tee('rsnew'), op.f32(1e-20), op.f32Lt, op.brIf(1));
  emit(g('rsnew'), g('rs'), op.f32Div, op.splat, s('wv'));
  for (let j = 0; j < chunks; j++) emit(g('p'), g('r'), op.vLoad(16 * j), g('wv'), g('p'), op.vLoad(16 * j), op.fMul, op.fAdd, op.vStore(16 * j));
  emit(g('rsnew'), s('rs'));
  emit(g('it'), op.i32(1), op.add, fn.tee('it'), g('steps'), op.ltU, op.brIf(0));
  emit(op.end, op.end); // $cg, $cgdone
  emit(op.end); // $next
  emit(g('x'), op.i32(rb), op.add, s('x'));
  emit(g('indptr'), op.i32(4), op.add, s('indptr'));
  emit(g('lam'), op.i32(4), op.add, s('lam'));
  emit(g('u'), op.i32(1), op.add, fn.tee('u'), g('rows'), op.ltU, op.brIf(0));
  emit(op.end, op.end); // $rows, $done
  return Object.assign(fn, { code });
}

function gram4Fn(fp: number): Fn & { code: number[] } {
  const rb = fp * 4;
  const fn = new Fn(
    [['y', I32], ['groups', I32], ['g', I32]],
    [
      [I32, ['r', 'a', 'gp', 'pp', 'end', 'ao']],
      [V128, ['v0', 'v1', 'v2', 'v3']],
    ],
  );
  const g = (n: string) => fn.get(n);
  const s = (n: string) => fn.set(n);
  const code: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) code.push(...p);
  };
  emit(op.block, g('groups'), op.eqz, op.brIf(0));
  emit(op.i32(0), s('r'), op.loop); // groups of four rows
  emit(op.i32(0), s('a'), g('y'), op.i32(rb), op.add, s('end'));
  emit(op.loop); // a
  emit(g('y'), g('a'), op.i32(4), op.mul, op.add, s('ao'));
  for (let t = 0; t < 4; t++) emit(g('ao'), op.f32Load(t * rb), op.splat, s(`v${t}`));
  // columns b ≥ a, from the 4-aligned chunk holding a
  emit(g('a'), op.i32(-4), op.and, op.i32(4), op.mul, s('pp'));
  emit(g('g'), g('a'), op.i32(rb), op.mul, op.add, g('pp'), op.add, s('gp'));
  emit(g('y'), g('pp'), op.add, s('pp'));
  emit(op.loop); // b
  emit(g('gp'), g('gp'), op.vLoad(0));
  for (let t = 0; t < 4; t++) emit(g(`v${t}`), g('pp'), op.vLoad(t * rb), op.fMul, op.fAdd);
  emit(op.vStore(0));
  emit(g('gp'), op.i32(16), op.add, s('gp'));
  emit(g('pp'), op.i32(16), op.add, fn.tee('pp'), g('end'), op.ltU, op.brIf(0), op.end);
  emit(g('a'), op.i32(1), op.add, fn.tee('a'), op.i32(fp), op.ltU, op.brIf(0), op.end);
  emit(g('y'), op.i32(4 * rb), op.add, s('y'));
  emit(g('r'), op.i32(1), op.add, fn.tee('r'), g('groups'), op.ltU, op.brIf(0), op.end);
  emit(op.end);
  return Object.assign(fn, { code });
}

/** The module bytes for padded factor count fp (a positive multiple of 4). */
export function alsModuleBytes(fp: number): Uint8Array {
  if (!(fp > 0 && fp % 4 === 0)) throw new Error(`alsModuleBytes: fp must be a positive multiple of 4, got ${fp}`);
  const fns = [cgHalfFn(fp), gram4Fn(fp)];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(fns.map((f) => f.type()))),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec([[0], [1]])),
    ...section(7, vec([[...str('cgHalf'), 0x00, 0], [...str('gram4'), 0x00, 1]])),
    ...section(10, vec(fns.map((f) => f.body(f.code)))),
  ];
  return Uint8Array.from(bytes);
}
