/**
 * ALS training on WebAssembly SIMD: both factor matrices, both CSR sides, their
 * confidences and per-row λ live in one WebAssembly.Memory for the whole run,
 * so a half-step is a single call that never copies. Rows are padded to a
 * multiple of 4 floats (zeros, which every kernel preserves).
 *
 * Precision: factors are float32 (as everywhere in Attune) and the CG vectors
 * and their dot products are float32 too, as in benfred/implicit's CPU solver;
 * the JS solver keeps float64 vectors. YᵀY is accumulated in float32 over
 * blocks of 512 rows and summed across blocks in float64, then rounded to
 * float32 for the matrix-free product. Per half-step the two solvers agree to
 * ~1e-6 absolute on factors of size ~1, and over a run the training loss to
 * ~1e-7 relative (test/unit/math/als-wasm.test.ts). Results are deterministic:
 * WebAssembly SIMD float arithmetic is IEEE with no fused multiply-add and the
 * reduction order is fixed by the generated code.
 *
 * Kernel variants (als-codegen.ts): where the engine has relaxed SIMD
 * (relaxed.ts) the multiply-adds are f32x4.relaxed_madd — fused on a CPU with
 * FMA, so the bytes can differ from the plain kernel's in the last bits and
 * between machines with and without FMA, though never between thread counts
 * or runs on one machine; elsewhere f32x4.mul + f32x4.add. {@link setAlsKernel}
 * picks one explicitly (benchmarks, tests).
 *
 * Layout: each row's nonzeros are padded to a multiple of NNZ_GROUP with
 * entries that point at an all-zero row stored after the other side's factor
 * rows (confidence 0), so the kernel's four-at-a-time loop needs no tail; a
 * zero row adds exactly nothing to a residual or to A·p.
 */
import type { FoldInParams } from '../../model/types';
import type { Csr } from '../csr';
import { confidence, rowRegularization } from '../confidence';
import { RowTeam, balancedChunks } from '../parallel/team';
import { drawStartRows, streamState } from '../parallel/start-factors';
import { Rng } from '../rng';
import { NNZ_GROUP, alsModuleBytes } from './als-codegen';
import { relaxedSimd } from './relaxed';
import { ROWS_PER_FLUSH, blockedGramian } from './gram-codegen';
import { wasm, type WasmMemory } from './runtime';

interface AlsExports {
  cgHalf(
    indptr: number,
    indices: number,
    conf: number,
    lam: number,
    X: number,
    Y: number,
    G: number,
    rows: number,
    a0: number,
    steps: number,
    r: number,
    p: number,
    ap: number,
  ): void;
  gram4(y: number, groups: number, g: number): void;
}

/** 'auto': relaxed SIMD multiply-adds where the engine has them, else plain SIMD. */
export type AlsKernel = 'auto' | 'fma' | 'plain';
let kernelChoice: AlsKernel = 'auto';

/**
 * Forces a kernel variant for the runs created after this call ('fma' where
 * relaxed SIMD is missing falls back to plain); returns the previous choice.
 */
export function setAlsKernel(k: AlsKernel): AlsKernel {
  const before = kernelChoice;
  kernelChoice = k;
  return before;
}

/** The variant runs use now: 'fma' or 'plain'. */
export function alsKernel(): 'fma' | 'plain' {
  return kernelChoice !== 'plain' && relaxedSimd() ? 'fma' : 'plain';
}

const modules = new Map<string, object | null>();
/** The compiled module for padded factor count fp, or null without WebAssembly SIMD (or threads, if shared). */
function alsModule(fp: number, shared = false, fma = false): object | null {
  const key = `${fp}${shared ? 's' : ''}${fma ? 'f' : ''}`;
  let m = modules.get(key);
  if (m !== undefined) return m;
  try {
    const bytes = alsModuleBytes(fp, { sharedMemory: shared, fma });
    m = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  } catch {
    m = null;
  }
  modules.set(key, m);
  return m;
}

/** Chunks per thread and half-step: enough that a thread slowed by other load hands work to the rest. */
const CHUNKS_PER_THREAD = 16;
/** Block Gramians computed per team call (each its own fp×fp f32 slot), at most this many bytes of slots. */
const GRAM_SLOT_BYTES = 512 << 10;

/** True when WebAssembly SIMD kernels can be built for f factors. */
export function alsWasmAvailable(f: number): boolean {
  return f > 0 && alsModule((f + 3) & ~3) !== null;
}

