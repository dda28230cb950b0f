import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ewaldEfg } from "../../src/datasets/ewald.js";
import { lto42Orderings, ltoSpecies } from "../../src/datasets/lto.js";

/** shared reference: 6 ideal orderings of Li8Ti10O24 with bare point-charge EFGs (a.u., 8 decimals). */
const REF = JSON.parse(
  readFileSync(
    new URL("../../../shared/data/lto/lto42_ideal_configs_pointcharge.json", import.meta.url),
    "utf8",
  ),
) as {
  lattice_A: number[][];
  frac_positions: number[][];
  wyckoff: string[];
  configs: {
    id: number;
    li_16d_site_indices: number[];
    multiplicity_of_66: number;
    stabiliser_ops_of_36: number;
    species: string[];
    point_charge_efg_au_bare: number[][][];
  }[];
};
const Q: Record<string, number> = { Li: 1, Ti: 4, O: -2 };

describe("LTO 42-atom reference (shared/data/lto/lto42_ideal_configs_pointcharge.json)", () => {
  it("Ewald EFG of each reference configuration equals the stored tensors", () => {
    const cell = REF.lattice_A.flat();
    const pos = REF.frac_positions.flatMap((f) =>
      [0, 1, 2].map((c) => f[0]! * cell[c]! + f[1]! * cell[3 + c]! + f[2]! * cell[6 + c]!),
    );
    for (const c of REF.configs) {
      const v = ewaldEfg(
        cell,
        pos,
        c.species.map((s) => Q[s]!),
      );
      const ref = c.point_charge_efg_au_bare.flatMap((t) => t.flat());
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(v[i]! - ref[i]!));
      // the reference is rounded to 8 decimals (±5e-9)
      expect(worst).toBeLessThan(1e-8);
    }
  });

  it("our spinel builder, symmetry finder and orderings reproduce the reference cell, orbits and tensors", () => {
    const ord = lto42Orderings();
    const host = ord.host;
    expect(ord.groupOrder).toBe(36);
    // map reference atoms onto our host atoms by fractional position (both in the same hexagonal cell)
    const map = REF.frac_positions.map((f) => {
      for (let i = 0; i < host.sites.length; i++) {
        let ok = true;
        for (let c = 0; c < 3; c++) {
          const d = f[c]! - host.frac[3 * i + c]!;
          if (Math.abs(d - Math.round(d)) > 1e-8) ok = false; // reference has 10 decimals
        }
        if (ok) return i;
      }
      return -1;
    });
    expect(map.every((i) => i >= 0)).toBe(true);
    expect(new Set(map).size).toBe(42);
    expect(map.map((i) => host.sites[i])).toEqual(REF.wyckoff);
    for (const c of REF.configs) {
      // reference Li 16d atoms → our 16d indices → our orbit
      const mine = c.li_16d_site_indices.map((a) => ord.sites16d.indexOf(map[a]!)).sort((x, y) => x - y);
      const cls = ord.classes.find((k) => k.members.some((m) => m[0] === mine[0] && m[1] === mine[1]));
      expect(cls).toBeDefined();
      expect(cls!.members.length).toBe(c.multiplicity_of_66);
      expect(cls!.stabiliser).toBe(c.stabiliser_ops_of_36);
      // EFG of our ideal structure for this placement, compared atom by atom
      const sp = ltoSpecies(ord, mine);
      expect(map.map((i) => sp[i])).toEqual(c.species);
      const v = ewaldEfg(
        host.cell,
        host.positions,
        sp.map((s) => Q[s]!),
      );
      let worst = 0;
      map.forEach((i, r) => {
        const t = c.point_charge_efg_au_bare[r]!.flat();
        for (let k = 0; k < 9; k++) worst = Math.max(worst, Math.abs(v[9 * i + k]! - t[k]!));
      });
      expect(worst).toBeLessThan(1e-8); // 8-decimal reference
    }
  });
});
