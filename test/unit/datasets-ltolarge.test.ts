import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import {
  annealOrdering,
  ewaldEnergy,
  generateLtoLarge,
  ltoMonteCarloSetup,
} from "../../src/datasets/ltoLarge.js";
import { POINT_CHARGE_MODEL } from "../../src/datasets/lto.js";
import { formatExtxyz } from "../../src/io/extxyz.js";

describe("1512-atom LTO cells", () => {
  const mc = ltoMonteCarloSetup(3);
  const energyOf = (isLi: Uint8Array): number => {
    const q = mc.host.sites.map((s) => (s === "8a" ? 1 : s === "32e" ? -2 : 4));
    mc.sites16d.forEach((a, k) => {
      if (isLi[k]) q[a] = 1;
    });
    return ewaldEnergy(mc.host.cell, mc.host.positions, q);
  };

  it("has 216 8a, 432 16d, 864 32e sites", () => {
    expect(mc.host.sites.length).toBe(1512);
    expect(mc.sites16d.length).toBe(432);
    expect(mc.host.sites.filter((s) => s === "8a").length).toBe(216);
  });

  it("Monte Carlo energy bookkeeping equals direct Ewald energies, and annealing lowers the energy", () => {
    const rng = new Rng(3);
    const isLi = new Uint8Array(432);
    for (const k of rng.shuffle([...Array(432).keys()]).slice(0, 72)) isLi[k] = 1;
    const e0 = energyOf(isLi);
    const r = annealOrdering(mc, isLi, rng, { tStart: 5000, tEnd: 300, sweeps: 3 });
    const e1 = energyOf(isLi);
    expect(isLi.reduce((s, x) => s + x, 0)).toBe(72);
    expect(r.acceptance).toBeGreaterThan(0);
    // |E| ≈ 5e4 eV; both sums converged to ~1e-10 relative, so 1e-4 eV is round-off level
    expect(Math.abs(e1 - e0 - r.deltaE)).toBeLessThan(1e-4);
    expect(r.deltaE).toBeLessThan(-10);
  });

  it("generates seeded, byte-identical cells with site labels", () => {
    const opts = { cells: 1, seed: 5, sweeps: 2, efg: false, rattle: 0.05 };
    const a = generateLtoLarge(opts);
    const b = generateLtoLarge(opts);
    expect(formatExtxyz(a.structures) === formatExtxyz(b.structures)).toBe(true);
    const s = a.structures[0]!;
    expect(a.summary.composition).toEqual({ Li: 288, Ti: 360, O: 864 });
    expect(s.info.model).toBe(POINT_CHARGE_MODEL);
    const site = s.arrays.get("site")!.data as string[];
    const sym = s.symbols();
    // 8a is all Li, 32e all O, 16d holds 72 Li and 360 Ti
    expect(sym.filter((x, i) => site[i] === "8a" && x === "Li").length).toBe(216);
    expect(sym.filter((x, i) => site[i] === "16d" && x === "Li").length).toBe(72);
    expect(sym.filter((x, i) => site[i] === "32e" && x === "O").length).toBe(864);
    expect(() => generateLtoLarge({ cells: 0 })).toThrow(/cells/);
  });
});
