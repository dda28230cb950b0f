import { describe, expect, it } from "vitest";
import { ewaldEfg } from "../../src/datasets/ewald.js";
import {
  DEFAULT_STERNHEIMER,
  efgPrincipal,
  generateLto,
  lto42Orderings,
  POINT_CHARGE_MODEL,
  symEigenvalues3,
} from "../../src/datasets/lto.js";
import { findSymmetryOps, spinelConventional } from "../../src/datasets/spinel.js";
import { formatExtxyz, parseExtxyz } from "../../src/io/extxyz.js";

describe("spinel Li4Ti5O12 host", () => {
  it("has the spinel coordination: O bonded to one 8a and three 16d sites", () => {
    const h = spinelConventional();
    expect(h.sites.filter((s) => s === "8a").length).toBe(8);
    expect(h.sites.filter((s) => s === "16d").length).toBe(16);
    expect(h.sites.filter((s) => s === "32e").length).toBe(32);
    const a = h.cell[0]!;
    const n = h.sites.length;
    for (let i = 0; i < n; i++) {
      if (h.sites[i] !== "32e") continue;
      const near: string[] = [];
      for (let j = 0; j < n; j++) {
        let d2 = 0;
        for (let c = 0; c < 3; c++) {
          let d = h.frac[3 * j + c]! - h.frac[3 * i + c]!;
          d -= Math.round(d);
          d2 += (d * a) ** 2;
        }
        if (j !== i && d2 < 2.2 ** 2) near.push(h.sites[j]!);
      }
      expect(near.sort()).toEqual(["16d", "16d", "16d", "8a"]);
    }
  });

  it("conventional cell has the 192 operations of Fd-3m modulo translations (48 × 4 centrings)", () => {
    const h = spinelConventional();
    expect(findSymmetryOps(h.cell, h.frac, h.sites).length).toBe(192);
  });
});

describe("Li/Ti orderings of Li8Ti10O24", () => {
  it("66 placements fall into orbits 3+18+9+9+18+9 under the 36 operations of the cell", () => {
    const o = lto42Orderings();
    expect(o.host.sites.length).toBe(42);
    expect(o.sites16d.length).toBe(12);
    expect(o.groupOrder).toBe(36);
    const sizes = o.classes.map((c) => c.members.length);
    expect(sizes.reduce((s, x) => s + x, 0)).toBe(66);
    expect([...sizes].sort((a, b) => a - b)).toEqual([3, 9, 9, 9, 18, 18]);
    for (const c of o.classes) expect(c.members.length * c.stabiliser).toBe(36); // orbit–stabiliser theorem
  });
});

describe("generateLto", () => {
  const small = generateLto({ structures: 12, seed: 42 });

  it("is byte-identical for the same seed and differs for another", () => {
    const a = formatExtxyz(small.structures, { precision: 10 });
    const b = formatExtxyz(generateLto({ structures: 12, seed: 42 }).structures, { precision: 10 });
    const c = formatExtxyz(generateLto({ structures: 12, seed: 43 }).structures, { precision: 10 });
    expect(a === b).toBe(true);
    expect(a === c).toBe(false);
  });

  it("writes composition, site labels, the model header and all parameters", () => {
    expect(small.summary.tensors).toBe(12 * 42);
    expect(small.summary.orderings.map((o) => o.structures)).toEqual([2, 2, 2, 2, 2, 2]);
    for (const s of small.structures) {
      const sym = s.symbols();
      expect(sym.filter((x) => x === "Li").length).toBe(8);
      expect(sym.filter((x) => x === "Ti").length).toBe(10);
      expect(sym.filter((x) => x === "O").length).toBe(24);
      expect(s.info.model).toBe(POINT_CHARGE_MODEL);
      for (const k of ["seed", "ordering", "lattice_scale", "rattle_sigma_A", "charges", "sternheimer"]) {
        expect(s.info[k]).toBeDefined();
      }
    }
    const back = parseExtxyz(formatExtxyz(small.structures.slice(0, 2)));
    expect(back[0]!.info.model).toBe(POINT_CHARGE_MODEL);
    expect(back[0]!.arrays.get("site")!.data[0]).toBe("8a");
  });

  it("EFG equals the Ewald EFG of formal charges times the per-species factor", () => {
    const s = small.structures[5]!;
    const bare = ewaldEfg(
      s.cell!,
      s.positions,
      Array.from(s.symbols(), (x) => ({ Li: 1, Ti: 4, O: -2 })[x]!),
    );
    const efg = s.numericArray("efg")!.data;
    s.symbols().forEach((x, i) => {
      const f = DEFAULT_STERNHEIMER[x]!;
      // the generator sums to tolerance 1e-12 (s ≈ 5.3), this reference to 1e-14: differences ~1e-12 × f
      for (let c = 0; c < 9; c++)
        expect(Math.abs(efg[9 * i + c]! - f * bare[9 * i + c]!)).toBeLessThan(1e-10);
    });
  });

  it("respects the minimum distances and spreads bond lengths", () => {
    const d = small.summary.distances;
    expect(d["O-Ti"]!.min).toBeGreaterThanOrEqual(1.5);
    expect(d["O-O"]!.min).toBeGreaterThanOrEqual(2.1);
    expect(d["Ti-Ti"]!.min).toBeGreaterThanOrEqual(2.3);
    // ideal Ti–O is 2.0 Å; rattling must spread the first shell by several tenths of an Å
    expect(d["O-Ti"]!.min).toBeLessThan(1.8);
  });

  it("rejects bad parameters", () => {
    expect(() => generateLto({ structures: 0 })).toThrow(/structures/);
    expect(() => generateLto({ rattleMin: 0.3, rattleMax: 0.1 })).toThrow(/rattle/);
  });
});

describe("EFG principal values", () => {
  it("sorts |Vxx| ≤ |Vyy| ≤ |Vzz| and gives η ∈ [0, 1]", () => {
    // diag(1, 2, −3): Vzz = −3, η = (1 − 2)/(−3) = 1/3
    const p = efgPrincipal([1, 0, 0, 0, 2, 0, 0, 0, -3]);
    expect(p.vzz).toBeCloseTo(-3, 14);
    expect(p.eta).toBeCloseTo(1 / 3, 14);
    // a rotated tensor has the same eigenvalues
    const ev = symEigenvalues3([2, 1, 0, 1, 2, 0, 0, 0, -4]).sort((a, b) => a - b);
    expect(ev[0]).toBeCloseTo(-4, 13);
    expect(ev[1]).toBeCloseTo(1, 13);
    expect(ev[2]).toBeCloseTo(3, 13);
  });
});
