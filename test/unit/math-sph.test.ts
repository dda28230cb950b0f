import { describe, expect, it } from "vitest";
import { randomUnit } from "../helpers/equivariance.js";
import { gaussLegendre } from "../helpers/quadrature.js";
import { Rng } from "../../src/core/rng.js";
import { clebschGordan, realCgTable } from "../../src/math/clebsch.js";
import { realCG, realSphericalHarmonics } from "../../src/gnn/irreps.js";
import { solveGaussian } from "../../src/math/linalg.js";
import { wignerDReal } from "../../src/math/wigner.js";
import { RealYlm } from "../../src/math/ylm.js";
import { cartesianToT2, wignerD1, wignerD2 } from "../../src/nmr/spherical.js";

describe("real spherical harmonics", () => {
  const lmax = 8;
  const Y = new RealYlm(lmax);
  it("are orthonormal on the sphere (Gauss–Legendre × trapezoid quadrature, exact for these degrees)", () => {
    const { x, w } = gaussLegendre(20);
    const nphi = 40;
    const S = Y.size;
    const G = new Float64Array(S * S);
    const y = new Float64Array(S);
    for (let a = 0; a < x.length; a++) {
      const st = Math.sqrt(1 - x[a]! * x[a]!);
      for (let p = 0; p < nphi; p++) {
        const phi = (2 * Math.PI * p) / nphi;
        Y.compute(st * Math.cos(phi), st * Math.sin(phi), x[a]!, y);
        const wt = (w[a]! * 2 * Math.PI) / nphi;
        for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) G[i * S + j]! += wt * y[i]! * y[j]!;
      }
    }
    let err = 0;
    for (let i = 0; i < S; i++)
      for (let j = 0; j < S; j++) err = Math.max(err, Math.abs(G[i * S + j]! - (i === j ? 1 : 0)));
    // quadrature exact for polynomial degree ≤ 39 in cos θ and 39 in φ; only round-off remains
    expect(err).toBeLessThan(1e-13);
  });

  it("l=1 is (y, z, x)·√(3/4π) and l=2 follows DESIGN.md's T2 order and signs", () => {
    const rng = new Rng(11);
    const y = new Float64Array(Y.size);
    const t2 = new Float64Array(5);
    for (let k = 0; k < 20; k++) {
      let v = [rng.normal(), rng.normal(), rng.normal()];
      const n = Math.hypot(...v);
      v = v.map((c) => c / n);
      Y.compute(v[0]!, v[1]!, v[2]!, y);
      const c1 = Math.sqrt(3 / (4 * Math.PI));
      expect(y[1]).toBeCloseTo(c1 * v[1]!, 14);
      expect(y[2]).toBeCloseTo(c1 * v[2]!, 14);
      expect(y[3]).toBeCloseTo(c1 * v[0]!, 14);
      // T2 of the tensor r̂ r̂ᵀ: Y_2m(r̂) = √(15/(8π)) T2_m(r̂ r̂ᵀ) for every m (same order, same signs)
      const outer = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => v[i]! * v[j]!));
      cartesianToT2(outer, 0, t2, 0);
      for (let m = 0; m < 5; m++) expect(y[4 + m]).toBeCloseTo(Math.sqrt(15 / (8 * Math.PI)) * t2[m]!, 14);
    }
  });
});

describe("Clebsch–Gordan coefficients", () => {
  it("match textbook values", () => {
    expect(clebschGordan(1, 1, 1, -1, 0, 0)).toBeCloseTo(1 / Math.sqrt(3), 15);
    expect(clebschGordan(1, 0, 1, 0, 0, 0)).toBeCloseTo(-1 / Math.sqrt(3), 15);
    expect(clebschGordan(1, 0, 1, 0, 2, 0)).toBeCloseTo(Math.sqrt(2 / 3), 15);
    expect(clebschGordan(1, 1, 1, 0, 2, 1)).toBeCloseTo(Math.SQRT1_2, 15);
    expect(clebschGordan(2, 0, 2, 0, 0, 0)).toBeCloseTo(1 / Math.sqrt(5), 15);
    expect(clebschGordan(2, 1, 1, -1, 1, 0)).toBeCloseTo(Math.sqrt(3 / 10), 15);
  });

  it("real tables are orthonormal and couple Y_l1 Y_l2 into Y_λ (Gaunt)", () => {
    const lmax = 6;
    const Y = new RealYlm(2 * lmax);
    const rng = new Rng(5);
    const pts: Float64Array[] = [];
    for (let k = 0; k < 5; k++) {
      const v = [rng.normal(), rng.normal(), rng.normal()];
      const n = Math.hypot(...v);
      const out = new Float64Array(Y.size);
      Y.compute(v[0]! / n, v[1]! / n, v[2]! / n, out);
      pts.push(out);
    }
    for (let l1 = 0; l1 <= lmax; l1++)
      for (let l2 = 0; l2 <= lmax; l2++)
        for (let lam = Math.abs(l1 - l2); lam <= l1 + l2; lam++) {
          const t = realCgTable(l1, l2, lam);
          const d1 = 2 * l1 + 1;
          const d2 = 2 * l2 + 1;
          const dl = 2 * lam + 1;
          const dense = new Float64Array(dl * d1 * d2);
          for (let e = 0; e < t.nnz; e++) dense[(t.mu[e]! * d1 + t.m1[e]!) * d2 + t.m2[e]!] = t.value[e]!;
          for (let a = 0; a < dl; a++)
            for (let b = 0; b < dl; b++) {
              let s = 0;
              for (let k = 0; k < d1 * d2; k++) s += dense[a * d1 * d2 + k]! * dense[b * d1 * d2 + k]!;
              expect(Math.abs(s - (a === b ? 1 : 0))).toBeLessThan(1e-13);
            }
          if ((l1 + l2 + lam) % 2 !== 0) continue;
          const g =
            Math.abs(clebschGordan(l1, 0, l2, 0, lam, 0)) *
            Math.sqrt(((2 * l1 + 1) * (2 * l2 + 1)) / (4 * Math.PI * (2 * lam + 1)));
          for (const p of pts) {
            for (let mu = 0; mu < dl; mu++) {
              let s = 0;
              for (let a = 0; a < d1; a++)
                for (let b = 0; b < d2; b++)
                  s += dense[(mu * d1 + a) * d2 + b]! * p[l1 * l1 + a]! * p[l2 * l2 + b]!;
              expect(Math.abs(s - g * p[lam * lam + mu]!)).toBeLessThan(1e-13);
            }
          }
        }
  });

  it("λ=0 tables are +δ/√(2l+1) (the power-spectrum weight)", () => {
    for (let l = 0; l <= 6; l++) {
      const t = realCgTable(l, l, 0);
      expect(t.nnz).toBe(2 * l + 1);
      for (let e = 0; e < t.nnz; e++) {
        expect(t.m1[e]).toBe(t.m2[e]);
        expect(t.value[e]).toBeCloseTo(1 / Math.sqrt(2 * l + 1), 15);
      }
    }
  });
});

