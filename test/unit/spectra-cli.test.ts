import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { register } from "../../cli/commands/spectrum.js";
import { symbolOf } from "../../src/core/elements.js";
import { EngineError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import type { Structure } from "../../src/core/structure.js";
import { writeExtxyz } from "../../src/io/extxyz.js";
import { readMagres } from "../../src/io/magres.js";
import { larmorFrequencyMHz, isotope } from "../../src/nmr/isotopes.js";
import { nmrSites } from "../../src/nmr/sites.js";
import { rotateTensor } from "../../src/nmr/spherical.js";
import type { SpectrumDocument } from "../../src/spectra/format.js";
import { runCommand } from "../helpers/cli.js";

const shared = (p: string): string => fileURLToPath(new URL(`../../../shared/${p}`, import.meta.url));
const ALUMINA = shared("data/magres/alpha-Al2O3/Al2O3_PBEsol.magres");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-spectrum-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Doc = SpectrumDocument;

const spectrum = async (args: string[]): Promise<Doc> =>
  JSON.parse((await runCommand(register, ["spectrum", ...args, "--json"])).stdout) as Doc;

const MAS = [
  "--species",
  "Al",
  "--field",
  "9.4",
  "--mode",
  "mas",
  "--from",
  "-20",
  "--to",
  "40",
  "--points",
  "2401",
];

function centreOfGravity(d: Doc): number {
  let m0 = 0;
  let m1 = 0;
  d.ppm.forEach((x, j) => {
    m0 += d.intensity[j]!;
    m1 += x * d.intensity[j]!;
  });
  return m1 / m0;
}

/** A copy of the structure rotated by R: positions, cell and both tensor arrays (R T Rᵀ). */
function rotated(s: Structure, R: Float64Array): Structure {
  const turn = (v: ArrayLike<number>): Float64Array => {
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i += 3)
      for (let a = 0; a < 3; a++)
        out[i + a] = R[3 * a]! * v[i]! + R[3 * a + 1]! * v[i + 1]! + R[3 * a + 2]! * v[i + 2]!;
    return out;
  };
  const arrays: Record<string, { ncols: number; data: Float64Array }> = {};
  for (const name of ["efg", "ms"]) {
    const t = s.arrays.get(name)!.data as Float64Array;
    const out = new Float64Array(t.length);
    for (let i = 0; i < t.length; i += 9) rotateTensor(R, t, i, out, i);
    arrays[name] = { ncols: 9, data: out };
  }
  return s.with({ positions: turn(s.positions), cell: turn(s.cell!), arrays });
}