interface Side {
  rows: number;
  indptr: number;
  indices: number;
  conf: number;
  lam: number;
  /** Byte offset of this side's factor matrix (rows × fp). */
  factors: number;
}

/** One training run's state in WebAssembly memory; see {@link createAlsWasm}. */
export interface AlsWasm {
  readonly f: number;
  /** Padded row length in floats (f rounded up to a multiple of 4). */
  readonly fp: number;
  /** Users × fp view of X inside the module memory. */
  readonly X: Float32Array;
  /** Items × fp view of Y inside the module memory. */
  readonly Y: Float32Array;
  /**
   * Re-solves X against fixed Y (`side` 'users') or Y against X ('items') with
   * `steps` CG steps; leaves the fixed side's YᵀY (f×f, float64) in `gram`.
   * `meanwhile` runs on the calling thread while the workers solve (it may read
   * the fixed side, never write either side).
   */
  half(side: 'users' | 'items', steps: number, gram: Float64Array, meanwhile?: () => void): void;
  /** f×f Gramian of one side's factors into `out` (float64). */
  gramian(side: 'users' | 'items', out: Float64Array): void;
  /** Unpadded rows × f copy of one side's factors. */
  factors(side: 'users' | 'items'): Float32Array;
  /** Threads solving the rows (1: the caller alone). */
  readonly threads: number;
  /** Chunks of rows or Gramian blocks solved by worker threads so far (0 for one thread). */
  workerChunks(): number;
  /**
   * Releases the worker threads and offers the memory to the next run (X, Y and
   * other views of it must not be used after); call once the run is over.
   */
  close(): void;
  /**
   * Wall milliseconds so far in half-steps' Gramians and in their row solves, and the part of both (and of
   * the set-up's draw) the calling thread spent waiting for workers to finish (benchmarks' phase split).
   */
  readonly ms: { gram: number; solve: number; wait: number };
  /** True when this run reuses an earlier run's memory (no fresh pages to fault in). */
  readonly reusedMemory: boolean;
}

/** A run's starting factors: given (rows × f each), or drawn from a seed as trainAls's serial loop draws them. */
export type StartFactors = { X: Float32Array; Y: Float32Array } | { seed: number; scale: number };

/**
 * Copies a training problem into WebAssembly memory. `ui` is users × items;
 * the items side is its transpose, scattered straight into the memory, and
 * the confidences come from `params`. The starting factors are copied from
 * `start`, or drawn into the memory: Y's rows then X's, each value
 * Rng(seed).normal() · scale (start-factors.ts). Returns null when WebAssembly
 * SIMD is unavailable or the problem does not fit in WebAssembly memory (4 GiB).
 * With `threads` > 1 the memory is shared and each half-step's rows are
 * solved by that many threads (parallel/team.ts), with bit-identical results;
 * when shared memory or worker threads are unavailable it runs on one thread.
 */
