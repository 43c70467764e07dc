/**
 * Code generation for the ALS training kernels: a WebAssembly module with
 * 128-bit SIMD (f32x4), specialized at runtime for one padded factor count fp
 * (a multiple of 4). The loops over the fp/4 vector chunks of a factor row are
 * fully unrolled with constant memory offsets, so the per-nonzero work is
 * straight-line SIMD with no loop overhead — the reason one module is built
 * per factor count instead of one generic module.
 *
 * Two variants from one generator: `fma` multiply-adds with relaxed SIMD's
 * f32x4.relaxed_madd (one fused instruction where the CPU has FMA), the plain
 * one with f32x4.mul + f32x4.add (every WebAssembly SIMD engine). Each is
 * deterministic on a given machine; they differ from each other in the last
 * bits (a fused multiply-add rounds once).
 *
 * Exports (all pointers are byte offsets into the imported memory env.mem):
 *  - cgHalf(indptr, indices, conf, lam, X, Y, G, rows, a0, steps, r, p, ap):
 *    the warm-started conjugate-gradient half-step of shared/math/als-step.ts
 *    for every row of X, with G = α0·YᵀY (fp×fp, f32) precomputed. Each row's
 *    nonzeros must come in groups of {@link NNZ_GROUP} (als-kernels.ts pads a
 *    row with entries of a zero row of Y), so the sparse part works on four
 *    nonzeros at once: the four dot products share the loads of the CG vector
 *    and the four updates share the loads and stores of the target.
 *  - gram4(y, groups, g): YᵀY over groups of four rows (gram-codegen.ts, shared
 *    with serving).
 *
 * als-64.wat and als-64-fma.wat beside this file are the disassemblies for
 * fp = 64 (npm run wat); test/unit/math/als-wasm.test.ts keeps them identical.
 */
import { F32, Fn, I32, V128, f32Shuffle, moduleBytes, op } from './encoder';
import { gram4Fn } from './gram-codegen';

/** Nonzeros per group in a row of the kernels' CSR. */
export const NNZ_GROUP = 4;

type Code = number[][];

