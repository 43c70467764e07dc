/**
 * The two dense kernels serving spends its time in — scores of every item for
 * one query vector, and YᵀY — as a tiny hand-assembled WebAssembly module using
 * 128-bit SIMD (f32x4). Plain JS tops out around 8 ms for 100k × 64 on these
 * machines (scalar, bounds-checked); f32x4 brings it near memory bandwidth.
 * The module is a few hundred bytes built here, so there is no build step and
 * no dependency. When SIMD is unavailable the JS kernels from shared/math run.
 */
import { scoreAll } from '../math/topk';
import { gramian } from '../math/linalg';
import { I32, V128, op, section, str, uleb, vec } from '../math/wasm/encoder';
import { wasm } from '../math/wasm/runtime';

/**
 * scores(u, y, n, rowBytes, out): out[i] = Σ_k u[k]·y[i][k] for n rows of
 * rowBytes bytes (a multiple of 16·unroll). Pointers are byte offsets.
 */
function scoresBody(unroll: number): number[] {
  const [u, y, n, rb, out, i, pu, py, end] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const acc = (j: number) => 9 + j;
  const tmp = 9 + unroll;
  const code: number[] = [];
  code.push(...op.i32(0), ...op.set(i));
  code.push(...op.loop); // rows
  for (let j = 0; j < unroll; j++) code.push(...op.vZero, ...op.set(acc(j)));
  code.push(...op.get(u), ...op.set(pu), ...op.get(y), ...op.set(py));
  code.push(...op.get(y), ...op.get(rb), ...op.add, ...op.set(end));
  code.push(...op.loop); // columns, 16·unroll bytes a step
  for (let j = 0; j < unroll; j++) {
    code.push(...op.get(acc(j)), ...op.get(pu), ...op.vLoad(16 * j), ...op.get(py), ...op.vLoad(16 * j));
    code.push(...op.fMul, ...op.fAdd, ...op.set(acc(j)));
  }
  code.push(...op.get(pu), ...op.i32(16 * unroll), ...op.add, ...op.set(pu));
  code.push(...op.get(py), ...op.i32(16 * unroll), ...op.add, ...op.tee(py), ...op.get(end), ...op.ltU, ...op.brIf(0));
  code.push(...op.end);
  code.push(...op.get(acc(0)));
  for (let j = 1; j < unroll; j++) code.push(...op.get(acc(j)), ...op.fAdd);
  code.push(...op.set(tmp), ...op.get(out));
  code.push(...op.get(tmp), ...op.lane(0), ...op.get(tmp), ...op.lane(1), ...op.f32Add);
  code.push(...op.get(tmp), ...op.lane(2), ...op.get(tmp), ...op.lane(3), ...op.f32Add, ...op.f32Add);
  code.push(...op.f32Store(0));
  code.push(...op.get(out), ...op.i32(4), ...op.add, ...op.set(out));
  code.push(...op.get(y), ...op.get(rb), ...op.add, ...op.set(y));
  code.push(...op.get(i), ...op.i32(1), ...op.add, ...op.tee(i), ...op.get(n), ...op.ltU, ...op.brIf(0));
  code.push(...op.end, ...op.end);
  const locals = [
    [...uleb(4), I32],
    [...uleb(unroll + 1), V128],
  ];
  return [...vec(locals), ...code];
}

/**
 * gram(y, n, fp, g): g[a][b] += y[r][a]·y[r][b] for b ≥ a rounded down to 4,
 * f32 accumulation; the caller flushes g into float64 every block of rows.
 */
