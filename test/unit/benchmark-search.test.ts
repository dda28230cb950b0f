/**
 * `soapgpr search` on a tiny problem: the Box–Behnken search (ζ ∈ {1, 2} as the categorical factor) returns an
 * optimum inside the box, logs every evaluation as JSON, reuses features/kernels across evaluations sharing
 * (rc, σ), and saves a model refitted at the optimum that loads and predicts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCommand } from "../helpers/cli.js";
import { register } from "../../cli/commands/search.js";
import { generateLto } from "../../src/datasets/lto.js";
import { loadModel } from "../../src/models.js";
import { writeExtxyz } from "../../src/io/extxyz.js";

const dir = mkdtempSync(join(tmpdir(), "soapgpr-search-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runCli = (args: string[]) => runCommand(register, args);

describe("soapgpr search", () => {
  const structures = generateLto({ structures: 12, seed: 5 }).structures;
  const data = join(dir, "train.extxyz");
  writeExtxyz(data, structures);

  it("λ=2 efg: optimum inside the box, JSON log of every evaluation, refitted model saved", async () => {
    const out = join(dir, "li.model");
    const log = join(dir, "li.search.json");
    const box = { rcut: [3.5, 5.5], sigma: [0.4, 0.8], reg: [1e-7, 1e-3] };
    const r = await runCli([
      "search",
      "--lambda",
      "2",
      "--data",
      data,
      "--target",
      "efg",
      "--species",
      "Li",
      "--design",
      "box-behnken",
      "--folds",
      "3",
      "--zeta",
      "1,2",
      "--nmax",
      "3",
      "--lmax",
      "2",
      "--rcut",
      box.rcut.join(","),
      "--sigma",
      box.sigma.join(","),
      "--reg",
      box.reg.join(","),
      "--seed",
      "1",
      "--out",
      out,
      "--log",
      log,
      "--json",
    ]);
    const summary = JSON.parse(r.stdout);
    const best = summary.best;
    for (const k of ["rcut", "sigma", "reg"] as const) {
      expect(best[k]).toBeGreaterThanOrEqual(box[k][0]! * (1 - 1e-12));
      expect(best[k]).toBeLessThanOrEqual(box[k][1]! * (1 + 1e-12));
    }
    expect([1, 2]).toContain(best.zeta);
    const rec = JSON.parse(readFileSync(log, "utf8"));
    // 2 ζ levels × (12 edge runs + 3 centre replicates) + one check per level
    expect(rec.evaluations.length).toBe(32);
    expect(rec.evaluations.every((e: { foldScores: number[] }) => e.foldScores.length === 3)).toBe(true);
    const means = rec.evaluations.map((e: { mean: number }) => e.mean);
    expect(best.score).toBeCloseTo(Math.min(...means), 12);
    // objective = mean(MAE C̃Q, MAE η̃, 1 − q̃) ≥ 0, and better than predicting nothing (≈ 1 for C̃Q alone)
    expect(Math.min(...means)).toBeGreaterThan(0);
    expect(Math.min(...means)).toBeLessThan(1);
    // features/kernels computed once per distinct (rc, σ): 9 in the design + at most 2 checks, not 32 × 3
    expect(rec.kernelSets).toBeLessThanOrEqual(11);
    expect(rec.objective).toEqual(["cq", "eta", "q"]);
    const model = loadModel(out);
    const p = await model.predict(structures.slice(0, 1), { variance: false });
    expect(p.mean.length).toBe(8 * 5);
  }, 60_000);

  it("λ=0 uses the MAE of the learned quantity and rejects tensorial terms", async () => {
    const out = join(dir, "cq.model");
    const r = await runCli([
      "search",
      "--lambda",
      "0",
      "--data",
      data,
      "--target",
      "efg:cq",
      "--species",
      "Li",
      "--folds",
      "2",
      "--zeta",
      "2",
      "--nmax",
      "3",
      "--lmax",
      "2",
      "--out",
      out,
      "--json",
    ]);
    const summary = JSON.parse(r.stdout);
    expect(summary.objective).toEqual(["mae"]);
    expect(summary.evaluations).toBe(16); // 15 design runs + 1 check (ζ fixed)
    await expect(
      runCli([
        "search",
        "--lambda",
        "0",
        "--data",
        data,
        "--target",
        "efg:cq",
        "--species",
        "Li",
        "--objective",
        "cq,eta",
        "--out",
        out,
      ]),
    ).rejects.toThrow(/field 'objective': objective terms cq, eta, q need λ=2 and target efg/);
  }, 60_000);
});
