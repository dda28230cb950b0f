import { CholeskyDecomposition, LuDecomposition, Matrix } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { GemmPool } from "../../src/math/_workerPool.js";
import {
  cholesky,
  choleskyParallel,
  choleskySolve,
  choleskyWithJitter,
  logDetFromCholesky,
  solveLower,
  solveLowerParallel,
  solveLowerT,
} from "../../src/math/linalg.js";
import { spd } from "../helpers/compare.js";

const toMatrix = (a: Float64Array, n: number, r = n) => {
  const m = new Matrix(n, r);
  for (let i = 0; i < n; i++) for (let j = 0; j < r; j++) m.set(i, j, a[i * r + j]!);
  return m;
};

describe("blocked Cholesky", () => {
  const rng = new Rng(11);
  // n not a multiple of the block size, and several block sizes (1 = fully unblocked path).
  for (const [n, nb] of [
    [1, 4],
    [7, 3],
    [53, 8],
    [130, 16],
    [301, 96],
  ] as const) {
    it(`n=${n}, block ${nb}: L equals ml-matrix's Cholesky factor`, () => {
      const a = spd(rng, n, n + 3, 0.1);
      const l = cholesky(a.slice(), n, { blockSize: nb });
      const ref = new CholeskyDecomposition(toMatrix(a, n)).lowerTriangularMatrix;
      let e = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) e = Math.max(e, Math.abs(l[i * n + j]! - ref.get(i, j)));
      // Same algorithm family, different summation order; entries O(1), condition number ~1e2-1e3.
      expect(e).toBeLessThan(1e-11);
    });
  }

  it("parallel factorisation (2 workers) equals the serial one bitwise", async () => {
    const n = 410;
    const a = spd(rng, n, n, 0.5);
    const serial = cholesky(a.slice(), n, { blockSize: 32 });
    const pool = new GemmPool(2);
    try {
      const par = await choleskyParallel(a.slice(), n, pool, { blockSize: 32 });
      // Every block is computed by the same kernel with the same inputs, only on another thread.
      expect(par).toEqual(serial);
      // multi-RHS forward substitution with the columns split over the workers: same code per column range
      // (the scalar path: SOAPGPR_NO_SIMD; the SIMD path is tested in linalg-simd.test.ts)
      process.env.SOAPGPR_NO_SIMD = "1";
      const r = 130; // n²r ≈ 2.2e7 is above the parallel threshold
      const b = new Float64Array(n * r).map(() => rng.normal());
      const x1 = solveLower(serial, n, b.slice(), r);
      const x2 = await solveLowerParallel(serial, n, b.slice(), r, pool);
      expect(x2).toEqual(x1);
    } finally {
      delete process.env.SOAPGPR_NO_SIMD;
      pool.dispose();
    }
  });

  it("triangular solves (vector and 37 right-hand sides) and log det vs ml-matrix", () => {
    const n = 150;
    const a = spd(rng, n, 200, 0.3);
    const l = cholesky(a.slice(), n, { blockSize: 32 });
    const r = 37;
    const b = new Float64Array(n * r).map(() => rng.normal());
    const x = choleskySolve(l, n, b.slice(), r);
    const xref = new LuDecomposition(toMatrix(a, n)).solve(toMatrix(b, n, r));
    let e = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < r; j++) e = Math.max(e, Math.abs(x[i * r + j]! - xref.get(i, j)));
    // cond(A) ~ 1e2: solution errors ~ cond·eps·|x|
    expect(e).toBeLessThan(1e-10);
    const x1 = choleskySolve(
      l,
      n,
      b.filter((_, i) => i % r === 0),
      1,
    );
    for (let i = 0; i < n; i++) expect(x1[i]).toBeCloseTo(xref.get(i, 0), 10);
    // L·(L⁻¹B) = B and Lᵀ·(L⁻ᵀB) = B separately
    const y = solveLower(l, n, b.slice(), r);
    const z = solveLowerT(l, n, b.slice(), r);
    for (let i = 0; i < n; i += 17)
      for (let c = 0; c < r; c += 5) {
        let s = 0;
        let t = 0;
        for (let p = 0; p <= i; p++) s += l[i * n + p]! * y[p * r + c]!;
        for (let p = i; p < n; p++) t += l[p * n + i]! * z[p * r + c]!;
        expect(s).toBeCloseTo(b[i * r + c]!, 11);
        expect(t).toBeCloseTo(b[i * r + c]!, 11);
      }
    const det = new LuDecomposition(toMatrix(a, n)).determinant;
    // log|det| from LU vs 2Σlog L_ii: both accurate to ~n·eps relative in det
    expect(logDetFromCholesky(l, n)).toBeCloseTo(Math.log(det), 9);
  });

  it("jitter rescues a rank-deficient matrix; an indefinite one fails with advice", async () => {
    const n = 40;
    const a = spd(rng, n, 5, 0); // rank 5
    const { l, jitter } = await choleskyWithJitter(a, n);
    expect(jitter).toBeGreaterThan(0);
    expect(l[0]).toBeGreaterThan(0);
    expect(() => cholesky(a.slice(), n)).toThrow(EngineError);
    const neg = spd(rng, n, n, -5); // eigenvalues shifted well below zero
    const err = await choleskyWithJitter(neg, n, { context: "Li λ=2: " }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe("NotPositiveDefinite");
    expect((err as EngineError).message).toMatch(/^Li λ=2: Cholesky failed.*increase reg /);
  });
});
