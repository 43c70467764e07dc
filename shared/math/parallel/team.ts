/**
 * A team of threads solving the rows of one ALS half-step together: the
 * calling thread plus up to threads − 1 pooled workers, all running the same
 * WebAssembly module on one shared memory (factors, CSR, confidences). Each
 * row's solve reads only the fixed side and writes only its own row, so the
 * result is bit-identical whichever thread solves which chunk, and for any
 * thread count: chunks are handed out dynamically (a busy core just takes
 * fewer), yet a seed still gives the same bytes on a quiet and a loaded machine.
 *
 * The caller blocks in Atomics.wait while workers finish (allowed on Node's
 * main thread), so trainAls stays synchronous for every caller.
 */
import { Worker } from 'node:worker_threads';
import { drawStartRows } from './start-factors';
import { WORKER_SOURCE } from './worker-source';

// Control block (Int32 indices); worker-source.ts reads the same layout.
const SIGNAL = 2;
const DONE = 3;
const CMD = 4;
const ERROR = 5;
const WORKER_CHUNKS = 6;
const REJECTED = 7;
const ARGS = 8;
/** Float64 index of the draw's scale (bytes 96–103: past every command's int arguments). */
const ARG_SCALE = 12;
const TABLES = 32;
const CMD_ROWS = 1;
const CMD_EXIT = 2;
const CMD_GRAM = 3;
const CMD_DRAW = 4;
const GEN = 2n ** 40n;
const COUNT = 2n ** 20n;
/** Chunks per half-step at most; the claim word holds counts below 2^20. */
export const MAX_CHUNKS = 4096;

/** Byte offsets (into the shared memory) and scalars of one cgHalf call over all rows of a side. */
export interface RowsTask {
  indptr: number;
  indices: number;
  conf: number;
  lam: number;
  X: number;
  Y: number;
  G: number;
  a0: number;
  steps: number;
  /** Index of this side's chunk table, from {@link RowTeam.addTable}. */
  table: number;
}

/** Block Gramians: block k covers rows [k·block, (k+1)·block) from byte offset `y`, into slot k at `slots`. */
export interface GramTask {
  y: number;
  /** Rows from `y` to the end of the side (the last block may be short). */
  rows: number;
  slots: number;
  block: number;
}

/** Rows of the stacked starting factors [Y; X] to draw (start-factors.ts), `per` rows a chunk; float indices. */
export interface DrawTask {
  yAt: number;
  xAt: number;
  items: number;
  rows: number;
  f: number;
  fp: number;
  per: number;
  state: number;
  scale: number;
}

type CgHalf = (...args: number[]) => void;
type Gram4 = (y: number, groups: number, g: number) => void;

const pool: Worker[] = [];

/**
 * Starts n pooled workers now, so a later fit does not wait for their start-up
 * (implicit's thread pool also exists before its fit): setTrainingThreads calls
 * it when the Train function or the CLI sets the thread count at start-up.
 */
export function startWorkers(n: number): void {
  workers(n);
}

/** Workers in the pool now. */
export function pooledWorkers(): number {
  return pool.length;
}

/** n idle workers, created on first need and kept (unref'd: they never hold the process open). */
function workers(n: number): Worker[] {
  while (pool.length < n) {
    let w: Worker;
    try {
      w = new Worker(WORKER_SOURCE, { eval: true });
    } catch {
      // no threads here (a sandbox, a thread limit): the caller solves every chunk itself
      break;
    }
    w.unref();
    // a dead worker only slows a run down (the others take its chunks); drop it from the pool
    w.on('error', () => pool.splice(pool.indexOf(w) >>> 0, 1));
    w.on('exit', () => pool.indexOf(w) >= 0 && pool.splice(pool.indexOf(w), 1));
    pool.push(w);
  }
  return pool.slice(0, n);
}

export class RowTeam {
  private readonly ctl: Int32Array;
  private readonly ctlF: Float32Array;
  private readonly ctl64: Float64Array;
  private readonly claim: BigInt64Array;
  private gen = 0;
  /** Wall milliseconds the caller has waited, all chunks claimed, for workers to finish theirs (imbalance, wake-ups). */
  waitMs = 0;
  private tableEnd = TABLES;
  private closed = false;

