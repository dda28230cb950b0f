/**
 * Dense float64 linear algebra for GPR: blocked Cholesky (right-looking, trailing update by the blocked GEMM of
 * gemm.ts, optionally on worker threads), triangular solves (vector and multiple right-hand sides), log-det,
 * and Cholesky with jitter escalation. Row-major Float64Array throughout; L is lower triangular, A = L·Lᵀ.
 */
import { EngineError } from "../core/errors.js";
import type { GemmPool } from "./_workerPool.js";
import { sharedFloat64 } from "./_workerPool.js";
import { gemmKernel, solveLowerColumns, trailingUpdateRows } from "./gemm.js";

/** Default panel width of the blocked Cholesky (tuned with bench/linalg.ts). */
export const CHOLESKY_BLOCK = 96;

/** Thrown (as EngineError 'NotPositiveDefinite') with the failing pivot in the message. */
function notPd(pivot: number, value: number, context: string): EngineError {
  return new EngineError(
    "NotPositiveDefinite",
    `${context}matrix is not positive definite (pivot ${pivot} = ${value.toPrecision(3)}); ` +
      "increase the regularisation reg or the jitter, or remove duplicate environments",
  );
}

/** Unblocked Cholesky of the b×b diagonal block at (k0,k0) of `a` (leading dimension lda), in place. */
function potf2(a: Float64Array, lda: number, k0: number, b: number, context: string): void {
  for (let j = k0; j < k0 + b; j++) {
    const rj = j * lda;
    let d = a[rj + j];
    for (let p = k0; p < j; p++) d -= a[rj + p] * a[rj + p];
    if (!(d > 0) || !Number.isFinite(d)) throw notPd(j, d, context);
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < k0 + b; i++) {
      const ri = i * lda;
      let s = a[ri + j];
      for (let p = k0; p < j; p++) s -= a[ri + p] * a[rj + p];
      a[ri + j] = s * inv;
    }
  }
}

/** Panel solve: rows r0..r1 of columns k0..k0+b: X ← X · L11⁻ᵀ (L11 the factored diagonal block). */
function trsmPanel(a: Float64Array, lda: number, k0: number, b: number, r0: number, r1: number): void {
  for (let i = r0; i < r1; i++) {
    const ri = i * lda;
    for (let j = k0; j < k0 + b; j++) {
      const rj = j * lda;
      let s = a[ri + j];
      for (let p = k0; p < j; p++) s -= a[ri + p] * a[rj + p];
      a[ri + j] = s / a[rj + j];
    }
  }
}

export interface CholeskyOptions {
  /** Panel width (default CHOLESKY_BLOCK). */
  blockSize?: number;
  /** Prefix for error messages, e.g. "Li λ=2 kernel: ". */
  context?: string;
}

/**
 * In-place Cholesky factorisation A = L·Lᵀ of the symmetric positive-definite n×n matrix `a` (row-major;
 * only the lower triangle is read). On return the lower triangle holds L and the strict upper triangle is
 * zeroed. Throws EngineError('NotPositiveDefinite') naming the failing pivot.
 */
export function cholesky(a: Float64Array, n: number, options: CholeskyOptions = {}): Float64Array {
  const nb = Math.max(1, options.blockSize ?? CHOLESKY_BLOCK);
  const ctx = options.context ?? "";
  if (a.length < n * n) throw new EngineError("ShapeMismatch", `cholesky: need ${n}x${n} values`);
  for (let k0 = 0; k0 < n; k0 += nb) {
    const b = Math.min(nb, n - k0);
    potf2(a, n, k0, b, ctx);
    const t0 = k0 + b;
    if (t0 >= n) break;
    trsmPanel(a, n, k0, b, t0, n);
    trailingUpdateRows(a, n, k0, b, t0, t0, n, nb);
  }
  zeroUpper(a, n);
  return a;
}

function zeroUpper(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
}

/**
 * Cholesky with the trailing updates split over the worker threads of `pool` (rows balanced by the work of
 * the lower triangle). Same result as `cholesky` up to round-off (bitwise equal: the same kernel runs the
 * same blocks). `a` is copied into shared memory when it is not already there, and the result written back.
 */
