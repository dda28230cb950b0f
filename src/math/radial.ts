import { inverseSqrtSym } from "./symeig.js";

/**
 * GTO radial basis (TENSOAP / librascal definition) and its analytic integrals against a Gaussian density.
 *
 *   g_n(r) = N_n r^n exp(−r²/(2σ_n²)),  σ_n = rc·max(√n, 1)/nmax,  N_n = √(2 / (Γ(n+3/2) σ_n^(2n+3))),  n = 0..nmax−1
 *
 * orthonormalised on [0, ∞) with the Löwdin matrix W = S^(−1/2), S_nn' = ∫ r² g_n g_n' dr.
 *
 * Radial integral of a Gaussian of width σ centred at distance r_j (times 4π Y*(r̂_j), not included here):
 *   I_nl(r_j) = ∫ r² g_n(r) e^(−(r²+r_j²)/(2σ²)) i_l(r r_j/σ²) dr
 *             = N_n √π Γ(c) / (2^(l+2) a^c Γ(l+3/2)) · b^l e^(−r_j²/(2σ²)) · ₁F₁(c; l+3/2; b²/(4a)),
 *   a = 1/(2σ²) + 1/(2σ_n²), b = r_j/σ², c = (n+l+3)/2     (i_l: modified spherical Bessel function).
 */
export interface GtoBasis {
  readonly nmax: number;
  readonly lmax: number;
  readonly cutoff: number;
  readonly sigma: number;
  readonly sigmaN: Float64Array;
  readonly normN: Float64Array;
  /** Löwdin matrix S^(−1/2), nmax × nmax row-major: orthonormal φ_n = Σ_n' W[n,n'] g_n'. */
  readonly lowdin: Float64Array;
  /** Overlap S of the primitive GTOs. */
  readonly overlap: Float64Array;
}

export function logGamma(x: number): number {
  // Lanczos (g=7, n=9), relative accuracy ~1e-15 for x > 0
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const xx = x - 1;
  let a = c[0]!;
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

export function gtoBasis(nmax: number, lmax: number, cutoff: number, sigma: number): GtoBasis {
  const sigmaN = new Float64Array(nmax);
  const normN = new Float64Array(nmax);
  for (let n = 0; n < nmax; n++) {
    sigmaN[n] = (cutoff * Math.max(Math.sqrt(n), 1)) / nmax;
    normN[n] = Math.sqrt(2 / Math.exp(logGamma(n + 1.5) + (2 * n + 3) * Math.log(sigmaN[n]!)));
  }
  const overlap = new Float64Array(nmax * nmax);
  for (let n = 0; n < nmax; n++) {
    for (let k = 0; k < nmax; k++) {
      const alpha = 1 / (2 * sigmaN[n]! ** 2) + 1 / (2 * sigmaN[k]! ** 2);
      const p = (n + k + 3) / 2;
      overlap[n * nmax + k] = normN[n]! * normN[k]! * 0.5 * Math.exp(logGamma(p) - p * Math.log(alpha));
    }
  }
  return { nmax, lmax, cutoff, sigma, sigmaN, normN, overlap, lowdin: inverseSqrtSym(overlap, nmax) };
}

/**
 * Kummer's ₁F₁(c; d; x) for x ≥ 0 multiplied by e^(−shift), by its (all-positive) power series with
 * rescaling against overflow.
 */
export function hyp1f1Scaled(c: number, d: number, x: number, shift: number): number {
  let t = 1;
  let s = 1;
  let logScale = 0;
  for (let k = 0; k < 100000; k++) {
    t *= ((c + k) * x) / ((d + k) * (k + 1));
    s += t;
    if (t < 1e-17 * s && k > x) break;
    if (s > 1e250) {
      s *= 1e-250;
      t *= 1e-250;
      logScale += 250 * Math.LN10;
    }
  }
  return s * Math.exp(logScale - shift);
}

/** Precomputed constants for the primitive radial integrals I_nl(r) of one GtoBasis. */
export class GtoRadialIntegrals {
  readonly basis: GtoBasis;
  private readonly pref: Float64Array; // (n,l)
  private readonly aN: Float64Array;

  constructor(basis: GtoBasis) {
    this.basis = basis;
    const { nmax, lmax, sigma, sigmaN, normN } = basis;
    this.pref = new Float64Array(nmax * (lmax + 1));
    this.aN = new Float64Array(nmax);
    for (let n = 0; n < nmax; n++) {
      const a = 1 / (2 * sigma * sigma) + 1 / (2 * sigmaN[n]! ** 2);
      this.aN[n] = a;
      for (let l = 0; l <= lmax; l++) {
        const c = (n + l + 3) / 2;
        this.pref[n * (lmax + 1) + l] =
          normN[n]! *
          Math.exp(
            0.5 * Math.log(Math.PI) + logGamma(c) - (l + 2) * Math.LN2 - c * Math.log(a) - logGamma(l + 1.5),
          );
      }
    }
  }

  /** out[n*(lmax+1)+l] = I_nl(r) (primitive GTOs), and if dout is given its derivative dI_nl/dr. */
  evaluate(r: number, out: Float64Array, dout?: Float64Array): void {
    const { nmax, lmax, sigma } = this.basis;
    const s2 = sigma * sigma;
    const b = r / s2;
    const E = (r * r) / (2 * s2);
    for (let n = 0; n < nmax; n++) {
      const a = this.aN[n]!;
      const x = (b * b) / (4 * a);
      let bl = 1; // b^l
      let blm1 = 0; // b^(l−1) (0 for l = 0)
      for (let l = 0; l <= lmax; l++) {
        const c = (n + l + 3) / 2;
        const d = l + 1.5;
        const m0 = hyp1f1Scaled(c, d, x, E);
        const k = this.pref[n * (lmax + 1) + l]!;
        out[n * (lmax + 1) + l] = k * bl * m0;
        if (dout) {
          // d/dr [b^l e^(−E) M(c;d;x)] with b = r/σ², E = r²/(2σ²), x = b²/(4a), dM/dx = (c/d) M(c+1;d+1;x)
          const m1 = hyp1f1Scaled(c + 1, d + 1, x, E);
          dout[n * (lmax + 1) + l] =
            k * ((l * blm1 * m0) / s2 - (r / s2) * bl * m0 + bl * (c / d) * m1 * (b / (2 * a * s2)));
        }
        blm1 = bl;
        bl *= b;
      }
    }
  }
}
