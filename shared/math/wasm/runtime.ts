/**
 * The slice of the WebAssembly JS API the kernels use. The project's lib
 * settings carry no WebAssembly globals (it targets Node without DOM types),
 * so the types are declared here once; `wasm` is undefined where the engine
 * has no WebAssembly, and callers fall back to their JS kernels.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

export const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