export function createAlsWasm(
  ui: Csr,
  start: StartFactors,
  f: number,
  params: FoldInParams,
  threads = 1,
): AlsWasm | null {
  const fp = (f + 3) & ~3;
  const fma = f > 0 && alsKernel() === 'fma';
  const sharedMod = threads > 1 && f > 0 && typeof SharedArrayBuffer === 'function' ? alsModule(fp, true, fma) : null;
  const mod = sharedMod ?? (f > 0 ? alsModule(fp, false, fma) : null);
  if (!mod) return null;
  const team = sharedMod ? threads : 1;
  const rb = fp * 4;
  const users = ui.rows;
  const items = ui.cols;
  let top = 0;
  // cache-line aligned, so threads writing neighbouring regions never share a line
  const alloc = (bytes: number) => {
    const at = top;
    top += (bytes + 63) & ~63;
    return at;
  };
  // one zero row after each side's factors: the target of the padding entries
  const yOff = alloc((items + 1) * rb);
  const xOff = alloc((users + 1) * rb);
  const gOff = alloc(fp * rb);
  const g32Off = alloc(fp * rb);
  // r, p, ap of each thread, in that order
  const rOff = alloc(3 * rb * team);
  const pOff = rOff + rb;
  const apOff = rOff + 2 * rb;
  const slots = team > 1 ? Math.max(team, Math.min(64, Math.floor(GRAM_SLOT_BYTES / (fp * rb)))) : 0;
  const slotsOff = alloc(slots * fp * rb);
  // the items side's row pointers (unpadded), as transpose(ui).indptr
  const colPtr = new Int32Array(items + 1);
  for (let q = ui.indptr[0]; q < ui.indptr[users]; q++) colPtr[ui.indices[q] + 1]++;
  for (let i = 0; i < items; i++) colPtr[i + 1] += colPtr[i];
  const sideLayout = (ptr: Int32Array, rows: number, factors: number): Side => ({
    rows,
    indptr: alloc((rows + 1) * 4),
    indices: alloc(paddedEntries(ptr, rows) * 4),
    conf: alloc(paddedEntries(ptr, rows) * 4),
    lam: alloc(rows * 4),
    factors,
  });
  const su = sideLayout(ui.indptr, users, xOff);
  const si = sideLayout(colPtr, items, yOff);
  const pages = Math.ceil(top / 65536);
  if (pages > 65536) return null;
  const shared = sharedMod !== null;
  let memory = takeSpare(shared, top);
  const reusedMemory = memory !== undefined;
  try {
    const size = Math.max(1, pages);
    memory ??= new wasm!.Memory({ initial: size, ...(shared ? { maximum: size, shared: true } : {}) });
  } catch {
    // the engine may refuse a large reservation; the JS solver needs no extra copy
    return null;
  }
  const ex = new wasm!.Instance(mod, { env: { mem: memory } }).exports as unknown as AlsExports;
  const buf = memory.buffer;
  const view = (off: number, rows: number) => new Float32Array(buf, off, rows * fp);
  const Xw = view(xOff, users);
  const Yw = view(yOff, items);
  const fill = (s: Side, m: Csr) => {
    // indptr as byte offsets would save a multiply per row; entry counts keep it readable
    const indptr = new Int32Array(buf, s.indptr, m.rows + 1);
    const indices = new Int32Array(buf, s.indices, paddedEntries(m.indptr, m.rows));
    const c = new Float32Array(buf, s.conf, paddedEntries(m.indptr, m.rows));
    let at = 0;
    // element loops, not subarray/set per row: rows are short and a view per row costs more than the copy
    for (let u = 0; u < m.rows; u++) {
      indptr[u] = at;
      const end = at + padded(m.indptr[u + 1] - m.indptr[u]);
      for (let q = m.indptr[u]; q < m.indptr[u + 1]; q++, at++) {
        indices[at] = m.indices[q];
        c[at] = confidence(m.data[q], params);
      }
      // memory starts zeroed: the padding's confidence is 0 already
      for (; at < end; at++) indices[at] = m.cols;
    }
    indptr[m.rows] = at;
    const lam = new Float32Array(buf, s.lam, m.rows);
    for (let u = 0; u < m.rows; u++) lam[u] = rowRegularization(m.indptr[u + 1] - m.indptr[u], m.cols, params);
  };
  // the items side as fill(si, transpose(ui)) would write it, without the transpose's own arrays
  const fillItems = () => {
    const n = paddedEntries(colPtr, items);
    const indptr = new Int32Array(buf, si.indptr, items + 1);
    const indices = new Int32Array(buf, si.indices, n);
    const c = new Float32Array(buf, si.conf, n);
    for (let i = 0, at = 0; i <= items; i++) {
      indptr[i] = at;
      if (i < items) at += padded(colPtr[i + 1] - colPtr[i]);
    }
    const next = indptr.slice(0, items);
    // walking users in order keeps each item's entries sorted by user, as transpose() does
    for (let u = 0; u < users; u++)
      for (let q = ui.indptr[u]; q < ui.indptr[u + 1]; q++) {
        const at = next[ui.indices[q]]++;
        indices[at] = u;
        c[at] = confidence(ui.data[q], params);
      }
    for (let i = 0; i < items; i++) for (let at = next[i]; at < indptr[i + 1]; at++) indices[at] = users;
    const lam = new Float32Array(buf, si.lam, items);
    for (let i = 0; i < items; i++) lam[i] = rowRegularization(colPtr[i + 1] - colPtr[i], users, params);
  };
  const rowTeam = team > 1 ? new RowTeam(mod, memory, team, ex.cgHalf, ex.gram4, buf, rb, rOff) : null;
  if ('seed' in start) {
    const rows = items + users;
    const draw = { yAt: yOff / 4, xAt: xOff / 4, items, rows, f, fp, state: streamState(start.seed) };
    const task = { ...draw, scale: start.scale, per: Math.ceil(rows / (team * CHUNKS_PER_THREAD)) };
    // the workers draw (and take the page faults of both factor matrices) while this thread copies the CSRs
    rowTeam?.beginDraw(task);
    fill(su, ui);
    fillItems();
    const all = new Float32Array(buf);
    const rejected = rowTeam
      ? rowTeam.joinDraw(task)
      : drawStartRows(all, task.yAt, task.xAt, items, f, fp, 0, rows, task.state, task.scale);
    if (rejected > 0) {
      // a zero uniform was redrawn: the values after it shift, so only the serial stream has them right
      const rng = new Rng(start.seed);
      for (let r = 0; r < rows; r++) {
        const o = r < items ? task.yAt + r * fp : task.xAt + (r - items) * fp;
        for (let j = 0; j < f; j++) all[o + j] = rng.normal() * start.scale;
      }
    }
  } else {
    const pad = (src: Float32Array, dst: Float32Array, rows: number) => {
      if (fp === f) dst.set(src.subarray(0, rows * f));
      else for (let i = 0; i < rows; i++) dst.set(src.subarray(i * f, i * f + f), i * fp);
    };
    pad(start.X, Xw, users);
    pad(start.Y, Yw, items);
    fill(su, ui);
    fillItems();
  }
  const G = new Float32Array(buf, gOff, fp * fp);
  const g32 = new Float32Array(buf, g32Off, fp * fp);
  const sideOf = (side: 'users' | 'items') => (side === 'users' ? su : si);
  const ptrs: [Int32Array, number][] = [
    [ui.indptr, users],
    [colPtr, items],
  ];
  const tables = rowTeam
    ? ptrs.map(([ptr, rows]) => {
        const starts = balancedChunks(ptr, rows, fp, team * CHUNKS_PER_THREAD);
        return { table: rowTeam.addTable(starts), chunks: starts.length - 1 };
      })
    : [];
  // one thread still calls the kernel chunk by chunk: V8 first runs a module on its baseline compiler and
  // swaps in the optimized code only between calls, so a single call over all rows would stay slow throughout
  const serial = rowTeam ? [] : ptrs.map(([ptr, rows]) => balancedChunks(ptr, rows, fp, CHUNKS_PER_THREAD));

  const ms = {
    gram: 0,
    solve: 0,
    get wait() {
      return rowTeam?.waitMs ?? 0;
    },
  };
  let closed = false;
  const gramian = (side: 'users' | 'items', g: Float64Array) => {
    const s = sideOf(side);
    const F = side === 'users' ? Xw : Yw;
    if (rowTeam) teamGramian(rowTeam, F, s.factors, s.rows, f, fp, slotsOff, slots, g);
    else blockedGramian(ex.gram4, F, s.factors, s.rows, f, fp, g32, g32Off, g);
  };

  return {
    f,
    fp,
    X: Xw,
    Y: Yw,
    gramian,
    ms,
    reusedMemory,
    half(side, steps, gram, meanwhile) {
      const solve = sideOf(side);
      const fixed = side === 'users' ? si : su;
      const t0 = performance.now();
      gramian(side === 'users' ? 'items' : 'users', gram);
      const a0 = params.unobservedWeight;
      // padded rows/columns of G stay zero from allocation
      for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) G[a * fp + b] = a0 * gram[a * f + b];
      const t1 = performance.now();
      ms.gram += t1 - t0;
      if (rowTeam) {
        const t = tables[side === 'users' ? 0 : 1];
        const task = { indptr: solve.indptr, indices: solve.indices, conf: solve.conf, lam: solve.lam };
        const args = { X: solve.factors, Y: fixed.factors, G: gOff, a0, steps, table: t.table };
        rowTeam.run({ ...task, ...args }, t.chunks, meanwhile);
        ms.solve += performance.now() - t1;
        return;
      }
      meanwhile?.();
      const starts = serial[side === 'users' ? 0 : 1];
      for (let k = 0; k + 1 < starts.length; k++) {
        const lo = starts[k];
        const { indptr, indices, conf, lam, factors } = solve;
        const rows = starts[k + 1] - lo;
        ex.cgHalf(
          indptr + 4 * lo,
          indices,
          conf,
          lam + 4 * lo,
          factors + lo * rb,
          fixed.factors,
          gOff,
          rows,
          a0,
          steps,
          rOff,
          pOff,
          apOff,
        );
      }
      ms.solve += performance.now() - t1;
    },
    threads: team,
    workerChunks: () => rowTeam?.workerChunks ?? 0,
    close() {
      if (closed) return;
      closed = true;
      rowTeam?.close();
      if (memory.buffer.byteLength <= SPARE_MAX_BYTES) spares.set(shared, new WeakRef(memory));
    },
    factors(side) {
      const rows = sideOf(side).rows;
      const src = side === 'users' ? Xw : Yw;
      if (fp === f) return src.slice(0, rows * f);
      const out = new Float32Array(rows * f);
      for (let i = 0; i < rows; i++) out.set(src.subarray(i * fp, i * fp + f), i * f);
      return out;
    },
  };
}

