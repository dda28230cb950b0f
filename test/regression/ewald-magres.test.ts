import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { symbolOf } from "../../src/core/elements.js";
import { ewaldEfg } from "../../src/datasets/ewald.js";
import { readMagres } from "../../src/io/magres.js";

/**
 * CASTEP splits the EFG into efg_local, efg_nonlocal and the ionic part; the ionic part is exactly the Ewald
 * EFG of the pseudo-ion (valence) charges. Valence charges of the usual CASTEP on-the-fly pseudopotentials
 * (none of the shared CASTEP files with efg_local/efg_nonlocal has calc_pspot lines, so the table is used).
 */
const VALENCE: Record<string, number> = { O: 6, Si: 4, Al: 3, Ca: 10, Na: 9, Cl: 7, H: 1, C: 4, N: 5, Li: 3 };
const DATA = fileURLToPath(new URL("../../../shared/data/magres/", import.meta.url));

function charges(s: ReturnType<typeof readMagres>): number[] {
  return Array.from(s.numbers, (z) => {
    const q = VALENCE[symbolOf(z)];
    if (q === undefined) throw new Error(`no valence charge for ${symbolOf(z)}`);
    return q;
  });
}

function ionicResidual(file: string): { worst: number; perAtom: number[]; scale: number } {
  const s = readMagres(file);
  const efg = s.numericArray("efg")!.data;
  const loc = s.numericArray("efg_local")!.data;
  const nl = s.numericArray("efg_nonlocal")!.data;
  const v = ewaldEfg(s.cell!, s.positions, charges(s));
  const perAtom: number[] = [];
  let scale = 0;
  for (let i = 0; i < s.length; i++) {
    let w = 0;
    for (let c = 0; c < 9; c++) {
      const ionic = efg[9 * i + c]! - loc[9 * i + c]! - nl[9 * i + c]!;
      scale = Math.max(scale, Math.abs(ionic));
      w = Math.max(w, Math.abs(v[9 * i + c]! - ionic));
    }
    perAtom.push(w);
  }
  return { worst: Math.max(...perAtom), perAtom, scale };
}

describe("CASTEP efg − efg_local − efg_nonlocal = Ewald EFG of the valence charges", () => {
  for (const f of ["magresview/NaClO3.magres", "magresview/glycine.magres", "soprano/ethanol.magres"]) {
    it(f, () => {
      const r = ionicResidual(DATA + f);
      // < 1e-6 a.u. required; observed ~2e-8 (CASTEP's physical constants and printed digits)
      expect(r.worst).toBeLessThan(1e-6);
      expect(r.scale).toBeGreaterThan(0.1); // the ionic part is large, so the check has teeth
    });
  }

  it("gehlenite: all 40 cells × 288 atoms", () => {
    const files = ["low", "orig"].flatMap((d) =>
      readdirSync(`${DATA}gehlenite/${d}`)
        .filter((n) => n.endsWith(".magres.gz"))
        .map((n) => `${DATA}gehlenite/${d}/${n}`),
    );
    expect(files.length).toBe(40);
    const bad: string[] = [];
    for (const f of files) {
      const r = ionicResidual(f);
      expect(r.scale).toBeGreaterThan(0.1);
      r.perAtom.forEach((w, i) => {
        if (w >= 1e-6) bad.push(`${f.split("/").slice(-2).join("/")}:${i}`);
      });
    }
    // Known defect of the source data: in low/T1Si0a the stored tensors of atoms 7 and 10 (O8, O11) are not
    // consistent with their stored positions (residuals 0.13 and 0.01 a.u.; all other 11 518 atoms < 1e-8).
    expect(bad).toEqual(["low/T1Si0a.magres.gz:7", "low/T1Si0a.magres.gz:10"]);
  });
});
