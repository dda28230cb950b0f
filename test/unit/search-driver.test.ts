import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import type { Factor, Params } from "../../src/search/boxBehnken.js";
import { boxBehnkenSearch, type FoldContext } from "../../src/search/search.js";

const factors: Factor[] = [
  { name: "rcut", min: 3, max: 6 },
  { name: "sigma", min: 0.2, max: 0.6 },
  { name: "log10Reg", min: -8, max: -2 },
];

/** A synthetic CV score: a quadratic bowl in real units with its minimum at (4.2, 0.5, −5), plus a per-fold
 * offset (folds differ but average to zero) and a per-ζ offset. */
function bowl(p: Params): number {
  const r = p["rcut"] as number;
  const s = p["sigma"] as number;
  const l = p["log10Reg"] as number;
  return 1 + (r - 4.2) ** 2 + 20 * (s - 0.5) ** 2 + 0.1 * (l + 5) ** 2 + 0.5 * (r - 4.2) * (s - 0.5);
}
const zetaOffset: Record<string, number> = { "1": 0.3, "2": 0, "3": 0.1 };

describe("boxBehnkenSearch", () => {
  it("finds the optimum of a quadratic score, checks it once, and logs JSON-serialisable evaluations", async () => {
    const calls: { p: Params; f: FoldContext }[] = [];
    const logged: number[] = [];
    const res = await boxBehnkenSearch({
      factors,
      folds: 5,
      groups: 20,
      seed: 1,
      evaluate: async (p, f) => {
        calls.push({ p, f });
        return bowl(p) + (f.fold - 2) * 0.01;
      },
      log: (e) => logged.push(e.mean),
    });
    // 12 edge runs + 3 centre replicates (centre evaluated once, reused twice) + 1 check.
    expect(res.evaluations.length).toBe(16);
    expect(res.evaluations.filter((e) => e.reused).length).toBe(2);
    expect(calls.length).toBe(14 * 5);
    expect(logged.length).toBe(16);
    for (const c of calls) {
      expect(c.f.trainGroups.length + c.f.testGroups.length).toBe(20);
      expect(c.f.folds).toBe(5);
    }
    // The score is exactly quadratic in coded units (linear maps), so the surface reproduces it: R² = 1 and
    // the optimum is the true minimiser (to solve round-off).
    expect(res.surface.r2).toBeGreaterThan(1 - 1e-12);
    expect(res.best.params["rcut"] as number).toBeCloseTo(4.2, 8);
    expect(res.best.params["sigma"] as number).toBeCloseTo(0.5, 8);
    expect(res.best.params["log10Reg"] as number).toBeCloseTo(-5, 8);
    // Fold offsets (−0.02..0.02) average to 0, so the checked CV score is the bowl's minimum 1.
    expect(res.checkScore).toBeCloseTo(1, 10);
    expect(res.best.source).toBe("check");
    const e0 = res.evaluations[0]!;
    expect(e0.foldScores.length).toBe(5);
    expect(e0.std).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(res)).best).toEqual(res.best);
  });

  it("loops over a categorical factor and picks the best level; second round shrinks the box", async () => {
    const res = await boxBehnkenSearch({
      factors,
      categorical: { name: "zeta", levels: [1, 2, 3] },
      folds: 3,
      seed: 2,
      rounds: 2,
      design: { centerPoints: 1 },
      // Not quadratic in log10Reg (quartic term), so the first-round optimum is only approximate.
      evaluate: async (p) =>
        bowl(p) + zetaOffset[String(p["zeta"])]! + 0.02 * ((p["log10Reg"] as number) + 5) ** 4,
    });
    expect(res.rounds.length).toBe(2);
    expect(res.rounds[0]!.levels.length).toBe(3);
    expect(res.rounds[0]!.category).toBe(2);
    expect(res.rounds[1]!.levels.length).toBe(1);
    expect(res.best.params["zeta"]).toBe(2);
    // Round 1: 3 levels × (12 + 1) runs + 3 checks; round 2: 13 runs + 1 check.
    expect(res.evaluations.length).toBe(3 * 13 + 3 + 13 + 1);
    const r2f = res.rounds[1]!.factors;
    for (let i = 0; i < 3; i++) {
      expect(r2f[i]!.min).toBeGreaterThanOrEqual(factors[i]!.min);
      expect(r2f[i]!.max).toBeLessThanOrEqual(factors[i]!.max);
      // Half-width halved (shrink 0.5).
      expect(r2f[i]!.max - r2f[i]!.min).toBeCloseTo((factors[i]!.max - factors[i]!.min) / 2, 12);
    }
    // Second round's checked optimum is at least as good as the first round's (the true minimum is 1).
    const c1 = res.rounds[0]!.levels.find((l) => l.category === 2)!.check.mean;
    const c2 = res.rounds[1]!.levels[0]!.check.mean;
    expect(c2).toBeLessThanOrEqual(c1 + 1e-12);
    expect(res.best.mean).toBeLessThan(1.05);
  });

  it("records failed runs (EngineError) and fits the surface without them", async () => {
    const res = await boxBehnkenSearch({
      factors,
      folds: 2,
      seed: 3,
      evaluate: async (p) => {
        if ((p["rcut"] as number) === 6 && (p["sigma"] as number) === 0.6) {
          throw new EngineError("NotPositiveDefinite", "kernel matrix not positive definite");
        }
        return bowl(p);
      },
    });
    const failed = res.evaluations.filter((e) => e.error !== undefined);
    expect(failed.length).toBe(1);
    expect(failed[0]!.error).toMatch(/positive definite/);
    expect(Number.isNaN(failed[0]!.mean)).toBe(true);
    expect(res.surface.n).toBe(14);
    expect(res.best.params["rcut"] as number).toBeCloseTo(4.2, 8);
    await expect(
      boxBehnkenSearch({
        factors,
        folds: 2,
        seed: 3,
        evaluate: async () => {
          throw new TypeError("bug");
        },
      }),
    ).rejects.toThrow(TypeError);
  });
});
