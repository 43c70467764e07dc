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
 *  - gram4(y, groups, g): YᵀY over groups of four rows (gram-codegen.ts, shared
 *    with serving).
 *
 * als-64.wat beside this file is the disassembly for fp = 64 (npm run wat);
 * test/unit/math/als-wasm.test.ts keeps the two identical.
 */
import { F32, Fn, I32, V128, moduleBytes, op } from './encoder';
import { gram4Fn } from './gram-codegen';

/** Four independent accumulators are enough to hide f32x4 add latency. */
const ACC = 4;

function cgHalfFn(fp: number): Fn {
  const rb = fp * 4;
  const chunks = fp / 4;
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
      [I32, ['u', 'x', 'qs', 'qe', 'qc0', 'qi', 'qc', 'y', 'it', 'gp', 'pp', 'pend']],
      [F32, ['lamv', 'c', 'd', 'rs', 'rsnew', 'pap']],
      [V128, ['s0', 's1', 's2', 's3', 'wv', 'a1', 'a2', 'a3']],
    ],
  );
  const g = (n: string) => fn.get(n);
  const s = (n: string) => fn.set(n);
  const emit = (...parts: number[][]) => fn.emit(...parts);
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
    emit(
      g('s0'),
      op.lane(0),
      g('s0'),
      op.lane(1),
      op.f32Add,
      g('s0'),
      op.lane(2),
      g('s0'),
      op.lane(3),
      op.f32Add,
      op.f32Add,
    );
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
    for (let j = 0; j < chunks; j++)
      emit(g(dst), g(dst), op.vLoad(16 * j), g('wv'), g('y'), op.vLoad(16 * j), op.fMul, op.fAdd, op.vStore(16 * j));
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
  for (let j = 0; j < chunks; j++)
    emit(g('p'), g('r'), op.vLoad(16 * j), g('wv'), g('p'), op.vLoad(16 * j), op.fMul, op.fAdd, op.vStore(16 * j));
  emit(g('rsnew'), s('rs'));
  emit(g('it'), op.i32(1), op.add, fn.tee('it'), g('steps'), op.ltU, op.brIf(0));
  emit(op.end, op.end); // $cg, $cgdone
  emit(op.end); // $next
  emit(g('x'), op.i32(rb), op.add, s('x'));
  emit(g('indptr'), op.i32(4), op.add, s('indptr'));
  emit(g('lam'), op.i32(4), op.add, s('lam'));
  emit(g('u'), op.i32(1), op.add, fn.tee('u'), g('rows'), op.ltU, op.brIf(0));
  emit(op.end, op.end); // $rows, $done
  return fn;
}

/** The module bytes for padded factor count fp (a positive multiple of 4); shared memory for worker threads. */
export function alsModuleBytes(fp: number, sharedMemory = false): Uint8Array {
  if (!(fp > 0 && fp % 4 === 0)) throw new Error(`alsModuleBytes: fp must be a positive multiple of 4, got ${fp}`);
  return moduleBytes([cgHalfFn(fp), gram4Fn(fp)], { sharedMemory });
}
