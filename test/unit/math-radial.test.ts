import { describe, expect, it } from "vitest";
import { gaussLegendre } from "../helpers/quadrature.js";
import { GtoRadialIntegrals, gtoBasis, hyp1f1Scaled, logGamma } from "../../src/math/radial.js";
import { RadialSpline } from "../../src/math/radialSpline.js";

function legendreP(l: number, x: number): number {
  let p0 = 1;
  if (l === 0) return 1;
  let p1 = x;
  for (let k = 2; k <= l; k++) {
    const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  return p1;
}

describe("special functions", () => {
  it("logGamma matches exact factorials and Γ(1/2) = √π", () => {
    let f = 1;
    for (let n = 1; n < 25; n++) {
      f *= n;
      expect(Math.abs(logGamma(n + 1) - Math.log(f))).toBeLessThan(1e-13 * Math.max(1, Math.log(f)));
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
  });
  it("₁F₁ closed forms: ₁F₁(a;a;x) = eˣ, ₁F₁(1;2;x) = (eˣ−1)/x, large x with the exponential shift", () => {
    for (const x of [0, 0.3, 5, 40, 300]) {
      expect(hyp1f1Scaled(2.5, 2.5, x, x)).toBeCloseTo(1, 12);
      if (x > 0) expect(hyp1f1Scaled(1, 2, x, x) / ((1 - Math.exp(-x)) / x)).toBeCloseTo(1, 12);
    }
    // overflow-safe: ₁F₁(1;2;1000) e^(−1000) = (1 − e^(−1000))/1000
    expect(hyp1f1Scaled(1, 2, 1000, 1000) * 1000).toBeCloseTo(1, 12);
  });
});

describe("GTO basis and radial integrals", () => {
  const nmax = 6;
  const lmax = 5;
  const rc = 4;
  const sigma = 0.4;
  const basis = gtoBasis(nmax, lmax, rc, sigma);
  const ints = new GtoRadialIntegrals(basis);
  const gl = gaussLegendre(200);
  const g = (n: number, r: number) =>
    basis.normN[n]! * r ** n * Math.exp(-(r * r) / (2 * basis.sigmaN[n]! ** 2));

  it("primitives are normalised and the Löwdin basis is orthonormal (radial quadrature)", () => {
    const R = 12; // GTOs are < 1e-30 beyond 12 Å for rc = 4
    const S = new Float64Array(nmax * nmax);
    for (let k = 0; k < gl.x.length; k++) {
      const r = (R * (gl.x[k]! + 1)) / 2;
      const w = (R / 2) * gl.w[k]!;
      for (let a = 0; a < nmax; a++)
        for (let b = 0; b < nmax; b++) S[a * nmax + b]! += w * r * r * g(a, r) * g(b, r);
    }
    for (let a = 0; a < nmax; a++) {
      expect(S[a * nmax + a]).toBeCloseTo(1, 12);
      for (let b = 0; b < nmax; b++)
        expect(Math.abs(S[a * nmax + b]! - basis.overlap[a * nmax + b]!)).toBeLessThan(1e-12);
    }
    // W S W = 1
    const W = basis.lowdin;
    for (let a = 0; a < nmax; a++)
      for (let b = 0; b < nmax; b++) {
        let s = 0;
        for (let i = 0; i < nmax; i++)
          for (let j = 0; j < nmax; j++) s += W[a * nmax + i]! * S[i * nmax + j]! * W[j * nmax + b]!;
        expect(Math.abs(s - (a === b ? 1 : 0))).toBeLessThan(1e-10);
      }
  });

  it("analytic ₁F₁ integrals equal a direct 2-D quadrature of the Gaussian density", () => {
    // I_nl(r_j) = ½ ∫ r² g_n(r) ∫_{-1}^{1} P_l(x) exp(−|r − r_j ẑ|²/(2σ²)) dx dr
    const out = new Float64Array(nmax * (lmax + 1));
    const gx = gaussLegendre(120);
    for (const rj of [0, 0.7, 1.9, 3.6]) {
      ints.evaluate(rj, out);
      const R0 = Math.max(0, rj - 8 * sigma);
      const R1 = rj + 8 * sigma;
      for (let n = 0; n < nmax; n++)
        for (let l = 0; l <= lmax; l++) {
          let s = 0;
          for (let a = 0; a < gl.x.length; a++) {
            const r = R0 + ((R1 - R0) * (gl.x[a]! + 1)) / 2;
            let inner = 0;
            for (let b = 0; b < gx.x.length; b++) {
              const x = gx.x[b]!;
              inner +=
                gx.w[b]! *
                legendreP(l, x) *
                Math.exp(-(r * r + rj * rj - 2 * r * rj * x) / (2 * sigma * sigma));
            }
            s += ((R1 - R0) / 2) * gl.w[a]! * r * r * g(n, r) * inner;
          }
          s *= 0.5;
          const v = out[n * (lmax + 1) + l]!;
          // quadrature converged to ~1e-13 relative of the l=0 value
          expect(Math.abs(v - s)).toBeLessThan(1e-11 * Math.abs(out[n * (lmax + 1)]!) + 1e-300);
        }
    }
  });

  it("analytic derivatives match central differences", () => {
    const a = new Float64Array(nmax * (lmax + 1));
    const b = new Float64Array(nmax * (lmax + 1));
    const d = new Float64Array(nmax * (lmax + 1));
    for (const r of [0.01, 1.1, 3.3]) {
      const h = 1e-5;
      ints.evaluate(r, a, d); // d = analytic derivative at r
      ints.evaluate(r + h, a);
      ints.evaluate(r - h, b);
      for (let k = 0; k < a.length; k++) {
        const fd = (a[k]! - b[k]!) / (2 * h);
        // central difference error ~h²·f''' ≈ 1e-10·scale
        expect(Math.abs(fd - d[k]!)).toBeLessThan(1e-7 * (Math.abs(d[k]!) + 1e-3));
      }
    }
  });

  it("splines of the orthonormal integrals reach the requested 1e-8 relative accuracy", () => {
    const sp = new RadialSpline(ints, rc, 1e-8);
    expect(sp.accuracy).toBeLessThanOrEqual(1e-8);
    const exact = new Float64Array(nmax * (lmax + 1));
    const s = new Float64Array(nmax * (lmax + 1));
    const maxAbs = new Float64Array(nmax * (lmax + 1));
    const rs = Array.from({ length: 400 }, (_, i) => (rc * (i + 0.37)) / 400);
    const vals = rs.map((r) => {
      ints.evaluate(r, exact);
      const o = new Float64Array(nmax * (lmax + 1));
      for (let l = 0; l <= lmax; l++)
        for (let n = 0; n < nmax; n++) {
          let t = 0;
          for (let k = 0; k < nmax; k++) t += basis.lowdin[n * nmax + k]! * exact[k * (lmax + 1) + l]!;
          o[l * nmax + n] = t;
          maxAbs[l * nmax + n] = Math.max(maxAbs[l * nmax + n]!, Math.abs(t));
        }
      return o;
    });
    rs.forEach((r, i) => {
      sp.evaluate(r, s);
      for (let k = 0; k < s.length; k++)
        expect(Math.abs(s[k]! - vals[i]![k]!)).toBeLessThanOrEqual(1.5e-8 * maxAbs[k]!);
    });
  });
});
