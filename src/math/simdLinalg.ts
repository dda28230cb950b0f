/**
 * WebAssembly SIMD Cholesky and triangular solves, on the 4 × 2 tile of simdGemm.ts (its subtracting variant):
 * - choleskySimd: right-looking blocked Cholesky. Per panel of NB columns: the diagonal block by substitution
 *   (linalg.ts: potf2), the panel below it solved against it (trsmRows), then the trailing lower triangle updated
 *   by the tile (SYRK: only tiles on or below the diagonal). The panel solve and the update are split over
 *   `threads` threads by rows (equal work), with the matrix in one shared module memory.
 * - solveLowerSimd: L·X = B for many right-hand sides (the predictive variances L⁻¹K*ᵀ), as Xᵀ ← Bᵀ·L⁻ᵀ over the
 *   rows of Bᵀ, which are independent: each thread solves its own rows.
 * trsmRows (X ← X·L⁻ᵀ) is recursive: halves of the columns, the off-diagonal update by the tile, blocks of at
 * most TRSM_LEAF columns by substitution. Same products as the scalar path of linalg.ts in another order:
 * results equal to round-off. Null (callers use linalg.ts) when SIMD is off (SOAPGPR_NO_SIMD) or unavailable,
 * or the matrix does not fit one module memory (4 GiB).
 */
import { EngineError } from "../core/errors.js";
import { potf2 } from "./linalg.js";
import { runShares, runTiles, simdModule, splitRows } from "./simdGemm.js";
import { kernelFunction, simdEnabled, type WasmMemory, wasmMemory } from "./wasm.js";

/** Panel width of the SIMD Cholesky (a multiple of 4; tuned with bench/linalg.ts). */
export const SIMD_CHOLESKY_BLOCK = 192;
/** Widest diagonal block solved by substitution in trsmRows (even). */
const TRSM_LEAF = 16;
/** Largest module memory (bytes): 65536 pages of 64 KiB. */
const MAX_BYTES = 2 ** 32;

/** X[r0:r1, 0:w] ← X·L⁻ᵀ in module memory `M` (offsets and strides in doubles); see trsmRows. */
export interface TrsmJob {
  kind: "trsm";
  module: object;
  mem: WasmMemory;
  /** rows [r0, r1) of X (a multiple of 4) */
  r0: number;
  r1: number;
  x: number;
  ldx: number;
  l: number;
  ldl: number;
  /** columns of X, rows and columns of L (lower triangular). Column w of X and row w of L exist when w is odd. */
  w: number;
}

/**
 * X ← X·L⁻ᵀ for the rows [r0, r1) of X: X[i, j] = (X[i, j] − Σ_{p<j} X[i, p]·L[j, p]) / L[j, j]. Recursive on
 * columns: left half, then the right half updated by the tile (X₂ −= X₁·L₂₁ᵀ), then the right half.
 */
export function trsmRows(
  tile: (...args: number[]) => void,
  M: Float64Array,
  job: Omit<TrsmJob, "module" | "mem" | "kind">,
): void {
  const { r0, r1, x, ldx, l, ldl } = job;
  const leaf = (c0: number, c1: number) => {
    for (let i = r0; i < r1; i++) {
      const xi = x + i * ldx;
      for (let j = c0; j < c1; j++) {
        const lj = l + j * ldl;
        let s = M[xi + j]!;
        for (let p = c0; p < j; p++) s -= M[xi + p]! * M[lj + p]!;
        M[xi + j] = s / M[lj + j]!;
      }
    }
  };
  const rec = (c0: number, c1: number) => {
    if (c1 - c0 <= TRSM_LEAF) return leaf(c0, c1);
    const h = Math.ceil((c1 - c0) / 4) * 2; // even: c0 + h stays even
    rec(c0, c0 + h);
    const j1 = c1 + ((c1 - c0 - h) & 1); // even column count (column w, row w of L: padding)
    const [aBase, bBase] = [x + c0, l + c0];
    runTiles(tile, {
      i0: r0,
      i1: r1,
      j0: c0 + h,
      j1,
      k: h,
      aBase,
      lda: ldx,
      bBase,
      ldb: ldl,
      cBase: x,
      ldc: ldx,
      triangle: "full",
    });
    rec(c0 + h, c1);
  };
  rec(0, job.w);
}

/** A module memory of `doubles` float64 values for `threads` threads, its tile function and compiled module. */
function simdWorkspace(doubles: number, threads: number) {
  if (!simdEnabled() || doubles * 8 > MAX_BYTES) return null;
  const shared = threads >= 2;
  const module = simdModule(shared, true);
  const mem = module ? wasmMemory(Math.ceil((doubles * 8) / 65536), shared) : null;
  if (!module || !mem) return null;
  return { module, mem, tile: kernelFunction(module, mem, "tile"), M: new Float64Array(mem.buffer) };
}

export interface SimdCholeskyOptions {
  /** Panel width (rounded up to a multiple of 4; default SIMD_CHOLESKY_BLOCK). */
  blockSize?: number;
  /** Prefix for error messages. */
  context?: string;
  /** Threads (default 1). */
  threads?: number;
  /** Added to the diagonal before factorising (default 0). */
  jitter?: number;
}

