/**
 * Issue 11, items 5, 6: numbers that came out silently wrong — predictive variances that collapse when the
 * targets have no spread, and targets without the requested λ part (r = 1.0000 on an all-zero target).
 */
import { describe, expect, it } from "vitest";
import { register as registerFit } from "../../cli/commands/fit.js";
import { Dataset } from "../../src/core/dataset.js";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import { GprModel, SIGNAL_STD_FLOOR } from "../../src/gpr/gpr.js";
import { parseTarget } from "../../src/gpr/targets.js";
import { runCommand } from "../helpers/cli.js";

const F0 = 6;
const arraysDesc = { kind: "arrays" } as const;

/** Li atoms whose λ=0 features (feat0) are random unit vectors in the first F0−1 coordinates, target `q`. */
function liData(seed: number, nStruct: number, q: (i: number) => number, extra = {}): Dataset {
  const rng = new Rng(seed);
  const structures = Array.from({ length: nStruct }, (_, s) => {
    const feat0 = new Float64Array(2 * F0);
    for (let i = 0; i < 2; i++) {
      let nrm = 0;
      for (let p = 0; p < F0 - 1; p++) nrm += (feat0[i * F0 + p] = rng.normal()) ** 2;
      for (let p = 0; p < F0; p++) feat0[i * F0 + p]! /= Math.sqrt(nrm);
    }
    return new Structure({
      numbers: [3, 3],
      positions: [0, 0, 0, 0, 0, 2],
      arrays: {
        feat0: { ncols: F0, data: feat0 },
        q: { ncols: 1, data: Float64Array.of(q(2 * s), q(2 * s + 1)) },
        ...extra,
      },
    });
  });
  return Dataset.fromArrays(structures, ["q"]);
}

/** One Li atom whose feature is the unit vector e_{F0−1}, orthogonal to every training feature: k* = 0. */
function farStructure(): Structure {
  const feat0 = new Float64Array(F0);
  feat0[F0 - 1] = 1;
  return new Structure({ numbers: [3], positions: [0, 0, 0], arrays: { feat0: { ncols: F0, data: feat0 } } });
}

describe("item 5: predictive variance with targets that have no spread", () => {
  it("is floored at (1e-3 × RMS target)² far from the data, with a fit-time warning", async () => {
    const m = new GprModel({ species: 3, lambda: 0, target: "q", reg: 1e-6, descriptor: arraysDesc });
    const report = await m.fit(liData(1, 8, () => 5));
    expect(report.notes.join("\n")).toMatch(/targets have no spread/);
    const floor = (SIGNAL_STD_FLOOR * 5) ** 2;
    // the floor is (1e-3)²·mean(y²): a few ulps from (1e-3·5)² by the order of the products
    expect(Math.abs((report.signalVariance as number) - floor)).toBeLessThan(1e-15 * floor);
    const pr = await m.predict([farStructure()]);
    expect(pr.mean[0]).toBeCloseTo(5, 12);
    // k* = 0 and k(x,x) = 1, so the variance of an observation is exactly ŝ²·(1 + reg) (was ~1e-18 before the
    // floor; reg as given: no likelihood to maximise without spread); 1e-12 relative covers the one multiplication
    // and the Cholesky solve of a zero right-hand side
    expect(report.reg).toBe(1e-6);
    expect(Math.abs(pr.variance![0]! - floor * (1 + 1e-6))).toBeLessThan(1e-12 * floor);
  });

  it("leaves the ML estimate alone when the targets have spread", async () => {
    const m = new GprModel({ species: 3, lambda: 0, target: "q", reg: 1e-6, descriptor: arraysDesc });
    const report = await m.fit(liData(2, 8, (i) => 5 + Math.sin(i)));
    expect(report.notes.join("\n")).not.toMatch(/no spread/);
    expect(report.signalVariance as number).toBeGreaterThan((SIGNAL_STD_FLOOR * 5) ** 2);
  });
});

describe("item 6: targets without the requested λ part", () => {
  it("refuses efg at λ=0 and λ=1 and says which λ each target has", () => {
    for (const l of [0, 1]) {
      expect(() => parseTarget("efg", l)).toThrow(/efg: λ=2 only; ms .*λ=0 .*1 .*2.*scalar.*λ=0/);
    }
    expect(parseTarget("efg", 2).components).toBe(5);
    expect(parseTarget("ms", 1).components).toBe(3);
    expect(parseTarget("efg:cq", 0).components).toBe(1);
  });

  it("fit --lambda 1 --target efg fails before reading any data", async () => {
    await expect(
      runCommand(
        registerFit,
        "fit --lambda 1 --target efg --species Li --data nowhere.xyz --out m.model".split(" "),
      ),
    ).rejects.toThrow(/no λ=1 part/);
  });

  it("refuses a target that is identically zero on every environment (any name)", async () => {
    const zero = new GprModel({ species: 3, lambda: 0, target: "q", descriptor: arraysDesc });
    await expect(zero.fit(liData(3, 4, () => 0))).rejects.toThrow(/'q' at λ=0 is identically zero/);
    // λ=1 of a symmetric shielding tensor: the antisymmetric part is zero
    const rng = new Rng(4);
    const sym = new Float64Array(18);
    for (let a = 0; a < 2; a++)
      for (let i = 0; i < 3; i++)
        for (let j = i; j < 3; j++) sym[a * 9 + i * 3 + j] = sym[a * 9 + j * 3 + i] = 100 * rng.normal();
    const s = new Structure({
      numbers: [3, 3],
      positions: [0, 0, 0, 0, 0, 2],
      arrays: { ms: { ncols: 9, data: sym } },
    });
    const ms1 = new GprModel({ species: 3, lambda: 1, target: "ms", descriptor: arraysDesc });
    await expect(ms1.fit(Dataset.fromArrays([s], ["ms"]))).rejects.toThrow(/'ms' at λ=1 is identically zero/);
  });
});
