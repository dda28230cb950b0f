/**
 * Issue 17 item 3: every output names the unit of every column it writes (extxyz `units` info, CSV
 * `# column_units=`, JSON `units`), the row-major 9-column layout, the isotope of C_Q / ω_Q, the Euler convention
 * and the input files, and points to docs/conventions.md (shipped) — never to DESIGN.md or ANCHORS.md, which users
 * do not have. ASE reads the extxyz back (an independent reader of the info line).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readStructures } from "../../src/io/read.js";
import { writePredictions } from "../../src/model/outputs.js";
import type { Prediction } from "../../src/model/types.js";
import { asePython, runPython } from "../helpers/python.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const ROOT = path.resolve(here, "../..");
const LTO = path.join(ROOT, "datasets/lto-pointcharge-small.extxyz");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-units-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const { structures: all, sources: allSources } = readStructures([LTO]);
const structures = all.slice(0, 2);
const sources = allSources.slice(0, 2);

/** A λ=2 EFG prediction of every Li atom: the reference tensors themselves, with unit variances. */
function prediction(): Prediction {
  const atoms: number[] = [];
  const cart: number[] = [];
  structures.forEach((s, si) => {
    const e = s.numericArray("efg")!.data;
    s.numbers.forEach((z, a) => {
      if (z !== 3) return;
      atoms.push(si, a);
      cart.push(...e.subarray(9 * a, 9 * a + 9));
    });
  });
  const n = atoms.length / 2;
  return {
    species: 3,
    lambda: 2,
    atoms: Int32Array.from(atoms),
    components: 5,
    mean: new Float64Array(5 * n),
    variance: new Float64Array(5 * n).fill(1e-4),
    cartesian: Float64Array.from(cart),
    notes: [],
  };
}

const options = {
  target: "efg",
  observables: ["cq", "eta", "wq", "theta", "euler", "quat"] as const,
  isotopes: { Li: "7Li" },
  sources,
  header: { model: "gpr", species: "Li", target: "efg" },
};
const EFG = "a.u. (Eh/(e a0^2))";

/** No output may send users to files they do not have. */
function noPrivateDocs(text: string): void {
  expect(text).not.toMatch(/DESIGN\.md|ANCHORS\.md/);
  expect(text).toContain("docs/conventions.md");
}

describe("units and conventions in every output", () => {
  it("docs/conventions.md exists and ships with the package", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/conventions.md"), "utf8");
    for (const topic of [
      "row-major",
      "Spherical components",
      "NQR order",
      "Haeberlen",
      "Maryland",
      "Euler",
      "Quaternions",
    ])
      expect(doc).toContain(topic);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("docs");
  });

  it("CSV: a unit for every column, the layout, isotope, Euler convention and source files", () => {
    const file = path.join(dir, "p.csv");
    writePredictions(file, structures, prediction(), { ...options, observables: [...options.observables] });
    const text = fs.readFileSync(file, "utf8");
    noPrivateDocs(text);
    const lines = text.split("\n");
    const head = (k: string) => lines.find((l) => l.startsWith(`# ${k}=`))?.slice(k.length + 3);
    const columns = lines.find((l) => !l.startsWith("#"))!.split(",");
    const units = Object.fromEntries(
      head("column_units")!
        .split("; ")
        .map((u) => u.split(": ") as [string, string]),
    );
    expect(Object.keys(units)).toEqual(columns);
    expect(units.efg_xx).toBe(EFG);
    expect(units.mean_0).toBe(EFG);
    expect(units.cq).toBe("MHz");
    expect(units.wq).toBe("kHz");
    expect(units.theta).toBe("degree");
    expect(units.euler_beta).toBe("degree");
    expect(units.quat_w).toBe("1");
    expect(units.eta).toBe("1");
    expect(head("layout")).toBe("3x3 tensor as 9 columns, row-major: xx xy xz yx yy yz zx zy zz");
    expect(head("isotope")).toBe("Li=7Li");
    expect(head("euler")).toMatch(/^intrinsic ZYZ .* degrees .*frame: NQR order/);
    expect(head("sources")).toBe(`0-1: ${LTO}`);
  });

  it("JSON: units per field and one source per structure", () => {
    const file = path.join(dir, "p.json");
    writePredictions(file, structures, prediction(), { ...options, observables: [...options.observables] });
    const text = fs.readFileSync(file, "utf8");
    noPrivateDocs(text);
    const j = JSON.parse(text);
    expect(j.units).toMatchObject({
      mean: EFG,
      std: EFG,
      "observables.cq": "MHz",
      "observables.euler": "degree",
      "observables.quat": "1",
    });
    expect(j.units.cartesian).toContain("row-major");
    expect(j.sources).toEqual(sources);
    expect(j.header.isotope).toBe("Li=7Li");
    expect(j.header.euler).toMatch(/intrinsic ZYZ/);
  });

  it("magres: comments point to docs/conventions.md", () => {
    const file = path.join(dir, "p.magres");
    const files = writePredictions(file, structures, prediction(), { ...options, observables: [] });
    for (const f of files) noPrivateDocs(fs.readFileSync(f, "utf8"));
  });

  it.skipIf(asePython() === null)(
    "extxyz: ASE reads it, and its `units` info names every per-atom column",
    () => {
      const file = path.join(dir, "p.extxyz");
      writePredictions(file, structures, prediction(), { ...options, observables: [...options.observables] });
      noPrivateDocs(fs.readFileSync(file, "utf8"));
      const frames = runPython(
        asePython()!,
        `
import sys, json
from ase.io import read
out = []
for a in read(sys.argv[1], index=':', format='extxyz'):
    units = dict(u.split(': ', 1) for u in a.info['units'].split('; '))
    out.append({'units': units, 'arrays': sorted(a.arrays.keys()), 'soapgpr': a.info['soapgpr']})
print(json.dumps(out))
`,
        [file],
      ) as { units: Record<string, string>; arrays: string[]; soapgpr: string }[];
      expect(frames).toHaveLength(2);
      // ASE renames the species and pos columns to numbers and positions
      const aseName: Record<string, string> = { species: "numbers", pos: "positions" };
      for (const f of frames) {
        expect(
          Object.keys(f.units)
            .map((k) => aseName[k] ?? k)
            .sort(),
        ).toEqual(f.arrays);
        expect(f.units.pos).toBe("Angstrom");
        expect(f.units.efg_pred).toBe(EFG);
        expect(f.units.efg_std).toBe(EFG);
        expect(f.units.cq).toBe("MHz");
        expect(f.units.site).toBe("-");
        expect(f.soapgpr).toContain("layout=3x3 tensor as 9 columns, row-major");
      }
    },
  );
});
