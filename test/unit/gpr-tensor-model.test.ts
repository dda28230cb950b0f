/**
 * Issue 14 item 1: one tensor model of a 3×3 shielding target (λ=0 σ_iso, λ=1 odd-parity T1, λ=2 T2), saved as
 * one file; the Cartesian σ reassembled from the blocks, its equivariance R σ Rᵀ, and σ_iso = tr(σ)/3.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import { TensorModel } from "../../src/gpr/tensorModel.js";
import { readExtxyz } from "../../src/io/extxyz.js";
import { saveModel } from "../../src/model/modelfile.js";
import { loadModel } from "../../src/models.js";
import { runCli } from "../helpers/cli.js";
import { randomRotation, rotateStructure, rotateTensor } from "../helpers/equivariance.js";
import { fitSi, maxKnownDiff, referenceAt, venetosSubset } from "../helpers/venetos.js";

const hypers = { cutoff: { radius: 4 }, basis: { maxRadial: 3, maxAngular: 2 } };
const descriptor = { kind: "lambda-soap", hypers } as const;
const { structures, dir } = venetosSubset(6);
const data = Dataset.fromArrays(structures, ["ms"]);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Entry e (0..8) of each predicted atom's reference tensor. */
const entry = (e: number) => (t: Float64Array, o: number) => t[o + e]!;

describe("tensor model of ms: λ 0, 1 (odd parity), 2 in one file", () => {
  const model = new TensorModel({ species: 14, target: "ms", reg: 1e-16, noise: "fixed", descriptor });
  const fitted = model.fit(data);

  it("reassembles the full (non-symmetric) input tensor at the training points to 1e-8 ppm", async () => {
    const report = await fitted;
    expect(report.lambdas).toEqual([0, 1, 2]);
    const p = await model.predict(structures);
    expect(p.blocks).toEqual([0, 1, 2]);
    expect(p.components).toBe(9);
    for (let e = 0; e < 9; e++) {
      const got = Array.from({ length: p.atoms.length / 2 }, (_, k) => p.cartesian![9 * k + e]!);
      // reg 1e-16 on unit-diagonal kernels (cond ~1e6 here): interpolation of ~400 ppm entries to ~1e-9 ppm
      expect(maxKnownDiff(got, referenceAt(structures, p.atoms, entry(e))), `entry ${e}`).toBeLessThan(1e-8);
    }
    // the antisymmetric part is really there (Venetos tensors are not symmetric) and is reproduced
    const asym = referenceAt(structures, p.atoms, (t, o) => t[o + 1]! - t[o + 3]!);
    expect(Math.max(...asym.filter((x) => !Number.isNaN(x)).map(Math.abs))).toBeGreaterThan(0.1);
  });

  it("σ_iso of the λ=0 block is tr(σ)/3 of the data (ppm) and of the predicted tensor", async () => {
    await fitted;
    const p = await model.predict(structures);
    const iso = Array.from({ length: p.atoms.length / 2 }, (_, k) => p.mean[9 * k]!);
    const trace = (t: ArrayLike<number>, o: number) => (t[o]! + t[o + 4]! + t[o + 8]!) / 3;
    // at the training points, to the interpolation accuracy above
    expect(maxKnownDiff(iso, referenceAt(structures, p.atoms, trace))).toBeLessThan(1e-8);
    // of the reassembled tensor, exactly up to round-off of ~400 ppm (a few ulps)
    iso.forEach((v, k) => {
      expect(Math.abs(trace(p.cartesian!, 9 * k) - v)).toBeLessThan(1e-12 * 400);
    });
  });

  it("rotating a structure rotates the predicted full tensor as R σ Rᵀ (λ=1 part included)", async () => {
    await fitted;
    const rng = new Rng(14);
    const test = venetosSubset(8).structures.slice(6); // two structures not trained on
    for (const st of test) {
      const R = randomRotation(rng);
      const a = await model.predict([st]);
      const b = await model.predict([rotateStructure(st, R)]);
      let worst = 0;
      let asym = 0;
      for (let k = 0; k < a.atoms.length / 2; k++) {
        const want = rotateTensor(R, a.cartesian!, 9 * k);
        for (let e = 0; e < 9; e++) worst = Math.max(worst, Math.abs(b.cartesian![9 * k + e]! - want[e]!));
        const t = a.cartesian!;
        const o = 9 * k;
        asym = Math.max(
          asym,
          Math.hypot(t[o + 1]! - t[o + 3]!, t[o + 2]! - t[o + 6]!, t[o + 5]! - t[o + 7]!),
        );
      }
      // features are equivariant to float64 round-off (~1e-13 relative); ~400 ppm tensors → 1e-8 ppm is loose
      expect(worst).toBeLessThan(1e-8);
      expect(asym).toBeGreaterThan(1e-6); // the prediction has an antisymmetric part to rotate
    }
  });

  it("inversion leaves σ unchanged (σ → (−I) σ (−I)ᵀ): T1 is a pseudovector, learned on odd-parity features", async () => {
    await fitted;
    const st = venetosSubset(8).structures[7]!;
    const a = await model.predict([st]);
    const b = await model.predict([rotateStructure(st, [1, 0, 0, 0, 1, 0, 0, 0, 1], -1)]);
    let worst = 0;
    for (let i = 0; i < a.cartesian!.length; i++)
      worst = Math.max(worst, Math.abs(a.cartesian![i]! - b.cartesian![i]!));
    // as the rotation test; with even-parity λ=1 features T1 would flip sign (errors of tens of ppm)
    expect(worst).toBeLessThan(1e-8);
  });

  it("saves as one model file and predicts the same after loading; per-block std present", async () => {
    await fitted;
    const file = path.join(dir, "ms-tensor.model");
    saveModel(model, file);
    const back = loadModel(file);
    expect(back.kind).toBe("tensor-gpr");
    const a = await model.predict(structures);
    const b = await back.predict(structures);
    expect(Array.from(b.cartesian!)).toEqual(Array.from(a.cartesian!));
    expect(Array.from(b.variance!)).toEqual(Array.from(a.variance!));
    expect(b.variance!.every((v) => v >= 0)).toBe(true);
  });
});

