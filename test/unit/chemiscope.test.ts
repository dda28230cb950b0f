/**
 * Issue 17 item 2: chemiscope output. `predict … --out X.chemiscope.json[.gz]` writes chemiscope's input format,
 * checked against the format's schema and a port of chemiscope's own validation (test/fixtures/chemiscope, README
 * there); the map's PCA against numpy's SVD; the per-atom properties against analytic identities of the EFG
 * observables (CQ ∝ Vzz, η scale-free).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { Command } from "commander";
import { afterAll, describe, expect, it, vi } from "vitest";
import { register as registerFit } from "../../cli/commands/fit.js";
import { register as registerPredict } from "../../cli/commands/predict.js";
import { type ChemiscopeDataset, chemiscopeDataset, pca2 } from "../../src/analysis/chemiscope.js";
import { Rng } from "../../src/core/rng.js";
import { readStructures } from "../../src/io/read.js";
import type { Prediction } from "../../src/model/types.js";
import { efgParams } from "../../src/nmr/efg.js";
import { isotopeFor } from "../../src/nmr/isotopes.js";
import { chemiscopeProblems } from "../helpers/chemiscope.js";
import { numpyPython, runPython } from "../helpers/python.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const LTO = path.resolve(here, "../../datasets/lto-pointcharge-small.extxyz");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-chemiscope-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The structures' own reference EFG of every Li atom, scaled by `scale`, as a prediction. */
function scaledReference(
  structures: ReturnType<typeof readStructures>["structures"],
  scale: number,
): Prediction {
  const atoms: number[] = [];
  const cart: number[] = [];
  structures.forEach((s, si) => {
    const efg = s.numericArray("efg")!.data;
    s.numbers.forEach((z, a) => {
      if (z !== 3) return;
      atoms.push(si, a);
      for (let q = 0; q < 9; q++) cart.push(scale * efg[9 * a + q]!);
    });
  });
  const n = atoms.length / 2;
  return {
    species: 3,
    lambda: 2,
    atoms: Int32Array.from(atoms),
    components: 5,
    mean: new Float64Array(5 * n),
    variance: new Float64Array(5 * n).fill(0.01),
    cartesian: Float64Array.from(cart),
    notes: [],
  };
}

