/**
 * YᵀY on WebAssembly SIMD, shared by ALS training (als-codegen.ts) and
 * serving's fold-in (scoring-codegen.ts): one generator, one driver.
 *
 * gram4(y, groups, g): g[a][b] += Σ y[r][a]·y[r][b] for b ≥ a (rounded down to
 * 4) over `groups` groups of four rows of fp floats, f32 accumulation. Four
 * rows at a time, so each g cell is loaded and stored once per four rows.
 */
import { Fn, I32, V128, op } from './encoder';

/** The gram4 function for padded factor count fp (a positive multiple of 4). */
export function gram4Fn(fp: number): Fn {
  const rb = fp * 4;
  const fn = new Fn(
    'gram4',
    [
      ['y', I32],
      ['groups', I32],
      ['g', I32],
    ],
    [
      [I32, ['r', 'a', 'gp', 'pp', 'end', 'ao']],
      [V128, ['v0', 'v1', 'v2', 'v3']],
    ],
  );
  const g = (n: string) => fn.get(n);
  const s = (n: string) => fn.set(n);
  const emit = (...parts: number[][]) => fn.emit(...parts);
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
  return fn;
}

/** Rows summed in f32 before flushing into the f64 result: bounds the f32 rounding error. */
export const ROWS_PER_FLUSH = 512;

/**
 * The f×f Gramian (float64, symmetric) of `rows` rows of fp floats at byte
 * offset `at` of the memory behind `F` (a view of those rows), using a gram4
 * export and an fp×fp f32 scratch at byte offset `scratchAt` viewed by
 * `scratch`. The < 4 leftover rows of each block are added in float64.
 */
export function blockedGramian(
  gram4: (y: number, groups: number, g: number) => void,
  F: Float32Array,
  at: number,
  rows: number,
  f: number,
  fp: number,
  scratch: Float32Array,
  scratchAt: number,
  out: Float64Array,
): Float64Array {
  const rb = fp * 4;
  out.fill(0);
  for (let r0 = 0; r0 < rows; r0 += ROWS_PER_FLUSH) {
    const n = Math.min(ROWS_PER_FLUSH, rows - r0);
    const groups = n >> 2;
    scratch.fill(0);
    if (groups > 0) gram4(at + r0 * rb, groups, scratchAt);
    for (let a = 0; a < f; a++) for (let b = a; b < f; b++) out[a * f + b] += scratch[a * fp + b];
    for (let r = r0 + groups * 4; r < r0 + n; r++) {
      const o = r * fp;
      for (let a = 0; a < f; a++) for (let b = a; b < f; b++) out[a * f + b] += F[o + a] * F[o + b];
    }
  }
  for (let a = 0; a < f; a++) for (let b = a + 1; b < f; b++) out[b * f + a] = out[a * f + b];
  return out;
}
