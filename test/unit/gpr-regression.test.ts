import { Matrix, inverse, solve } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { gemmABt } from "../../src/math/gemm.js";
import {
  centreColumns,
  fitFullGpr,
  fitSparseGpr,
  fullGprCovariance,
  predictMean,
  sparseGprCovariance,
} from "../../src/gpr/regression.js";

/** Polynomial kernel (x·x'/f)² + 0.1 on random features: positive definite for n ≤ f(f+1)/2. */
function kernelFrom(x: Float64Array, n: number, z: Float64Array, m: number, f: number): Float64Array {
  const k = gemmABt(x, n, z, m, f);
  for (let i = 0; i < k.length; i++) k[i] = (k[i]! / f) ** 2 + 0.1;
  return k;
}

function setup(seed: number, n: number, t: number, f: number) {
  const rng = new Rng(seed);
  const x = new Float64Array(n * f).map(() => rng.normal());
  const xs = new Float64Array(t * f).map(() => rng.normal());
  const w = new Float64Array(f).map(() => rng.normal());
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = 0; p < f; p++) s += w[p]! * x[i * f + p]!;
    y[i] = s * s * 0.1 + 0.05 * rng.normal();
  }
  const k = kernelFrom(x, n, x, n, f);
  const kStar = kernelFrom(xs, t, x, n, f);
  const kss = new Float64Array(t);
  for (let i = 0; i < t; i++)
    kss[i] = kernelFrom(xs.subarray(i * f, (i + 1) * f), 1, xs.subarray(i * f, (i + 1) * f), 1, f)[0]!;
  return { x, xs, y, k, kStar, kss };
}

describe("full GPR (R&W Alg. 2.1)", () => {
  it("mean and variance equal the textbook formulas evaluated with ml-matrix's LU inverse", async () => {
    const n = 60;
    const t = 9;
    const reg = 0.05;
    const { y, k, kStar, kss } = setup(1, n, t, 12);
    const st = await fitFullGpr(k, n, y, reg);
    const mean = predictMean(kStar, t, n, st.alpha);
    const cov = await fullGprCovariance(st, kStar, t, 1, kss);
    const K = new Matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K.set(i, j, k[i * n + j]! + (i === j ? reg : 0));
    const Kinv = inverse(K);
    const alpha = solve(K, Matrix.columnVector(Array.from(y)));
    const ks = new Matrix(t, n);
    for (let i = 0; i < t; i++) for (let j = 0; j < n; j++) ks.set(i, j, kStar[i * n + j]!);
    const meanRef = ks.mmul(alpha);
    const quad = ks.mmul(Kinv).mmul(ks.transpose());
    let yAlpha = 0;
    for (let i = 0; i < n; i++) yAlpha += y[i]! * alpha.get(i, 0);
    const scale = yAlpha / n;
    expect(st.scale).toBeCloseTo(scale, 10);
    for (let i = 0; i < t; i++) {
      // cond(K+σ²I) ~ 1e3: agreement to ~1e-11 relative
      expect(mean[i]).toBeCloseTo(meanRef.get(i, 0), 9);
      expect(cov[i]).toBeCloseTo(scale * (kss[i]! - quad.get(i, i)), 9);
      expect(cov[i]).toBeGreaterThanOrEqual(0);
    }
  });

  it("noise-free GPR interpolates its training data; variance vanishes there and is ≤ the prior elsewhere", async () => {
    const n = 40;
    const { y, k, kStar, kss } = setup(2, n, 7, 15);
    const st = await fitFullGpr(k, n, y, 1e-10);
    const fitted = predictMean(k, n, n, st.alpha);
    // reg 1e-10 with cond(K) ~ 1e4: residual ≲ 1e-6 relative to |y| ~ 1
    for (let i = 0; i < n; i++) expect(Math.abs(fitted[i]! - y[i]!)).toBeLessThan(1e-6);
    const kdiag = new Float64Array(n);
    for (let i = 0; i < n; i++) kdiag[i] = k[i * n + i]!;
    const covTrain = await fullGprCovariance(st, k, n, 1, kdiag);
    // at training points the latent variance is O(σ²) times the scale: round-off level here
    for (let i = 0; i < n; i++) expect(Math.abs(covTrain[i]!)).toBeLessThan(1e-6 * st.scale);
    const cov = await fullGprCovariance(st, kStar, 7, 1, kss);
    for (let i = 0; i < 7; i++) {
      expect(cov[i]).toBeGreaterThan(0);
      expect(cov[i]).toBeLessThanOrEqual(st.scale * kss[i]!);
    }
  });
});