describe("chemiscope dataset of a prediction", () => {
  const { structures, sources } = readStructures([LTO]);
  const few = structures.slice(0, 3);
  const small = { cutoff: { radius: 3 }, basis: { maxRadial: 3, maxAngular: 2 } };

  it("is a valid chemiscope input: one environment per predicted atom, PCA axes, CQ / η / errors per atom", () => {
    const pred = scaledReference(few, 1.1);
    const data = chemiscopeDataset(few, pred, {
      name: "t",
      target: "efg",
      hypers: small,
      sources: sources.slice(0, 3),
    });
    expect(chemiscopeProblems(data)).toEqual([]);
    const n = pred.atoms.length / 2;
    expect(data.environments).toHaveLength(n);
    expect(data.environments[0]).toEqual({ structure: 0, center: pred.atoms[1], cutoff: 3 });
    expect(data.structures.map((s) => s.size)).toEqual(few.map((s) => s.length));
    expect(data.settings.map).toEqual({
      x: { property: "PCA[1]" },
      y: { property: "PCA[2]" },
      color: { property: "CQ" },
    });
    const p = data.properties;
    expect(p.CQ!.units).toBe("MHz");
    const iso = isotopeFor("Li")!;
    for (let k = 0; k < n; k++) {
      const refCq = efgParams(
        few[pred.atoms[2 * k]!]!.numericArray("efg")!.data,
        9 * pred.atoms[2 * k + 1]!,
        iso,
      ).cq;
      // CQ ∝ Vzz: the 1.1× tensor has 1.1× the CQ, so the error is 0.1 × CQ_ref (to round-off of the eigen solve)
      expect((p["CQ error"]!.values[k] as number) - 0.1 * refCq).toBeCloseTo(0, 10);
      expect(p.CQ!.values[k] as number).toBeCloseTo(1.1 * refCq, 10);
      // η is a ratio of principal values: unchanged by scaling
      expect(p["η error"]!.values[k] as number).toBeCloseTo(0, 10);
    }
    // the predictive std property: RMS of the components' std (all variances 0.01 → 0.1)
    expect(
      p["predictive std (RMS over components)"]!.values.every((v) => Math.abs((v as number) - 0.1) < 1e-15),
    ).toBe(true);
  });

  it("has no error properties when the input carries no reference tensor", () => {
    const bare = few.map((s) => s.with({ arrays: {} }));
    const pred = scaledReference(few, 1);
    const data = chemiscopeDataset(bare, pred, { name: "t", target: "efg", hypers: small });
    expect(chemiscopeProblems(data)).toEqual([]);
    expect(Object.keys(data.properties).filter((k) => k.endsWith("error"))).toEqual([]);
    expect(Object.keys(data.properties)).toEqual(
      expect.arrayContaining(["PCA[1]", "PCA[2]", "CQ", "η", "Vzz"]),
    );
  });

  it("a shielding model's map: σ_iso (ppm) and its error against the input's ms tensors", () => {
    // shielding-like tensors (ppm): the LTO cells' traceless EFGs plus 300·I, so σ_iso ≈ 300; the prediction is
    // twice the reference (2·EFG + 600·I)
    const asMs = few.map((s) => {
      const m = Float64Array.from(s.numericArray("efg")!.data);
      for (let a = 0; a < s.length; a++) for (const d of [0, 4, 8]) m[9 * a + d]! += 300;
      return s.with({ arrays: { ms: { ncols: 9, data: m } } });
    });
    const pred = scaledReference(few, 2);
    const cart = pred.cartesian as Float64Array;
    for (let k = 0; k < cart.length / 9; k++) for (const d of [0, 4, 8]) cart[9 * k + d]! += 600;
    const data = chemiscopeDataset(asMs, pred, { name: "t", target: "ms", hypers: small });
    expect(chemiscopeProblems(data)).toEqual([]);
    expect(data.settings.map.color).toEqual({ property: "σ_iso" });
    expect(data.properties["σ_iso"]!.units).toBe("ppm");
    const iso = data.properties["σ_iso"]!.values as number[];
    const err = data.properties["σ_iso error"]!.values as number[];
    // σ_iso of 2T is 2σ_iso(T) ≈ 600 ppm: the error equals half the value (round-off of values ~600: 1e-10)
    iso.forEach((v, k) => {
      expect(v).toBeGreaterThan(590);
      expect(err[k]! - v / 2).toBeCloseTo(0, 10);
    });
    expect(data.properties.CQ).toBeUndefined();
  });

  it("the validator rejects what chemiscope rejects", () => {
    const pred = scaledReference(few, 1);
    const good = chemiscopeDataset(few, pred, { name: "t", target: "efg", hypers: small });
    const broken = (f: (d: ChemiscopeDataset) => void) => {
      const d = JSON.parse(JSON.stringify(good)) as ChemiscopeDataset;
      f(d);
      return chemiscopeProblems(d);
    };
    expect(broken((d) => d.properties.CQ!.values.pop())).toEqual([expect.stringContaining("property 'CQ'")]);
    expect(broken((d) => d.structures[0]!.x.pop())).toEqual([expect.stringContaining("structure 0: 'x'")]);
    expect(broken((d) => (d.environments[0]!.center = 999))).toEqual([
      expect.stringContaining("out of bounds"),
    ]);
    expect(broken((d) => (d.settings.map.x = { property: "nope" }))).toEqual([
      expect.stringContaining("unknown property 'nope'"),
    ]);
    expect(broken((d) => delete (d as Partial<ChemiscopeDataset>).meta).length).toBeGreaterThan(0);
    expect(broken((d) => (d.properties.CQ!.target = "bond" as "atom")).length).toBeGreaterThan(0);
  });
});

