import type { GtoRadialIntegrals } from "./radial.js";

/**
 * Cubic Hermite splines (values and exact derivatives at the knots) of the Löwdin-orthonormalised radial
 * integrals R_nl(r) = Σ_n' W[n,n'] I_n'l(r) on a uniform grid over [0, rmax]. The grid is refined until the
 * largest error at the interval midpoints (the worst place for a Hermite cubic) is ≤ accuracy · max|R_nl| for
 * every (n, l). Evaluation: one interval search, then 4 multiply-adds per (n, l).
 */
export class RadialSpline {
  readonly nmax: number;
  readonly lmax: number;
  readonly rmax: number;
  readonly nIntervals: number;
  /** achieved relative accuracy (max over n,l of midpoint error / max|R_nl|) */
  readonly accuracy: number;
  private readonly invH: number;
  /** coefficients [interval][l][n][4] for t ∈ [0,1): c0 + t(c1 + t(c2 + t c3)) */
  private readonly coef: Float64Array;

  constructor(integrals: GtoRadialIntegrals, rmax: number, accuracy = 1e-8) {
    const { nmax, lmax, sigma, lowdin } = integrals.basis;
    this.nmax = nmax;
    this.lmax = lmax;
    this.rmax = rmax;
    const NL = nmax * (lmax + 1);
    const prim = new Float64Array(NL);
    const dprim = new Float64Array(NL);
    // orthonormal values in [l][n] order
    const evalOrth = (r: number, v: Float64Array, dv: Float64Array, off: number): void => {
      integrals.evaluate(r, prim, dprim);
      for (let l = 0; l <= lmax; l++) {
        for (let n = 0; n < nmax; n++) {
          let s = 0;
          let ds = 0;
          for (let k = 0; k < nmax; k++) {
            s += lowdin[n * nmax + k]! * prim[k * (lmax + 1) + l]!;
            ds += lowdin[n * nmax + k]! * dprim[k * (lmax + 1) + l]!;
          }
          v[off + l * nmax + n] = s;
          dv[off + l * nmax + n] = ds;
        }
      }
    };
    let nInt = Math.max(16, Math.ceil((rmax / sigma) * 8));
    let coef = new Float64Array(0);
    let achieved = Number.POSITIVE_INFINITY;
    const mid = new Float64Array(NL);
    const dmid = new Float64Array(NL);
    for (let iter = 0; iter < 12; iter++) {
      const h = rmax / nInt;
      const v = new Float64Array((nInt + 1) * NL);
      const dv = new Float64Array((nInt + 1) * NL);
      for (let i = 0; i <= nInt; i++) evalOrth(i * h, v, dv, i * NL);
      coef = new Float64Array(nInt * NL * 4);
      for (let i = 0; i < nInt; i++) {
        for (let k = 0; k < NL; k++) {
          const y0 = v[i * NL + k]!;
          const y1 = v[(i + 1) * NL + k]!;
          const m0 = dv[i * NL + k]! * h;
          const m1 = dv[(i + 1) * NL + k]! * h;
          const o = (i * NL + k) * 4;
          coef[o] = y0;
          coef[o + 1] = m0;
          coef[o + 2] = 3 * (y1 - y0) - 2 * m0 - m1;
          coef[o + 3] = 2 * (y0 - y1) + m0 + m1;
        }
      }
      const maxAbs = new Float64Array(NL);
      for (let i = 0; i <= nInt; i++)
        for (let k = 0; k < NL; k++) maxAbs[k] = Math.max(maxAbs[k]!, Math.abs(v[i * NL + k]!));
      const err = new Float64Array(NL);
      for (let i = 0; i < nInt; i++) {
        evalOrth((i + 0.5) * h, mid, dmid, 0);
        for (let k = 0; k < NL; k++) {
          const o = (i * NL + k) * 4;
          const s = coef[o]! + 0.5 * (coef[o + 1]! + 0.5 * (coef[o + 2]! + 0.5 * coef[o + 3]!));
          err[k] = Math.max(err[k]!, Math.abs(s - mid[k]!));
        }
      }
      achieved = 0;
      for (let k = 0; k < NL; k++) achieved = Math.max(achieved, maxAbs[k]! > 0 ? err[k]! / maxAbs[k]! : 0);
      if (achieved <= accuracy) break;
      nInt *= 2;
    }
    this.nIntervals = nInt;
    this.invH = nInt / rmax;
    this.coef = coef;
    this.accuracy = achieved;
  }

  /** out[l*nmax + n] = R_nl(r) for 0 ≤ r ≤ rmax. */
  evaluate(r: number, out: Float64Array): void {
    const NL = this.nmax * (this.lmax + 1);
    let x = r * this.invH;
    let i = Math.floor(x);
    if (i >= this.nIntervals) i = this.nIntervals - 1;
    if (i < 0) i = 0;
    x -= i;
    const c = this.coef;
    let o = i * NL * 4;
    for (let k = 0; k < NL; k++, o += 4) {
      out[k] = c[o]! + x * (c[o + 1]! + x * (c[o + 2]! + x * c[o + 3]!));
    }
  }
}
