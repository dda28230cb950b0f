/**
 * WebAssembly SIMD Gram product (float64, f64x2): C = A·Bᵀ over rows of features, the 4 × 2 register tile below
 * hand-assembled (no toolchain needed). V8 compiles it to packed SSE2 multiply/add: ~7 G multiply-adds/s on one
 * core against ~2.8 for the scalar JavaScript GEMM of gemm.ts, with the same float64 products (only the order of
 * the partial sums differs, ≤ 1e-15 relative). Operands are copied into the module's memory (rows padded to an
 * even length, row counts to multiples of 4 and 2); a fresh memory per product, made at its final size (never
 * grown: `memory.grow` detaches the old ArrayBuffer, and one detached buffer switches every typed-array access
 * of the V8 process to a slower, detach-checking form, measured −25 % elsewhere), so no memory is retained.
 *
 * When A and B are the same rows (`symmetric`) only tiles on or above the diagonal are multiplied and the upper
 * triangle is mirrored: the result is exactly symmetric. Large products are split over `threads` threads (the
 * calling thread plus `threads − 1` helper worker_threads sharing the module's memory), in equal shares of work.
 *
 * Pure numerics (module assembled with wasm.ts; helper threads run _simdGramWorker.ts). `SOAPGPR_NO_SIMD=1` (or
 * `true`) in the environment disables the kernel (wasm.ts: simdEnabled; simdGram returns null, callers use the
 * scalar GEMM).
 */
import type { Worker } from "node:worker_threads";
import { startWorker } from "./_workerEntry.js";
import {
  compileModule,
  emitter,
  kernelFunction,
  kernelModule,
  op,
  simdEnabled,
  type WasmMemory,
  wasmMemory,
} from "./wasm.js";

/**
 * tile(a, b, c, n, lda, ldb, ldc) (byte addresses and strides): for r < 4, s < 2,
 *   C[c + r·ldc + 8s] += Σ_{p < n/8} A[a + r·lda + 8p] · B[b + s·ldb + 8p],  n a positive multiple of 16.
 */
function gramTileModule(shared: boolean): Uint8Array {
  const { get, set, tee } = op;
  const [a, b, c, n, lda, ldb, ldc, a1, a2, a3, b1, i] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const acc = (r: number, s: number) => 12 + 2 * r + s; // v128 accumulators 12..19
  const va = (r: number) => 20 + r; // v128 A values 20..23
  const vb = (s: number) => 24 + s; // v128 B values 24, 25
  const [body, emit] = emitter();
  emit(get(a), get(lda), op.i32Add, set(a1), get(a1), get(lda), op.i32Add, set(a2));
  emit(get(a2), get(lda), op.i32Add, set(a3), get(b), get(ldb), op.i32Add, set(b1));
  emit(op.block, op.loop);
  const rowsA = [a, a1, a2, a3];
  for (let r = 0; r < 4; r++) emit(get(rowsA[r]!), get(i), op.i32Add, op.v128Load(3, 0), set(va(r)));
  for (const [row, s] of [
    [b, 0],
    [b1, 1],
  ] as const)
    emit(get(row), get(i), op.i32Add, op.v128Load(3, 0), set(vb(s)));
  for (let r = 0; r < 4; r++)
    for (let s = 0; s < 2; s++)
      emit(get(acc(r, s)), get(va(r)), get(vb(s)), op.f64x2Mul, op.f64x2Add, set(acc(r, s)));
  // i += 16; continue while i < n
  emit(get(i), op.i32(16), op.i32Add, tee(i), get(n), op.i32LtU, op.brIf(0), op.end, op.end);
  for (let r = 0; r < 4; r++)
    for (let s = 0; s < 2; s++) {
      // addr = c + r·ldc;  f64[addr + 8s] += lane0 + lane1
      emit(get(c), get(ldc), op.i32(r), op.i32Mul, op.i32Add, tee(i), get(i), op.f64Load(3, 8 * s));
      emit(get(acc(r, s)), op.f64x2ExtractLane(0), get(acc(r, s)), op.f64x2ExtractLane(1));
      emit(op.f64Add, op.f64Add, op.f64Store(3, 8 * s));
    }
  // imports memory m.mem (≥ 1 page; shared: at most 65536 pages, for worker threads)
  return kernelModule({ name: "tile", nParams: 7, locals: { i32: 5, v128: 14 }, sharedMemory: shared, body });
}

const tileModules: (object | null | undefined)[] = [undefined, undefined];
/** The compiled tile module (private or shared memory), null without WebAssembly SIMD. */
function simdModule(shared: boolean): object | null {
  const k = shared ? 1 : 0;
  if (tileModules[k] === undefined) tileModules[k] = compileModule(gramTileModule(shared));
  return tileModules[k]!;
}

