import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BOHR_ANGSTROM, ewaldEfg } from "../../src/datasets/ewald.js";

/** k_e used by tools/ref_efg_ewald.py (V·Å/e); undoing it exactly converts the tool's V/Å² back to e/Å³. */
const KE_REF = 14.399645;
const A3 = BOHR_ANGSTROM ** 3;

interface Fixture {
  input: { cell: number[][]; positions: number[][]; charges: number[] };
  efg: number[][][];
  alpha_spread: number;
}

function load(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/ewald/${name}.json`, import.meta.url), "utf8"));
}

describe("Ewald EFG vs tools/ref_efg_ewald.py", () => {
  for (const name of ["cubic-like", "triclinic", "triclinic-skewed", "charged-cell"]) {
    it(`${name}: every tensor component within 1e-9 a.u.`, () => {
      const f = load(name);
      const cell = f.input.cell.flat();
      const pos = f.input.positions.flat();
      const v = ewaldEfg(cell, pos, f.input.charges);
      let worst = 0;
      let scale = 0;
      f.efg.forEach((t, s) => {
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const ref = (t[i]![j]! / KE_REF) * A3;
            scale = Math.max(scale, Math.abs(ref));
            worst = Math.max(worst, Math.abs(v[9 * s + 3 * i + j]! - ref));
          }
        }
      });
      // 1e-9 a.u.: the requirement; the reference itself is converged to alpha_spread (< 1e-12 V/Å²)
      expect(worst).toBeLessThan(1e-9);
      expect(scale).toBeGreaterThan(1e-2); // the tensors are not trivially zero
    });
  }
});
