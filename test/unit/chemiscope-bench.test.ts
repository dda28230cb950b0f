/**
 * Issue 17 item 2, `bench … --chemiscope FILE`: the benchmark's test-set predictions as a chemiscope map — only the
 * structures holding test environments, one environment per test site, CQ / η and their errors against the
 * reference, PCA of the λ=0 features — valid against chemiscope's format (test/fixtures/chemiscope), and with errors
 * that agree with the benchmark's own metrics (computed on another path: efgMetrics inside the benchmark).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { type LtoBenchConfig, QUICK_CONFIG, runLtoBenchmark } from "../../src/benchmark/lto.js";
import { testSetChemiscope } from "../../src/analysis/chemiscope.js";
import { generateLto } from "../../src/datasets/lto.js";
import { chemiscopeProblems } from "../helpers/chemiscope.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-chemiscope-bench-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const TINY: LtoBenchConfig = {
  ...QUICK_CONFIG,
  name: "tiny",
  species: [{ element: "Li", structures: 30 }],
  soap: { cutoff: { radius: 4 }, density: { width: 0.7 }, basis: { maxRadial: 3, maxAngular: 2 } },
  curveFractions: [1],
};

describe("chemiscope map of a benchmark's test set", () => {
  it("is valid, holds the test sites, and its CQ errors give the benchmark's CQ MAE", async () => {
    const { structures } = generateLto({ structures: 30, seed: 100 });
    const res = await runLtoBenchmark({ structures, config: TINY, seed: 0 });
    const r = res.species[0]!;
    const data = testSetChemiscope(structures, [{ element: r.element, ...r.test, cutoff: 4 }], {
      name: "tiny",
      target: "efg",
      isotopes: { Li: r.isotope! },
    });
    expect(chemiscopeProblems(data)).toEqual([]);
    expect(data.environments).toHaveLength(r.nTestEnv);
    expect(data.structures).toHaveLength(r.nTestStructures);
    const err = data.properties["CQ error"]!.values as number[];
    const mae = err.reduce((a, e) => a + Math.abs(e), 0) / err.length;
    // the same CQ differences summed in another order: equal to round-off
    expect(mae).toBeCloseTo(r.tensorial.efg.cq!.mae, 12);
    const eta = data.properties["η error"]!.values as number[];
    expect(eta.reduce((a, e) => a + Math.abs(e), 0) / eta.length).toBeCloseTo(r.tensorial.efg.eta.mae, 12);
  }, 120_000);

  it("--chemiscope is refused for benchmarks without a test set, before any work", async () => {
    const r = await runCli(["bench", "spectrum", "--chemiscope", path.join(dir, "x.chemiscope.json")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--chemiscope maps the test sets of bench lto and gehlenite/);
  });
});
