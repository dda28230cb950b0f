/**
 * Maximum-likelihood signal and noise variances (R&W eq. 2.30 and 5.9; issue 13 item 5): the analytic gradient
 * of the log marginal likelihood against finite differences and against a direct evaluation with ml-matrix, and
 * recovery of the true variances from data drawn from a known GP, within a tolerance from the Fisher information.
 */
import { LuDecomposition, Matrix, inverse } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import {
  ML_REG_TOLERANCE,
  marginalLikelihood,
  maximiseMarginalLikelihood,
} from "../../src/gpr/regression.js";
import { cholesky } from "../../src/math/linalg.js";

/** Squared-exponential kernel (length 1, unit variance) on n points drawn uniformly in [0, span]. */
function rbf(rng: Rng, n: number, span: number): Float64Array {
  const x = Array.from({ length: n }, () => span * rng.uniform());
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) k[i * n + j] = Math.exp(-0.5 * (x[i]! - x[j]!) ** 2);
  return k;
}

/** y = chol(s²K + σn²I) z, z standard normal: one draw from the GP with noise. */
function draw(rng: Rng, k: Float64Array, n: number, signal: number, noise: number): Float64Array {
  const c = k.map((v) => signal * v);
  for (let i = 0; i < n; i++) c[i * n + i]! += noise;
  const l = cholesky(c, n);
  const z = Array.from({ length: n }, () => rng.normal());
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) y[i]! += l[i * n + j]! * z[j]!;
  return y;
}

function cov(k: Float64Array, n: number, signal: number, noise: number): Matrix {
  const c = new Matrix(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) c.set(i, j, signal * k[i * n + j]! + (i === j ? noise : 0));
  return c;
}

// n = 300 spans two column blocks of the blocked tr A⁻¹ (TRACE_BLOCK = 256 in regression.ts)
describe.each([40, 300])(
  "log marginal likelihood of s²K + σn²I (R&W eq. 2.30, gradient eq. 5.9), N = %i",
  (n) => {
    const rng = new Rng(3);
    const k = rbf(rng, n, n / 5);
    const y = draw(rng, k, n, 1.5, 0.05);

    it("the value equals −½ yᵀC⁻¹y − ½ log det C − N/2 log 2π evaluated with ml-matrix", async () => {
      const c = cov(k, n, 0.7, 0.02);
      const yv = Matrix.columnVector(Array.from(y));
      const quad = yv.transpose().mmul(inverse(c)).mmul(yv).get(0, 0);
      const u = new LuDecomposition(c).upperTriangularMatrix; // log det C = Σ log |U_ii| (no overflow at N = 300)
      let logDet = 0;
      for (let i = 0; i < n; i++) logDet += Math.log(Math.abs(u.get(i, i)));
      const ref = -0.5 * quad - 0.5 * logDet - 0.5 * n * Math.log(2 * Math.PI);
      const ml = await marginalLikelihood(k, n, y, 0.7, 0.02);
      // LU determinant and inverse of a matrix with condition ≲ 1e4: agreement to ~1e-10 relative
      expect(Math.abs(ml.value - ref)).toBeLessThan(1e-8 * Math.abs(ref));
    });

    it("the gradient in (log s², log σn²) equals central finite differences", async () => {
      const s = 0.7;
      const e = 0.02;
      const h = 1e-4;
      const ml = await marginalLikelihood(k, n, y, s, e);
      const f = async (ls: number, le: number) =>
        (await marginalLikelihood(k, n, y, Math.exp(ls), Math.exp(le))).value;
      const fdS =
        ((await f(Math.log(s) + h, Math.log(e))) - (await f(Math.log(s) - h, Math.log(e)))) / (2 * h);
      const fdE =
        ((await f(Math.log(s), Math.log(e) + h)) - (await f(Math.log(s), Math.log(e) - h))) / (2 * h);
      // central differences: truncation h²·|ℓ'''|/6 ~ 1e-8·N and round-off eps·|ℓ|/h ~ 1e-10; |∂ℓ| ~ N
      expect(Math.abs(ml.gradLogSignal - fdS)).toBeLessThan(1e-5 * (1 + Math.abs(fdS)));
      expect(Math.abs(ml.gradLogNoise - fdE)).toBeLessThan(1e-5 * (1 + Math.abs(fdE)));
      // and the gradient is not trivially zero at this point (the test could fail)
      expect(Math.abs(ml.gradLogSignal) + Math.abs(ml.gradLogNoise)).toBeGreaterThan(1);
    });
  },
);

describe("maximum-likelihood signal and noise variances", () => {
  it("recover the variances of a known GP within 4 standard errors of the Fisher information", async () => {
    const n = 300;
    const rng = new Rng(11);
    const k = rbf(rng, n, 60);
    const trueS = 2;
    const trueE = 0.1;
    const y = draw(rng, k, n, trueS, trueE);
    // start two decades away from the truth, as a poorly chosen CLI reg would be
    const fit = await maximiseMarginalLikelihood(k, n, y, 1e-4);
    expect(fit.atBound).toBe(false);
    expect(fit.logMarginal).toBeGreaterThan(fit.startLogMarginal);
    // Fisher information of (log s², log σn²): I_ij = ½ tr(C⁻¹ ∂_i C C⁻¹ ∂_j C) at the truth
    const ci = inverse(cov(k, n, trueS, trueE));
    const dS = cov(k, n, trueS, 0).mmul(ci); // C⁻¹-weighted ∂C/∂ log s² (= s²K), right-multiplied
    const dE = ci.clone().mul(trueE); // σn² C⁻¹
    const tr = (a: Matrix, b: Matrix) => a.mmul(b).trace();
    const iSS = 0.5 * tr(dS, dS);
    const iEE = 0.5 * tr(dE, dE);
    const iSE = 0.5 * tr(dS, dE);
    const det = iSS * iEE - iSE * iSE;
    const sdS = Math.sqrt(iEE / det);
    const sdE = Math.sqrt(iSS / det);
    // the estimator's spread from the sample size; the 4-σ bound fails by chance with probability ~6e-5
    expect(Math.abs(Math.log(fit.signal / trueS))).toBeLessThan(4 * sdS);
    expect(Math.abs(Math.log(fit.noise / trueE))).toBeLessThan(4 * sdE);
    // the standard errors are small enough for this to be a real check (≲ 30 % on each)
    expect(Math.max(sdS, sdE)).toBeLessThan(0.3);
  });

  it("the maximum is a stationary point: the joint gradient vanishes to the bracket's width", async () => {
    const n = 120;
    const rng = new Rng(5);
    const k = rbf(rng, n, 30);
    const y = draw(rng, k, n, 0.5, 0.02);
    const fit = await maximiseMarginalLikelihood(k, n, y, 1);
    const g = await marginalLikelihood(k, n, y, fit.signal, fit.noise);
    // at the profile ŝ² = yᵀa/N the sum of the two components (scaling s² and σn² together) is 0 to round-off;
    // ∂/∂ log σn² ≈ ℓ''·Δu with the bracket Δu ≤ ML_REG_TOLERANCE decades and |ℓ''| ≲ N/2
    expect(Math.abs(g.gradLogSignal + g.gradLogNoise)).toBeLessThan(1e-8 * n);
    expect(Math.abs(g.gradLogNoise)).toBeLessThan(ML_REG_TOLERANCE * Math.LN10 * n);
    for (const f of [0.5, 2]) {
      const v = (await marginalLikelihood(k, n, y, fit.signal, fit.noise * f)).value;
      expect(v).toBeLessThanOrEqual(fit.logMarginal + 1e-9 * Math.abs(fit.logMarginal));
    }
  });
});