/**
 * {@link blockedGramian} with the blocks' f32 Gramians computed by the team,
 * `slots` blocks a call, then summed here in block order exactly as the
 * serial loop does: the result is bit-identical to it for any thread count.
 */
function teamGramian(
  team: RowTeam,
  F: Float32Array,
  at: number,
  rows: number,
  f: number,
  fp: number,
  slotsAt: number,
  slots: number,
  out: Float64Array,
): void {
  const rb = fp * 4;
  const B = ROWS_PER_FLUSH;
  const blocks = Math.ceil(rows / B);
  out.fill(0);
  for (let b0 = 0; b0 < blocks; b0 += slots) {
    const n = Math.min(slots, blocks - b0);
    team.gram({ y: at + b0 * B * rb, rows: rows - b0 * B, slots: slotsAt, block: B }, n);
    const S = new Float32Array(F.buffer, slotsAt, n * fp * fp);
    for (let k = 0; k < n; k++) {
      const so = k * fp * fp;
      for (let a = 0; a < f; a++) for (let b = a; b < f; b++) out[a * f + b] += S[so + a * fp + b];
      const r0 = (b0 + k) * B;
      const end = Math.min(rows, r0 + B);
      for (let r = r0 + ((end - r0) & ~3); r < end; r++) {
        const o = r * fp;
        for (let a = 0; a < f; a++) for (let b = a; b < f; b++) out[a * f + b] += F[o + a] * F[o + b];
      }
    }
  }
  for (let a = 0; a < f; a++) for (let b = a + 1; b < f; b++) out[b * f + a] = out[a * f + b];
}

