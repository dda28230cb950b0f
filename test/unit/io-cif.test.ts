import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import type { Structure } from "../../src/core/structure.js";
import { cellFromParameters, parseCif, parseSymOp, readCif } from "../../src/io/cif.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, "../fixtures/io");

/** All distances (Å) from atom i to every atom (periodic images within ±1 cell), sorted — brute force. */
function distancesFrom(s: Structure, i: number): { d: number; j: number }[] {
  const out: { d: number; j: number }[] = [];
  const c = s.cell!;
  const p = s.positions;
  for (let j = 0; j < s.length; j++) {
    for (let a = -1; a <= 1; a++) {
      for (let b = -1; b <= 1; b++) {
        for (let g = -1; g <= 1; g++) {
          let d2 = 0;
          for (let k = 0; k < 3; k++) {
            const x = p[3 * j + k]! + a * c[k]! + b * c[3 + k]! + g * c[6 + k]! - p[3 * i + k]!;
            d2 += x * x;
          }
          if (d2 > 1e-12) out.push({ d: Math.sqrt(d2), j });
        }
      }
    }
  }
  return out.sort((u, v) => u.d - v.d);
}

function expectError(fn: () => unknown, file: string, line: number, field: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EngineError);
  const e = err as EngineError;
  expect({ file: e.file, line: e.line, field: e.field }).toEqual({ file, line, field });
}

describe("CIF: Li4Ti5O12 spinel (Fd-3m origin choice 2)", () => {
  const a = 8.3595;
  const x = 0.2625;
  // Li(8a) at (1/8,1/8,1/8) to O at (x,x,x): |(x-1/8)(1,1,1)| a
  const rTet = a * Math.sqrt(3) * (x - 0.125);
  // 16d at (1/4,1/4,1/2) to O at (x,x,x) = (1/4+δ)(1,1,1): |(δ, δ, δ-1/4)| a  (= a·sqrt(3x²-2x+3/8))
  const delta = x - 0.25;
  const rOct = a * Math.hypot(delta, delta, 0.25 - delta);
  const s = readCif(path.join(fixtures, "Li4Ti5O12_spinel.cif"));
  const sym = s.symbols();

  it("expands to 8 Li(8a) + 16 mixed 16d sites + 32 O", () => {
    expect(s.length).toBe(56);
    expect(sym.filter((e) => e === "O").length).toBe(32);
    expect(s.labels!.filter((l) => l === "Li1").length).toBe(8);
    // the 16d sites carry the majority species Ti (occupancy 5/6); the Li/Ti mixing is recorded
    expect(s.labels!.filter((l) => l === "Ti1").length).toBe(16);
    const occ = s.numericArray("occupancy")!.data;
    s.labels!.forEach((l, i) => {
      expect(occ[i]).toBe(l === "Ti1" ? 0.83333 : 1);
    });
    expect(s.info["mixedSites"]).toEqual([
      { labels: ["Li2", "Ti1"], species: ["Li", "Ti"], occupancies: [0.16667, 0.83333], count: 16 },
    ]);
    expect(Array.from(s.cell!)).toEqual([a, 0, 0, 0, a, 0, 0, 0, a]);
    // without merging, Li2 and Ti1 both occupy all 16 positions
    expect(readCif(path.join(fixtures, "Li4Ti5O12_spinel.cif"), { mergeMixed: false }).length).toBe(72);
  });

  it("nearest-neighbour distances match the analytic values from a and x", () => {
    // 1e-9 Å: positions are fractions times a, so only float64 round-off separates them from the formulas
    const tol = 1e-9;
    for (let i = 0; i < s.length; i++) {
      const d = distancesFrom(s, i);
      if (s.labels![i] === "Li1") {
        for (let k = 0; k < 4; k++) {
          expect(sym[d[k]!.j]).toBe("O");
          expect(Math.abs(d[k]!.d - rTet)).toBeLessThan(tol);
        }
        expect(d[4]!.d).toBeGreaterThan(rTet + 1);
      } else if (s.labels![i] === "Ti1") {
        for (let k = 0; k < 6; k++) {
          expect(sym[d[k]!.j]).toBe("O");
          expect(Math.abs(d[k]!.d - rOct)).toBeLessThan(tol);
        }
        expect(d[6]!.d).toBeGreaterThan(rOct + 0.5);
      } else {
        // each O: one 8a Li and three 16d neighbours
        const near = d.filter((u) => u.d < 2.2 && sym[u.j] !== "O");
        expect(near.map((u) => s.labels![u.j]).sort()).toEqual(["Li1", "Ti1", "Ti1", "Ti1"]);
      }
    }
    // sanity of the literature-style numbers: both bond lengths ~1.99 Å
    expect(rTet).toBeCloseTo(1.9909, 3);
    expect(rOct).toBeCloseTo(1.9909, 3);
  });
});