function cgHalfFn(fp: number, fma: boolean): Fn {
  const rb = fp * 4;
  const chunks = fp / 4;
  const acc = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'];
  const fn = new Fn(
    'cgHalf',
    [
      ['indptr', I32],
      ['indices', I32],
      ['conf', I32],
      ['lam', I32],
      ['X', I32],
      ['Y', I32],
      ['G', I32],
      ['rows', I32],
      ['a0', F32],
      ['steps', I32],
      ['r', I32],
      ['p', I32],
      ['ap', I32],
    ],
    [
      [I32, ['u', 'x', 'qs', 'qe', 'qc0', 'qi', 'qc', 'y0', 'y1', 'y2', 'y3', 'it', 'gp', 'pp', 'pend', 'sink']],
      [F32, ['lamv', 'rs', 'rsnew', 'pap']],
      [V128, [...acc, 'sv', 'wv', 'a0v', 'w0', 'w1', 'w2', 'w3']],
    ],
  );
  const g = (n: string) => fn.get(n);
  const s = (n: string) => fn.set(n);
  const emit = (...parts: Code) => fn.emit(...parts);
  const load = (base: string, off: number): Code => [g(base), op.vLoad(off)];
  /** a·b + c on f32x4 (a, b, c: code leaving one vector each). */
  const madd = (a: Code, b: Code, c: Code): Code =>
    fma ? [...a, ...b, ...c, op.relaxedMadd] : [...c, ...a, ...b, op.fMul, op.fAdd];
  /** c − a·b. */
  const nmadd = (a: Code, b: Code, c: Code): Code =>
    fma ? [...a, ...b, ...c, op.relaxedNmadd] : [...c, ...a, ...b, op.fMul, op.fSub];

  /** Leaves Σ_k a[k]·b[k] on the stack (f32; 4 partial sums in a fixed order, then lanes). */
  const dot = (a: string, b: string) => {
    const n = Math.min(4, chunks);
    for (let j = 0; j < chunks; j++) {
      const k = j % n;
      if (j < n) emit(...load(a, 16 * j), ...load(b, 16 * j), op.fMul, s(acc[k]));
      else emit(...madd(load(a, 16 * j), load(b, 16 * j), [g(acc[k])]), s(acc[k]));
    }
    if (n === 4) emit(g('v0'), g('v1'), op.fAdd, g('v2'), g('v3'), op.fAdd, op.fAdd, s('v0'));
    else for (let k = 1; k < n; k++) emit(g('v0'), g(acc[k]), op.fAdd, s('v0'));
    emit(g('v0'), op.lane(0), g('v0'), op.lane(1), op.f32Add, g('v0'), op.lane(2), g('v0'), op.lane(3));
    emit(op.f32Add, op.f32Add);
  };

  /**
   * dst = ±(λ·src + G·src), four G rows a pass over dst: each dst chunk is
   * loaded, takes four multiply-adds and is stored (G is symmetric, so summing
   * src[a]·(row a of G) gives G·src). Keeping dst in registers instead measured
   * slower: V8's TurboFan (Node 20) issues a basic block's loads before its
   * arithmetic, so a block of many loads spills; a store after every chunk
   * keeps each block small.
   */
  const dense = (src: string, dst: string, negate: boolean) => {
    emit(g('lamv'), op.splat, s('sv'));
    for (let j = 0; j < chunks; j++) emit(g(dst), g('sv'), ...load(src, 16 * j), op.fMul, op.vStore(16 * j));
    emit(g('G'), s('gp'), g(src), fn.tee('pp'), op.i32(rb), op.add, s('pend'));
    emit(op.loop);
    for (let t = 0; t < 4; t++) emit(g('pp'), op.f32Load(4 * t), op.splat, s(`w${t}`));
    for (let j = 0; j < chunks; j++) {
      let v: Code = load(dst, 16 * j);
      for (let t = 0; t < 4; t++) v = madd([g(`w${t}`)], load('gp', t * rb + 16 * j), v);
      emit(g(dst), ...v, op.vStore(16 * j));
    }
    emit(g('gp'), op.i32(4 * rb), op.add, s('gp'));
    emit(g('pp'), op.i32(16), op.add, fn.tee('pp'), g('pend'), op.ltU, op.brIf(0), op.end);
    if (negate) for (let j = 0; j < chunks; j++) emit(g(dst), ...load(dst, 16 * j), op.fNeg, op.vStore(16 * j));
  };

  /**
   * dst += Σ_q w_q·y_q over the row's nonzeros, four at a time, where
   * d = y_q·src and w = c − (c − α0)·d for the initial residual, (c − α0)·d
   * for A·p. The four dots use two partial sums each and are reduced together
   * into one vector by a transpose.
   */
  const sparse = (src: string, dst: string, initial: boolean) => {
    const halves = chunks >= 2 ? 2 : 1;
    emit(g('qs'), s('qi'), g('qc0'), s('qc'));
    emit(op.block, g('qi'), g('qe'), op.geU, op.brIf(0), op.loop);
    for (let k = 0; k < 4; k++) emit(g('Y'), g('qi'), op.i32Load(4 * k), op.i32(rb), op.mul, op.add, s(`y${k}`));
    for (let j = 0; j < chunks; j++) {
      emit(...load(src, 16 * j), s('sv'));
      for (let k = 0; k < 4; k++) {
        const a = acc[k + 4 * (j % halves)];
        if (j < halves) emit(...load(`y${k}`, 16 * j), g('sv'), op.fMul, s(a));
        else emit(...madd(load(`y${k}`, 16 * j), [g('sv')], [g(a)]), s(a));
      }
    }
    if (halves === 2) for (let k = 0; k < 4; k++) emit(g(acc[k]), g(acc[k + 4]), op.fAdd, s(acc[k]));
    // [Σa0, Σa1, Σa2, Σa3] by two rounds of pairwise lane sums
    const pairSums = (a: string, b: string, into: string) =>
      emit(g(a), g(b), f32Shuffle([0, 4, 2, 6]), g(a), g(b), f32Shuffle([1, 5, 3, 7]), op.fAdd, s(into));
    pairSums('v0', 'v1', 'v4');
    pairSums('v2', 'v3', 'v5');
    emit(g('v4'), g('v5'), f32Shuffle([0, 1, 4, 5]), g('v4'), g('v5'), f32Shuffle([2, 3, 6, 7]), op.fAdd, s('wv'));
    // four confidences, 16-byte aligned: every row starts at a multiple of four entries
    emit(g('qc'), op.vLoad(0), s('sv'));
    if (initial) emit(g('sv'), g('sv'), g('a0v'), op.fSub, g('wv'), op.fMul, op.fSub, s('wv'));
    else emit(g('sv'), g('a0v'), op.fSub, g('wv'), op.fMul, s('wv'));
    for (let k = 0; k < 4; k++) emit(g('wv'), g('wv'), f32Shuffle([k, k, k, k]), s(`w${k}`));
    for (let j = 0; j < chunks; j++) {
      let v: Code = load(dst, 16 * j);
      for (let k = 0; k < 4; k++) v = madd([g(`w${k}`)], load(`y${k}`, 16 * j), v);
      emit(g(dst), ...v, op.vStore(16 * j));
    }
    emit(g('qc'), op.i32(16), op.add, s('qc'));
    emit(g('qi'), op.i32(16), op.add, fn.tee('qi'), g('qe'), op.ltU, op.brIf(0), op.end, op.end);
  };

  /**
   * Prefetch: the first pass over a row's factor rows is the only one that
   * misses the caches (the three CG steps find them in L1/L2), and there each
   * gather waits for memory. So before solving row u, one word of every cache
   * line of row u + 1's factor rows is loaded (a row's four passes take far
   * longer than a memory access). WebAssembly has no prefetch instruction; the
   * words' sum is stored to scratch so no compiler drops the loads. Measured:
   * −17% CPU a half-step on the 1M set (touching one line a row, or spreading
   * the touches over the row's passes, gained less).
   */
  const prefetchNextRow = () => {
    emit(op.block, g('u'), op.i32(1), op.add, g('rows'), op.geU, op.brIf(0));
    emit(g('indices'), g('indptr'), op.i32Load(4), op.i32(4), op.mul, op.add, s('pp'));
    emit(g('indices'), g('indptr'), op.i32Load(8), op.i32(4), op.mul, op.add, s('pend'));
    emit(g('pp'), g('pend'), op.geU, op.brIf(0), op.loop);
    emit(g('Y'), g('pp'), op.i32Load(0), op.i32(rb), op.mul, op.add, s('gp'));
    for (let l = 0; l < Math.ceil(rb / 64); l++) emit(g('sink'), g('gp'), op.i32Load(64 * l), op.add, s('sink'));
    emit(g('pp'), op.i32(4), op.add, fn.tee('pp'), g('pend'), op.ltU, op.brIf(0), op.end, op.end);
  };

  emit(g('a0'), op.splat, s('a0v'));
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
  prefetchNextRow();
  // r = −(α0·YᵀY + λI)·x + Σ (c − (c − α0)·y·x)·y
  dense('x', 'r', true);
  sparse('x', 'r', true);
  for (let j = 0; j < chunks; j++) emit(g('p'), ...load('r', 16 * j), op.vStore(16 * j));
  dot('r', 'r');
  emit(fn.tee('rs'), op.f32(1e-20), op.f32Lt, op.brIf(0));
  emit(g('steps'), op.eqz, op.brIf(0));
  emit(op.i32(0), s('it'));
  emit(op.block, op.loop); // $cgdone, $cg
  dense('p', 'ap', false);
  sparse('p', 'ap', false);
  dot('p', 'ap');
  // !(pap > 0) also stops on NaN, as in the JS solver
  emit(fn.tee('pap'), op.f32(0), op.f32Gt, op.eqz, op.brIf(1));
  emit(g('rs'), g('pap'), op.f32Div, op.splat, s('wv'));
  for (let j = 0; j < chunks; j++) {
    emit(g('x'), ...madd([g('wv')], load('p', 16 * j), load('x', 16 * j)), op.vStore(16 * j));
    emit(g('r'), ...nmadd([g('wv')], load('ap', 16 * j), load('r', 16 * j)), op.vStore(16 * j));
  }
  dot('r', 'r');
  emit(fn.tee('rsnew'), op.f32(1e-20), op.f32Lt, op.brIf(1));
  emit(g('rsnew'), g('rs'), op.f32Div, op.splat, s('wv'));
  for (let j = 0; j < chunks; j++)
    emit(g('p'), ...madd([g('wv')], load('p', 16 * j), load('r', 16 * j)), op.vStore(16 * j));
  emit(g('rsnew'), s('rs'));
  emit(g('it'), op.i32(1), op.add, fn.tee('it'), g('steps'), op.ltU, op.brIf(0));
  emit(op.end, op.end); // $cg, $cgdone
  emit(op.end); // $next
  emit(g('x'), op.i32(rb), op.add, s('x'));
  emit(g('indptr'), op.i32(4), op.add, s('indptr'));
  emit(g('lam'), op.i32(4), op.add, s('lam'));
  emit(g('u'), op.i32(1), op.add, fn.tee('u'), g('rows'), op.ltU, op.brIf(0));
  emit(op.end, op.end); // $rows, $done
  emit(g('ap'), g('sink'), op.i32Store(0));
  return fn;
}

export interface AlsModuleOptions {
  /** Shared memory, for worker threads. */
  sharedMemory?: boolean;
  /** Multiply-adds as relaxed SIMD f32x4.relaxed_madd (the engine must support relaxed SIMD). */
  fma?: boolean;
}

/** The module bytes for padded factor count fp (a positive multiple of 4). */
export function alsModuleBytes(fp: number, opts: AlsModuleOptions = {}): Uint8Array {
  if (!(fp > 0 && fp % 4 === 0)) throw new Error(`alsModuleBytes: fp must be a positive multiple of 4, got ${fp}`);
  return moduleBytes([cgHalfFn(fp, opts.fma ?? false), gram4Fn(fp)], { sharedMemory: opts.sharedMemory });
}