describe("full GPR with several right-hand sides (the search / benchmark solve)", () => {
  it("α and K*·α of r columns equal ml-matrix's solve per column; ŝ² and log p add up over the columns", async () => {
    const n = 40;
    const t = 7;
    const r = 3;
    const reg = 0.05;
    const { k, kStar } = setup(3, n, t, 10);
    const rng = new Rng(11);
    const y = new Float64Array(n * r).map(() => rng.normal());
    const st = await fitFullGpr(k, n, y, reg, { rhs: r });
    const pred = predictMean(kStar, t, n, st.alpha, r);
    const K = new Matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K.set(i, j, k[i * n + j]! + (i === j ? reg : 0));
    let scale = 0;
    let logp = 0;
    for (let q = 0; q < r; q++) {
      const col = Float64Array.from({ length: n }, (_, i) => y[i * r + q]!);
      const alpha = solve(K, Matrix.columnVector(Array.from(col)));
      const one = await fitFullGpr(k, n, col, reg);
      scale += one.scale / r;
      logp += one.logMarginal;
      for (let i = 0; i < n; i++) expect(st.alpha[i * r + q]).toBeCloseTo(alpha.get(i, 0), 9); // cond ~1e3
      for (let i = 0; i < t; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += kStar[i * n + j]! * alpha.get(j, 0);
        expect(pred[i * r + q]).toBeCloseTo(s, 9);
      }
    }
    // sums of r terms in another order: round-off only
    expect(st.scale).toBeCloseTo(scale, 12);
    expect(st.logMarginal).toBeCloseTo(logp, 9);
    await expect(fitFullGpr(k, n, y.subarray(1), reg, { rhs: r })).rejects.toThrow(/× 3 right-hand sides/);
  });

  it("centreColumns subtracts each column's mean (λ=0 targets) and returns the means", () => {
    const y = Float64Array.from([1, 10, 2, 20, 6, 60]); // 3 rows × 2 columns
    const { centred, means } = centreColumns(y, 3, 2);
    expect(Array.from(means)).toEqual([3, 30]);
    expect(Array.from(centred)).toEqual([-2, -20, -1, -10, 3, 30]);
    expect(Array.from(y)).toEqual([1, 10, 2, 20, 6, 60]); // input untouched
  });
});

describe("sparse GPR", () => {
  it("with every training point inducing (M = N), SoR/DTC mean and DTC variance equal full GPR", async () => {
    const n = 50;
    const t = 8;
    const reg = 0.02;
    const { y, k, kStar, kss } = setup(3, n, t, 14);
    const full = await fitFullGpr(k, n, y, reg);
    const sp = await fitSparseGpr(k, n, k, n, y, reg);
    const m1 = predictMean(kStar, t, n, full.alpha);
    const m2 = predictMean(kStar, t, n, sp.alpha);
    // The sparse system σ²K + K² squares the condition number (~1e6 here): agreement to ~1e-9.
    for (let i = 0; i < t; i++) expect(m2[i]).toBeCloseTo(m1[i]!, 8);
    expect(sp.scale).toBeCloseTo(full.scale, 8);
    const c1 = await fullGprCovariance(full, kStar, t, 1, kss);
    const c2 = await sparseGprCovariance(sp, kStar, t, 1, kss, "dtc");
    for (let i = 0; i < t; i++) expect(c2[i]).toBeCloseTo(c1[i]!, 7);
  });

  it("M < N: DTC variance ≥ SoR variance ≥ 0 (DTC adds the K** − Q** term, which is PSD)", async () => {
    const n = 80;
    const t = 10;
    const f = 10;
    const { x, xs, y } = setup(4, n, t, f);
    const m = 25;
    const z = x.subarray(0, m * f);
    const kMM = kernelFrom(z, m, z, m, f);
    const kNM = kernelFrom(x, n, z, m, f);
    const kStar = kernelFrom(xs, t, z, m, f);
    const kss = new Float64Array(t);
    for (let i = 0; i < t; i++) kss[i] = kernelFrom(xs.subarray(i * f), 1, xs.subarray(i * f), 1, f)[0]!;
    const sp = await fitSparseGpr(kMM, m, kNM, n, y, 0.01);
    const sor = await sparseGprCovariance(sp, kStar, t, 1, kss, "sor");
    const dtc = await sparseGprCovariance(sp, kStar, t, 1, kss, "dtc");
    for (let i = 0; i < t; i++) {
      expect(sor[i]).toBeGreaterThanOrEqual(0);
      expect(dtc[i]! - sor[i]!).toBeGreaterThanOrEqual(-1e-12 * sp.scale); // PSD term, up to round-off
    }
  });
});