function gramBody(): number[] {
  const [y, n, fp, g, r, a, rb, gp, pp, end, va] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const code: number[] = [];
  code.push(...op.get(fp), ...op.i32(4), ...op.mul, ...op.set(rb));
  code.push(...op.i32(0), ...op.set(r));
  code.push(...op.loop); // rows
  code.push(...op.i32(0), ...op.set(a));
  code.push(...op.get(y), ...op.get(rb), ...op.add, ...op.set(end));
  code.push(...op.loop); // a
  // va = splat(y[r][a])
  code.push(...op.get(y), ...op.get(a), ...op.i32(4), ...op.mul, ...op.add, ...op.f32Load(0), ...op.splat, ...op.set(va));
  // start column (a & ~3), as a byte offset inside the row
  code.push(...op.get(a), ...op.i32(-4), ...op.and, ...op.i32(4), ...op.mul, ...op.set(pp));
  code.push(...op.get(g), ...op.get(a), ...op.get(rb), ...op.mul, ...op.add, ...op.get(pp), ...op.add, ...op.set(gp));
  code.push(...op.get(y), ...op.get(pp), ...op.add, ...op.set(pp));
  code.push(...op.loop); // b
  code.push(...op.get(gp), ...op.get(gp), ...op.vLoad(0), ...op.get(va), ...op.get(pp), ...op.vLoad(0));
  code.push(...op.fMul, ...op.fAdd, ...op.vStore(0));
  code.push(...op.get(gp), ...op.i32(16), ...op.add, ...op.set(gp));
  code.push(...op.get(pp), ...op.i32(16), ...op.add, ...op.tee(pp), ...op.get(end), ...op.ltU, ...op.brIf(0));
  code.push(...op.end);
  code.push(...op.get(a), ...op.i32(1), ...op.add, ...op.tee(a), ...op.get(fp), ...op.ltU, ...op.brIf(0));
  code.push(...op.end);
  code.push(...op.get(y), ...op.get(rb), ...op.add, ...op.set(y));
  code.push(...op.get(r), ...op.i32(1), ...op.add, ...op.tee(r), ...op.get(n), ...op.ltU, ...op.brIf(0));
  code.push(...op.end, ...op.end);
  const locals = [
    [...uleb(6), I32],
    [...uleb(1), V128],
  ];
  return [...vec(locals), ...code];
}

/**
 * gram4(y, groups, fp, g): as gram, four rows at a time, so each g cell is
 * loaded and stored once per four rows instead of once per row.
 */
function gram4Body(): number[] {
  const [y, n, fp, g, r, a, rb, gp, pp, end, ao] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const va = (j: number) => 11 + j;
  const code: number[] = [];
  code.push(...op.get(fp), ...op.i32(4), ...op.mul, ...op.set(rb));
  code.push(...op.i32(0), ...op.set(r));
  code.push(...op.loop); // groups of four rows
  code.push(...op.i32(0), ...op.set(a));
  code.push(...op.get(y), ...op.get(rb), ...op.add, ...op.set(end));
  code.push(...op.loop); // a
  code.push(...op.get(a), ...op.i32(4), ...op.mul, ...op.set(ao));
  for (let j = 0; j < 4; j++) {
    code.push(...op.get(y), ...op.get(ao), ...op.add);
    for (let t = 0; t < j; t++) code.push(...op.get(rb), ...op.add);
    code.push(...op.f32Load(0), ...op.splat, ...op.set(va(j)));
  }
  code.push(...op.get(a), ...op.i32(-4), ...op.and, ...op.i32(4), ...op.mul, ...op.set(pp));
  code.push(...op.get(g), ...op.get(a), ...op.get(rb), ...op.mul, ...op.add, ...op.get(pp), ...op.add, ...op.set(gp));
  code.push(...op.get(y), ...op.get(pp), ...op.add, ...op.set(pp));
  code.push(...op.loop); // b
  code.push(...op.get(gp), ...op.get(gp), ...op.vLoad(0));
  for (let j = 0; j < 4; j++) {
    code.push(...op.get(va(j)), ...op.get(pp));
    for (let t = 0; t < j; t++) code.push(...op.get(rb), ...op.add);
    code.push(...op.vLoad(0), ...op.fMul, ...op.fAdd);
  }
  code.push(...op.vStore(0));
  code.push(...op.get(gp), ...op.i32(16), ...op.add, ...op.set(gp));
  code.push(...op.get(pp), ...op.i32(16), ...op.add, ...op.tee(pp), ...op.get(end), ...op.ltU, ...op.brIf(0));
  code.push(...op.end);
  code.push(...op.get(a), ...op.i32(1), ...op.add, ...op.tee(a), ...op.get(fp), ...op.ltU, ...op.brIf(0));
  code.push(...op.end);
  code.push(...op.get(y), ...op.get(rb), ...op.i32(4), ...op.mul, ...op.add, ...op.set(y));
  code.push(...op.get(r), ...op.i32(1), ...op.add, ...op.tee(r), ...op.get(n), ...op.ltU, ...op.brIf(0));
  code.push(...op.end, ...op.end);
  const locals = [
    [...uleb(7), I32],
    [...uleb(4), V128],
  ];
  return [...vec(locals), ...code];
}

function buildModule(): Uint8Array {
  const fnType5 = [0x60, ...uleb(5), I32, I32, I32, I32, I32, 0];
  const fnType4 = [0x60, ...uleb(4), I32, I32, I32, I32, 0];
  const bodies = [scoresBody(4), scoresBody(1), gramBody(), gram4Body()].map((b) => [...uleb(b.length), ...b]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([fnType5, fnType4])),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec([[0], [0], [1], [1]])),
    ...section(7, vec([[...str('scores16'), 0x00, 0], [...str('scores4'), 0x00, 1], [...str('gram'), 0x00, 2], [...str('gram4'), 0x00, 3]])),
    ...section(10, vec(bodies)),
  ];
  return Uint8Array.from(bytes);
}