export async function choleskyParallel(
  a: Float64Array,
  n: number,
  pool: GemmPool,
  options: CholeskyOptions = {},
): Promise<Float64Array> {
  const nb = Math.max(1, options.blockSize ?? CHOLESKY_BLOCK);
  const ctx = options.context ?? "";
  if (pool.threads < 2 || n < 4 * nb) return cholesky(a, n, options);
  const s = a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 ? a : sharedFloat64(n * n, a);
  for (let k0 = 0; k0 < n; k0 += nb) {
    const b = Math.min(nb, n - k0);
    potf2(s, n, k0, b, ctx);
    const t0 = k0 + b;
    if (t0 >= n) break;
    trsmPanel(s, n, k0, b, t0, n);
    // Split the trailing block rows in `threads` groups of about equal lower-triangle area.
    const nBlocks = Math.ceil((n - t0) / nb);
    if (nBlocks < 2 * pool.threads) {
      trailingUpdateRows(s, n, k0, b, t0, t0, n, nb);
      continue;
    }
    const total = (nBlocks * (nBlocks + 1)) / 2;
    const jobs: Promise<void>[] = [];
    let startBlock = 0;
    for (let t = 0; t < pool.threads; t++) {
      let endBlock = nBlocks;
      if (t < pool.threads - 1) {
        // cumulative work up to block e is e(e+1)/2; choose e with that ≈ total·(t+1)/threads
        endBlock = Math.round((-1 + Math.sqrt(1 + (8 * total * (t + 1)) / pool.threads)) / 2);
        endBlock = Math.max(startBlock + 1, Math.min(nBlocks, endBlock));
      }
      if (endBlock <= startBlock) continue;
      const r0 = t0 + startBlock * nb;
      const r1 = Math.min(n, t0 + endBlock * nb);
      jobs.push(pool.trailingUpdate(s, n, k0, b, t0, r0, r1, nb));
      startBlock = endBlock;
    }
    await Promise.all(jobs);
  }
  zeroUpper(s, n);
  if (s !== a) a.set(s);
  return a;
}

/** Solve L·x = b in place (b: n-vector, L lower triangular row-major). */
export function solveLowerVec(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let p = 0; p < i; p++) s -= l[ri + p] * b[p];
    b[i] = s / l[ri + i];
  }
  return b;
}

/** Solve Lᵀ·x = b in place (back substitution, row-oriented access of L). */
export function solveLowerTVec(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = b[i] / l[ri + i];
    b[i] = xi;
    for (let p = 0; p < i; p++) b[p] -= l[ri + p] * xi;
  }
  return b;
}

const TRSM_BLOCK = 64;

/**
 * Solve L·X = B in place for B n×r (row-major, r right-hand sides). Blocked: the off-diagonal part of each
 * block row is one GEMM, the diagonal block a small substitution.
 */
export function solveLower(l: Float64Array, n: number, b: Float64Array, r: number): Float64Array {
  if (r === 1) return solveLowerVec(l, n, b);
  solveLowerColumns(l, n, b, r, 0, r, TRSM_BLOCK);
  return b;
}

/**
 * Solve L·X = B in place (B n×r) with the right-hand-side columns split over the worker threads of `pool`
 * (bitwise equal to `solveLower`: every column range runs the same code). Arrays not in shared memory are
 * copied there (and B copied back); keep L shared (see choleskyWithJitter with a pool) to avoid the copy.
 */
export async function solveLowerParallel(
  l: Float64Array,
  n: number,
  b: Float64Array,
  r: number,
  pool: GemmPool,
): Promise<Float64Array> {
  if (pool.threads < 2 || r < 32 || n * n * r < 2e7) return solveLower(l, n, b, r);
  const shared = (x: Float64Array, len: number) =>
    x.buffer instanceof SharedArrayBuffer && x.byteOffset === 0 ? x : sharedFloat64(len, x);
  const sl = shared(l, n * n);
  const sb = shared(b, n * r);
  const parts = pool.threads;
  const step = Math.ceil(r / parts / 4) * 4;
  const jobs: Promise<void>[] = [];
  for (let c0 = 0; c0 < r; c0 += step)
    jobs.push(pool.solveLowerColumns(sl, n, sb, r, c0, Math.min(r, c0 + step), TRSM_BLOCK));
  await Promise.all(jobs);
  if (sb !== b) b.set(sb.subarray(0, n * r));
  return b;
}

/** Solve Lᵀ·X = B in place for B n×r (row-major). */
export function solveLowerT(l: Float64Array, n: number, b: Float64Array, r: number): Float64Array {
  if (r === 1) return solveLowerTVec(l, n, b);
  const nb = TRSM_BLOCK;
  const nBlocks = Math.ceil(n / nb);
  for (let blk = nBlocks - 1; blk >= 0; blk--) {
    const i0 = blk * nb;
    const h = Math.min(nb, n - i0);
    const after = i0 + h;
    // X[i0:after] −= L[after:n, i0:after]ᵀ · X[after:n]
    if (after < n)
      gemmKernel(true, false, h, r, n - after, -1, l, after * n + i0, n, b, after * r, r, 1, b, i0 * r, r);
    for (let i = after - 1; i >= i0; i--) {
      const ri = i * n;
      const bi = i * r;
      const inv = 1 / l[ri + i];
      for (let c = 0; c < r; c++) b[bi + c] *= inv;
      for (let p = i0; p < i; p++) {
        const lip = l[ri + p];
        if (lip === 0) continue;
        const bp = p * r;
        for (let c = 0; c < r; c++) b[bp + c] -= lip * b[bi + c];
      }
    }
  }
  return b;
}

/** Solve (L·Lᵀ)·X = B in place (B n×r). */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, r = 1): Float64Array {
  solveLower(l, n, b, r);
  solveLowerT(l, n, b, r);
  return b;
}

/** log det(A) = 2 Σ log L_ii from the Cholesky factor. */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

