/**
 * The generated kernels as reviewable text: each listing is the disassembly
 * (wabt's wasm2wat) of one generator's output for one factor count, committed
 * beside the generators. `npm run wat` rewrites them; test/unit/math/als-wasm.test.ts
 * fails when a generator's output and its listing differ.
 */
import { alsModuleBytes } from './als-codegen';
import { scoringModuleBytes } from './scoring-codegen';
import { easeModuleBytes } from './ease-codegen';

export interface Listing {
  /** File name, beside this module. */
  file: string;
  bytes(): Uint8Array;
}

/** 64 factors: the served default, and wide enough to show every unrolled chunk pattern. */
export const LISTINGS: Listing[] = [
  { file: 'als-64.wat', bytes: () => alsModuleBytes(64) },
  { file: 'als-64-fma.wat', bytes: () => alsModuleBytes(64, { fma: true }) },
  { file: 'scoring-64.wat', bytes: () => scoringModuleBytes(64) },
  { file: 'ease-dot4.wat', bytes: () => easeModuleBytes() },
];

/** Minimal surface of the wabt package (a dev dependency: only scripts and tests load it). */
interface Wabt {
  readWasm(
    bytes: Uint8Array,
    opts: { readDebugNames: boolean; simd: boolean; relaxed_simd: boolean },
  ): { applyNames(): void; toText(o: { foldExprs: boolean; inlineExport: boolean }): string; destroy(): void };
}

/** The text format of module bytes, names from the module's name section. */
export async function disassemble(bytes: Uint8Array): Promise<string> {
  const { default: init } = (await import('wabt')) as unknown as { default: () => Promise<Wabt> };
  const wabt = await init();
  const mod = wabt.readWasm(bytes, { readDebugNames: true, simd: true, relaxed_simd: true });
  try {
    // refer to locals and functions by name, not index
    mod.applyNames();
    return mod.toText({ foldExprs: false, inlineExport: false });
  } finally {
    mod.destroy();
  }
}