/**
 * The last closed run's memory per kind (shared or not), for the next run to
 * reuse when it is large enough. A fresh memory pays a page fault at the first
 * touch of every page — about 0.1 s for the 28 MB of the 1M-pair run on this
 * 2-core VM (bench/als-speed.ts) — and a scheduled training runs many fits
 * (tuner trials, the evaluated fit, the refit). Weakly held; still, V8 keeps
 * a WeakRef's target until the current synchronous job ends, so only memories
 * up to {@link SPARE_MAX_BYTES} are offered: a large run's memory is never kept
 * past its fit (its faults are a small share of its longer fit anyway).
 */
const spares = new Map<boolean, WeakRef<WasmMemory>>();
/** 64 MiB: runs up to ≈ 2M interactions at 64 factors. */
const SPARE_MAX_BYTES = 64 << 20;

/** Forgets the spare memories, so the next run starts on fresh memory (and the collector may free them). */
export function dropSpareMemory(): void {
  spares.clear();
}

/** A spare memory of at least `bytes`, zeroed there (the layout relies on zero padding), or undefined. */
function takeSpare(shared: boolean, bytes: number): WasmMemory | undefined {
  const m = spares.get(shared)?.deref();
  if (!m || m.buffer.byteLength < bytes) return undefined;
  spares.delete(shared);
  new Uint8Array(m.buffer, 0, bytes).fill(0);
  return m;
}

const padded = (n: number) => Math.ceil(n / NNZ_GROUP) * NNZ_GROUP;

/** Entries of a CSR with row pointers `ptr` once every row is padded to a multiple of NNZ_GROUP. */
function paddedEntries(ptr: Int32Array, rows: number): number {
  let n = 0;
  for (let u = 0; u < rows; u++) n += padded(ptr[u + 1] - ptr[u]);
  return n;
}
