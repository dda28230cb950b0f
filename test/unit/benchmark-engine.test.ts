/**
 * GPR on cached raw kernels (src/gpr/rawFit.ts: raw kernels K0, K2 computed once, K(ζ) assembled from sub-blocks, multi-RHS Cholesky)
 * must give the same predictions as the library's GprModel trained on the same environments with the same
 * hyperparameters — it is the same GPR computed in a different order. Tolerance 1e-8 relative to the largest
 * |prediction|: the two paths use different GEMM blockings and solve orders, and the λ=2 systems at reg 1e-5
 * have condition numbers ~1e5–1e6, so ~1e-10 agreement is expected and 1e-8 leaves room.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { environmentTargets, SCALAR_TARGETS } from "../../src/benchmark/targets.js";
import { Dataset } from "../../src/core/dataset.js";
import { GprModel } from "../../src/gpr/gpr.js";
import { fitPredictRaw, fitPredictRawWithVariance } from "../../src/gpr/rawFit.js";
import { readExtxyz } from "../../src/io/extxyz.js";
import {
  type EnvFeatures,
  kernelDiagBlocks,
  rawKernels,
  subsetFeatures,
  withBackend,
} from "../../src/soap/envKernel.js";
import { soapSettings, speciesFeatures } from "../../src/soap/speciesFeatures.js";
import { relMaxDiff } from "../helpers/compare.js";

const DATA = fileURLToPath(new URL("../../datasets/lto-pointcharge-small.extxyz", import.meta.url));

/** Raw kernels between the environments `rows` and `cols` of a feature set (the same object when rows === cols). */
function raw(feats: EnvFeatures, rows: number[], cols: number[]) {
  return withBackend(undefined, (be) => {
    const a = subsetFeatures(feats, rows);
    return rawKernels(be, a, rows === cols ? a : subsetFeatures(feats, cols));
  });
}

describe("benchmark engine equals GprModel", () => {
  const all = readExtxyz(DATA).slice(0, 10);
  const train = all.slice(0, 8);
  const test = all.slice(8);
  const settings = soapSettings(4.5, 0.6, { maxRadial: 3, maxAngular: 2 }, [3, 8, 22]);
  // environments of all 10 structures; the first 8 structures' Li are the training rows
  const sf = speciesFeatures(all, 3, settings, 2);
  const nTr = [...Array(sf.feats.n).keys()].filter((k) => sf.samples[2 * k]! < 8);
  const nTe = [...Array(sf.feats.n).keys()].filter((k) => sf.samples[2 * k]! >= 8);
  const targets = environmentTargets(all, sf.samples);

  for (const zeta of [1, 2, 3]) {
    it(`λ=2 efg, ζ=${zeta}`, async () => {
      const kTrain = await raw(sf.feats, nTr, nTr);
      const kCross = await raw(sf.feats, nTe, nTr);
      const y = new Float64Array(nTr.length * 5);
      for (const [k, e] of nTr.entries()) y.set(targets.t2.subarray(5 * e, 5 * e + 5), 5 * k);
      const ours = await fitPredictRaw({
        zeta,
        reg: 1e-5,
        kTrain,
        trainRows: nTr.map((_, i) => i),
        kCross,
        testRows: nTe.map((_, i) => i),
        y,
        r: 5,
      });
      const model = new GprModel({
        species: 3,
        lambda: 2,
        target: "efg",
        zeta,
        reg: 1e-5,
        noise: "fixed", // the benchmark engine solves at the reg it is given
        descriptor: { kind: "lambda-soap", hypers: settings },
      });
      await model.fit(Dataset.fromArrays(train, ["efg"]));
      const ref = await model.predict(test, { variance: false });
      expect(relMaxDiff(ours, ref.mean)).toBeLessThan(1e-8);
    });
  }

  for (const noise of ["fixed", "ml"] as const) {
    it(`λ=2 efg with variances, noise ${noise}: means, variances and reg equal GprModel's`, async () => {
      const kTrain = await raw(sf.feats, nTr, nTr);
      const kCross = await raw(sf.feats, nTe, nTr);
      const y = new Float64Array(nTr.length * 5);
      for (const [k, e] of nTr.entries()) y.set(targets.t2.subarray(5 * e, 5 * e + 5), 5 * k);
      const ours = await fitPredictRawWithVariance({
        zeta: 2,
        reg: 1e-5,
        noise,
        kTrain,
        trainRows: nTr.map((_, i) => i),
        kCross,
        testRows: nTe.map((_, i) => i),
        y,
        kss: kernelDiagBlocks(subsetFeatures(sf.feats, nTe), 2),
      });
      const model = new GprModel({
        species: 3,
        lambda: 2,
        target: "efg",
        zeta: 2,
        reg: 1e-5,
        noise,
        descriptor: { kind: "lambda-soap", hypers: settings },
      });
      const rep = await model.fit(Dataset.fromArrays(train, ["efg"]));
      const ref = await model.predict(test);
      // the same maximum-likelihood search on the same kernel: the same reg to round-off
      expect(Math.abs(ours.reg / (rep.reg as number) - 1)).toBeLessThan(1e-8);
      if (noise === "ml") expect(ours.reg).not.toBe(1e-5);
      expect(relMaxDiff(ours.mean, ref.mean)).toBeLessThan(1e-8);
      // variances: differences of O(1) numbers (prior − explained) at ~1e-10 each, relative to their maximum
      expect(relMaxDiff(ours.variance, ref.variance!)).toBeLessThan(1e-6);
      expect(relMaxDiff(ours.covariance, ref.covariance!)).toBeLessThan(1e-6);
    });
  }

  it("λ=0 signed Vzz (efg:vzz), ζ=2, five targets solved at once", async () => {
    const sf0 = speciesFeatures(all, 3, settings, 0);
    const kTrain = await raw(sf0.feats, nTr, nTr);
    const kCross = await raw(sf0.feats, nTe, nTr);
    const S = SCALAR_TARGETS.length;
    const y = new Float64Array(nTr.length * S);
    for (const [k, e] of nTr.entries()) y.set(targets.scalars.subarray(S * e, S * e + S), S * k);
    const ours = await fitPredictRaw({
      zeta: 2,
      reg: 1e-3,
      kTrain,
      trainRows: nTr.map((_, i) => i),
      kCross,
      testRows: nTe.map((_, i) => i),
      y,
      r: S,
    });
    const col = SCALAR_TARGETS.indexOf("vzz");
    const oursVzz = nTe.map((_, i) => ours[S * i + col]!);
    const model = new GprModel({
      species: 3,
      lambda: 0,
      target: "efg:vzz",
      zeta: 2,
      reg: 1e-3,
      noise: "fixed", // the benchmark engine solves at the reg it is given
      descriptor: { kind: "lambda-soap", hypers: settings },
    });
    await model.fit(Dataset.fromArrays(train, ["efg"]));
    const ref = await model.predict(test, { variance: false });
    expect(relMaxDiff(oursVzz, ref.mean)).toBeLessThan(1e-8);
  });
});
