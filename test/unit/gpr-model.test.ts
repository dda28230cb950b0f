import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { EngineError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import { GprModel, type GprParams, predictionChunks } from "../../src/gpr/gpr.js";
import { decodeModel, encodeModel, saveModel } from "../../src/model/modelfile.js";
import { loadModel } from "../../src/models.js";
import { cartesianToT2, t2ToCartesian } from "../../src/nmr/spherical.js";
import { sealModel } from "../helpers/modelBytes.js";

const F = 30;
const F0 = 8;

/**
 * Synthetic structures whose per-atom arrays carry precomputed features (read by the "arrays" descriptor):
 * feat0 (F0, unit norm), feat2 (5 x F); the 'efg' target's T2 part is P_i·w (linear in the λ=2 features, so it
 * lies in the span of the ζ=1 kernel), 'scalar' = 100 + p0·v.
 */
function makeData(seed: number, nStruct: number, atoms: number): Dataset {
  const rng = new Rng(seed);
  const w = new Float64Array(F).map(() => rng.normal());
  const v = new Float64Array(F0).map(() => rng.normal());
  const structures: Structure[] = [];
  for (let s = 0; s < nStruct; s++) {
    const numbers = Array.from({ length: atoms }, (_, i) => (i % 2 === 0 ? 3 : 8));
    const positions = Array.from({ length: atoms * 3 }, () => rng.uniform() * 5);
    const feat0 = new Float64Array(atoms * F0);
    const feat2 = new Float64Array(atoms * 5 * F);
    const efg = new Float64Array(atoms * 9);
    const scalar = new Float64Array(atoms);
    for (let i = 0; i < atoms; i++) {
      let nrm = 0;
      for (let p = 0; p < F0; p++) {
        feat0[i * F0 + p] = rng.normal();
        nrm += feat0[i * F0 + p]! ** 2;
      }
      let sc = 100;
      for (let p = 0; p < F0; p++) {
        feat0[i * F0 + p]! /= Math.sqrt(nrm);
        sc += v[p]! * feat0[i * F0 + p]!;
      }
      scalar[i] = sc;
      const t2 = new Float64Array(5);
      for (let mu = 0; mu < 5; mu++) {
        let y = 0;
        for (let p = 0; p < F; p++) {
          const x = rng.normal() / Math.sqrt(F);
          feat2[(i * 5 + mu) * F + p] = x;
          y += x * w[p]!;
        }
        t2[mu] = y;
      }
      t2ToCartesian(t2, 0, efg, i * 9);
    }
    structures.push(
      new Structure({
        numbers,
        positions,
        arrays: {
          feat0: { ncols: F0, data: feat0 },
          feat2: { ncols: 5 * F, data: feat2 },
          efg: { ncols: 9, data: efg },
          scalar: { ncols: 1, data: scalar },
        },
      }),
    );
  }
  return Dataset.fromArrays(structures, ["efg", "scalar"]);
}

const arraysDesc = { kind: "arrays" } as const;

describe("GprModel (full and sparse) on precomputed features", () => {
  const data = makeData(5, 12, 6); // 36 Li environments
  const [train, test] = data.split(0.75, 1);

  it("noise-free λ=2 GPR (ζ=1) interpolates its training targets; variance ≥ 0, smaller at training points", async () => {
    const m = new GprModel({
      species: 3,
      lambda: 2,
      target: "efg",
      zeta: 1,
      reg: 1e-10,
      descriptor: arraysDesc,
    });
    const rep = await m.fit(train);
    expect(rep.nTrain).toBe(27);
    const pr = await m.predict(train.structures);
    const efg = train.target("efg");
    const t2 = new Float64Array(5);
    let k = 0;
    train.structures.forEach((s, si) => {
      for (let i = 0; i < s.length; i++) {
        if (s.numbers[i] !== 3) continue;
        cartesianToT2(efg.values[si]!, i * 9, t2);
        // 135 rows, rank ≤ F = 30 (ζ=1): singular but the targets lie in the kernel's span, so the fit is exact to ~reg
        for (let mu = 0; mu < 5; mu++) expect(Math.abs(pr.mean[k * 5 + mu]! - t2[mu]!)).toBeLessThan(1e-4);
        k++;
      }
    });
    expect(pr.components).toBe(5);
    expect(pr.covariance!.length).toBe(k * 25);
    for (const v of pr.variance!) expect(v).toBeGreaterThanOrEqual(0);
    const pt = await m.predict(test.structures);
    const meanVar = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(meanVar(pr.variance!)).toBeLessThan(meanVar(pt.variance!));
    // the 5x5 blocks are symmetric and carry the per-component variances on their diagonal
    for (let i = 0; i < 3; i++)
      for (let mu = 0; mu < 5; mu++) {
        expect(pt.covariance![i * 25 + mu * 5 + mu]).toBeCloseTo(pt.variance![i * 5 + mu]!, 14);
        for (let nu = 0; nu < 5; nu++)
          expect(pt.covariance![i * 25 + mu * 5 + nu]).toBeCloseTo(pt.covariance![i * 25 + nu * 5 + mu]!, 12);
      }
    // Cartesian output: traceless symmetric tensor whose T2 is the prediction
    cartesianToT2(pt.cartesian!, 0, t2);
    for (let mu = 0; mu < 5; mu++) expect(t2[mu]).toBeCloseTo(pt.mean[mu]!, 12);
  });

  it("sparse GPR with M = N (all environments) equals full GPR (λ=2, ζ=2), FPS and CUR alike", async () => {
    const base: GprParams = {
      species: 3,
      lambda: 2,
      target: "efg",
      zeta: 2,
      reg: 1e-3,
      noise: "fixed", // sparse GPR keeps its reg: the full model must solve at the same one
      descriptor: arraysDesc,
    };
    const full = new GprModel(base);
    await full.fit(train);
    const a = await full.predict(test.structures);
    for (const selection of ["fps", "cur"] as const) {
      const sp = new GprModel({ ...base, sparse: { m: 27, selection, seed: 3 } });
      await sp.fit(train);
      const b = await sp.predict(test.structures);
      // K has full rank here (rank ≤ F0·F = 240 > 135 rows); the sparse normal equations square cond(K): ~1e-8 agreement
      for (let i = 0; i < a.mean.length; i++) expect(b.mean[i]).toBeCloseTo(a.mean[i]!, 7);
      for (let i = 0; i < a.variance!.length; i++) expect(b.variance![i]).toBeCloseTo(a.variance![i]!, 7);
    }
  });

  it("λ=0 targets are centred on the training mean; λ=2 targets are never shifted", async () => {
    const m0 = new GprModel({
      species: 3,
      lambda: 0,
      target: "scalar",
      zeta: 2,
      reg: 1e-4,
      descriptor: arraysDesc,
    });
    const rep = await m0.fit(train);
    const ys: number[] = [];
    train.structures.forEach((s, si) => {
      for (let i = 0; i < s.length; i++)
        if (s.numbers[i] === 3) ys.push(train.target("scalar").values[si]![i]!);
    });
    const mean = ys.reduce((x, y) => x + y, 0) / ys.length;
    expect(rep.trainingMean).toBeCloseTo(mean, 12);
    const pr = await m0.predict(test.structures);
    // targets are 100 ± ~3; the centred GP's residual is small compared to the offset
    for (const v of pr.mean) expect(Math.abs(v - 100)).toBeLessThan(10);
    const m2 = new GprModel({ species: 3, lambda: 2, target: "efg", reg: 1e-4, descriptor: arraysDesc });
    const rep2 = await m2.fit(train);
    expect(rep2.trainingMean).toBe(0);
  });

  it("prediction in chunks of structures equals one prediction (λ=2 with covariance, and mean only)", async () => {
    const m = new GprModel({
      species: 3,
      lambda: 2,
      target: "efg",
      zeta: 2,
      reg: 1e-3,
      descriptor: arraysDesc,
    });
    await m.fit(train);
    const whole = await m.predict(test.structures);
    const wholeMean = await m.predict(test.structures, { variance: false });
    for (const chunk of [4, 7]) {
      // 3 Li per structure: chunks of 1 structure (4) and of 2 structures (7)
      m.chunkAtoms = chunk;
      const parts = await m.predict(test.structures);
      expect(parts.atoms).toEqual(whole.atoms); // structure indices shifted back to the whole list
      // kernel rows and solves are per atom: equal up to the summation order of size-dependent code paths
      for (const key of ["mean", "variance", "covariance", "cartesian"] as const) {
        const [a, b] = [parts[key]!, whole[key]!];
        expect(a.length).toBe(b.length);
        for (let i = 0; i < a.length; i++)
          expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-12 * (1 + Math.abs(b[i]!)));
      }
      const mean = await m.predict(test.structures, { variance: false });
      expect(mean.variance).toBeUndefined();
      for (let i = 0; i < mean.mean.length; i++)
        expect(Math.abs(mean.mean[i]! - wholeMean.mean[i]!)).toBeLessThan(
          1e-12 * (1 + Math.abs(wholeMean.mean[i]!)),
        );
    }
  });

  it("predictionChunks: whole structures, at most maxAtoms centre atoms, a larger structure alone", () => {
    const s = (li: number, o: number) =>
      new Structure({
        numbers: [...Array(li).fill(3), ...Array(o).fill(8)],
        positions: Array((li + o) * 3).fill(0),
      });
    const list = [s(0, 2), s(2, 1), s(3, 0), s(9, 1), s(0, 4), s(1, 1), s(4, 0), s(0, 1)];
    // Li counts 0 2 3 | 9 0 | 1 4 0: structures without Li stay with the chunk before them
    expect(predictionChunks(list, 3, 5)).toEqual([
      [0, 3],
      [3, 5],
      [5, 8],
    ]);
    expect(predictionChunks([], 3, 5)).toEqual([]);
  });
});

