/**
 * Kernel assembly backends. The CPU backend (float64) is the reference; the gpu.js backend (float32)
 * may only assemble Gram matrices — all solves stay float64 on the CPU.
 *
 * Matrices are row-major Float64Array.
 */
export interface ComputeBackend {
  readonly name: string;
  /** Arithmetic used for the Gram matrices this backend returns. */
  readonly precision: "float64" | "float32";
  /**
   * Scalar (λ=0) Gram matrix: out[i*m + j] = (a_i · b_j)^zeta.
   * a: n x f, b: m x f (features already normalised).
   */
  gramScalar(
    a: Float64Array,
    n: number,
    b: Float64Array,
    m: number,
    f: number,
    zeta: number,
  ): Promise<Float64Array>;
  /**
   * Tensor (λ>0) Gram matrix, out: (n*c) x (m*c) with out[(i*c+μ)*(m*c) + j*c+ν] = k0[i*m+j]^(zeta−1) · (A_i B_jᵀ)_μν,
   * where A_i = a[i*c*f .. (i+1)*c*f) is a c x f matrix (c = 2λ+1), likewise B_j.
   * k0 (n x m) holds the λ=0 dot products a0_i·b0_j (NOT raised to any power); it is ignored when zeta = 1.
   */
  gramTensor(
    a: Float64Array,
    n: number,
    b: Float64Array,
    m: number,
    c: number,
    f: number,
    k0: Float64Array | null,
    zeta: number,
  ): Promise<Float64Array>;
  /** Release workers / GPU resources. */
  dispose(): void;
}
