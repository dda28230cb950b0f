/**
 * The memory budget in GprModel.fit / predict and their CLI commands: the kernel step is refused before it runs
 * when its estimate (features + kernel + factor) exceeds the budget, accepted at exactly the estimate; predict
 * splits the structures into chunks that fit and returns exactly the unchunked prediction (each atom's prediction
 * depends only on its own kernel row, up to round-off), and refuses a structure that alone does not fit; fit and predict print the
 * budget at the start and the peak resident memory at the end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { register as registerFit } from "../../cli/commands/fit.js";
import { register as registerPredict } from "../../cli/commands/predict.js";
import { Dataset } from "../../src/core/dataset.js";
import { MemoryBudget } from "../../src/core/memory.js";
import { fitKernelBytes, predictBytesPerEnvironment } from "../../src/gpr/budget.js";
import { GprModel } from "../../src/gpr/gpr.js";
import { readExtxyz } from "../../src/io/extxyz.js";
import { soapSettings, speciesFeatures } from "../../src/soap/speciesFeatures.js";
import { runCommand } from "../helpers/cli.js";

const DATA = fileURLToPath(new URL("../../datasets/lto-pointcharge-small.extxyz", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "soapgpr-gprmem-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const all = readExtxyz(DATA).slice(0, 12);
const train = all.slice(0, 6);
const test = all.slice(6);
const settings = soapSettings(4, 0.5, { maxRadial: 3, maxAngular: 2 }, [3, 8, 22]);

function model(): GprModel {
  return new GprModel({
    species: 3,
    lambda: 2,
    target: "efg",
    zeta: 2,
    reg: 1e-5,
    descriptor: { kind: "lambda-soap", hypers: settings },
  });
}

describe("GprModel under a memory budget", () => {
  const feats = speciesFeatures(train, 3, settings, 2).feats; // every Li has an efg target
  const kernelStep = fitKernelBytes(feats, null);

  it("fit refuses the kernel step one byte over its estimate and runs at the estimate", async () => {
    const data = Dataset.fromArrays(train, ["efg"]);
    await expect(model().fit(data, { memory: new MemoryBudget(kernelStep - 1) })).rejects.toThrow(
      new RegExp(
        `Li λ=2: the kernel ${feats.n * 5}x${feats.n * 5} and its Cholesky factor needs about .* raise the budget or sparse GPR \\(sparse.m\\)`,
      ),
    );
    const r = await model().fit(data, { memory: new MemoryBudget(kernelStep) });
    expect(r.nTrain).toBe(feats.n);
  });

  it("predict in chunks of structures equals the whole prediction; a structure that cannot fit is refused", async () => {
    const m = model();
    await m.fit(Dataset.fromArrays(train, ["efg"]));
    const whole = await m.predict(test);
    const perEnv = predictBytesPerEnvironment(feats, false);
    const liPer = test.map((s) => s.numbers.filter((z) => z === 3).length);
    const budget = new MemoryBudget(perEnv * (Math.max(...liPer) + 1)); // one structure at a time, not two
    const chunked = await m.predict(test, { memory: budget });
    expect(chunked.notes).toContain(`predicted in ${test.length} chunks of structures (memory budget)`);
    expect(Array.from(chunked.atoms)).toEqual(Array.from(whole.atoms));
    // Not bitwise: the Gram product's tiling and thread split depend on the number of rows, so kernel entries differ
    // in the last bits (~1e-16 relative), amplified by the solve's conditioning (~1/reg = 1e5): ≤ 1e-9 of the range.
    for (const k of ["mean", "variance", "covariance", "cartesian"] as const) {
      const a = chunked[k]!;
      const b = whole[k]!;
      expect(a.length).toBe(b.length);
      const scale = Math.max(...Array.from(b, Math.abs));
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-9 * scale);
    }
    await expect(m.predict(test, { memory: new MemoryBudget(perEnv) })).rejects.toThrow(
      /Li λ=2: predicting structure 1 \(\d+ environments, .*\) needs about .* raise the budget or predict with/,
    );
  });
});

describe("fit and predict commands report the budget and the peak memory", () => {
  it("prints 'memory budget' at the start and 'peak resident memory' at the end", async () => {
    const data = join(dir, "train.extxyz");
    const { writeExtxyz } = await import("../../src/io/extxyz.js");
    writeExtxyz(data, train);
    const out = join(dir, "li.model");
    const fit = await runCommand(registerFit, [
      "fit",
      ...[
        "--lambda",
        "2",
        "--data",
        data,
        "--target",
        "efg",
        "--species",
        "Li",
        "--rcut",
        "4",
        "--sigma",
        "0.5",
      ],
      ...["--nmax", "3", "--lmax", "2", "--memory", "2", "--out", out],
    ]);
    expect(fit.stderr.split("\n")[0]).toMatch(/memory budget 2\.00 GB \(--memory; change with --memory GB\)/);
    expect(fit.stderr.trim().split("\n").at(-1)).toMatch(/peak resident memory \d+\.\d+ [MG]B$/);
    const pred = await runCommand(registerPredict, [
      ...["predict", "--model", out, "--data", data, "--out", join(dir, "p.csv")],
    ]);
    expect(pred.stderr).toMatch(/memory budget .* \(default: 60% of .* available/);
    expect(pred.stderr.trim().split("\n").at(-1)).toMatch(/peak resident memory/);
    await expect(
      runCommand(registerFit, [
        ...["fit", "--lambda", "2", "--data", data, "--target", "efg", "--species", "Li"],
        ...["--memory", "0.0001", "--out", join(dir, "x.model")],
      ]),
    ).rejects.toThrow(/needs about .* more than the memory budget of 0\.1 MB: raise the budget/);
  });
});
