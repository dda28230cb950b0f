import { describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { atomicNumber, elementOfLabel, symbolOf } from "../../src/core/elements.js";
import { EngineError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";

describe("elementOfLabel", () => {
  it("reads symbols and site labels, never a lower-case word as its initial", () => {
    const z = (t: string) => elementOfLabel(t);
    expect(["Li", "li", "Li1", "O12", "Ca2a", "Ob1", "OH1"].map(z)).toEqual([3, 3, 3, 8, 20, 8, 8]);
    // a lower-case word is not a label: these were read as N, I and C by the one-letter fallback
    expect(["nan", "inf", "constructor", "Xx", "1Li", ""].map(z)).toEqual(Array(6).fill(undefined));
  });
});

describe("Rng", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = Array.from({ length: 5 }, () => a.uniform());
    const xb = Array.from({ length: 5 }, () => b.uniform());
    const xc = Array.from({ length: 5 }, () => c.uniform());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it("gives normals with mean 0 and variance 1", () => {
    const r = new Rng(1);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    // 5 standard errors: 5/sqrt(n) ≈ 0.011 for the mean, 5*sqrt(2/n) ≈ 0.016 for the variance
    expect(Math.abs(s / n)).toBeLessThan(0.011);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.016);
  });

  it("makes proper rotations (orthogonal, det +1)", () => {
    const r = new Rng(7);
    for (let t = 0; t < 10; t++) {
      const R = r.rotation();
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
          let d = 0;
          for (let k = 0; k < 3; k++) d += R[i * 3 + k]! * R[j * 3 + k]!;
          expect(d).toBeCloseTo(i === j ? 1 : 0, 14);
        }
      const det =
        R[0]! * (R[4]! * R[8]! - R[5]! * R[7]!) -
        R[1]! * (R[3]! * R[8]! - R[5]! * R[6]!) +
        R[2]! * (R[3]! * R[7]! - R[4]! * R[6]!);
      expect(det).toBeCloseTo(1, 14);
    }
  });
});

describe("Structure", () => {
  it("validates shapes and periodicity", () => {
    expect(() => new Structure({ numbers: [1, 1], positions: [0, 0, 0] })).toThrow(EngineError);
    expect(() => new Structure({ numbers: [1], positions: [0, 0, 0], pbc: [true, true, true] })).toThrow(
      /no lattice/,
    );
    expect(() => new Structure({ numbers: [1], positions: [0, 0, Number.NaN] })).toThrow(/not finite/);
    const s = new Structure({
      numbers: [3, 8],
      positions: [0, 0, 0, 1, 1, 1],
      cell: [2, 0, 0, 0, 3, 0, 0, 0, 4],
    });
    expect(s.isPeriodic).toBe(true);
    expect(s.volume()).toBeCloseTo(24, 12);
    expect(s.symbols()).toEqual(["Li", "O"]);
  });

  it("maps symbols and atomic numbers both ways", () => {
    expect(atomicNumber("Ti")).toBe(22);
    expect(atomicNumber("li")).toBe(3);
    expect(symbolOf(8)).toBe("O");
    expect(() => atomicNumber("Xx")).toThrow(EngineError);
  });
});

describe("Dataset", () => {
  it("takes targets from per-atom arrays, masks non-finite values, splits by seed", () => {
    const structures = Array.from(
      { length: 10 },
      (_, k) =>
        new Structure({
          numbers: [3, 8],
          positions: [0, 0, 0, 1, 1, 1],
          arrays: { q: { ncols: 1, data: Float64Array.of(k, k === 3 ? Number.NaN : -k) } },
        }),
    );
    const d = Dataset.fromArrays(structures, ["q"]);
    expect(d.target("q").masks[3]).toEqual(Uint8Array.of(1, 0));
    const [a, b] = d.split(0.8, 5);
    const [a2] = d.split(0.8, 5);
    expect(a.length).toBe(8);
    expect(b.length).toBe(2);
    expect(a.structures).toEqual(a2.structures);
  });
});
