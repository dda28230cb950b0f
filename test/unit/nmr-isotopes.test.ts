import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import {
  CQ_HZ_PER_MB_AU,
  cqMHz,
  isotope,
  isotopeFor,
  parseIsotopeOverrides,
} from "../../src/nmr/isotopes.js";

describe("isotope table", () => {
  it("has the DESIGN.md values (Pyykkö 2008, as CASTEP) and spins", () => {
    const expected: [string, number, number][] = [
      ["7Li", -40.1, 1.5],
      ["47Ti", 302, 2.5],
      ["49Ti", 247, 3.5],
      ["17O", -25.58, 2.5],
      ["27Al", 146.6, 2.5],
      ["43Ca", -40.8, 3.5],
      ["23Na", 104, 1.5],
    ];
    for (const [name, q, spin] of expected) {
      const i = isotope(name);
      expect(i.qMb).toBe(q);
      expect(i.spin).toBe(spin);
    }
    expect(isotopeFor("Ti")!.name).toBe("47Ti"); // Harper et al. 2025
    expect(isotopeFor("Ti", { Ti: "49Ti" })!.name).toBe("49Ti");
    expect(isotope("ti47").name).toBe("47Ti");
    expect(isotopeFor("Og")).toBeNull();
  });

  it("CQ constant = 1 mb · E_h/(e a0²) · e / h from CODATA 2018", () => {
    const Eh = 4.3597447222071e-18; // J
    const a0 = 5.29177210903e-11; // m
    const h = 6.62607015e-34; // J s (exact)
    const k = (1e-31 * Eh) / (a0 * a0) / h; // Hz per (mb · a.u.)
    expect(Math.abs(CQ_HZ_PER_MB_AU / k - 1)).toBeLessThan(1e-7); // the constant is given to 8 digits
    expect(cqMHz(1, 100)).toBeCloseTo(23.496478, 12);
  });

  it("overrides are validated", () => {
    expect(parseIsotopeOverrides(["Ti=49Ti", "O=17O,Li=6Li"])).toEqual({ Ti: "49Ti", O: "17O", Li: "6Li" });
    expect(() => parseIsotopeOverrides("Ti=17O")).toThrow(EngineError);
    expect(() => parseIsotopeOverrides("Ti49Ti")).toThrow(/EL=ISOTOPE/);
    expect(() => isotope("300Xx")).toThrow(/unknown isotope/);
  });
});
