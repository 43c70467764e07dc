/**
 * The worker thread's program, as plain JavaScript source run with
 * `new Worker(src, { eval: true })`. A string, not a file, so it runs the same
 * under tsx (tests, CLI) and inside the esbuild bundle of the Train function,
 * where no second entry file exists. It needs only node:worker_threads, the
 * WebAssembly module it is sent, and the source text of start-factors.ts's
 * self-contained drawStartRows (so both sides draw with one implementation).
 *
 * Protocol (the control block layout is in ./team.ts, kept in step by
 * test/unit/math/parallel.test.ts running both sides):
 *  - message {type: 'run', module, memory, control, id}: instantiate the module
 *    on the shared memory, then serve tasks until the EXIT command;
 *  - a task is published by bumping SIGNAL; chunks are claimed by a CAS on the
 *    64-bit CLAIM word (generation | chunk count | next chunk), so a thread that
 *    wakes late can never claim a chunk of a task it did not read.
 */
import { drawStartRows } from './start-factors';

export const WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const CLAIM = 0, SIGNAL = 2, DONE = 3, CMD = 4, ERROR = 5, WORKER_CHUNKS = 6, REJECTED = 7, ARGS = 8, ARG_SCALE = 12;
const CMD_ROWS = 1, CMD_EXIT = 2, CMD_GRAM = 3, CMD_DRAW = 4;
// start-factors.ts's function, as compiled: one implementation of the draw for every thread
const drawStartRows = (${drawStartRows.toString()});
const GEN = 2n ** 40n, COUNT = 2n ** 20n;

function serve(msg) {
  const instance = new WebAssembly.Instance(msg.module, { env: { mem: msg.memory } });
  const { cgHalf, gram4 } = instance.exports;
  const heap = msg.memory.buffer;
  const ctl = new Int32Array(msg.control);
  const ctlF = new Float32Array(msg.control);
  const ctl64 = new Float64Array(msg.control);
  const heapF = new Float32Array(heap);
  const claimWord = new BigInt64Array(msg.control, 0, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, SIGNAL, seen);
    seen = Atomics.load(ctl, SIGNAL);
    const cmd = Atomics.load(ctl, CMD);
    if (cmd === CMD_EXIT) return;
    for (;;) {
      const v = Atomics.load(claimWord, 0);
      const gen = Number(v / GEN);
      const n = Number((v / COUNT) % COUNT);
      const c = Number(v % COUNT);
      if (gen !== seen || c >= n) break;
      if (Atomics.compareExchange(claimWord, 0, v, v + 1n) !== v) continue;
      try {
        if (cmd === CMD_GRAM) gramChunk(gram4, heap, ctl, c);
        else if (cmd === CMD_DRAW) drawChunk(heapF, ctl, ctl64, c);
        else runChunk(cgHalf, ctl, ctlF, c, msg.id);
      } catch (err) {
        Atomics.store(ctl, ERROR, 1);
      }
      Atomics.add(ctl, WORKER_CHUNKS, 1);
      if (Atomics.add(ctl, DONE, 1) + 1 === n) Atomics.notify(ctl, DONE);
    }
  }
}

function runChunk(cgHalf, ctl, ctlF, c, id) {
  const a = ARGS;
  const table = ctl[a + 10];
  const lo = ctl[table + c];
  const hi = ctl[table + c + 1];
  const rb = ctl[a + 9];
  const scratch = ctl[a + 11] + id * 3 * rb;
  cgHalf(ctl[a] + 4 * lo, ctl[a + 1], ctl[a + 2], ctl[a + 3] + 4 * lo, ctl[a + 4] + lo * rb, ctl[a + 5],
    ctl[a + 6], hi - lo, ctlF[a + 7], ctl[a + 8], scratch, scratch + rb, scratch + 2 * rb);
}

// one block of rows' f32 Gramian into its own slot (zeroed first); the caller sums the slots in order
function gramChunk(gram4, heap, ctl, c) {
  const a = ARGS;
  const rb = ctl[a + 9];
  const fp = rb / 4;
  const block = ctl[a + 15];
  const rows = Math.min(block, ctl[a + 13] - c * block);
  const slot = ctl[a + 14] + c * fp * rb;
  new Float32Array(heap, slot, fp * fp).fill(0);
  gram4(ctl[a + 12] + c * block * rb, rows >> 2, slot);
}

function drawChunk(heapF, ctl, ctl64, c) {
  const a = ARGS;
  const per = ctl[a + 6];
  const lo = c * per;
  const hi = Math.min(ctl[a + 3], lo + per);
  const n = drawStartRows(heapF, ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 4], ctl[a + 5], lo, hi, ctl[a + 7] >>> 0,
    ctl64[ARG_SCALE]);
  if (n) Atomics.add(ctl, REJECTED, n);
}

parentPort.on('message', (msg) => {
  if (msg && msg.type === 'run') serve(msg);
});
`;
