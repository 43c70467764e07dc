/**
 * Code generation for serving's kernels (shared/serving/simd.ts): one query
 * vector against every item row, and YᵀY for fold-in, as a WebAssembly module
 * with 128-bit SIMD (f32x4). Plain JS tops out around 8 ms for 100k × 64 on
 * these machines (scalar, bounds-checked); f32x4 brings it near memory bandwidth.
 *
 * Exports (pointers are byte offsets into the imported memory env.mem):
 *  - scores16(u, y, n, rowBytes, out) / scores4(…): out[i] = Σ_k u[k]·y[i][k]
 *    for n rows of rowBytes bytes, 16 or 4 floats a step (rowBytes a multiple
 *    of 64 or 16); generic in the row length.
 *  - gram4(y, groups, g): YᵀY over groups of four rows, specialised for fp
 *    (gram-codegen.ts, shared with ALS training).
 *
 * scoring-64.wat beside this file is the disassembly for fp = 64 (npm run wat);
 * test/unit/math/als-wasm.test.ts keeps the two identical.
 */
import { Fn, I32, V128, moduleBytes, op } from './encoder';
import { gram4Fn } from './gram-codegen';

/** scores(u, y, n, rb, out), `unroll` f32x4 accumulators (16·unroll bytes) a step. */
function scoresFn(name: string, unroll: number): Fn {
  const acc = Array.from({ length: unroll }, (_, j) => `acc${j}`);
  const fn = new Fn(
    name,
    [
      ['u', I32],
      ['y', I32],
      ['n', I32],
      ['rb', I32],
      ['out', I32],
    ],
    [
      [I32, ['i', 'pu', 'py', 'end']],
      [V128, [...acc, 'tmp']],
    ],
  );
  const g = (n: string) => fn.get(n);
  const s = (n: string) => fn.set(n);
  const emit = (...parts: number[][]) => fn.emit(...parts);
  emit(op.i32(0), s('i'));
  emit(op.loop); // rows
  for (const a of acc) emit(op.vZero, s(a));
  emit(g('u'), s('pu'), g('y'), s('py'));
  emit(g('y'), g('rb'), op.add, s('end'));
  emit(op.loop); // columns, 16·unroll bytes a step
  for (let j = 0; j < unroll; j++) {
    emit(g(acc[j]), g('pu'), op.vLoad(16 * j), g('py'), op.vLoad(16 * j));
    emit(op.fMul, op.fAdd, s(acc[j]));
  }
  emit(g('pu'), op.i32(16 * unroll), op.add, s('pu'));
  emit(g('py'), op.i32(16 * unroll), op.add, fn.tee('py'), g('end'), op.ltU, op.brIf(0));
  emit(op.end);
  emit(g(acc[0]));
  for (let j = 1; j < unroll; j++) emit(g(acc[j]), op.fAdd);
  emit(s('tmp'), g('out'));
  emit(g('tmp'), op.lane(0), g('tmp'), op.lane(1), op.f32Add);
  emit(g('tmp'), op.lane(2), g('tmp'), op.lane(3), op.f32Add, op.f32Add);
  emit(op.f32Store(0));
  emit(g('out'), op.i32(4), op.add, s('out'));
  emit(g('y'), g('rb'), op.add, s('y'));
  emit(g('i'), op.i32(1), op.add, fn.tee('i'), g('n'), op.ltU, op.brIf(0));
  emit(op.end);
  return fn;
}

/** The module bytes for padded factor count fp (a positive multiple of 4). */
export function scoringModuleBytes(fp: number): Uint8Array {
  if (!(fp > 0 && fp % 4 === 0)) throw new Error(`scoringModuleBytes: fp must be a positive multiple of 4, got ${fp}`);
  return moduleBytes([scoresFn('scores16', 4), scoresFn('scores4', 1), gram4Fn(fp)]);
}