let compiled: object | null | undefined;
function simdModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = buildModule();
    compiled = wasm && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

interface SimdExports {
  scores16(u: number, y: number, n: number, rowBytes: number, out: number): void;
  scores4(u: number, y: number, n: number, rowBytes: number, out: number): void;
  gram(y: number, n: number, fp: number, g: number): void;
  gram4(y: number, groups: number, fp: number, g: number): void;
}

/**
 * Item factors laid out for fast scoring, with a query slot and a score
 * buffer, all allocated once per model. Nothing allocates per request.
 */
export interface ScoringKernel {
  readonly items: number;
  readonly factors: number;
  /** True when the WebAssembly SIMD path is in use. */
  readonly simd: boolean;
  /** Row-major items × factors (a view inside the kernel's memory when SIMD is in use). */
  readonly itemFactors: Float32Array;
  /** scores[i] after {@link ScoringKernel.scoreAll}; owned by the kernel, overwritten per call. */
  readonly scores: Float32Array;
  /** scores[i] = query · item i for every item. */
  scoreAll(query: Float32Array): Float32Array;
  /** YᵀY in float64 (f × f). */
  gramian(): Float64Array;
}

const ROWS_PER_FLUSH = 512;

/**
 * Builds the kernel for a row-major items × f factor matrix. With SIMD the
 * factors are copied once into WebAssembly memory (rows padded to a multiple
 * of 4 floats) and `itemFactors` becomes a view on that copy, so the caller can
 * drop the original and memory is not doubled.
 */
export function createKernel(itemFactors: Float32Array, items: number, f: number, opts: { simd?: boolean } = {}): ScoringKernel {
  const mod = opts.simd === false || f === 0 || items === 0 ? null : simdModule();
  if (!mod) return jsKernel(itemFactors, items, f);
  const fp = (f + 3) & ~3;
  const rowBytes = fp * 4;
  const yBytes = items * rowBytes;
  const qOff = yBytes;
  const sOff = qOff + rowBytes;
  const gOff = sOff + items * 4;
  const total = gOff + fp * fp * 4;
  const pages = Math.ceil(total / 65536);
  if (pages > 65536) return jsKernel(itemFactors, items, f);
  const memory = new wasm!.Memory({ initial: pages });
  const ex = new wasm!.Instance(mod, { env: { mem: memory } }).exports as unknown as SimdExports;
  const buf = memory.buffer;
  const padded = new Float32Array(buf, 0, items * fp);
  if (fp === f) padded.set(itemFactors.subarray(0, items * f));
  else for (let i = 0; i < items; i++) padded.set(itemFactors.subarray(i * f, i * f + f), i * fp);
  const query = new Float32Array(buf, qOff, fp);
  const scores = new Float32Array(buf, sOff, items);
  const g32 = new Float32Array(buf, gOff, fp * fp);
  const unrolled = rowBytes % 64 === 0;
  return {
    items,
    factors: f,
    simd: true,
    // padded rows cannot be shared with code that assumes stride f
    itemFactors: fp === f ? padded : itemFactors,
    scores,
    scoreAll(q) {
      query.set(q.subarray(0, f));
      if (unrolled) ex.scores16(qOff, 0, items, rowBytes, sOff);
      else ex.scores4(qOff, 0, items, rowBytes, sOff);
      return scores;
    },
    gramian() {
      const g = new Float64Array(f * f);
      for (let r0 = 0; r0 < items; r0 += ROWS_PER_FLUSH) {
        g32.fill(0);
        const rows = Math.min(ROWS_PER_FLUSH, items - r0);
        const groups = rows >> 2;
        if (groups > 0) ex.gram4(r0 * rowBytes, groups, fp, gOff);
        if (rows & 3) ex.gram((r0 + groups * 4) * rowBytes, rows & 3, fp, gOff);
        for (let a = 0; a < f; a++) for (let b = a; b < f; b++) g[a * f + b] += g32[a * fp + b];
      }
      for (let a = 0; a < f; a++) for (let b = a + 1; b < f; b++) g[b * f + a] = g[a * f + b];
      return g;
    },
  };
}

function jsKernel(itemFactors: Float32Array, items: number, f: number): ScoringKernel {
  const scores = new Float32Array(items);
  return {
    items,
    factors: f,
    simd: false,
    itemFactors,
    scores,
    scoreAll(q) {
      if (f > 0) scoreAll(q, itemFactors, f, scores);
      else scores.fill(0);
      return scores;
    },
    gramian: () => gramian(itemFactors, items, f),
  };
}