export interface JitterOptions extends CholeskyOptions {
  /** First jitter tried after a failure, relative to the mean diagonal (default 1e-10). */
  initialJitter?: number;
  /** Jitter multiplier per retry (default 10). */
  factor?: number;
  /** Number of retries with jitter (default 5). */
  maxTries?: number;
  /** Worker pool for the parallel factorisation (optional). */
  pool?: GemmPool;
}

export interface JitteredCholesky {
  /** The factor L (n×n, lower). */
  readonly l: Float64Array;
  /** Absolute jitter added to the diagonal (0 when none was needed). */
  readonly jitter: number;
}

/**
 * Cholesky of A (not modified), adding jitter·I with escalating jitter (relative to the mean diagonal) when
 * the factorisation fails. After `maxTries` failures throws EngineError('NotPositiveDefinite') that tells
 * the user to increase the regulariser.
 */
export async function choleskyWithJitter(
  a: Float64Array,
  n: number,
  options: JitterOptions = {},
): Promise<JitteredCholesky> {
  // With a pool, factorise in shared memory so L can be used by the workers later without a copy.
  return jitterLoop(
    meanDiagonal(a, n),
    n,
    () => (options.pool ? sharedFloat64(n * n, a) : a.slice(0, n * n)),
    options,
  );
}

/**
 * As choleskyWithJitter, but factorising in `work` itself (its first n² values hold A on entry and L on return; in
 * shared memory with byte offset 0 for the pool to work in place): no copy of A is made. A failed attempt spoils
 * `work`, so `refill(work)` must write A into it again before each retry (e.g. re-fold it from raw kernels).
 */
export async function choleskyInPlaceWithJitter(
  work: Float64Array,
  n: number,
  refill: (work: Float64Array) => void,
  options: JitterOptions = {},
): Promise<JitteredCholesky> {
  const a = work.subarray(0, n * n);
  let first = true;
  const next = () => {
    if (!first) refill(a);
    first = false;
    return a;
  };
  return jitterLoop(meanDiagonal(a, n), n, next, options);
}

function meanDiagonal(a: Float64Array, n: number): number {
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += a[i * n + i];
  meanDiag = n > 0 ? meanDiag / n : 1;
  return meanDiag > 0 ? meanDiag : 1;
}

/** Factorise `next()` (a fresh copy of A each attempt) with escalating jitter. */
async function jitterLoop(
  meanDiag: number,
  n: number,
  next: () => Float64Array,
  options: JitterOptions,
): Promise<JitteredCholesky> {
  const factor = options.factor ?? 10;
  const maxTries = options.maxTries ?? 5;
  let rel = 0;
  let lastError: unknown = null;
  for (let attempt = 0; attempt <= maxTries; attempt++) {
    const work = next();
    const jitter = rel * meanDiag;
    if (jitter > 0) for (let i = 0; i < n; i++) work[i * n + i] += jitter;
    try {
      if (options.pool) await choleskyParallel(work, n, options.pool, options);
      else cholesky(work, n, options);
      return { l: work, jitter };
    } catch (e) {
      if (!(e instanceof EngineError) || e.code !== "NotPositiveDefinite") throw e;
      lastError = e;
      rel = rel === 0 ? (options.initialJitter ?? 1e-10) : rel * factor;
    }
  }
  const last = lastError instanceof Error ? lastError.message : String(lastError);
  throw new EngineError(
    "NotPositiveDefinite",
    `${options.context ?? ""}Cholesky failed even with jitter ${(rel / factor).toExponential(1)} × mean diagonal ` +
      `(${last}); increase reg (the noise/regularisation σ²) or the jitter`,
  );
}

/**
 * Solve the small dense system A x = b in place by Gaussian elimination with partial pivoting (A n×n row-major
 * is destroyed, b becomes x); for setup-time work (Wigner D fits, response-surface stationary points), not hot
 * loops. Returns false, leaving A and b partly eliminated, when a pivot is at most `tol` × the largest |A| entry
 * (numerically singular; tol = 0: an exactly zero pivot).
 */
export function solveGaussian(a: Float64Array, b: Float64Array, n: number, tol = 0): boolean {
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]!));
  if (scale === 0) return n === 0;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(a[i * n + col]!) > Math.abs(a[piv * n + col]!)) piv = i;
    if (Math.abs(a[piv * n + col]!) <= tol * scale) return false;
    if (piv !== col) {
      for (let j = 0; j < n; j++) {
        const t = a[col * n + j]!;
        a[col * n + j] = a[piv * n + j]!;
        a[piv * n + j] = t;
      }
      const t = b[col]!;
      b[col] = b[piv]!;
      b[piv] = t;
    }
    for (let i = col + 1; i < n; i++) {
      const f = a[i * n + col]! / a[col * n + col]!;
      if (f === 0) continue;
      for (let j = col; j < n; j++) a[i * n + j] = a[i * n + j]! - f * a[col * n + j]!;
      b[i] = b[i]! - f * b[col]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= a[i * n + j]! * b[j]!;
    b[i] = s / a[i * n + i]!;
  }
  return true;
}
