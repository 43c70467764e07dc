/**
 * Code generation for EASE's SPD inverse (shared/math/spd-inverse.ts): the one
 * loop where its time goes, one row against four, in float64 with 128-bit
 * SIMD (f64x2). The blocked Cholesky, the triangular inverse and UᵀU all spend
 * their n³ multiply-adds in it; the blocking and the O(n²) tails stay in JS.
 *
 * Export (pointers are byte offsets into the imported memory env.mem):
 *  - dot4(x, y0, y1, y2, y3, len, out): out[m] = Σ_{k < len'} x[k]·y_m[k] as four
 *    float64 at `out`, over len' = len rounded down to a multiple of 4 (the caller
 *    adds the < 4 remaining terms). Each x element is loaded once for four
 *    products; two f64x2 accumulators per row keep the adds independent.
 *
 *  - dot2x4(x0, x1, y0, y1, y2, y3, len, out): the eight products of two rows
 *    against four (out[m] = x0·y_m, out[4 + m] = x1·y_m) over len rounded down to
 *    a multiple of 2: six loads feed sixteen multiply-adds, against ten for
 *    sixteen in dot4, which is what the phases use wherever rows pair up.
 *
 * ease-dot4.wat beside this file is its disassembly (npm run wat);
 * test/unit/math/als-wasm.test.ts keeps the two identical.
 */
import { Fn, I32, V128, moduleBytes, op, uleb, type ValType } from './encoder';

/** Opcodes beyond the encoder's f32 set (float64 lanes, 8-byte alignment hints). */
const f64 = {
  vLoad: (off: number) => [0xfd, 0x00, 3, ...uleb(off)],
  add2: [0xfd, 0xf0, 0x01],
  mul2: [0xfd, 0xf2, 0x01],
  lane: (l: number) => [0xfd, 0x21, l],
  add: [0xa0],
  store: (off: number) => [0x39, 3, ...uleb(off)],
};

function dot4Fn(): Fn {
  const ys = ['y0', 'y1', 'y2', 'y3'];
  const acc = ys.flatMap((_, m) => [`s${m}`, `t${m}`]);
  const fn = new Fn(
    'dot4',
    [['x', I32], ...ys.map((y) => [y, I32] as [string, ValType]), ['len', I32], ['out', I32]],
    [
      [I32, ['end']],
      [V128, [...acc, 'v', 'w']],
    ],
  );
  const g = (n: string) => fn.get(n);
  const s = (n: string) => fn.set(n);
  const emit = (...parts: number[][]) => fn.emit(...parts);
  for (const a of acc) emit(op.vZero, s(a));
  // four elements (two f64x2) a step
  emit(g('x'), g('len'), op.i32(-4), op.and, op.i32(8), op.mul, op.add, s('end'));
  emit(op.block, g('x'), g('end'), op.geU, op.brIf(0));
  emit(op.loop);
  emit(g('x'), f64.vLoad(0), s('v'), g('x'), f64.vLoad(16), s('w'));
  ys.forEach((y, m) => {
    emit(g(`s${m}`), g('v'), g(y), f64.vLoad(0), f64.mul2, f64.add2, s(`s${m}`));
    emit(g(`t${m}`), g('w'), g(y), f64.vLoad(16), f64.mul2, f64.add2, s(`t${m}`));
    emit(g(y), op.i32(32), op.add, s(y));
  });
  emit(g('x'), op.i32(32), op.add, fn.tee('x'), g('end'), op.ltU, op.brIf(0));
  emit(op.end, op.end);
  ys.forEach((_, m) => {
    emit(g('out'), g(`s${m}`), g(`t${m}`), f64.add2, s('v'));
    emit(g('v'), f64.lane(0), g('v'), f64.lane(1), f64.add, f64.store(8 * m));
  });
  return fn;
}

function dot2x4Fn(): Fn {
  const xs = ['x0', 'x1'];
  const ys = ['y0', 'y1', 'y2', 'y3'];
  const acc = xs.flatMap((_, a) => ys.map((_, m) => `s${a}${m}`));
  const fn = new Fn(
    'dot2x4',
    [...[...xs, ...ys].map((v) => [v, I32] as [string, ValType]), ['len', I32], ['out', I32]],
    [
      [I32, ['end']],
      [V128, [...acc, 'u', 'v', 'w']],
    ],
  );
  const g = (n: string) => fn.get(n);
  const s = (n: string) => fn.set(n);
  const emit = (...parts: number[][]) => fn.emit(...parts);
  for (const a of acc) emit(op.vZero, s(a));
  // two elements (one f64x2) a step
  emit(g('x0'), g('len'), op.i32(-2), op.and, op.i32(8), op.mul, op.add, s('end'));
  emit(op.block, g('x0'), g('end'), op.geU, op.brIf(0));
  emit(op.loop);
  emit(g('x0'), f64.vLoad(0), s('u'), g('x1'), f64.vLoad(0), s('v'));
  ys.forEach((y, m) => {
    emit(g(y), f64.vLoad(0), s('w'));
    emit(g(`s0${m}`), g('u'), g('w'), f64.mul2, f64.add2, s(`s0${m}`));
    emit(g(`s1${m}`), g('v'), g('w'), f64.mul2, f64.add2, s(`s1${m}`));
    emit(g(y), op.i32(16), op.add, s(y));
  });
  emit(g('x1'), op.i32(16), op.add, s('x1'));
  emit(g('x0'), op.i32(16), op.add, fn.tee('x0'), g('end'), op.ltU, op.brIf(0));
  emit(op.end, op.end);
  acc.forEach((a, q) => {
    emit(g('out'), g(a), f64.lane(0), g(a), f64.lane(1), f64.add, f64.store(8 * q));
  });
  return fn;
}

/** The module bytes (independent of n: rows are passed as byte offsets). */
export function easeModuleBytes(): Uint8Array {
  return moduleBytes([dot4Fn(), dot2x4Fn()]);
}
