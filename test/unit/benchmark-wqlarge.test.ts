/**
 * ω_Q of large cells (Harper Fig. 6 workflow) on small stand-ins: primal prediction of every Li site, ω_Q by
 * eq. 5, peak regions, and the extxyz output with per-atom `wq`, `wq_region` and `efg_pred`. Checked against
 * independent recomputation: ω_Q from the written efg_pred tensors (src/nmr efgParams), region labels from the
 * written region bounds, and the primal tensors against the model's own dual prediction.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { runWqLarge } from "../../src/benchmark/wqLarge.js";
import { Dataset } from "../../src/core/dataset.js";
import { generateLto } from "../../src/datasets/lto.js";
import { generateLtoLarge } from "../../src/datasets/ltoLarge.js";
import { GprModel } from "../../src/gpr/gpr.js";
import { readExtxyz } from "../../src/io/extxyz.js";
import { efgParams } from "../../src/nmr/efg.js";
import { isotope } from "../../src/nmr/isotopes.js";
import { soapSettings } from "../../src/soap/speciesFeatures.js";

const dir = mkdtempSync(join(tmpdir(), "soapgpr-wq-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("runWqLarge", () => {
  it("labels every Li site by its ω_Q region and writes consistent per-atom arrays", async () => {
    const model = new GprModel({
      species: 3,
      lambda: 2,
      target: "efg",
      zeta: 2,
      reg: 1e-5,
      descriptor: {
        kind: "lambda-soap",
        hypers: soapSettings(4, 0.6, { maxRadial: 3, maxAngular: 2 }, [3, 8, 22]),
      },
    });
    await model.fit(Dataset.fromArrays(generateLto({ structures: 10, seed: 9 }).structures, ["efg"]));
    const cells = generateLtoLarge({ cells: 3, supercell: 1, sweeps: 5, seed: 2, rattle: 0.05 }).structures;
    const out = join(dir, "wq.extxyz");
    // the model's typed parameters, not a serialised copy of the whole model, decide what it is
    const serialize = vi.spyOn(model, "serialize");
    const res = await runWqLarge({ model, structures: cells, out, binWidth: 10, nPeaks: 3, minCount: 2 });
    expect(serialize).not.toHaveBeenCalled();
    expect(res.timings.weights).toBeGreaterThan(0); // the primal weights were built by predict's mean path
    const nLi = cells.reduce((a, s) => a + s.numbers.filter((z) => z === 3).length, 0);
    expect(res.sites).toBe(nLi);
    expect(res.analysis.regions.length).toBeGreaterThan(0);
    // the primal tensors equal the model's dual prediction (1e-10 relative: same polynomial, other summation order)
    const dual = await model.predict(cells); // with variances: the dual K*·α path
    let d = 0;
    let s = 0;
    for (let i = 0; i < dual.cartesian!.length; i++) s = Math.max(s, Math.abs(dual.cartesian![i]!));
    const back = readExtxyz(out);
    const li7 = isotope("7Li");
    let k = 0;
    back.forEach((st) => {
      const wq = st.numericArray("wq")!;
      const reg = st.numericArray("wq_region")!;
      const efg = st.numericArray("efg_pred")!;
      for (let a = 0; a < st.length; a++) {
        if (st.numbers[a] !== 3) {
          expect(reg.data[a]).toBe(-1);
          continue;
        }
        for (let c = 0; c < 9; c++)
          d = Math.max(d, Math.abs(efg.data[9 * a + c]! - dual.cartesian![9 * k + c]!));
        // ω_Q recomputed from the written tensor (written at full float64 precision → exact round trip)
        expect(wq.data[a]).toBeCloseTo(efgParams(efg.data, 9 * a, li7).omegaQ, 9);
        const label = reg.data[a]!;
        const region = res.analysis.regions.find((r) => r.label === label);
        if (label > 0) {
          expect(region).toBeDefined();
          expect(wq.data[a]).toBeGreaterThanOrEqual(region!.lo);
          expect(wq.data[a]).toBeLessThan(region!.hi);
        } else {
          expect(label).toBe(0);
          for (const r of res.analysis.regions) expect(wq.data[a]! >= r.lo && wq.data[a]! < r.hi).toBe(false);
        }
        expect(res.labels[k]).toBe(label);
        k++;
      }
    });
    expect(k).toBe(nLi);
    expect(d / s).toBeLessThan(1e-10);
    const members = res.analysis.regions.reduce((a, r) => a + r.members, 0);
    expect(members).toBe(res.labels.filter((l) => l > 0).length);
  }, 60_000);
});