describe("CLI: fit --target ms without --lambda, predict, evaluate", () => {
  it("writes one tensor model; predict writes ms_pred (9 columns, ppm) equal to the training σ, ms_std, units", async () => {
    const { file } = venetosSubset(6);
    const model = path.join(dir, "cli.model");
    const fit = await fitSi(file, model, "ms", "0=1e-16,1=1e-16,2=1e-16", ["--json"]);
    expect(JSON.parse(fit.stdout).lambdas).toEqual([0, 1, 2]);
    const xyz = path.join(dir, "cli.extxyz");
    const pr = await runCli(["predict", "--model", model, "--data", file, "--out", xyz]);
    expect(pr.code, pr.stderr).toBe(0);
    const out = readExtxyz(xyz, { allowNonFinite: true });
    let worst = 0;
    out.forEach((s, k) => {
      const got = s.numericArray("ms_pred")!;
      expect(got.ncols).toBe(9);
      expect(s.numericArray("ms_std")!.ncols).toBe(9);
      const want = structures[k]!.numericArray("ms")!.data;
      for (let i = 0; i < want.length; i++)
        if (!Number.isNaN(want[i]!)) worst = Math.max(worst, Math.abs(got.data[i]! - want[i]!));
    });
    expect(worst).toBeLessThan(1e-8); // as the library test above
    const csv = path.join(dir, "cli.csv");
    expect((await runCli(["predict", "--model", model, "--data", file, "--out", csv])).code).toBe(0);
    const text = fs.readFileSync(csv, "utf8");
    expect(text).toMatch(/# units=ppm/);
    expect(text).toMatch(
      /# components=\[0\] isotropic tr\/3; \[1\.\.3\] T1 .*\[4\.\.8\] T2 .*full Cartesian tensor/,
    );
    const ev = await runCli(["evaluate", "--model", model, "--data", file]);
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toMatch(/Si tensor model \(λ 0, 1, 2\) target ms/);
    expect(ev.stdout).toMatch(/σ_iso MAE 0\.000 ppm/);
  });
});

describe("symmetric training tensors", () => {
  it("skip λ=1 with a note; T1 = 0 and the tensor is symmetric", async () => {
    const sym = structures.map((s) => {
      const t = (s.numericArray("ms")!.data as Float64Array).slice();
      for (let o = 0; o < t.length; o += 9)
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < i; j++)
            t[o + 3 * i + j] = t[o + 3 * j + i] = 0.5 * (t[o + 3 * i + j]! + t[o + 3 * j + i]!);
      return new Structure({
        numbers: s.numbers,
        positions: s.positions,
        cell: s.cell,
        arrays: { ms: { ncols: 9, data: t } },
      });
    });
    const m = new TensorModel({ species: 14, target: "ms", reg: 1e-10, noise: "fixed", descriptor });
    const r = await m.fit(Dataset.fromArrays(sym, ["ms"]));
    expect(r.lambdas).toEqual([0, 2]);
    expect(r.notes.join("\n")).toMatch(/λ=1 skipped: the training tensors are symmetric/);
    const p = await m.predict(sym);
    for (let k = 0; k < p.atoms.length / 2; k++) {
      expect([1, 2, 3].map((c) => p.mean[9 * k + c])).toEqual([0, 0, 0]);
      expect(p.cartesian![9 * k + 1]).toBe(p.cartesian![9 * k + 3]);
    }
  });

  it("efg has only the λ=2 block", () => {
    expect(new TensorModel({ species: 3, target: "efg" }).lambdas).toEqual([2]);
    expect(() => new TensorModel({ species: 3, target: "ms:iso" })).toThrow(/needs a tensor target/);
  });
});
