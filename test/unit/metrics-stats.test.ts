import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { axisAngleErrors } from "../../src/metrics/angles.js";
import { componentMetrics } from "../../src/metrics/components.js";
import { mae, pearson, percentile, percentRmse, rmse, std } from "../../src/metrics/stats.js";

const shared = (p: string): string => fileURLToPath(new URL(`../../../shared/${p}`, import.meta.url));

describe("scalar statistics", () => {
  it("MAE, RMSE, %RMSE, std, Pearson r on hand-computed values", () => {
    const ref = [1, 2, 3, 4];
    const pred = [1.5, 1.5, 3, 6];
    // errors 0.5, −0.5, 0, 2
    expect(mae(ref, pred)).toBeCloseTo(0.75, 15);
    expect(rmse(ref, pred)).toBeCloseTo(Math.sqrt(4.5 / 4), 15);
    expect(std(ref)).toBeCloseTo(Math.sqrt(1.25), 15); // population std of 1..4
    expect(percentRmse(ref, pred)).toBeCloseTo((100 * Math.sqrt(4.5 / 4)) / Math.sqrt(1.25), 12);
    // r of (1,2,3,4) and (2,4,6,8.5): cov/σσ computed by hand
    const b = [2, 4, 6, 8.5];
    const mb = 20.5 / 4;
    const db = b.map((v) => v - mb);
    const da = [-1.5, -0.5, 0.5, 1.5];
    const cov = da.reduce((s, v, i) => s + v * db[i]!, 0);
    const r = cov / Math.sqrt(5 * db.reduce((s, v) => s + v * v, 0));
    expect(pearson(ref, b)).toBeCloseTo(r, 14);
    expect(pearson(ref, [1, 2, 3, 4])).toBe(1);
    expect(Number.isNaN(pearson(ref, [2, 2, 2, 2]))).toBe(true);
  });

  it("percentile interpolates linearly like numpy's default", () => {
    // numpy.percentile([1,2,3,4,10], 10) = 1.4; 50 → 3; 100 → 10
    expect(percentile([10, 1, 3, 2, 4], 10)).toBeCloseTo(1.4, 14);
    expect(percentile([10, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([10, 1, 3, 2, 4], 100)).toBe(10);
  });

  it("pooled λ=2 %RMSE reproduces TENSOAP's reported GPR errors (prediction_{Ti,Li}_reg1e-6_L2.txt)", () => {
    // README of data/tensoap-ref: Ti 3.167e-3 (5.39 %), Li 3.798e-3 (6.64 %) for reg 1e-6
    for (const [sp, rm, pct] of [
      ["Ti", 3.167e-3, 5.39],
      ["Li", 3.798e-3, 6.64],
    ] as const) {
      const rows = readFileSync(shared(`data/tensoap-ref/small/prediction_${sp}_reg1e-6_L2.txt`), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => l.trim().split(/\s+/).map(Number));
      const ref = new Float64Array(rows.length * 5);
      const pred = new Float64Array(rows.length * 5);
      rows.forEach((r, i) => {
        for (let m = 0; m < 5; m++) {
          ref[5 * i + m] = r[m]!;
          pred[5 * i + m] = r[5 + m]!;
        }
      });
      const s = componentMetrics(ref, pred, 5);
      expect(Math.abs(s.rmse - rm)).toBeLessThan(0.0005e-3); // README rounds to 4 significant digits
      expect(Math.abs(s.percentRmse - pct)).toBeLessThan(0.005); // and to 2 decimals
      expect(s.n).toBe(rows.length);
    }
  });
});

describe("axis angle errors respect the φ = ±90° identification", () => {
  it("near the edge, mirrored θ and φ 180° apart are a small error", () => {
    expect(axisAngleErrors(30, 89, 150, -89)).toEqual([0, 2]);
    expect(axisAngleErrors(30, 45, 32, 40)).toEqual([2, 5]);
    // the same axis written both ways
    expect(axisAngleErrors(70, 90, 110, -90)).toEqual([0, 0]);
  });
});