/**
 * Whether simdGram can run here: WebAssembly SIMD compiles and `SOAPGPR_NO_SIMD` is not set (the environment
 * variable is read on every call).
 */
export function simdGemmAvailable(): boolean {
  return simdEnabled() && simdModule(false) !== null;
}

/** A range of row tiles [i0, i1) of C = A·Bᵀ in module memory (offsets in doubles; see simdGram). */
export interface TileJob {
  module: object;
  mem: WasmMemory;
  i0: number;
  i1: number;
  C: number;
  fp: number;
  aBase: number;
  bBase: number;
  cBase: number;
  symmetric: boolean;
}

/**
 * Tile calls for the row tiles [i0, i1) of C = A·Bᵀ (run by the calling thread and by _simdGramWorker.ts).
 * k slices of KC doubles; B rows in blocks of JB (4 A rows + JB B rows stay in L1 / L2); symmetric: tiles on or
 * above the diagonal only.
 */
export function runTiles(tile: (...args: number[]) => void, job: Omit<TileJob, "module" | "mem">): void {
  const { i0, i1, C, fp, aBase, bBase, cBase, symmetric } = job;
  const KC = 512;
  const JB = 128;
  const ld = fp * 8;
  const ldc = C * 8;
  for (let k0 = 0; k0 < fp; k0 += KC) {
    const nb = Math.min(KC, fp - k0) * 8;
    for (let j0 = 0; j0 < C; j0 += JB) {
      const j1 = Math.min(C, j0 + JB);
      for (let i = i0; i < i1; i += 4) {
        const ai = (aBase + i * fp + k0) * 8;
        const ci = (cBase + i * C) * 8;
        for (let j = symmetric ? Math.max(j0, i) : j0; j < j1; j += 2)
          tile(ai, (bBase + j * fp + k0) * 8, ci + j * 8, nb, ld, ld, ldc);
      }
    }
  }
}

/** Helper threads for split products (the calling thread does one share); unref'd while idle. */
const tileWorkers: (Worker | undefined)[] = [];
const tileJobs = new Map<number, { resolve: () => void; reject: (e: Error) => void; w: Worker }>();
let tileJobId = 0;

function tileWorker(k: number): Worker {
  const w = tileWorkers[k];
  if (w) return w;
  const nw = startWorker(import.meta.url, "_simdGramWorker");
  nw.on("message", (m: { id: number; ok: boolean; error?: string }) => {
    const p = tileJobs.get(m.id);
    if (!p) return;
    tileJobs.delete(m.id);
    let busy = false;
    for (const q of tileJobs.values()) if (q.w === nw) busy = true;
    if (!busy) nw.unref();
    if (m.ok) p.resolve();
    else p.reject(new Error(`SIMD Gram worker failed: ${m.error}`));
  });
  nw.on("error", (e) => {
    for (const [id, p] of tileJobs)
      if (p.w === nw) {
        tileJobs.delete(id);
        p.reject(e);
      }
    if (tileWorkers[k] === nw) tileWorkers[k] = undefined;
  });
  nw.unref();
  tileWorkers[k] = nw;
  return nw;
}

function runTilesInWorker(k: number, job: TileJob): Promise<void> {
  const w = tileWorker(k);
  const id = ++tileJobId;
  return new Promise<void>((resolve, reject) => {
    tileJobs.set(id, { resolve, reject, w });
    w.ref();
    w.postMessage({ ...job, id });
  });
}

/** Multiply-adds from which a SIMD product is split over threads (a hand-off costs ~1 ms). */
export const SIMD_PARALLEL_FMA = 5e7;

/**
 * Multiply-adds below which the scalar GEMM is faster: a SIMD product has a fixed cost of ~35 µs (a fresh
 * memory and instance), measured crossover ~3e5 multiply-adds on the 2-core VM of ANCHORS.md.
 */
export const SIMD_MIN_FMA = 2.5e5;

/** Largest module memory a SIMD product may use (bytes); simdGram returns null for larger products. */
export const SIMD_MAX_BYTES = 1.5 * 2 ** 30;

/**
 * out (rows × cols, row-major) = A·Bᵀ for A = a[aOff ..] (rows × f, row-major) and B = b[bOff ..] (cols × f)
 * by the SIMD tile; `symmetric` (A and B the same rows, cols = rows) multiplies the upper triangle only and
 * mirrors it. With threads ≥ 2 and at least `parallelFma` multiply-adds the row tiles are split over `threads`
 * threads. Returns null when WebAssembly SIMD is unavailable or disabled (SOAPGPR_NO_SIMD=1), f = 0, or the
 * operands are too large (SIMD_MAX_BYTES): callers then use the scalar GEMM.
 */