describe("real Wigner D (src/math/wigner.ts)", () => {
  const rng = new Rng(77);
  it("equals the closed forms of src/nmr for l = 1, 2 (its representation property: nmr-spherical.test.ts)", () => {
    for (let t = 0; t < 3; t++) {
      const R = rng.rotation();
      // O(1) entries from a small least-squares fit: round-off ~1e-15, 1e-12 leaves a wide margin
      for (const [l, closed] of [
        [1, wignerD1(R)],
        [2, wignerD2(R)],
      ] as const) {
        const D = wignerDReal(l, R);
        for (let k = 0; k < D.length; k++) expect(Math.abs(D[k]! - closed[k]!)).toBeLessThan(1e-12);
      }
    }
  });
});

describe("small dense solve (solveGaussian)", () => {
  it("solves a system that needs pivoting and reports a singular one", () => {
    // [[0, 2, 1], [1, 1, 0], [2, 0, 3]] x = [7, 3, 11] has x = (1, 2, 3) (substitution by hand); a[0][0] = 0
    // forces a row swap
    const a = Float64Array.from([0, 2, 1, 1, 1, 0, 2, 0, 3]);
    const b = Float64Array.from([7, 3, 11]);
    expect(solveGaussian(a, b, 3)).toBe(true);
    // small integers: exact up to a few ulps
    for (let i = 0; i < 3; i++) expect(Math.abs(b[i]! - (i + 1))).toBeLessThan(1e-14);
    const singular = Float64Array.from([1, 2, 2, 4]);
    expect(solveGaussian(singular, Float64Array.from([1, 1]), 2)).toBe(false);
    // nearly singular: pivot 1e-14 relative to the largest entry, rejected at tol 1e-12
    expect(solveGaussian(Float64Array.from([1, 1, 1, 1 + 1e-14]), Float64Array.from([1, 2]), 2, 1e-12)).toBe(
      false,
    );
  });
});

describe("the GNN's conventions (src/gnn/irreps.ts) are transforms of the math tables", () => {
  it("harmonics are √(4π) × RealYlm; CG entries are ± the realCgTable entries, one sign per path", () => {
    const Y = new RealYlm(4);
    const a = new Float64Array(25);
    const b = new Float64Array(25);
    const rng = new Rng(5);
    for (let t = 0; t < 10; t++) {
      const u = randomUnit(rng);
      realSphericalHarmonics(4, ...u, a, 0);
      Y.compute(...u, b, 0);
      // values ≤ ~3: a few ulps
      for (let k = 0; k < 25; k++)
        expect(Math.abs(a[k]! - Math.sqrt(4 * Math.PI) * b[k]!)).toBeLessThan(1e-14);
    }
    for (let l1 = 0; l1 <= 4; l1++)
      for (let l2 = 0; l2 <= 4; l2++)
        for (let l3 = Math.abs(l1 - l2); l3 <= Math.min(4, l1 + l2); l3++) {
          const c = realCG(l1, l2, l3);
          const tab = realCgTable(l1, l2, l3);
          const [d2, d3] = [2 * l2 + 1, 2 * l3 + 1];
          const ratios = new Set<number>();
          for (let e = 0; e < tab.nnz; e++)
            ratios.add(c[(tab.m1[e]! * d2 + tab.m2[e]!) * d3 + tab.mu[e]!]! / tab.value[e]!);
          expect([...ratios].length).toBe(1);
          expect(Math.abs([...ratios][0]!)).toBe(1);
          expect(c.filter((v) => v !== 0).length).toBe(tab.nnz);
          // the GNN's sign rule (its original construction): the largest-magnitude entry is positive; where several
          // entries tie (within 1e-12, round-off of O(1) values) the one it picked is positive, so not all are negative
          let big = 0;
          for (const v of c) big = Math.max(big, Math.abs(v));
          expect(c.some((v) => v > 0 && Math.abs(v - big) < 1e-12)).toBe(true);
        }
  });
});