  /**
   * `scratch` is the byte offset of threads × 3 rows of rb bytes (r, p, ap per
   * thread); `cgHalf` is the calling thread's own instance of the same module.
   */
  constructor(
    module: object,
    memory: object,
    readonly threads: number,
    private readonly cgHalf: CgHalf,
    private readonly gram4: Gram4,
    private readonly heap: ArrayBuffer,
    private readonly rb: number,
    private readonly scratch: number,
  ) {
    const sab = new SharedArrayBuffer(4 * (TABLES + 2 * (MAX_CHUNKS + 1)));
    this.ctl = new Int32Array(sab);
    this.ctlF = new Float32Array(sab);
    this.ctl64 = new Float64Array(sab);
    this.claim = new BigInt64Array(sab, 0, 1);
    workers(threads - 1).forEach((w, i) => {
      w.postMessage({ type: 'run', module, memory, control: sab, id: i + 1 });
    });
  }

  /** Chunks solved by workers so far (not the caller): shows the threads took part. */
  get workerChunks(): number {
    return Atomics.load(this.ctl, WORKER_CHUNKS);
  }

  /** Stores one side's chunk boundaries (row starts, ascending, last = rows); returns its table index. */
  addTable(starts: Int32Array): number {
    if (starts.length - 1 > MAX_CHUNKS || this.tableEnd + starts.length > this.ctl.length)
      throw new Error(`RowTeam: at most ${MAX_CHUNKS} chunks per side`);
    const at = this.tableEnd;
    this.ctl.set(starts, at);
    this.tableEnd += starts.length;
    return at;
  }

  /**
   * Runs one half-step over every chunk of `task.table`; returns when all rows
   * are solved. `meanwhile` runs on the calling thread once the workers have
   * started, before it takes chunks itself (work that must not touch this side's rows).
   */
  run(task: RowsTask, chunks: number, meanwhile?: () => void): void {
    this.begin(CMD_ROWS, chunks, () => this.rowArgs(task));
    meanwhile?.();
    this.join(chunks, (k) => this.chunk(task, k));
  }

  /** Computes `blocks` block Gramians into their slots; returns when all are written. */
  gram(task: GramTask, blocks: number): void {
    const c = this.ctl;
    const args = () => {
      c[ARGS + 9] = this.rb;
      c[ARGS + 12] = task.y;
      c[ARGS + 13] = task.rows;
      c[ARGS + 14] = task.slots;
      c[ARGS + 15] = task.block;
    };
    const fp = this.rb / 4;
    this.dispatch(CMD_GRAM, blocks, args, (k) => {
      const slot = task.slots + k * fp * this.rb;
      const rows = Math.min(task.block, task.rows - k * task.block);
      new Float32Array(this.heap, slot, fp * fp).fill(0);
      this.gram4(task.y + k * task.block * this.rb, rows >> 2, slot);
    });
  }

  /**
   * Starts drawing the starting factors on the workers and returns at once, so
   * the caller can do other set-up first; {@link joinDraw} then draws what is
   * left and waits.
   */
  beginDraw(t: DrawTask): void {
    const c = this.ctl;
    this.begin(CMD_DRAW, Math.ceil(t.rows / t.per), () => {
      c.set([t.yAt, t.xAt, t.items, t.rows, t.f, t.fp, t.per, t.state | 0], ARGS);
      this.ctl64[ARG_SCALE] = t.scale;
    });
  }

  /** Finishes the draw begun by {@link beginDraw}; returns how many values hit a rejected uniform (see start-factors.ts). */
  joinDraw(t: DrawTask): number {
    const out = new Float32Array(this.heap);
    this.join(Math.ceil(t.rows / t.per), (k) => {
      const lo = k * t.per;
      const hi = Math.min(t.rows, lo + t.per);
      const n = drawStartRows(out, t.yAt, t.xAt, t.items, t.f, t.fp, lo, hi, t.state, t.scale);
      if (n) Atomics.add(this.ctl, REJECTED, n);
    });
    return Atomics.load(this.ctl, REJECTED);
  }

