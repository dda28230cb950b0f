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
   * Raw Gram product out (n × m) = A·Bᵀ, out[i*m + j] = a_i · b_j, with a: n × f and b: m × f row-major. No ζ power:
   * kernels are folded from these products by the one ζ fold of src/soap/envKernel.ts. `symmetric`: b holds the
   * same rows as a (a product of a set with itself); the backend may then multiply only the upper triangle and
   * mirror it exactly.
   */
  gram(
    a: Float64Array,
    n: number,
    b: Float64Array,
    m: number,
    f: number,
    symmetric?: boolean,
  ): Promise<Float64Array>;
  /** Release workers / GPU resources. */
  dispose(): void;
}
