/**
 * A tiny WebAssembly assembler for the hand-written SIMD kernels of src/math (no toolchain needed): named opcodes,
 * LEB128, and a builder for the one shape of module used here (one exported function of i32 parameters over an
 * imported memory `m.mem`). Also the one SIMD switch of the project (`SOAPGPR_NO_SIMD`) and the typed slice of the
 * WebAssembly API (the project's TypeScript lib has no DOM types).
 */

/** Unsigned LEB128. */
export function leb128(n: number): number[] {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
}

/** Value types. */
const I32 = 0x7f;
const V128 = 0x7b;

const SIMD = 0xfd;
/** Memory immediate: log2 alignment, byte offset. */
const mem = (align: number, offset: number) => [align, ...leb128(offset)];

/** Instructions (byte sequences); local and branch indices < 128, i32 constants in 0..63. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, depth],
  get: (local: number) => [0x20, local],
  set: (local: number) => [0x21, local],
  tee: (local: number) => [0x22, local],
  i32: (c: number) => [0x41, c],
  i32Load: (align: number, offset: number) => [0x28, ...mem(align, offset)],
  f64Load: (align: number, offset: number) => [0x2b, ...mem(align, offset)],
  f64Store: (align: number, offset: number) => [0x39, ...mem(align, offset)],
  i32LtU: [0x49],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  v128Load: (align: number, offset: number) => [SIMD, 0x00, ...mem(align, offset)],
  v128Load64Splat: (align: number, offset: number) => [SIMD, 0x0a, ...mem(align, offset)],
  v128Store: (align: number, offset: number) => [SIMD, 0x0b, ...mem(align, offset)],
  v128Zero: [SIMD, 0x0c, ...new Array<number>(16).fill(0)],
  f64x2ExtractLane: (lane: number) => [SIMD, 0x21, lane],
  f64x2Add: [SIMD, ...leb128(0xf0)],
  f64x2Mul: [SIMD, ...leb128(0xf2)],
} as const;

/** A function body under construction and the `emit` that appends instructions to it. */
export function emitter(): [number[], (...instructions: readonly (readonly number[])[]) => void] {
  const body: number[] = [];
  return [
    body,
    (...instructions) => {
      for (const ins of instructions) body.push(...ins);
    },
  ];
}

export interface KernelModuleSpec {
  /** exported function name */
  name: string;
  /** number of i32 parameters (locals 0 .. nParams − 1) */
  nParams: number;
  /** further locals: `i32` of type i32 (indices nParams ..), then `v128` of type v128 */
  locals: { i32: number; v128: number };
  /** memory `m.mem` shared (for worker threads; at most 65536 pages) or private */
  sharedMemory: boolean;
  /** the function body, without its final `end` */
  body: readonly number[];
}

/** A module with one exported function `spec.name` (i32 parameters, no result) over the imported memory m.mem. */
export function kernelModule(spec: KernelModuleSpec): Uint8Array {
  const section = (id: number, body: number[]) => [id, ...leb128(body.length), ...body];
  const name = (x: string) => [x.length, ...Array.from(x, (ch) => ch.charCodeAt(0))];
  const limits = spec.sharedMemory ? [0x03, 1, ...leb128(65536)] : [0x00, 1]; // ≥ 1 page
  const func = [2, spec.locals.i32, I32, spec.locals.v128, V128, ...spec.body, ...op.end];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0], // "\0asm", version 1
    ...section(1, [1, 0x60, spec.nParams, ...new Array<number>(spec.nParams).fill(I32), 0]),
    ...section(2, [1, ...name("m"), ...name("mem"), 2, ...limits]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name(spec.name), 0, 0]),
    ...section(10, [1, ...leb128(func.length), ...func]),
  ]);
}

/** The parts of the WebAssembly API used here. */
export interface WasmMemory {
  buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The compiled module, or null where WebAssembly (SIMD, shared memory) is not available. */
export function compileModule(bytes: Uint8Array): object | null {
  try {
    return wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null;
  } catch {
    return null;
  }
}

/**
 * A memory of `pages` 64 KiB pages, made at its final size (never grown: `memory.grow` detaches the old
 * ArrayBuffer, and one detached buffer switches every typed-array access of the V8 process to a slower,
 * detach-checking form, measured −25 %); shared memories are for worker threads. Null when it cannot be made.
 */
export function wasmMemory(pages: number, shared = false): WasmMemory | null {
  try {
    return shared
      ? new wasmApi!.Memory({ initial: pages, maximum: pages, shared: true })
      : new wasmApi!.Memory({ initial: pages });
  } catch {
    return null;
  }
}

/** The exported function `name` of an instance of `module` over `memory`. */
export function kernelFunction(
  module: object,
  memory: WasmMemory,
  name: string,
): (...args: number[]) => void {
  return new wasmApi!.Instance(module, { m: { mem: memory } }).exports[name] as (...args: number[]) => void;
}

/**
 * The SIMD switch: false when `SOAPGPR_NO_SIMD` is "1" or "true" (read on every call, so tests and benchmarks can
 * set it at run time). The SIMD kernels' callers then use their JavaScript loops.
 */
export function simdEnabled(): boolean {
  const v = typeof process !== "undefined" ? process.env?.SOAPGPR_NO_SIMD : undefined;
  return v !== "1" && v !== "true";
}
