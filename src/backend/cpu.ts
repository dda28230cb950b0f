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

  /** out (rows×cols) = A·Bᵀ, A rows×f, B cols×f; threaded when large. */
  async abt(a: Float64Array, rows: number, b: Float64Array, cols: number, f: number): Promise<Float64Array> {
    if (this.simd && rows * cols * f >= this.simdMinFma) {
      // the same rows (same array, or views of the same memory): upper triangle only, mirrored exactly
      const sym = rows === cols && (a === b || (a.buffer === b.buffer && a.byteOffset === b.byteOffset));
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

  async gramScalar(
    a: Float64Array,
    n: number,
    b: Float64Array,
    m: number,
    f: number,
    zeta: number,
  ): Promise<Float64Array> {
    checkLen("a", a, n * f);
    checkLen("b", b, m * f);
    const out = await this.abt(a, n, b, m, f);
    if (zeta !== 1) {
      if (zeta === 2) {
        for (let i = 0; i < out.length; i++) out[i] *= out[i];
      } else {
        for (let i = 0; i < out.length; i++) out[i] = out[i] ** zeta;
      }
    }
    return out;
  }

  async gramTensor(
    a: Float64Array,
    n: number,
    b: Float64Array,
    m: number,
    c: number,
    f: number,
    k0: Float64Array | null,
    zeta: number,
  ): Promise<Float64Array> {
    checkLen("a", a, n * c * f);
    checkLen("b", b, m * c * f);
    // Rows (i,μ) of A times rows (j,ν) of B: the (n·c)×(m·c) product is already in the documented layout.
    const out = await this.abt(a, n * c, b, m * c, f);
    if (zeta !== 1) {
      if (!k0) throw new EngineError("InvalidParameter", "gramTensor: k0 is required when zeta != 1");
      checkLen("k0", k0, n * m);
      const mc = m * c;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          const kk = k0[i * m + j];
          const s = zeta === 2 ? kk : kk ** (zeta - 1);
          for (let mu = 0; mu < c; mu++) {
            const o = (i * c + mu) * mc + j * c;
            for (let nu = 0; nu < c; nu++) out[o + nu] *= s;
          }
        }
      }
    }
    return out;
  }

  dispose(): void {
    if (this.pool && this.ownPool) this.pool.dispose();
    this.pool = null;
  }
}
