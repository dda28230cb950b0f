/** Issue 11, item 7: `nmr` printed Vzz 0, η 0 for EFG entries of 1e308; overflow is now an error naming the atom. */
import { describe, expect, it } from "vitest";
import { Structure } from "../../src/core/structure.js";
import { efgParams } from "../../src/nmr/efg.js";
import { nmrSites } from "../../src/nmr/sites.js";

describe("item 7: EFG tensors that overflow", () => {
  const efgStructure = (scale: number) => {
    const t = [0.1, 0.02, -0.03, 0.02, 0.25, 0.01, -0.03, 0.01, -0.35].map((x) => x * scale);
    return new Structure({
      numbers: [3, 8],
      positions: [0, 0, 0, 0, 0, 2],
      arrays: { efg: { ncols: 9, data: Float64Array.from([...t, ...t]) } },
    });
  };

  it("entries of 1e308 are an error naming the atom and the file, not Vzz 0, η 0", () => {
    const s = efgStructure(1e308); // entries 1e308·x: finite, but their squares overflow
    expect(() => nmrSites(s, { file: "big.extxyz" })).toThrow(
      /big\.extxyz.*atom Li1 \(index 0\): efg tensor .*overflow/,
    );
    const inf = efgStructure(1).with({
      arrays: {
        efg: { ncols: 9, data: Float64Array.from({ length: 18 }, (_, k) => (k === 13 ? Infinity : 0.1)) },
      },
    });
    expect(() => nmrSites(inf, { file: "inf.xyz" })).toThrow(
      /atom O2 \(index 1\): efg tensor entry 5 of 9 is Infinity/,
    );
  });

  it("large but representable tensors still give exact, scaled observables", () => {
    const [a] = nmrSites(efgStructure(1));
    const [b] = nmrSites(efgStructure(1e100));
    // Vzz is linear in the tensor and η scale-invariant; Jacobi is accurate to a few ulps (1e-12 relative)
    expect(Math.abs(b!.efg!.vzz / 1e100 - a!.efg!.vzz)).toBeLessThan(1e-12 * Math.abs(a!.efg!.vzz));
    expect(b!.efg!.eta).toBeCloseTo(a!.efg!.eta, 12);
    expect(efgParams(efgStructure(1).arrays.get("efg")!.data as Float64Array, 0, null).vzz).toBe(a!.efg!.vzz);
  });

  it("an unknown tensor (all NaN) is still reported as missing, not an error", () => {
    const s = efgStructure(1).with({
      arrays: { efg: { ncols: 9, data: new Float64Array(18).fill(Number.NaN) } },
    });
    expect(Number.isNaN(nmrSites(s)[0]!.efg!.vzz)).toBe(true);
  });
});
