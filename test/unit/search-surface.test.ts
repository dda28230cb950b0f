import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { boxBehnkenCoded } from "../../src/search/boxBehnken.js";
import {
  evaluateSurface,
  fitQuadratic,
  minimizeInBox,
  type QuadraticSurface,
  quadraticRow,
  quadraticTermCount,
  shrinkFactors,
  surfaceDerivatives,
} from "../../src/search/responseSurface.js";

function randomCoefficients(k: number, rng: Rng): number[] {
  return Array.from({ length: quadraticTermCount(k) }, () => rng.normal());
}

function surfaceOf(k: number, coefficients: number[]): QuadraticSurface {
  return { k, coefficients, termNames: [], r2: 1, r2Adjusted: 1, rmse: 0, n: 0 };
}

function sample(k: number, c: number[], x: Float64Array): number[] {
  const p = quadraticTermCount(k);
  const row = new Float64Array(p);
  const y: number[] = [];
  for (let r = 0; r < x.length / k; r++) {
    quadraticRow(x.subarray(r * k, (r + 1) * k), k, row);
    y.push(row.reduce((s, v, i) => s + v * c[i]!, 0));
  }
  return y;
}

/** Brute-force minimum over a grid of (m+1)^k points in [−1,1]^k — an independent reference. */
function gridMin(s: QuadraticSurface, m: number): { x: number[]; v: number } {
  const k = s.k;
  const idx = new Array(k).fill(0);
  let best = { x: [] as number[], v: Number.POSITIVE_INFINITY };
  const x = new Float64Array(k);
  for (;;) {
    for (let i = 0; i < k; i++) x[i] = -1 + (2 * idx[i]!) / m;
    const v = evaluateSurface(s, x);
    if (v < best.v) best = { x: Array.from(x), v };
    let i = 0;
    while (i < k && ++idx[i]! > m) idx[i++] = 0;
    if (i === k) break;
  }
  return best;
}