describe("CIF: NaCl rock salt (Fm-3m, _space_group_symop_operation_xyz, uncertainties)", () => {
  const s = readCif(path.join(fixtures, "NaCl_rocksalt.cif"));
  it("expands to 4 Na + 4 Cl with Na–Cl = a/2 (6 neighbours)", () => {
    expect(s.length).toBe(8);
    expect(s.symbols().filter((e) => e === "Na").length).toBe(4);
    expect(s.cell![0]).toBe(5.6402);
    for (let i = 0; i < s.length; i++) {
      const d = distancesFrom(s, i);
      for (let k = 0; k < 6; k++) {
        expect(s.numbers[d[k]!.j]).not.toBe(s.numbers[i]);
        expect(Math.abs(d[k]!.d - 5.6402 / 2)).toBeLessThan(1e-12); // exact halves of a
      }
      expect(d[6]!.d).toBeCloseTo(5.6402 / Math.SQRT2, 12);
    }
    expect(s.info["spacegroup"]).toBe("F m -3 m");
  });
});

describe("CIF building blocks", () => {
  it("parses symmetry operations in the usual spellings", () => {
    const w = { file: "f", line: 1, field: "op" };
    expect(parseSymOp("-x+1/2, y, -z", w)).toEqual({ R: [-1, 0, 0, 0, 1, 0, 0, 0, -1], t: [0.5, 0, 0] });
    expect(parseSymOp("1/2+x,x-y,0.25-z", w)).toEqual({
      R: [1, 0, 0, 1, -1, 0, 0, 0, -1],
      t: [0.5, 0, 0.25],
    });
    expect(parseSymOp("+Y,-X+Y,Z+2/3", w)).toEqual({ R: [0, 1, 0, -1, 1, 0, 0, 0, 1], t: [0, 0, 2 / 3] });
    expect(() => parseSymOp("x,y", w)).toThrow(EngineError);
    expect(() => parseSymOp("x,y,q", w)).toThrow(EngineError);
  });

  it("builds the cell in the standard orientation (a ∥ x, b in xy) with the right lengths and angles", () => {
    const c = cellFromParameters(5, 6, 7, 80, 95, 110);
    const v = (i: number) => [c[3 * i]!, c[3 * i + 1]!, c[3 * i + 2]!];
    const dot = (p: number[], q: number[]) => p[0]! * q[0]! + p[1]! * q[1]! + p[2]! * q[2]!;
    const len = (p: number[]) => Math.sqrt(dot(p, p));
    const ang = (p: number[], q: number[]) => (Math.acos(dot(p, q) / (len(p) * len(q))) * 180) / Math.PI;
    expect([c[1], c[2], c[5]]).toEqual([0, 0, 0]);
    // 1e-12: float64 round-off in cos/sin/acos
    expect(Math.abs(len(v(0)) - 5) + Math.abs(len(v(1)) - 6) + Math.abs(len(v(2)) - 7)).toBeLessThan(1e-12);
    expect(ang(v(1), v(2))).toBeCloseTo(80, 10);
    expect(ang(v(0), v(2))).toBeCloseTo(95, 10);
    expect(ang(v(0), v(1))).toBeCloseTo(110, 10);
    expect(c[8]).toBeGreaterThan(0); // right-handed
  });

  it("reads a P1 CIF without symmetry operations, quoted values, text fields and comments", () => {
    const t = `# comment
data_test
_cell_length_a 3
_cell_length_b 4
_cell_length_c 5
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_publ_section_title
;
A multi-line
title
;
_chemical_name_common 'it''s quoted'
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
O1a 0.1 0.2 0.3 # trailing comment
Ca2 0.5(1) 0.5 0.5
`;
    const s = parseCif(t, "p1.cif");
    expect(s.symbols()).toEqual(["O", "Ca"]);
    expect(s.positions[0]).toBeCloseTo(0.3, 15);
    expect(s.positions[5]).toBe(2.5);
  });
});

describe("CIF bad input", () => {
  const head = `data_x
_cell_length_a 4
_cell_length_b 4
_cell_length_c 4
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
`;
  const sites =
    "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nO1 0 0 0\n";
  it("missing and non-numeric cell parameters", () => {
    expectError(
      () => parseCif(head.replace("_cell_length_b 4\n", "") + sites, "m.cif"),
      "m.cif",
      1,
      "_cell_length_b",
    );
    expectError(
      () => parseCif(head.replace("_cell_length_c 4", "_cell_length_c four") + sites, "m.cif"),
      "m.cif",
      4,
      "_cell_length_c",
    );
  });
  it("wrong column count in a loop", () => {
    expectError(() => parseCif(`${head}${sites}O2 0.5 0.5\n`, "c.cif"), "c.cif", 14, "_atom_site_label");
  });
  it("non-numeric coordinate and bad symmetry operation", () => {
    expectError(
      () => parseCif(head + sites.replace("O1 0 0 0", "O1 0 zero 0"), "n.cif"),
      "n.cif",
      13,
      "_atom_site_fract_y",
    );
    expectError(
      () => parseCif(`${head}loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'-x,w,z'\n${sites}`, "n.cif"),
      "n.cif",
      11,
      "_symmetry_equiv_pos_as_xyz",
    );
  });
  it("space group without operations", () => {
    expectError(
      () => parseCif(`${head}_symmetry_space_group_name_H-M 'F m -3 m'\n${sites}`, "s.cif"),
      "s.cif",
      8,
      "_space_group_symop_operation_xyz",
    );
  });
});