  private dispatch(cmd: number, chunks: number, args: () => void, local: (k: number) => void): void {
    this.begin(cmd, chunks, args);
    this.join(chunks, local);
  }

  /** Publishes a task: its arguments, then a fresh claim word, then the signal the workers wait on. */
  private begin(cmd: number, chunks: number, args: () => void): void {
    if (this.closed) throw new Error('RowTeam: closed');
    const c = this.ctl;
    const gen = ++this.gen;
    args();
    c[CMD] = cmd;
    Atomics.store(c, DONE, 0);
    Atomics.store(c, ERROR, 0);
    Atomics.store(c, REJECTED, 0);
    Atomics.store(this.claim, 0, BigInt(gen) * GEN + BigInt(chunks) * COUNT);
    Atomics.store(c, SIGNAL, gen);
    Atomics.notify(c, SIGNAL);
  }

  /** The caller claims chunks like a worker, then waits until every chunk is done. */
  private join(chunks: number, local: (k: number) => void): void {
    const c = this.ctl;
    for (;;) {
      const v = Atomics.load(this.claim, 0);
      const next = Number(v % COUNT);
      if (next >= chunks) break;
      if (Atomics.compareExchange(this.claim, 0, v, v + 1n) !== v) continue;
      local(next);
      Atomics.add(c, DONE, 1);
    }
    const t0 = performance.now();
    for (let d = Atomics.load(c, DONE); d < chunks; d = Atomics.load(c, DONE)) Atomics.wait(c, DONE, d);
    this.waitMs += performance.now() - t0;
    if (Atomics.load(c, ERROR)) throw new Error('RowTeam: a worker failed');
  }

  private rowArgs(task: RowsTask): void {
    const c = this.ctl;
    c[ARGS] = task.indptr;
    c[ARGS + 1] = task.indices;
    c[ARGS + 2] = task.conf;
    c[ARGS + 3] = task.lam;
    c[ARGS + 4] = task.X;
    c[ARGS + 5] = task.Y;
    c[ARGS + 6] = task.G;
    this.ctlF[ARGS + 7] = task.a0;
    c[ARGS + 8] = task.steps;
    c[ARGS + 9] = this.rb;
    c[ARGS + 10] = task.table;
    c[ARGS + 11] = this.scratch;
  }

  private chunk(t: RowsTask, k: number): void {
    const lo = this.ctl[t.table + k];
    const hi = this.ctl[t.table + k + 1];
    const rb = this.rb;
    const s = this.scratch;
    this.cgHalf(
      t.indptr + 4 * lo,
      t.indices,
      t.conf,
      t.lam + 4 * lo,
      t.X + lo * rb,
      t.Y,
      t.G,
      hi - lo,
      t.a0,
      t.steps,
      s,
      s + rb,
      s + 2 * rb,
    );
  }

  /** Sends the workers back to their pool; they drop this run's memory. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctl[CMD] = CMD_EXIT;
    Atomics.store(this.ctl, SIGNAL, ++this.gen);
    Atomics.notify(this.ctl, SIGNAL);
  }
}

/**
 * Chunk boundaries over rows of a CSR with about equal work each: a row costs
 * its nonzeros plus fp/2 (its dense f×f products, in units of one nonzero's
 * 2·f multiply-adds). Boundaries depend only on the matrix and `chunks`.
 */
export function balancedChunks(indptr: Int32Array, rows: number, fp: number, chunks: number): Int32Array {
  const n = Math.max(1, Math.min(chunks, rows, MAX_CHUNKS));
  const total = indptr[rows] - indptr[0] + (rows * fp) / 2;
  const starts = new Int32Array(n + 1);
  let k = 1;
  for (let u = 0; u < rows && k < n; u++) {
    const before = indptr[u] - indptr[0] + (u * fp) / 2;
    if (before >= (total * k) / n) starts[k++] = u;
  }
  for (; k <= n; k++) starts[k] = rows;
  return starts;
}
