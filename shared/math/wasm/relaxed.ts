/**
 * Relaxed SIMD (f32x4.relaxed_madd: a fused multiply-add where the CPU has
 * FMA) for the ALS kernels. V8 ships it by default from 11.4 (Node 22, and the
 * nodejs24.x Lambda runtime the stack deploys); Node 20's V8 11.3 has it
 * behind --experimental-wasm-relaxed-simd. V8 reads that flag when it
 * validates or compiles a module, so turning it on at run time, before the
 * first relaxed module is compiled, is enough — for the whole process, worker
 * threads included (they receive the compiled module). Feature-detected by
 * validating a one-instruction module, never assumed from the Node version.
 */
import { setFlagsFromString } from 'node:v8';
import { wasm } from './runtime';

// (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)
const PROBE = Uint8Array.from([
  0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 8, 1, 0x60, 3, 0x7b, 0x7b, 0x7b, 1, 0x7b, 3, 2, 1, 0, 10, 13, 1, 11, 0, 0x20, 0,
  0x20, 1, 0x20, 2, 0xfd, 0x85, 0x02, 0x0b,
]);

let available: boolean | undefined;

/** True when WebAssembly relaxed SIMD can be compiled here (enabling V8's flag on Node 20 if needed). */
export function relaxedSimd(): boolean {
  if (available !== undefined) return available;
  available = false;
  if (!wasm) return available;
  try {
    if (!wasm.validate(PROBE)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    available = wasm.validate(PROBE);
  } catch {
    // an engine without the flag, or one that refuses run-time flags: the plain kernels serve
  }
  return available;
}
