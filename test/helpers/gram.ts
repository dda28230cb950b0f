/**
 * The kernels the backends used to fold themselves (gramScalar / gramTensor), written through the one kernel path:
 * the backend's raw product A·Bᵀ, then the shared ζ fold of src/soap/envKernel.ts. A product of an array with
 * itself is passed as symmetric, as the kernel path does for a feature set with itself.
 */
import type { ComputeBackend } from "../../src/backend/types.js";
import { foldZeta } from "../../src/soap/envKernel.js";

/** (a_i·b_j)^ζ, n × m. */
export async function gramScalar(
  be: ComputeBackend,
  a: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  f: number,
  zeta: number,
): Promise<Float64Array> {
  const g = await be.gram(a, n, b, m, f, a === b && n === m);
  return foldZeta({ lambda: 0, c: 1, nr: n, nc: m, k0: g, kl: null }, zeta);
}

/** k0[i·m+j]^(ζ−1) (A_i B_jᵀ)_μν in the (n·c) × (m·c) layout; k0 may be null for ζ = 1. */
export async function gramTensor(
  be: ComputeBackend,
  a: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  c: number,
  f: number,
  k0: Float64Array | null,
  zeta: number,
): Promise<Float64Array> {
  const g = await be.gram(a, n * c, b, m * c, f, a === b && n === m);
  return foldZeta({ lambda: (c - 1) / 2, c, nr: n, nc: m, k0, kl: g }, zeta);
}
