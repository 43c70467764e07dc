/**
 * EASE's n×n float64 buffer inside a WebAssembly.Memory, with the f64x2 SIMD
 * kernels (ease-codegen.ts) over it, so the SPD inverse runs its n³ loop
 * in WebAssembly without copying the matrix. Without WebAssembly SIMD (or above
 * what a 32-bit memory can address) the buffer is a plain Float64Array and the
 * JS kernel runs. The kernel sums in a different order than the JS one, so the
 * two inverses agree to rounding (~1e-13 relative), not bit for bit; each is
 * deterministic.
 */
import { type Dot2x4, type Dot4, JS_KERNELS, type SpdKernels } from '../spd-inverse';
import { easeModuleBytes } from './ease-codegen';
import { wasm } from './runtime';

interface EaseExports {
  dot4(x: number, y0: number, y1: number, y2: number, y3: number, len: number, out: number): void;
  dot2x4(x0: number, x1: number, y0: number, y1: number, y2: number, y3: number, len: number, out: number): void;
}

/** Bytes before the matrix: the kernels' (up to eight) float64 results. */
const SCRATCH = 64;
/** A 32-bit memory addresses 65,536 pages of 64 KiB. */
const MAX_PAGES = 65536;

let compiled: object | null | undefined;
function easeModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = easeModuleBytes();
    compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

export interface SpdWorkspace {
  /** The n×n buffer (row-major), to fill and invert with invertSpdInPlace(a, n, kernels). */
  a: Float64Array;
  kernels: SpdKernels;
  kernel: 'wasm' | 'js';
}

/** A fresh n×n buffer and the fastest kernel that can work on it. */
export function spdWorkspace(n: number, kernel: 'wasm' | 'js' = 'wasm'): SpdWorkspace {
  const pages = Math.ceil((SCRATCH + n * n * 8) / 65536);
  const mod = kernel === 'wasm' && pages <= MAX_PAGES ? easeModule() : null;
  if (!mod || !wasm) return { a: new Float64Array(n * n), kernels: JS_KERNELS, kernel: 'js' };
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const ex = new wasm.Instance(mod, { env: { mem: memory } }).exports as EaseExports;
  const a = new Float64Array(memory.buffer, SCRATCH, n * n);
  const res = new Float64Array(memory.buffer, 0, 8);
  const at = (e: number) => SCRATCH + 8 * e;
  const dot4: Dot4 = (m, x, y0, y1, y2, y3, k0, k1, out) => {
    if (m !== a) throw new Error('spdWorkspace: dot4 works on its own buffer only');
    const len = k1 - k0;
    ex.dot4(at(x + k0), at(y0 + k0), at(y1 + k0), at(y2 + k0), at(y3 + k0), len, 0);
    let s0 = res[0];
    let s1 = res[1];
    let s2 = res[2];
    let s3 = res[3];
    // the kernel stops at a multiple of four elements
    for (let k = k0 + (len & ~3); k < k1; k++) {
      const v = a[x + k];
      s0 += v * a[y0 + k];
      s1 += v * a[y1 + k];
      s2 += v * a[y2 + k];
      s3 += v * a[y3 + k];
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
  };
  const dot2x4: Dot2x4 = (m, x0, x1, y0, y1, y2, y3, k0, k1, out) => {
    if (m !== a) throw new Error('spdWorkspace: dot2x4 works on its own buffer only');
    const len = k1 - k0;
    ex.dot2x4(at(x0 + k0), at(x1 + k0), at(y0 + k0), at(y1 + k0), at(y2 + k0), at(y3 + k0), len, 0);
    for (let q = 0; q < 8; q++) out[q] = res[q];
    // the kernel stops at an even count
    if (len & 1) {
      const k = k1 - 1;
      const u = a[x0 + k];
      const v = a[x1 + k];
      const ys = [y0, y1, y2, y3];
      for (let q = 0; q < 4; q++) {
        out[q] += u * a[ys[q] + k];
        out[4 + q] += v * a[ys[q] + k];
      }
    }
  };
  return { a, kernels: { dot4, dot2x4 }, kernel: 'wasm' };
}
