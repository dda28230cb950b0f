/**
 * The λ=0 fast path of the λ-SOAP descriptor (lambdaSoap.ts): the power spectrum straight from the spherical
 * expansion, in the same symmetric-half layout as LambdaCoupling(0), and the per-environment normalisation.
 */

/**
 * Power spectrum (λ=0) directly from the expansion: p_l(A ≤ B) = w_AB Σ_m X[lm,A] X[lm,B] / √(2l+1),
 * w = √2 for A < B — the same layout and values as LambdaCoupling(0).
 */
export function powerSpectrum(
  X: Float64Array,
  xOff: number,
  lmax: number,
  K: number,
  out: Float64Array,
  outOff: number,
): void {
  const T = (K * (K + 1)) / 2;
  for (let l = 0; l <= lmax; l++) {
    const o0 = outOff + l * T;
    out.fill(0, o0, o0 + T);
    const w = Math.SQRT2 / Math.sqrt(2 * l + 1);
    for (let m = 0; m < 2 * l + 1; m++) {
      const r = xOff + (l * l + m) * K;
      // rank-1 update of the upper triangle, rows A and A+1 together (row A starts at B = A)
      let oa = o0;
      let A = 0;
      for (; A + 1 < K; A += 2) {
        const t0 = w * X[r + A]!;
        const t1 = w * X[r + A + 1]!;
        const base0 = oa - A;
        const base1 = oa + (K - A) - (A + 1);
        out[base0 + A]! += t0 * X[r + A]!;
        for (let B = A + 1; B < K; B++) {
          const xb = X[r + B]!;
          out[base0 + B]! += t0 * xb;
          out[base1 + B]! += t1 * xb;
        }
        oa += 2 * (K - A) - 1;
      }
      if (A < K) out[oa]! += w * X[r + A]! * X[r + A]!;
    }
    // the diagonal A = B carries weight 1, not √2
    let o = o0;
    for (let A = 0; A < K; A++) {
      out[o]! *= Math.SQRT1_2;
      o += K - A;
    }
  }
}

/** Normalise one environment: λ=0 unit norm; λ>0 ‖P Pᵀ‖_F = 1 (P is nc × F). */
export function normalizeEnvironment(P: Float64Array, off: number, nc: number, F: number): void {
  let scale: number;
  if (nc === 1) {
    let s = 0;
    for (let p = 0; p < F; p++) s += P[off + p]! * P[off + p]!;
    scale = s > 0 ? 1 / Math.sqrt(s) : 0;
  } else {
    let fro = 0;
    for (let a = 0; a < nc; a++) {
      for (let b = a; b < nc; b++) {
        const oa = off + a * F;
        const ob = off + b * F;
        // four independent partial sums (shorter dependency chains)
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let p = 0;
        for (; p + 3 < F; p += 4) {
          s0 += P[oa + p]! * P[ob + p]!;
          s1 += P[oa + p + 1]! * P[ob + p + 1]!;
          s2 += P[oa + p + 2]! * P[ob + p + 2]!;
          s3 += P[oa + p + 3]! * P[ob + p + 3]!;
        }
        for (; p < F; p++) s0 += P[oa + p]! * P[ob + p]!;
        const s = s0 + s1 + s2 + s3;
        fro += a === b ? s * s : 2 * s * s;
      }
    }
    fro = Math.sqrt(fro);
    scale = fro > 0 ? 1 / Math.sqrt(fro) : 0;
  }
  for (let p = 0; p < nc * F; p++) P[off + p]! *= scale;
}
