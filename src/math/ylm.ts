/**
 * Real spherical harmonics, orthonormal on the unit sphere, ordered m = −l..l at index l² + l + m.
 *
 * Y_{l0} = N_l0 P_l(z); Y_{l,m>0} = √2 N_lm P_l^m(cos θ) cos mφ; Y_{l,−m} = √2 N_lm P_l^m(cos θ) sin mφ, with
 * N_lm = √((2l+1)/(4π) (l−m)!/(l+m)!) and P_l^m WITHOUT the Condon–Shortley phase, so that
 * Y_{1,−1..1} ∝ (y, z, x) and Y_{2,−2..2} ∝ (xy, yz, (3z²−r²)/(2√3), xz, (x²−y²)/2): the same order and signs as
 * the T1/T2 spherical components of DESIGN.md.
 */
export class RealYlm {
  readonly lmax: number;
  /** number of (l,m) values, (lmax+1)² */
  readonly size: number;
  private readonly norm: Float64Array; // index l*(lmax+1)+m, m ≥ 0 (includes √2 for m > 0)
  private readonly pbar: Float64Array; // scratch (lmax+1)²
  private readonly cm: Float64Array;
  private readonly sm: Float64Array;

  constructor(lmax: number) {
    if (!Number.isInteger(lmax) || lmax < 0 || lmax > 60) throw new RangeError(`lmax out of range: ${lmax}`);
    this.lmax = lmax;
    this.size = (lmax + 1) * (lmax + 1);
    const L = lmax + 1;
    this.norm = new Float64Array(L * L);
    for (let l = 0; l <= lmax; l++) {
      for (let m = 0; m <= l; m++) {
        // (l−m)!/(l+m)! computed as a product to stay accurate
        let ratio = 1;
        for (let k = l - m + 1; k <= l + m; k++) ratio /= k;
        this.norm[l * L + m] = Math.sqrt(((2 * l + 1) / (4 * Math.PI)) * ratio) * (m > 0 ? Math.SQRT2 : 1);
      }
    }
    this.pbar = new Float64Array(L * L);
    this.cm = new Float64Array(L);
    this.sm = new Float64Array(L);
  }

  /** Fill out[offset + l² + l + m] with Y_lm(x, y, z); (x, y, z) must be a unit vector. */
  compute(x: number, y: number, z: number, out: Float64Array, offset = 0): void {
    const lmax = this.lmax;
    const L = lmax + 1;
    const P = this.pbar;
    const C = this.cm;
    const S = this.sm;
    C[0] = 1;
    S[0] = 0;
    for (let m = 1; m <= lmax; m++) {
      C[m] = x * C[m - 1]! - y * S[m - 1]!;
      S[m] = x * S[m - 1]! + y * C[m - 1]!;
    }
    // P̄_l^m(z) = P_l^m(z) / sin^m θ (no Condon–Shortley phase); stored at m*L + l
    let dfact = 1; // (2m−1)!!
    for (let m = 0; m <= lmax; m++) {
      if (m > 0) dfact *= 2 * m - 1;
      const base = m * L;
      P[base + m] = dfact;
      if (m + 1 <= lmax) P[base + m + 1] = (2 * m + 1) * z * dfact;
      for (let l = m + 2; l <= lmax; l++) {
        P[base + l] = ((2 * l - 1) * z * P[base + l - 1]! - (l + m - 1) * P[base + l - 2]!) / (l - m);
      }
    }
    for (let l = 0; l <= lmax; l++) {
      const c = offset + l * l + l;
      out[c] = this.norm[l * L]! * P[l]!;
      for (let m = 1; m <= l; m++) {
        const v = this.norm[l * L + m]! * P[m * L + l]!;
        out[c + m] = v * C[m]!;
        out[c - m] = v * S[m]!;
      }
    }
  }
}