describe("quadratic response surface", () => {
  for (const k of [3, 4, 5]) {
    it(`recovers a known quadratic exactly from BBD samples (k=${k})`, () => {
      const rng = new Rng(100 + k);
      const c = randomCoefficients(k, rng);
      const { x } = boxBehnkenCoded(k, { centerPoints: 1 });
      const fit = fitQuadratic(x, sample(k, c, x), k);
      // Least squares on exact data reproduces coefficients to round-off (QR, condition number ~10).
      for (let i = 0; i < c.length; i++) expect(Math.abs(fit.coefficients[i]! - c[i]!)).toBeLessThan(1e-12);
      expect(fit.r2).toBeGreaterThan(1 - 1e-14);
      expect(fit.rmse).toBeLessThan(1e-13);
    });
  }

  it("with noisy data satisfies the normal equations Xᵀ(y − Xβ) = 0", () => {
    const k = 4;
    const rng = new Rng(5);
    const { x } = boxBehnkenCoded(k, { centerPoints: 3 });
    const y = sample(k, randomCoefficients(k, rng), x).map((v) => v + 0.3 * rng.normal());
    const fit = fitQuadratic(x, y, k);
    const p = quadraticTermCount(k);
    const row = new Float64Array(p);
    const g = new Float64Array(p);
    for (let r = 0; r < y.length; r++) {
      quadraticRow(x.subarray(r * k, (r + 1) * k), k, row);
      const e = y[r]! - row.reduce((s, v, i) => s + v * fit.coefficients[i]!, 0);
      for (let i = 0; i < p; i++) g[i] = g[i]! + row[i]! * e;
    }
    // Residuals are orthogonal to every model column up to round-off (|y| ~ 5, 27 runs).
    for (let i = 0; i < p; i++) expect(Math.abs(g[i]!)).toBeLessThan(1e-11);
    expect(fit.r2).toBeGreaterThan(0);
    expect(fit.r2).toBeLessThan(1);
  });

  it("rejects designs that cannot determine a quadratic", () => {
    // A 3^0 ... only two levels per factor (2^3 factorial): pure quadratic terms are aliased with the intercept.
    const x: number[] = [];
    for (const a of [-1, 1]) for (const b of [-1, 1]) for (const c of [-1, 1]) x.push(a, b, c);
    x.push(-1, -1, -1, 1, 1, 1);
    expect(() => fitQuadratic(x, new Array(10).fill(1), 3)).toThrow(EngineError);
    expect(() => fitQuadratic(x, new Array(10).fill(1), 3)).toThrow(/rank-deficient/);
    expect(() => fitQuadratic([0, 0, 0], [1], 3)).toThrow(/needs ≥ 10 runs/);
  });

  it("finds the interior stationary minimum of a convex surface", () => {
    // f = (x0 − 0.3)² + 2(x1 + 0.5)² + (x2 − 0.1)² + 0.5 (x0 − 0.3)(x1 + 0.5), minimum at (0.3, −0.5, 0.1).
    const a = [0.3, -0.5, 0.1];
    const pts = boxBehnkenCoded(3, { centerPoints: 1 }).x;
    const f = (x: ArrayLike<number>) =>
      (x[0]! - a[0]!) ** 2 +
      2 * (x[1]! - a[1]!) ** 2 +
      (x[2]! - a[2]!) ** 2 +
      0.5 * (x[0]! - a[0]!) * (x[1]! - a[1]!) +
      7;
    const y = Array.from({ length: pts.length / 3 }, (_, r) => f(pts.subarray(3 * r, 3 * r + 3)));
    const opt = minimizeInBox(fitQuadratic(pts, y, 3));
    for (let i = 0; i < 3; i++) expect(Math.abs(opt.coded[i]! - a[i]!)).toBeLessThan(1e-10);
    expect(opt.predicted).toBeCloseTo(7, 10);
    expect(opt.stationaryKind).toBe("minimum");
    expect(opt.activeBounds).toEqual([]);
  });

  it("clamps correctly when the minimum lies outside the box (separable and coupled cases, KKT check)", () => {
    // Separable: minimum of Σ (x_i − c_i)² over the box is the clamp of c.
    const sep = surfaceOf(3, [0, -4, 0.6, 10, 0, 0, 0, 1, 1, 1]); // c = (2, −0.3, −5)
    const o1 = minimizeInBox(sep);
    expect(o1.coded[0]).toBe(1);
    expect(o1.coded[1]).toBeCloseTo(-0.3, 14);
    expect(o1.coded[2]).toBe(-1);
    expect(o1.activeBounds).toEqual([0, 2]);
    // Coupled positive-definite surfaces with unconstrained minimum outside the box: KKT conditions
    // (sufficient for convex problems) must hold: ∂f/∂x_i = 0 on free coordinates, ≥ 0 at −1, ≤ 0 at +1.
    const rng = new Rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const k = 3 + (trial % 3);
      const c = randomCoefficients(k, rng);
      // Make the Hessian diagonally dominant (positive definite) and push the linear term out.
      for (let i = 0; i < k; i++) {
        c[1 + i] = 6 * rng.normal();
        c[quadraticTermCount(k) - k + i] = 2 + Math.abs(rng.normal()) + k;
      }
      const s = surfaceOf(k, c);
      const opt = minimizeInBox(s);
      expect(opt.stationaryKind).toBe("minimum");
      const { linear, hessian } = surfaceDerivatives(s);
      for (let i = 0; i < k; i++) {
        let gi = linear[i]!;
        for (let j = 0; j < k; j++) gi += hessian[i * k + j]! * opt.coded[j]!;
        const xi = opt.coded[i]!;
        // Tolerances: gradients ~10, solves accurate to ~1e-13.
        if (xi === -1) expect(gi).toBeGreaterThanOrEqual(-1e-9);
        else if (xi === 1) expect(gi).toBeLessThanOrEqual(1e-9);
        else expect(Math.abs(gi)).toBeLessThan(1e-9);
      }
    }
  });

  it("matches a brute-force grid search on indefinite and concave surfaces", () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 12; trial++) {
      const k = 3;
      const c = randomCoefficients(k, rng);
      if (trial % 3 === 0)
        for (let i = 0; i < k; i++)
          c[quadraticTermCount(k) - k + i] = -Math.abs(c[quadraticTermCount(k) - k + i]!) - 1;
      const s = surfaceOf(k, c);
      const opt = minimizeInBox(s);
      for (const v of opt.coded) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      const grid = gridMin(s, 60);
      // The exact optimum is never worse than any grid point, and a 1/30-spaced grid is within
      // (gradient ≈ 10)·(spacing/2)²-ish of it; 0.05 is a loose bound on that discretisation gap.
      expect(opt.predicted).toBeLessThanOrEqual(grid.v + 1e-12);
      expect(grid.v - opt.predicted).toBeLessThan(0.05);
      expect(evaluateSurface(s, opt.coded)).toBeCloseTo(opt.predicted, 12);
    }
  });

  it("shrinks the box around the optimum, staying inside the original ranges", () => {
    const f = [
      { name: "a", min: 0, max: 10 },
      { name: "b", min: 1e-6, max: 1e-2, scale: "log" as const },
      { name: "n", min: 2, max: 10, integer: true },
    ];
    const g = shrinkFactors(f, [0, 0.9, -1], 0.5);
    expect(g[0]).toMatchObject({ min: 2.5, max: 7.5 });
    // Log factor: coded [0, 1] after shifting → [1e-4, 1e-2]; relative 1e-12 for exp/log round-off.
    expect(Math.abs(g[1]!.min / 1e-4 - 1)).toBeLessThan(1e-12);
    expect(g[1]!.max).toBe(1e-2);
    expect(g[1]!.scale).toBe("log");
    expect(g[2]).toMatchObject({ min: 2, max: 6, integer: true });
  });
});
