/**
 * Primal-space prediction (src/gpr/primal.ts) must equal the dual GPR mean Σ_j K(i,j) α_j of GprModel.predict:
 * both compute the same polynomial in the features, only the order of summation differs, so the agreement is to
 * float64 round-off (tolerance 1e-10 relative to the largest |prediction|: sums of ~10³ terms of O(1) products
 * lose a few digits, never six).
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { Rng } from "../../src/core/rng.js";
import { GprModel } from "../../src/gpr/gpr.js";
import { primalPredict, primalWeights } from "../../src/gpr/primal.js";
import { type EnvFeatures, kernelMatrix } from "../../src/soap/envKernel.js";
import { CpuBackend } from "../../src/backend/cpu.js";
import { readExtxyz } from "../../src/io/extxyz.js";
import { relMaxDiff } from "../helpers/compare.js";

const DATA = fileURLToPath(new URL("../../datasets/lto-pointcharge-small.extxyz", import.meta.url));

function randomFeatures(rng: Rng, n: number, lambda: number, f: number, f0: number): EnvFeatures {
  const c = 2 * lambda + 1;
  const values0 = new Float64Array(n * f0).map(() => rng.normal());
  const values = lambda === 0 ? values0 : new Float64Array(n * c * f).map(() => rng.normal());
  return { n, lambda, c, f: lambda === 0 ? f0 : f, values, f0, values0 };
}

describe("primal prediction on random features equals K*·α", () => {
  for (const lambda of [0, 2]) {
    for (const zeta of [1, 2]) {
      it(`λ=${lambda} ζ=${zeta}`, async () => {
        const rng = new Rng(7 + lambda + zeta);
        const train = randomFeatures(rng, 23, lambda, 17, 11);
        const test = randomFeatures(rng, 9, lambda, 17, 11);
        const alpha = new Float64Array(train.n * train.c).map(() => rng.normal());
        const backend = new CpuBackend({ threads: 1 });
        const k = await kernelMatrix(backend, test, train, zeta);
        const rows = test.n * test.c;
        const cols = train.n * train.c;
        const dual = new Float64Array(rows);
        for (let i = 0; i < rows; i++) {
          let s = 0;
          for (let j = 0; j < cols; j++) s += k[i * cols + j]! * alpha[j]!;
          dual[i] = s + 0.5;
        }
        const w = await primalWeights(train, alpha, zeta, 0.5, { threads: 1 });
        const primal = await primalPredict(w, test, { threads: 1 });
        expect(relMaxDiff(primal, dual)).toBeLessThan(1e-10);
      });
    }
  }
  it("rejects ζ=3", async () => {
    const rng = new Rng(1);
    const train = randomFeatures(rng, 3, 2, 4, 3);
    await expect(primalWeights(train, new Float64Array(15), 3)).rejects.toThrow(/ζ = 1 or 2/);
  });
});

describe("the mean-only (primal) path of GprModel.predict equals its dual prediction on λ-SOAP features of point-charge LTO cells", () => {
  const all = readExtxyz(DATA);
  const train = Dataset.fromArrays(all.slice(0, 6), ["efg"]);
  const test = all.slice(6, 9);
  const hypers = {
    cutoff: { radius: 3.5 },
    density: { width: 0.5 },
    basis: { maxRadial: 3, maxAngular: 2 },
    species: [3, 8, 22],
  };
  const cases: { lambda: number; target: string; zeta: number; sparse?: number }[] = [
    { lambda: 2, target: "efg", zeta: 2 },
    { lambda: 2, target: "efg", zeta: 1 },
    { lambda: 2, target: "efg", zeta: 2, sparse: 20 },
    { lambda: 0, target: "efg:cq", zeta: 2 },
    { lambda: 0, target: "efg:eta", zeta: 1 },
  ];
  for (const cs of cases) {
    it(`${cs.target} λ=${cs.lambda} ζ=${cs.zeta}${cs.sparse ? ` sparse M=${cs.sparse}` : ""}`, async () => {
      const model = new GprModel({
        species: 3,
        lambda: cs.lambda,
        target: cs.target,
        zeta: cs.zeta,
        reg: 1e-4,
        descriptor: { kind: "lambda-soap", hypers },
        sparse: cs.sparse ? { m: cs.sparse, seed: 0 } : null,
      });
      await model.fit(train);
      // predict() with variance runs the dual K*·α; without variance it takes the primal path.
      const dual = await model.predict(test, { variance: true });
      const fast = await model.predict(test, { variance: false });
      expect(fast.notes.some((n) => n.includes("primal"))).toBe(true);
      expect(relMaxDiff(fast.mean, dual.mean)).toBeLessThan(1e-10); // same sums in another order
      expect(Array.from(fast.atoms)).toEqual(Array.from(dual.atoms));
      if (cs.lambda === 2) expect(relMaxDiff(fast.cartesian!, dual.cartesian!)).toBeLessThan(1e-10);
    });
  }
});
