/**
 * The reference compute backend: float64 Gram matrices A·Bᵀ by the WebAssembly SIMD Gram product of
 * src/math/simdGemm.ts (exact upper triangle mirrored when A and B are the same rows; row tiles split over
 * `threads` threads when the product is large enough), or — without WebAssembly SIMD, with `simd: false` or
 * SOAPGPR_NO_SIMD=1 — by the scalar blocked GEMM of src/math/gemm.ts, its output rows split over the worker
 * pool (SharedArrayBuffer). Both give the same float64 products; only the summation order differs (~1e-15).
 */
import { EngineError } from "../core/errors.js";
import { GemmPool, sharedGemmPool } from "../math/_workerPool.js";
import { gemmKernel } from "../math/gemm.js";
import { SIMD_MIN_FMA, simdGemmAvailable, simdGram } from "../math/simdGemm.js";
import type { ComputeBackend } from "./types.js";

export interface CpuBackendOptions {
  /**
   * Threads for large products: 1 = run in the calling thread only; ≥ 2 = worker_threads
   * (default: 2, or the SOAPGPR_THREADS environment variable).
   */
  threads?: number;
  /** Multiply-adds below which a product runs in the calling thread (default 5e7: worker hand-off ~ms). */
  parallelThreshold?: number;
  /**
   * Use the WebAssembly SIMD Gram product (default true, unless SOAPGPR_NO_SIMD=1 is set or the runtime has no
   * WebAssembly SIMD); false: the scalar GEMM only.
   */
  simd?: boolean;
  /** Multiply-adds below which a product uses the scalar GEMM even with `simd` (default SIMD_MIN_FMA = 2.5e5). */
  simdMinFma?: number;
}

function checkLen(name: string, arr: Float64Array, expected: number): void {
  if (arr.length < expected) {
    throw new EngineError(
      "ShapeMismatch",
      `${name} has ${arr.length} values, expected at least ${expected}`,
      {
        field: name,
      },
    );
  }
}

export class CpuBackend implements ComputeBackend {
  readonly name = "cpu";
  readonly precision = "float64" as const;
  readonly threads: number;
  /** Whether A·Bᵀ products go through the WebAssembly SIMD kernel (see CpuBackendOptions.simd). */
  readonly simd: boolean;
  private readonly threshold: number;
  private readonly simdMinFma: number;
  private pool: GemmPool | null = null;
  private readonly ownPool: boolean;

  constructor(options: CpuBackendOptions = {}) {
    const env = Number(process.env.SOAPGPR_THREADS ?? "2");
    const t = options.threads ?? (Number.isFinite(env) && env >= 1 ? env : 2);
    this.threads = Math.max(1, Math.floor(t));
    this.threshold = options.parallelThreshold ?? 5e7;
    this.simd = options.simd !== false && simdGemmAvailable();
    this.simdMinFma = options.simdMinFma ?? SIMD_MIN_FMA;
    this.ownPool = options.threads !== undefined && this.threads !== sharedGemmPool().threads;
  }

  private getPool(): GemmPool {
    if (!this.pool) this.pool = this.ownPool ? new GemmPool(this.threads) : sharedGemmPool();
    return this.pool;
  }

  /**
   * out (rows×cols) = A·Bᵀ, A rows×f, B cols×f; threaded when large. `symmetric`: B is the same rows as A, so the
   * SIMD path multiplies the upper triangle only and mirrors it exactly.
   */
  async abt(
    a: Float64Array,
    rows: number,
    b: Float64Array,
    cols: number,
    f: number,
    symmetric = false,
  ): Promise<Float64Array> {
    if (this.simd && rows * cols * f >= this.simdMinFma) {
      const sym = symmetric && rows === cols;
      const g = await simdGram(a, 0, rows, b, 0, cols, f, sym, this.threads, this.threshold);
      if (g) return g; // null: SIMD disabled since construction, f = 0 or too large → scalar GEMM
    }
    const out = new Float64Array(rows * cols);
    if (this.threads > 1 && rows * cols * f >= this.threshold) {
      await this.getPool().gemm(false, true, rows, cols, f, 1, a, 0, f, b, 0, f, 0, out, 0, cols);
    } else {
      gemmKernel(false, true, rows, cols, f, 1, a, 0, f, b, 0, f, 0, out, 0, cols);
    }
    return out;
  }

  async gram(
    a: Float64Array,
    n: number,
    b: Float64Array,
    m: number,
    f: number,
    symmetric = false,
  ): Promise<Float64Array> {
    checkLen("a", a, n * f);
    checkLen("b", b, m * f);
    return this.abt(a, n, b, m, f, symmetric);
  }

  dispose(): void {
    if (this.pool && this.ownPool) this.pool.dispose();
    this.pool = null;
  }
}
