/**
 * Magnetic-shielding observables (ppm) from a Cartesian shielding tensor (row-major 9 numbers). Eigenvalues are
 * those of the symmetric part.
 *
 * Haeberlen: |σzz − σiso| ≥ |σxx − σiso| ≥ |σyy − σiso|; reduced anisotropy ζ = σzz − σiso, anisotropy
 * Δ = σzz − (σxx + σyy)/2 = 3ζ/2, asymmetry η = (σyy − σxx)/ζ ∈ [0, 1].
 * Maryland: σ11 ≤ σ22 ≤ σ33, span Ω = σ33 − σ11 ≥ 0, skew κ = 3(σiso − σ22)/Ω ∈ [−1, 1] (the shielding form,
 * equal to the chemical-shift form 3(δ22 − δiso)/Ω; Soprano's `skew` uses 3(σ22 − σiso)/Ω, i.e. the opposite
 * sign for shielding tensors).
 * Degenerate cases: ζ = 0 → η = 0; Ω = 0 → κ = 0 (no NaN).
 */
import { eigenOrder, eigSym3 } from "./eigen.js";

export interface MsParams {
  iso: number;
  /** reduced anisotropy ζ */
  zeta: number;
  /** anisotropy Δ = 3ζ/2 */
  delta: number;
  /** Haeberlen asymmetry */
  eta: number;
  /** span Ω */
  span: number;
  /** skew κ */
  skew: number;
  /** Haeberlen principal values σxx, σyy, σzz */
  haeberlen: [number, number, number];
  /** Maryland principal values σ11 ≤ σ22 ≤ σ33 */
  maryland: [number, number, number];
}

export function msParams(t: ArrayLike<number>, off: number): MsParams {
  const s = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) s[i * 3 + j] = 0.5 * (t[off + i * 3 + j]! + t[off + j * 3 + i]!);
  }
  const w = new Float64Array(3);
  const v = new Float64Array(9);
  eigSym3(s, 0, w, v);
  const iso = (t[off]! + t[off + 4]! + t[off + 8]!) / 3;
  const h = eigenOrder(w, "haeberlen");
  const m = eigenOrder(w, "increasing");
  const sxx = w[h[0]]!;
  const syy = w[h[1]]!;
  const szz = w[h[2]]!;
  const s11 = w[m[0]]!;
  const s22 = w[m[1]]!;
  const s33 = w[m[2]]!;
  const zeta = szz - iso;
  let eta = zeta === 0 ? 0 : (syy - sxx) / zeta;
  eta = Math.max(0, Math.min(1, eta)); // round-off only
  const span = s33 - s11;
  let skew = span === 0 ? 0 : (3 * (iso - s22)) / span;
  skew = Math.max(-1, Math.min(1, skew));
  return {
    iso,
    zeta,
    delta: 1.5 * zeta,
    eta,
    span,
    skew,
    haeberlen: [sxx, syy, szz],
    maryland: [s11, s22, s33],
  };
}
