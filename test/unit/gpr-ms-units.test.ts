/**
 * Issue 14 items 0 and 3: the λ=0 part of a shielding tensor is σ_iso in ppm (not T0 = tr/√3 = √3·σ_iso); the
 * derived shielding targets ms:iso/aniso/eta/span/skew; one block of σ is never written as the tensor `ms`, and
 * EFG observables of a shielding model are refused.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { GprModel } from "../../src/gpr/gpr.js";
import { writePredictions } from "../../src/model/outputs.js";
import { parseTarget, targetUnits } from "../../src/gpr/targets.js";
import { readExtxyz } from "../../src/io/extxyz.js";
import { msParams } from "../../src/nmr/ms.js";
import { runCli } from "../helpers/cli.js";
import { fitSi, maxKnownDiff, referenceAt, venetosSubset } from "../helpers/venetos.js";

const hypers = { cutoff: { radius: 4 }, basis: { maxRadial: 3, maxAngular: 2 } };
const descriptor = { kind: "lambda-soap", hypers } as const;
const { structures, file, dir } = venetosSubset(6);
const data = Dataset.fromArrays(structures, ["ms"]);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const isoOf = (t: Float64Array, o: number) => (t[o]! + t[o + 4]! + t[o + 8]!) / 3;

describe("λ=0 of ms is σ_iso in ppm", () => {
  it("a λ=0 ms model interpolates σ_iso = tr(σ)/3 at its training points (not √3·σ_iso)", async () => {
    const m = new GprModel({ species: 14, lambda: 0, target: "ms", reg: 1e-12, noise: "fixed", descriptor });
    const report = await m.fit(data);
    const p = await m.predict(structures);
    const iso = referenceAt(structures, p.atoms, isoOf);
    const known = iso.filter((x) => !Number.isNaN(x));
    // the training mean is the mean σ_iso in ppm (the issue saw 665.8 "ppm" for a mean σ_iso of 384.4)
    expect(report.trainingMean as number).toBeCloseTo(known.reduce((a, b) => a + b, 0) / known.length, 9);
    // reg 1e-12 on a unit-diagonal kernel: interpolation to ~1e-12 relative of ~400 ppm, so 1e-6 ppm is loose
    expect(maxKnownDiff(p.mean, iso)).toBeLessThan(1e-6);
    expect(p.cartesian).toBeUndefined(); // σ_iso·I is not the shielding tensor
  });

  it("derived shielding targets ms:iso, aniso (Haeberlen Δ), eta, span, skew follow src/nmr/ms.ts", async () => {
    expect(targetUnits("ms:iso")).toBe("ppm");
    expect(targetUnits("ms:span")).toBe("ppm");
    expect(targetUnits("ms:skew")).toBe("1");
    expect(() => parseTarget("ms:cq", 0)).toThrow(/unknown derived observable 'cq' of 'ms' \(use iso, aniso/);
    expect(() => parseTarget("efg:iso", 0)).toThrow(/unknown derived observable 'iso' of 'efg'/);
    const cases: [string, (t: Float64Array, o: number) => number][] = [
      ["iso", isoOf],
      ["aniso", (t, o) => msParams(t, o).delta],
      ["span", (t, o) => msParams(t, o).span],
      ["skew", (t, o) => msParams(t, o).skew],
      ["eta", (t, o) => msParams(t, o).eta],
    ];
    for (const [name, f] of cases) {
      const m = new GprModel({
        species: 14,
        lambda: 0,
        target: `ms:${name}`,
        reg: 1e-12,
        noise: "fixed",
        descriptor,
      });
      await m.fit(data);
      const p = await m.predict(structures);
      const ref = referenceAt(structures, p.atoms, f);
      const scale = Math.max(...ref.filter((x) => !Number.isNaN(x)).map(Math.abs));
      // interpolation at reg 1e-12: errors far below 1e-6 of the largest value
      expect(maxKnownDiff(p.mean, ref), name).toBeLessThan(1e-6 * scale);
    }
  });

  it("CLI: fit --lambda 0 --target ms, predict → CSV mean_0 in ppm equal to σ_iso, column ms_iso_pred in extxyz", async () => {
    const model = path.join(dir, "iso.model");
    const csv = path.join(dir, "iso.csv");
    await fitSi(file, model, "ms", "1e-12", ["--lambda", "0"]);
    const pr = await runCli(["predict", "--model", model, "--data", file, "--out", csv]);
    expect(pr.code, pr.stderr).toBe(0);
    const lines = fs.readFileSync(csv, "utf8").split("\n");
    expect(lines).toContain("# units=ppm");
    const head = lines.find((l) => l.startsWith("structure,"))!.split(",");
    expect(head.some((h) => h.startsWith("ms_x"))).toBe(false); // no isotropic "tensor"
    const rows = lines.filter((l) => /^\d/.test(l)).map((l) => l.split(","));
    const atoms = Int32Array.from(rows.flatMap((r) => [Number(r[0]), Number(r[1])]));
    const mean = rows.map((r) => Number(r[head.indexOf("mean_0")]));
    expect(maxKnownDiff(mean, referenceAt(structures, atoms, isoOf))).toBeLessThan(1e-6); // as above
    const xyz = path.join(dir, "iso.extxyz");
    expect((await runCli(["predict", "--model", model, "--data", file, "--out", xyz])).code).toBe(0);
    const arrays = readExtxyz(xyz, { allowNonFinite: true })[0]!.arrays;
    expect(arrays.has("ms_pred")).toBe(false);
    expect(arrays.get("ms_iso_pred")?.ncols).toBe(1);
  });
});

describe("guards: one block is not the tensor; EFG observables of a shielding model", () => {
  it("a λ=2 ms model writes ms_T2_pred (5 columns), never ms_pred, refuses .magres and refuses CQ", async () => {
    const m = new GprModel({ species: 14, lambda: 2, target: "ms", reg: 1e-8, descriptor });
    await m.fit(data);
    const p = await m.predict(structures);
    expect(p.cartesian).toBeUndefined();
    const out = path.join(dir, "t2.extxyz");
    writePredictions(out, structures, p, { target: "ms", header: {} });
    const arrays = readExtxyz(out, { allowNonFinite: true })[0]!.arrays;
    expect(arrays.has("ms_pred")).toBe(false);
    expect(arrays.get("ms_T2_pred")?.ncols).toBe(5);
    const magres = path.join(dir, "t2.magres");
    expect(() => writePredictions(magres, structures, p, { target: "ms", header: {} })).toThrow(
      /full tensor/,
    );
    const csv = path.join(dir, "t2.csv");
    expect(() =>
      writePredictions(csv, structures, p, { target: "ms", header: {}, observables: ["cq"] }),
    ).toThrow(/EFG \(quadrupolar\) observables, but this is a magnetic-shielding \(ms\) model/);
    expect(fs.existsSync(csv)).toBe(false);
  });

  it("shielding observables of an EFG model are refused, naming the model", () => {
    const efg = {
      species: 14,
      lambda: 2,
      atoms: new Int32Array([0, 0]),
      components: 5,
      mean: new Float64Array(5),
      cartesian: new Float64Array(9),
      notes: [],
    };
    const csv = path.join(dir, "efg.csv");
    expect(() =>
      writePredictions(csv, structures, efg, { target: "efg", header: {}, observables: ["span", "shift"] }),
    ).toThrow(
      /observables span,shift are magnetic-shielding observables, but this is an EFG model \(target 'efg'\)/,
    );
    expect(fs.existsSync(csv)).toBe(false);
  });
});
