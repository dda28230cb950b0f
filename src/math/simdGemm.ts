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
 *   C[c + r·ldc + 8s] ±= Σ_{p < n/8} A[a + r·lda + 8p] · B[b + s·ldb + 8p],  n a positive multiple of 16
 * (− when `subtract`: the updates of the blocked Cholesky and triangular solves of simdLinalg.ts).
 */
function gramTileModule(shared: boolean, subtract: boolean): Uint8Array {
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
      emit(op.f64Add, subtract ? op.f64Sub : op.f64Add, op.f64Store(3, 8 * s));
    }
  // imports memory m.mem (≥ 1 page; shared: at most 65536 pages, for worker threads)
  return kernelModule({ name: "tile", nParams: 7, locals: { i32: 5, v128: 14 }, sharedMemory: shared, body });
}

const tileModules: (object | null | undefined)[] = [undefined, undefined, undefined, undefined];
/** The compiled tile module (private or shared memory; adding or subtracting), null without WebAssembly SIMD. */
export function simdModule(shared: boolean, subtract = false): object | null {
  const k = (shared ? 1 : 0) + (subtract ? 2 : 0);
  if (tileModules[k] === undefined) tileModules[k] = compileModule(gramTileModule(shared, subtract));
  return tileModules[k]!;
}

/**
 * Whether simdGram can run here: WebAssembly SIMD compiles and `SOAPGPR_NO_SIMD` is not set (the environment
 * variable is read on every call).
 */
export function simdGemmAvailable(): boolean {
  return simdEnabled() && simdModule(false) !== null;
}

/**
 * Tiles of C ±= A·Bᵀ in module memory (offsets and strides in doubles): row i of A at aBase + i·lda, row j of B at
 * bBase + j·ldb, C[i, j] at cBase + i·ldc + j; row tiles [i0, i1) (a multiple of 4 rows), columns [j0, j1) (an
 * even count), products of length k (even). "upper": only column tiles j ≥ i; "lower": only j < i + 4 (the
 * diagonal 4 × 4 blocks whole).
 */
export interface TileJob {
  module: object;
  mem: WasmMemory;
  i0: number;
  i1: number;
  j0: number;
  j1: number;
  k: number;
  aBase: number;
  lda: number;
  bBase: number;
  ldb: number;
  cBase: number;
  ldc: number;
  triangle: "full" | "upper" | "lower";
}

/**
 * Tile calls for a TileJob (run by the calling thread and by _simdGramWorker.ts). k slices of KC doubles; B rows in
 * blocks of JB (4 A rows + JB B rows stay in L1 / L2).
 */
export function runTiles(tile: (...args: number[]) => void, job: Omit<TileJob, "module" | "mem">): void {
  const { i0, i1, k, aBase, lda, bBase, ldb, cBase, ldc, triangle } = job;
  const KC = 512;
  const JB = 128;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const nb = Math.min(KC, k - k0) * 8;
    for (let j0 = job.j0; j0 < job.j1; j0 += JB) {
      const j1 = Math.min(job.j1, j0 + JB);
      for (let i = i0; i < i1; i += 4) {
        const jEnd = triangle === "lower" ? Math.min(j1, i + 4) : j1;
        const ai = (aBase + i * lda + k0) * 8;
        const ci = (cBase + i * ldc) * 8;
        for (let j = triangle === "upper" ? Math.max(j0, i) : j0; j < jEnd; j += 2)
          tile(ai, (bBase + j * ldb + k0) * 8, ci + j * 8, nb, lda * 8, ldb * 8, ldc * 8);
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

/**
 * Run `job` on helper thread k: a TileJob (runTiles), or a job with a `kind` that _simdGramWorker.ts dispatches
 * (simdLinalg.ts). The module memory must be shared.
 */
function runInWorker(k: number, job: { module: object; mem: WasmMemory }): Promise<void> {
  const w = tileWorker(k);
  const id = ++tileJobId;
  return new Promise<void>((resolve, reject) => {
    tileJobs.set(id, { resolve, reject, w });
    w.ref();
    w.postMessage({ ...job, id });
  });
}

/**
 * Run the row shares [bounds[p], bounds[p + 1]) of a job over the shared memory `mem`: share 0 on this thread
 * (`here`), the others on helper threads (the job objects of `helper`, with `module` and `mem` added).
 */
export async function runShares(
  module: object,
  mem: WasmMemory,
  bounds: readonly number[],
  here: (r0: number, r1: number) => void,
  helper: (r0: number, r1: number) => object,
): Promise<void> {
  const others: Promise<void>[] = [];
  for (let p = 1; p + 1 < bounds.length; p++)
    if (bounds[p]! < bounds[p + 1]!)
      others.push(runInWorker(p - 1, { ...helper(bounds[p]!, bounds[p + 1]!), module, mem }));
  here(bounds[0]!, bounds[1]!);
  await Promise.all(others);
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
  const triangle = symmetric ? ("upper" as const) : ("full" as const);
  const job = { i0: 0, i1: R, j0: 0, j1: C, k: fp, aBase, lda: fp, bBase, ldb: fp, cBase, ldc: C, triangle };
  if (parallel)
    await runShares(
      mod,
      mem,
      splitRows(0, R, parts, (i) => (symmetric ? C - i : C)),
      (i0, i1) => runTiles(tile, { ...job, i0, i1 }),
      (i0, i1) => ({ ...job, i0, i1 }),
    );
  else runTiles(tile, job);
  return gramOut(new Float64Array(mem.buffer, cBase * 8, R * C), rows, cols, C, symmetric);
}

/**
 * Bounds of `parts` shares of about equal work of the row tiles [i0, i1) (4 rows each; `cost(i)` the work of the
 * tile at row i): share p is [bounds[p], bounds[p + 1]).
 */
export function splitRows(i0: number, i1: number, parts: number, cost: (i: number) => number): number[] {
  let total = 0;
  for (let i = i0; i < i1; i += 4) total += cost(i);
  const bounds = [i0];
  let acc = 0;
  for (let i = i0, p = 1; i < i1 && p < parts; i += 4) {
    acc += cost(i);
    if (acc >= (total * p) / parts) {
      bounds.push(i + 4);
      p++;
    }
  }
  while (bounds.length <= parts) bounds.push(i1);
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