describe("model files", () => {
  const data = makeData(9, 8, 4);
  const [train, test] = data.split(0.75, 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-model-"));

  it("variance none: a mean-only model without the Cholesky factor, same means, smaller file, note on predict", async () => {
    const base: GprParams = { species: 3, lambda: 2, target: "efg", reg: 1e-4, descriptor: arraysDesc };
    const full = new GprModel(base);
    const rows = (await full.fit(train)).nTrain * 5;
    const lean = new GprModel({ ...base, variance: "none" });
    await lean.fit(train);
    const [fullFile, leanFile] = [path.join(dir, "full.soapgpr"), path.join(dir, "lean.soapgpr")];
    saveModel(full, fullFile);
    saveModel(lean, leanFile);
    expect(lean.serialize().arrays.has("choleskyLower")).toBe(false);
    expect(full.serialize().arrays.has("choleskyLower")).toBe(true);
    // the packed factor: rows·(rows + 1)/2 doubles
    expect(fs.statSync(fullFile).size - fs.statSync(leanFile).size).toBeGreaterThanOrEqual(
      4 * rows * (rows + 1),
    );
    const loaded = loadModel(leanFile);
    const a = await loaded.predict(test.structures);
    const b = await full.predict(test.structures);
    expect(a.variance).toBeUndefined();
    expect(a.notes.some((n) => n.includes("mean-only model"))).toBe(true);
    // the same α in both models; the mean-only one predicts in the primal (ζ=2), the full one in the dual
    for (let i = 0; i < b.mean.length; i++)
      expect(Math.abs(a.mean[i]! - b.mean[i]!)).toBeLessThan(1e-10 * (1 + Math.abs(b.mean[i]!)));
    expect(() => new GprModel({ ...base, variance: "some" as "none" })).toThrow(
      /unknown variance setting .some. \(available: full, none\)/,
    );
  });

  for (const sparse of [null, { m: 7, seed: 1 }]) {
    it(`save → load → predict gives identical numbers (${sparse ? "sparse" : "full"})`, async () => {
      const m = new GprModel({
        species: 3,
        lambda: 2,
        target: "efg",
        reg: 1e-4,
        descriptor: arraysDesc,
        sparse,
      });
      await m.fit(train);
      const file = path.join(dir, sparse ? "s.model" : "f.model");
      saveModel(m, file);
      const back = loadModel(file);
      expect(back.kind).toBe(sparse ? "sparse-gpr" : "gpr");
      const a = await m.predict(test.structures);
      const b = await back.predict(test.structures);
      expect(b.mean).toEqual(a.mean);
      expect(b.variance).toEqual(a.variance);
      expect(b.atoms).toEqual(a.atoms);
    });
  }

  it("truncated, corrupted, foreign, future-version and unknown-kind files are CorruptModel errors", async () => {
    const m = new GprModel({ species: 3, lambda: 0, target: "scalar", reg: 1e-4, descriptor: arraysDesc });
    await m.fit(train);
    const bytes = encodeModel(m.serialize());
    const expectCorrupt = (b: Uint8Array, re: RegExp) => {
      const file = path.join(dir, "bad.model");
      fs.writeFileSync(file, b);
      let err: unknown;
      try {
        loadModel(file);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe("CorruptModel");
      expect((err as EngineError).message).toContain(file);
      expect((err as EngineError).message).toMatch(re);
    };
    expectCorrupt(bytes.subarray(0, bytes.length - 5), /truncated|checksum/);
    expectCorrupt(bytes.subarray(0, 40), /truncated/);
    const flipped = bytes.slice();
    flipped[flipped.length - 3] ^= 0xff;
    expectCorrupt(flipped, /array checksum mismatch/);
    const flippedHeader = bytes.slice();
    flippedHeader[30] ^= 0x01;
    expectCorrupt(flippedHeader, /header checksum mismatch/);
    expectCorrupt(new TextEncoder().encode("Properties=species:S:1 not a model"), /not a soapgpr model file/);
    // future container version and unknown kind: re-encode a modified header with valid checksums
    const { payload } = decodeModel(bytes);
    const patch = (fn: (h: Record<string, unknown>) => void) => {
      const b = encodeModel(payload);
      const hl = new DataView(b.buffer).getUint32(8, true);
      const h = JSON.parse(Buffer.from(b.subarray(12, 12 + hl)).toString("utf8")) as Record<string, unknown>;
      fn(h);
      return sealModel(h, b.subarray(Math.ceil((12 + hl + 32) / 8) * 8));
    };
    expectCorrupt(
      patch((h) => (h.containerVersion = 99)),
      /newer than this soapgpr supports/,
    );
    expectCorrupt(
      patch((h) => (h.kind = "mystery")),
      /unknown model kind 'mystery'/,
    );
    expectCorrupt(
      patch((h) => (h.formatVersion = 7)),
      /format version 7 is not supported/,
    );
  });
});