describe("soapgpr spectrum", () => {
  it("--json on α-Al2O3 (MAS): unit area, sites, and the centre of gravity δ_iso + second-order shift", async () => {
    const d = await spectrum([ALUMINA, ...MAS, "--reference", "550"]);
    expect(d.isotope).toBe("27Al");
    expect(d.field).toBe(9.4);
    expect(d.mode).toBe("mas");
    expect(d.sites).toBe(4);
    expect(d.tensors).toEqual({ shift: "ms", efg: "efg" });
    const h = d.ppm[1]! - d.ppm[0]!;
    expect(d.intensity.reduce((a, x) => a + x, 0) * h).toBeCloseTo(1, 9);
    const summed = d.ppm.map((_, j) => d.groups.reduce((a, g) => a + g.intensity[j]!, 0));
    for (let j = 0; j < summed.length; j++) expect(summed[j]!).toBeCloseTo(d.intensity[j]!, 12);
    // expected from `soapgpr nmr`'s observables: δ_iso = σ_ref − σ_iso, shift −(3/40)(CQ/ν0)²·8/100·(1+η²/3)·10⁶
    const nu0 = larmorFrequencyMHz(isotope("27Al"), 9.4);
    const sites = nmrSites(readMagres(ALUMINA), { species: ["Al"] });
    const expected =
      sites.reduce((a, s) => {
        const q = -(3 / 40) * (s.efg!.cq! / nu0) ** 2 * (8 / 100) * (1 + s.efg!.eta ** 2 / 3) * 1e6;
        return a + 550 - s.ms!.iso + q;
      }, 0) / sites.length;
    // tent quadrature at 2000 orientations: ~2·10⁻³ ppm (see spectra-quadrupolar.test.ts)
    expect(Math.abs(centreOfGravity(d) - expected)).toBeLessThan(5e-3);
  });

  it("a structure and its rotated copy give the same spectrum (static, CSA + quadrupolar)", async () => {
    const s = readMagres(ALUMINA);
    const file = path.join(tmp, "rotated.extxyz");
    writeExtxyz(file, [rotated(s, new Rng(9).rotation())]);
    const args = ["--species", "Al", "--field", "9.4", "--from", "-150", "--to", "150", "--points", "1201"];
    const a = await spectrum([ALUMINA, ...args, "--reference", "550"]);
    const b = await spectrum([file, ...args, "--reference", "550"]);
    const peak = Math.max(...a.intensity);
    // the powder grid lies in each site's principal frame: only eigenvector round-off differs
    for (let j = 0; j < a.intensity.length; j++) {
      expect(Math.abs(b.intensity[j]! - a.intensity[j]!)).toBeLessThan(1e-9 * peak);
    }
  });

  it("refuses shielding tensors without --reference, naming the file and the field", async () => {
    const err = await runCommand(register, ["spectrum", ALUMINA, ...MAS]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toContain(ALUMINA);
    expect((err as EngineError).message).toContain("field 'reference'");
  });

  it("--out writes .csv, .json, .svg and .html; an unknown extension writes nothing", async () => {
    for (const ext of ["csv", "json", "svg", "html"]) {
      const out = path.join(tmp, `al.${ext}`);
      await runCommand(register, [
        "spectrum",
        ALUMINA,
        ...MAS,
        "--reference",
        "550",
        "--points",
        "301",
        "--out",
        out,
      ]);
      const text = fs.readFileSync(out, "utf8");
      if (ext === "csv") {
        const rows = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
        expect(rows[0]).toBe("ppm,intensity,group_Al");
        expect(rows.length).toBe(302);
      } else if (ext === "json") expect((JSON.parse(text) as Doc).ppm.length).toBe(301);
      else if (ext === "svg") expect(text.startsWith("<svg")).toBe(true);
      else expect(text).toMatch(/<!DOCTYPE html>[\s\S]*<svg/);
    }
    const bad = path.join(tmp, "al.txt");
    await expect(
      runCommand(register, ["spectrum", ALUMINA, ...MAS, "--reference", "550", "--out", bad]),
    ).rejects.toThrow(/unknown output type/);
    expect(fs.existsSync(bad)).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("reads `soapgpr predict` extxyz output: --tensors picks DFT or ML, --samples adds a seeded band", async () => {
    const s = readMagres(ALUMINA);
    const n = s.numbers.length;
    const efg = s.arrays.get("efg")!.data as Float64Array;
    const pred = new Float64Array(9 * n).fill(Number.NaN);
    const std = new Float64Array(5 * n).fill(Number.NaN);
    for (let i = 0; i < n; i++) {
      if (symbolOf(s.numbers[i]!) !== "Al") continue;
      for (let c = 0; c < 9; c++) pred[9 * i + c] = 1.2 * efg[9 * i + c]!;
      std.fill(0.003, 5 * i, 5 * i + 5);
    }
    const file = path.join(tmp, "pred.extxyz");
    const arrays = {
      efg: { ncols: 9, data: efg },
      efg_pred: { ncols: 9, data: pred },
      efg_std: { ncols: 5, data: std },
    };
    writeExtxyz(file, [s.with({ arrays })], { allowNonFinite: true });
    const dft = await spectrum([file, ...MAS, "--tensors", "reference"]);
    const ml = await spectrum([file, ...MAS, "--samples", "8", "--seed", "4"]);
    expect(dft.tensors.efg).toBe("efg");
    expect(ml.tensors.efg).toBe("efg_pred");
    // CQ 1.2× larger: the second-order shift (no shielding here, δ_iso = 0) grows by 1.44
    expect(centreOfGravity(ml) / centreOfGravity(dft)).toBeCloseTo(1.44, 2);
    expect(ml.band!.samples).toBe(8);
    for (let j = 0; j < ml.ppm.length; j++)
      expect(ml.band!.lower[j]!).toBeLessThanOrEqual(ml.band!.upper[j]!);
    const again = await spectrum([file, ...MAS, "--samples", "8", "--seed", "4"]);
    expect(again.band!.lower).toEqual(ml.band!.lower);
    await expect(
      runCommand(register, ["spectrum", file, ...MAS, "--tensors", "reference", "--samples", "4"]),
    ).rejects.toThrow(/needs predictive standard deviations/);
    // O sites carry no prediction: asking for them is an error naming the file and the array, not NaN output
    await expect(
      runCommand(register, ["spectrum", file, ...MAS, "--species", "O", "--tensors", "prediction"]),
    ).rejects.toThrow(/pred\.extxyz.*efg_pred.*non-finite/);
  });
});