export async function simdGram(
  a: Float64Array,
  aOff: number,
  rows: number,
  b: Float64Array,
  bOff: number,
  cols: number,
  f: number,
  symmetric: boolean,
  threads = 1,
  parallelFma: number = SIMD_PARALLEL_FMA,
): Promise<Float64Array | null> {
  if (!simdEnabled() || f <= 0 || rows <= 0 || cols <= 0) return null;
  if (symmetric && cols !== rows) throw new Error("simdGram: symmetric needs cols = rows");
  const parts = Math.min(Math.max(1, Math.floor(threads)), Math.floor(rows / 8));
  const parallel = parts >= 2 && rows * cols * f >= parallelFma;
  const mod = simdModule(parallel);
  if (!mod) return parallel ? simdGram(a, aOff, rows, b, bOff, cols, f, symmetric, 1) : null;
  const fp = f + (f & 1); // row stride (doubles), even: 16-byte aligned rows
  const R = Math.ceil(rows / 4) * 4;
  const C = symmetric ? R : Math.ceil(cols / 2) * 2;
  const aBase = 0;
  const bBase = symmetric ? aBase : R * fp;
  const cBase = symmetric ? R * fp : bBase + C * fp;
  const bytes = (cBase + R * C) * 8;
  if (bytes > SIMD_MAX_BYTES) return null;
  // memory made at its final size and imported: never grown (see the top of this file)
  const mem = wasmMemory(Math.ceil(bytes / 65536), parallel);
  if (!mem) return null; // memory not available: the caller's scalar GEMM is used
  const tile = kernelFunction(mod, mem, "tile");
  const M = new Float64Array(mem.buffer);
  const copyRows = (src: Float64Array, off: number, n: number, base: number) => {
    if (fp === f) M.set(src.subarray(off, off + n * f), base);
    else for (let r = 0; r < n; r++) M.set(src.subarray(off + r * f, off + (r + 1) * f), base + r * fp);
  };
  copyRows(a, aOff, rows, aBase);
  if (!symmetric) copyRows(b, bOff, cols, bBase);
  const job = { i0: 0, i1: R, C, fp, aBase, bBase, cBase, symmetric };
  if (parallel) {
    const bounds = shareBounds(R, C, parts, symmetric);
    const others: Promise<void>[] = [];
    for (let p = 1; p < parts; p++) {
      if (bounds[p]! >= bounds[p + 1]!) continue;
      others.push(runTilesInWorker(p - 1, { ...job, module: mod, mem, i0: bounds[p]!, i1: bounds[p + 1]! }));
    }
    runTiles(tile, { ...job, i1: bounds[1]! });
    await Promise.all(others);
  } else runTiles(tile, job);
  return gramOut(new Float64Array(mem.buffer, cBase * 8, R * C), rows, cols, C, symmetric);
}

/**
 * Row-tile bounds of `parts` equal shares of the work over R rows (tiles per row tile: C, or C − i above the
 * diagonal when symmetric): share p is [bounds[p], bounds[p + 1]).
 */
function shareBounds(R: number, C: number, parts: number, symmetric: boolean): number[] {
  const cost = (i: number) => (symmetric ? C - i : C);
  let total = 0;
  for (let i = 0; i < R; i += 4) total += cost(i);
  const bounds = [0];
  let acc = 0;
  for (let i = 0, p = 1; i < R && p < parts; i += 4) {
    acc += cost(i);
    if (acc >= (total * p) / parts) {
      bounds.push(i + 4);
      p++;
    }
  }
  while (bounds.length <= parts) bounds.push(R);
  return bounds;
}

/** The rows × cols result from the padded product Mc (row stride C); symmetric: the upper triangle mirrored. */
function gramOut(Mc: Float64Array, rows: number, cols: number, C: number, symmetric: boolean): Float64Array {
  const out = new Float64Array(rows * cols);
  if (!symmetric) {
    for (let r = 0; r < rows; r++) out.set(Mc.subarray(r * C, r * C + cols), r * cols);
    return out;
  }
  // upper triangle row by row, then mirrored in square blocks (column reads of a large matrix stay in cache)
  for (let r = 0; r < rows; r++) out.set(Mc.subarray(r * C + r, r * C + cols), r * cols + r);
  const BS = 64;
  for (let i0 = 0; i0 < rows; i0 += BS) {
    const i1 = Math.min(rows, i0 + BS);
    for (let j0 = 0; j0 <= i0; j0 += BS)
      for (let i = i0; i < i1; i++) {
        const jEnd = Math.min(j0 + BS, i);
        const o = i * cols;
        for (let j = j0; j < jEnd; j++) out[o + j] = out[j * cols + i]!;
      }
  }
  return out;
}