/**
 * Cholesky A + jitter·I = L·Lᵀ of the SPD n×n matrix `a` (row-major, only the lower triangle read; `a` is not
 * modified). Returns L (n×n row-major, strict upper triangle zero), or null when the SIMD path cannot run.
 * Throws EngineError('NotPositiveDefinite') naming the failing pivot, as linalg.ts: cholesky.
 */
export async function choleskySimd(
  a: Float64Array,
  n: number,
  options: SimdCholeskyOptions = {},
): Promise<Float64Array | null> {
  if (a.length < n * n) throw new EngineError("ShapeMismatch", `cholesky: need ${n}x${n} values`);
  const nb = Math.ceil(Math.max(4, options.blockSize ?? SIMD_CHOLESKY_BLOCK) / 4) * 4;
  const threads = Math.max(1, Math.floor(options.threads ?? 1));
  const np = Math.ceil(n / 4) * 4; // rows padded to whole tiles; also the row stride
  const [panel, diag] = [np * np, np * np + np * nb]; // panel: np × nb, diagonal block nb × nb
  const ws = simdWorkspace(diag + nb * nb, threads);
  if (!ws) return null;
  const { M, tile } = ws;
  for (let i = 0; i < n; i++) M.set(a.subarray(i * n, i * n + i + 1), i * np);
  for (let i = 0; i < n; i++) M[i * np + i] += options.jitter ?? 0;
  for (let k0 = 0; k0 < n; k0 += nb) {
    const b = Math.min(nb, n - k0);
    potf2(M, np, k0, b, options.context ?? "");
    const t0 = k0 + b;
    if (t0 >= n) break;
    for (let p = 0; p < b; p++) M.copyWithin(diag + p * nb, (k0 + p) * np + k0, (k0 + p) * np + k0 + p + 1);
    for (let i = t0; i < n; i++) M.copyWithin(panel + (i - t0) * nb, i * np + k0, i * np + k0 + b);
    M.fill(0, panel + (n - t0) * nb, panel + (np - t0) * nb); // padding rows
    const trsm = { r0: 0, r1: np - t0, x: panel, ldx: nb, l: diag, ldl: nb, w: b };
    await runShares(
      ws.module,
      ws.mem,
      splitRows(0, np - t0, threads, () => 1),
      (r0, r1) => trsmRows(tile, M, { ...trsm, r0, r1 }),
      (r0, r1) => ({ ...trsm, kind: "trsm", r0, r1 }),
    );
    for (let i = t0; i < n; i++) M.copyWithin(i * np + k0, panel + (i - t0) * nb, panel + (i - t0 + 1) * nb);
    // A[i, j] −= Σ_p P[i, p]·P[j, p] for t0 ≤ j ≤ i (P the solved panel, row i at panel + (i − t0)·nb)
    const base = panel - t0 * nb;
    const upd = { j0: t0, j1: np, k: b, aBase: base, lda: nb, bBase: base, ldb: nb, cBase: 0, ldc: np };
    const lower = { ...upd, triangle: "lower" as const };
    await runShares(
      ws.module,
      ws.mem,
      splitRows(t0, np, threads, (i) => i + 4 - t0),
      (i0, i1) => runTiles(tile, { ...lower, i0, i1 }),
      (i0, i1) => ({ ...lower, i0, i1 }),
    );
  }
  const l = np === n ? new Float64Array(ws.mem.buffer, 0, n * n) : new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    if (np !== n) l.set(M.subarray(i * np, i * np + i + 1), i * n);
    l.fill(0, i * n + i + 1, (i + 1) * n);
  }
  return l;
}

/**
 * Solve L·X = B in place (B n×r row-major, L n×n lower) by the SIMD solve on the transposed right-hand sides,
 * split over `threads` threads. Returns false (B untouched) when the SIMD path cannot run.
 */
export async function solveLowerSimd(
  l: Float64Array,
  n: number,
  b: Float64Array,
  r: number,
  threads = 1,
): Promise<boolean> {
  const ne = n + (n & 1); // L rows and X columns padded to even
  const rp = Math.ceil(r / 4) * 4;
  const x = ne * ne;
  const ws = simdWorkspace(x + rp * ne, threads);
  if (!ws) return false;
  const { M, tile } = ws;
  for (let i = 0; i < n; i++) M.set(l.subarray(i * n, i * n + i + 1), i * ne);
  transpose(b, n, r, M, x, ne);
  const job = { r0: 0, r1: rp, x, ldx: ne, l: 0, ldl: ne, w: n };
  await runShares(
    ws.module,
    ws.mem,
    splitRows(0, rp, threads, () => 1),
    (r0, r1) => trsmRows(tile, M, { ...job, r0, r1 }),
    (r0, r1) => ({ ...job, kind: "trsm", r0, r1 }),
  );
  transpose(M.subarray(x), r, ne, b, 0, r, n);
  return true;
}

/**
 * dst[dOff + j·ldd + i] = src[i·lds + j] for i < rows, j < cols (lds default cols), in 32 × 32 blocks so that
 * both sides stay in cache.
 */
function transpose(
  src: Float64Array,
  rows: number,
  lds: number,
  dst: Float64Array,
  dOff: number,
  ldd: number,
  cols = lds,
): void {
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B)
    for (let j0 = 0; j0 < cols; j0 += B) {
      const i1 = Math.min(rows, i0 + B);
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) dst[dOff + j * ldd + i] = src[i * lds + j]!;
    }
}
