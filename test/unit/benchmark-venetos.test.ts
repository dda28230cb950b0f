/**
 * Issue 14 item 4: `soapgpr bench venetos --quick` on a seeded 30-structure subset of the Venetos et al. ²⁹Si set:
 * the split, the per-block choices, the test metrics (checked against the report's own parity data and the
 * input tensors) and the HTML report.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { splitStructures } from "../../src/benchmark/lto.js";
import { VENETOS_QUICK } from "../../src/benchmark/venetos.js";
import { readVenetos } from "../../src/io/venetos.js";
import { mae } from "../../src/metrics/stats.js";
import { runCli } from "../helpers/cli.js";
import { VENETOS_FILE } from "../helpers/venetos.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-venetos-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("bench venetos --quick", () => {
  it("reports the seeded split, per-block hypers, test metrics and writes the HTML report", async () => {
    const report = path.join(dir, "report");
    const r = await runCli([
      "bench",
      "venetos",
      "--quick",
      "--seed",
      "3",
      "--data",
      VENETOS_FILE,
      "--report",
      report,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.seed).toBe(3);
    // the split is the seeded one of src/benchmark/lto.ts, by structure
    const all = readVenetos(VENETOS_FILE);
    const { train, test } = splitStructures(all.length, VENETOS_QUICK.structures, 0.8, 3);
    const tensors = (idx: number[]) =>
      idx.reduce(
        (n, i) =>
          n +
          Array.from(all[i]!.numericArray("ms")!.data).filter((x, k) => k % 9 === 0 && !Number.isNaN(x))
            .length,
        0,
      );
    expect(out.split).toEqual({
      trainStructures: train.length,
      testStructures: test.length,
      trainTensors: tensors(train),
      testTensors: tensors(test),
    });
    expect(out.blocks.map((b: { lambda: number; source: string }) => [b.lambda, b.source])).toEqual([
      [0, "search"],
      [1, "λ=2 optimum"],
      [2, "search"],
    ]);
    for (const b of out.blocks) {
      expect(b.rcut).toBeGreaterThanOrEqual(VENETOS_QUICK.rcut[0]);
      expect(b.rcut).toBeLessThanOrEqual(VENETOS_QUICK.rcut[1]);
    }
    // the report's σ_iso parity data: references are tr(σ)/3 of the test tensors; its MAE is the printed one
    const data = JSON.parse(fs.readFileSync(path.join(report, "report.json"), "utf8"));
    const iso = data.sections[0].figures[0].series[0];
    const want = test.flatMap((i) => {
      const t = all[i]!.numericArray("ms")!.data;
      const v: number[] = [];
      for (let o = 0; o < t.length; o += 9)
        if (!Number.isNaN(t[o]!)) v.push((t[o]! + t[o + 4]! + t[o + 8]!) / 3);
      return v;
    });
    expect(iso.reference.length).toBe(want.length);
    iso.reference.forEach((x: number, k: number) => {
      expect(x).toBeCloseTo(want[k]!, 10);
    });
    expect(out.test.sigmaIsoMae).toBeCloseTo(mae(iso.reference, iso.predicted), 10);
    const comp = data.sections[0].figures[1].series[0];
    expect(out.test.tensorComponentMae).toBeCloseTo(mae(comp.reference, comp.predicted), 10);
    // a model, not a constant: clearly better than predicting the mean σ_iso of the test set
    const m = want.reduce((a, b) => a + b, 0) / want.length;
    expect(out.test.sigmaIsoMae).toBeLessThan(
      mae(
        want,
        want.map(() => m),
      ),
    );
    for (const k of ["0", "1", "2", "all"]) {
      expect(out.test.coverage2sigma[k]).toBeGreaterThan(0);
      expect(out.test.coverage2sigma[k]).toBeLessThanOrEqual(1);
    }
    expect(out.learningCurve.length).toBe(VENETOS_QUICK.curve.length);
    expect(out.anchors.venetos.tensorMae).toBe(1.05);
    const html = fs.readFileSync(path.join(report, "report.html"), "utf8");
    expect(html).toMatch(/σ_iso/);
    expect(html).toMatch(/Venetos et al\. 2023, tensor-field network, same 1335 tensors: 1\.05 ppm/);
    // issue 15: ²⁹Si MAS and static spectra of the test sites, model over DFT, with their overlap
    const spectra = data.sections[1].figures;
    expect(spectra.map((fig: { kind: string }) => fig.kind)).toEqual(["spectrum", "spectrum"]);
    for (const k of ["mas", "static"]) {
      expect(out.spectraOverlap[k]).toBeGreaterThan(0); // the model is better than unrelated tensors
      expect(out.spectraOverlap[k]).toBeLessThanOrEqual(1);
    }
    // the static CSA pattern is far wider than the isotropic MAS lines, and MAS lines sit at the test σ_iso:
    // its first moment is σ_ref − mean σ_iso of the DFT tensors (unit area, equal weights)
    const mas = spectra[0].series[0];
    const step = Math.abs(mas.ppm[1] - mas.ppm[0]);
    const first = mas.ppm.reduce((a: number, x: number, j: number) => a + x * mas.intensity[j] * step, 0);
    expect(first).toBeCloseTo(316 - m, 1); // to the grid's rectangle rule on 0.5 ppm lines
  });

  it("needs --data", async () => {
    const r = await runCli(["bench", "venetos", "--quick"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bench venetos needs --data/);
  });
});
