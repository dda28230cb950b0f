/**
 * Atomic kernels between environments, assembled through a ComputeBackend:
 *   λ=0: k(i,j) = (p_i·p_j)^ζ
 *   λ>0: K_μν(i,j) = (p⁰_i·p⁰_j)^(ζ−1) (P_i P_jᵀ)_μν      (Grisafi 2018; TENSOAP; Harper eq. 12)
 * Rows are (environment, μ) pairs, so a kernel between n and m environments is (n·c)×(m·c), c = 2λ+1.
 */
import type { ComputeBackend } from "../backend/types.js";
import { EngineError } from "../core/errors.js";

/** Features of a list of environments: the λ block (n × c × f) and the λ=0 block (n × f0, for ζ weighting). */
export interface EnvFeatures {
  readonly n: number;
  readonly lambda: number;
  /** 2λ+1 */
  readonly c: number;
  readonly f: number;
  readonly values: Float64Array;
  /** λ=0 features (n × f0) for λ>0 models; for λ=0 models the same as `values`. */
  readonly f0: number;
  readonly values0: Float64Array;
}

/** The environments at `idx` (in that order). */
export function subsetFeatures(x: EnvFeatures, idx: ArrayLike<number>): EnvFeatures {
  const n = idx.length;
  const w = x.c * x.f;
  const values = new Float64Array(n * w);
  const values0 = x.lambda === 0 ? values : new Float64Array(n * x.f0);
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    values.set(x.values.subarray(i * w, (i + 1) * w), k * w);
    if (x.lambda !== 0) values0.set(x.values0.subarray(i * x.f0, (i + 1) * x.f0), k * x.f0);
  }
  return { ...x, n, values, values0 };
}

function checkCompatible(a: EnvFeatures, b: EnvFeatures): void {
  if (a.lambda !== b.lambda || a.f !== b.f || a.f0 !== b.f0) {
    throw new EngineError(
      "ShapeMismatch",
      `feature blocks do not match (λ ${a.lambda}/${b.lambda}, F ${a.f}/${b.f}, F0 ${a.f0}/${b.f0}): ` +
        "were they computed with the same hypers and species channels?",
    );
  }
}

/** (n_a·c) × (n_b·c) kernel matrix, row-major. */
export async function kernelMatrix(
  backend: ComputeBackend,
  a: EnvFeatures,
  b: EnvFeatures,
  zeta: number,
): Promise<Float64Array> {
  checkCompatible(a, b);
  if (a.lambda === 0) return backend.gramScalar(a.values, a.n, b.values, b.n, a.f, zeta);
  const k0 = zeta === 1 ? null : await backend.gramScalar(a.values0, a.n, b.values0, b.n, a.f0, 1);
  return backend.gramTensor(a.values, a.n, b.values, b.n, a.c, a.f, k0, zeta);
}

/** Prior blocks K(i,i) (n × c × c), computed directly in float64. */
export function kernelDiagBlocks(a: EnvFeatures, zeta: number): Float64Array {
  const { n, c, f, f0 } = a;
  const out = new Float64Array(n * c * c);
  for (let i = 0; i < n; i++) {
    let s0 = 0;
    const o0 = i * f0;
    for (let p = 0; p < f0; p++) s0 += a.values0[o0 + p]! * a.values0[o0 + p]!;
    const base = i * c * f;
    if (a.lambda === 0) {
      out[i] = s0 ** zeta;
      continue;
    }
    const w = zeta === 1 ? 1 : s0 ** (zeta - 1);
    for (let mu = 0; mu < c; mu++) {
      for (let nu = 0; nu <= mu; nu++) {
        let s = 0;
        const om = base + mu * f;
        const on = base + nu * f;
        for (let p = 0; p < f; p++) s += a.values[om + p]! * a.values[on + p]!;
        out[i * c * c + mu * c + nu] = w * s;
        out[i * c * c + nu * c + mu] = w * s;
      }
    }
  }
  return out;
}
