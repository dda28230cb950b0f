import { CholeskyDecomposition, Matrix } from "ml-matrix";
import { afterEach, describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { GemmPool } from "../../src/math/_workerPool.js";
import { cholesky, choleskyWithJitter, solveLower, solveLowerParallel } from "../../src/math/linalg.js";
import { choleskySimd, solveLowerSimd } from "../../src/math/simdLinalg.js";
import { relMaxDiff, spd } from "../helpers/compare.js";

/** The pivot named by the NotPositiveDefinite error of `f`, or null when it succeeds. */
async function failedPivot(f: () => unknown): Promise<string | null> {
  try {
    await f();
    return null;
  } catch (e) {
    if (!(e instanceof EngineError) || e.code !== "NotPositiveDefinite") throw e;
    return /pivot (\d+)/.exec(e.message)?.[1] ?? "";
  }
}

afterEach(() => {
  delete process.env.SOAPGPR_NO_SIMD;
});

describe("SIMD blocked Cholesky (simdLinalg.ts)", () => {
  const rng = new Rng(13);
  // n a multiple of 4 (L returned in place) or not (copied out), odd; one panel or many; 1 and 2 threads
  for (const [n, nb, threads] of [
    [64, 192, 1],
    [130, 32, 1],
    [257, 32, 2],
    [300, 64, 2],
  ] as const) {
    it(`n=${n}, panel ${nb}, ${threads} thread(s): L equals the scalar blocked Cholesky and ml-matrix`, async () => {
      const a = spd(rng, n, n + 10, 1);
      const copy = a.slice();
      const l = (await choleskySimd(a, n, { blockSize: nb, threads }))!;
      expect(l).not.toBeNull();
      expect(a).toEqual(copy); // input untouched
      // same products, another summation order; well-conditioned (cond ~5): round-off only
      expect(relMaxDiff(l, cholesky(a.slice(), n))).toBeLessThan(1e-12);
      const ref = new CholeskyDecomposition(
        new Matrix(Array.from({ length: n }, (_, i) => [...a.subarray(i * n, (i + 1) * n)])),
      );
      expect(relMaxDiff(l, ref.lowerTriangularMatrix.to1DArray())).toBeLessThan(1e-12);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
    });
  }

  it("adds the jitter to the diagonal; a non-SPD matrix fails at the same pivot as the scalar path", async () => {
    const n = 96;
    const a = spd(rng, n, n + 4, 0.5);
    const jittered = a.slice();
    for (let i = 0; i < n; i++) jittered[i * n + i] += 0.25;
    const l = (await choleskySimd(a, n, { jitter: 0.25, blockSize: 16 }))!;
    expect(relMaxDiff(l, cholesky(jittered, n))).toBeLessThan(1e-12);
    a[70 * n + 70] = -1; // pivot 70 negative (panel 4 of 16 columns: after several trailing updates)
    expect(await failedPivot(() => choleskySimd(a, n, { blockSize: 16 }))).toBe("70");
    expect(await failedPivot(() => cholesky(a.slice(), n))).toBe("70");
  });

  it("SOAPGPR_NO_SIMD: null, and choleskyWithJitter falls back to the scalar blocked Cholesky (bitwise)", async () => {
    const n = 100;
    const a = spd(rng, n, n, 1);
    process.env.SOAPGPR_NO_SIMD = "1";
    expect(await choleskySimd(a, n)).toBeNull();
    const { l, jitter } = await choleskyWithJitter(a, n);
    expect(jitter).toBe(0);
    expect(l).toEqual(cholesky(a.slice(), n));
  });

  it("jitter escalation is unchanged: same jitter and factor (to round-off) with and without SIMD", async () => {
    // rank-deficient PSD (rank 20 < n): fails without jitter, rescued by the first jitter that factorises
    const n = 90;
    const a = spd(rng, n, 20, 0);
    const pool = new GemmPool(2);
    try {
      const simd = await choleskyWithJitter(a, n, { pool });
      process.env.SOAPGPR_NO_SIMD = "1";
      const scalar = await choleskyWithJitter(a, n, { pool });
      expect(simd.jitter).toBeGreaterThan(0);
      expect(simd.jitter).toBe(scalar.jitter);
      // factor of a matrix with condition ~1/jitter ≈ 1e10: round-off amplified, still far below the entries
      expect(relMaxDiff(simd.l, scalar.l)).toBeLessThan(1e-6);
    } finally {
      pool.dispose();
    }
  });
});

describe("SIMD triangular solve L·X = B, many right-hand sides", () => {
  const rng = new Rng(17);
  for (const [n, r, threads] of [
    [65, 4, 1],
    [200, 37, 2],
    [333, 130, 2],
  ] as const) {
    it(`n=${n}, ${r} right-hand sides, ${threads} thread(s): equals the scalar forward substitution`, async () => {
      const l = cholesky(spd(rng, n, n, 1), n);
      const b = new Float64Array(n * r).map(() => rng.normal());
      const x = b.slice();
      expect(await solveLowerSimd(l, n, x, r, threads)).toBe(true);
      // cond(L) ~ 3: round-off only
      expect(relMaxDiff(x, solveLower(l, n, b.slice(), r))).toBeLessThan(1e-12);
    });
  }

  it("solveLowerParallel takes the SIMD path, and the scalar one under SOAPGPR_NO_SIMD", async () => {
    const n = 150;
    const r = 40;
    const l = cholesky(spd(rng, n, n, 1), n);
    const b = new Float64Array(n * r).map(() => rng.normal());
    const ref = solveLower(l, n, b.slice(), r);
    const pool = new GemmPool(2);
    try {
      const simd = await solveLowerParallel(l, n, b.slice(), r, pool);
      expect(relMaxDiff(simd, ref)).toBeLessThan(1e-12);
      expect(simd).not.toEqual(ref); // another summation order: not the scalar code
      process.env.SOAPGPR_NO_SIMD = "1";
      expect(await solveLowerParallel(l, n, b.slice(), r, pool)).toEqual(ref);
    } finally {
      pool.dispose();
    }
  });
});