describe.skipIf(numpyPython() === null)("PCA of the map", () => {
  it("equals numpy's SVD of the centred features (up to each component's sign, fixed by the largest score)", () => {
    const rng = new Rng(7);
    const n = 60;
    const f = 25;
    // anisotropic data: clear gaps between the leading variances
    const x = Float64Array.from(
      { length: n * f },
      (_, i) => rng.normal() * (i % f < 2 ? 5 - 2 * (i % f) : 0.5),
    );
    const { scores, explained } = pca2(x, n, f, 3);
    const ref = runPython(
      numpyPython()!,
      `
import sys, json, numpy as np
n, f = int(sys.argv[1]), int(sys.argv[2])
x = np.array(json.loads(sys.argv[3])).reshape(n, f)
xc = x - x.mean(axis=0)
u, s, vt = np.linalg.svd(xc, full_matrices=False)
sc = u[:, :2] * s[:2]
for c in range(2):
    if sc[np.argmax(np.abs(sc[:, c])), c] < 0: sc[:, c] *= -1
print(json.dumps({'scores': sc.ravel().tolist(), 'explained': (s[:2]**2 / (s**2).sum()).tolist()}))
`,
      [String(n), String(f), JSON.stringify(Array.from(x))],
    ) as { scores: number[]; explained: number[] };
    // subspace iteration converged to round-off: the scores agree with LAPACK's SVD to ~1e-10 of their scale
    for (let i = 0; i < 2 * n; i++) expect(Math.abs(scores[i]! - ref.scores[i]!)).toBeLessThan(1e-9);
    expect(explained[0]).toBeCloseTo(ref.explained[0]!, 12);
    expect(explained[1]).toBeCloseTo(ref.explained[1]!, 12);
  });
});

async function run(args: string[]): Promise<void> {
  const program = new Command("soapgpr").exitOverride();
  registerFit(program);
  registerPredict(program);
  const so = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const se = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    await program.parseAsync(args, { from: "user" });
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
}

describe("predict --out X.chemiscope.json.gz", () => {
  it("writes a gzipped chemiscope file a fitted λ=2 EFG model predicts, with errors against the input's efg", async () => {
    const { structures } = readStructures([LTO]);
    const lines = fs.readFileSync(LTO, "utf8").split("\n");
    const per = structures[0]!.length + 2;
    const train = path.join(dir, "train.extxyz");
    const test = path.join(dir, "test.extxyz");
    fs.writeFileSync(train, `${lines.slice(0, 12 * per).join("\n")}\n`);
    fs.writeFileSync(test, `${lines.slice(100 * per, 103 * per).join("\n")}\n`);
    const model = path.join(dir, "li.model");
    const small = ["--preset", "tensoap", "--nmax", "3", "--lmax", "2"];
    await run([
      "fit",
      "--lambda",
      "2",
      "--data",
      train,
      "--target",
      "efg",
      "--species",
      "Li",
      ...small,
      "--out",
      model,
    ]);
    const out = path.join(dir, "map.chemiscope.json.gz");
    await run(["predict", "--model", model, "--data", test, "--out", out]);
    const data = JSON.parse(gunzipSync(fs.readFileSync(out)).toString("utf8")) as ChemiscopeDataset;
    expect(chemiscopeProblems(data)).toEqual([]);
    expect(data.structures).toHaveLength(3);
    expect(data.environments).toHaveLength(3 * 8); // 8 Li per 42-atom Li8Ti10O24 cell
    expect(data.environments[0]!.cutoff).toBe(4); // the tensoap preset's cutoff radius
    for (const k of ["CQ", "CQ error", "η", "η error", "predictive std (RMS over components)"])
      expect(data.properties[k]?.values).toHaveLength(24);
    expect(data.meta.description).toContain("test.extxyz");
  });
});
