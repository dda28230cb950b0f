/**
 * Issue 17 item 6: Harper's C̃Q = (|Vzz| − μ)/σ and η̃ = η|Vzz|/μ were normalised by the evaluation set's own
 * spread, so `evaluate` on one symmetric cell (σ ≈ 0) printed C̃Q MAE 9.5e8. Models now store the training set's μ
 * and σ of |Vzz| (src/model/trainingStats.ts), evaluation normalises with them and says so, and an evaluation set
 * whose spread is degenerate gives no C̃Q (null) with a warning instead of a huge number.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import type { Structure } from "../../src/core/structure.js";
import { evaluatePrediction } from "../../src/gpr/evaluate.js";
import { GprModel } from "../../src/gpr/gpr.js";
import { readStructures } from "../../src/io/read.js";
import { efgMetrics } from "../../src/metrics/efg.js";
import { saveModel } from "../../src/model/modelfile.js";
import { loadModel } from "../../src/models.js";
import { FIXTURE_DIR } from "../fixtures/models/make-models.js";
import { runCli } from "../helpers/cli.js";
import { numpyPython, runPython } from "../helpers/python.js";

const here = path.dirname(new URL(import.meta.url).pathname);
const LTO = path.resolve(here, "../../datasets/lto-pointcharge-small.extxyz");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-harper-norm-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const { structures } = readStructures([LTO]);
const train = Dataset.fromArrays(structures.slice(0, 10), ["efg"]);
const hypers = { cutoff: { radius: 3 }, basis: { maxRadial: 3, maxAngular: 2 } };

/** Every Li atom's reference EFG of `structures` (n × 9). */
function liTensors(ss: readonly Structure[]): number[][] {
  return ss.flatMap((s) => {
    const e = s.numericArray("efg")!.data;
    return Array.from(s.numbers).flatMap((z, a) =>
      z === 3 ? [Array.from(e.subarray(9 * a, 9 * a + 9))] : [],
    );
  });
}

/** One structure in which every Li site carries the same reference tensor: a degenerate evaluation set. */
function symmetricCell() {
  const s = structures[200]!;
  const e = Float64Array.from(s.numericArray("efg")!.data);
  const first = s.numbers.indexOf(3);
  s.numbers.forEach((z, a) => {
    if (z === 3) e.copyWithin(9 * a, 9 * first, 9 * first + 9);
  });
  return s.with({ arrays: { efg: { ncols: 9, data: e } } });
}

describe("efgMetrics normalisation", () => {
  const ref = Float64Array.from(liTensors(structures.slice(0, 4)).flat());
  const n = ref.length / 9;
  const species = new Int32Array(n).fill(3);

  it("with the training set's μ, σ: C̃Q error of pred = 1.1·ref is 0.1·mean|Vzz| / σ_train", () => {
    const norm = { Li: { vzzMean: 0.05, vzzStd: 0.02 } };
    const m = efgMetrics(
      ref,
      ref.map((v) => 1.1 * v),
      species,
      { normalisation: norm },
    ).Li!;
    const own = efgMetrics(ref, ref, species).Li!;
    expect(m.normalisation).toBe("training set");
    expect(own.normalisation).toBe("evaluation set");
    expect(m.vzzMean).toBe(0.05);
    // |Vzz| scales by 1.1: |ΔC̃Q| = 0.1|Vzz|/σ; own.vzzMean is the mean |Vzz| of the set
    expect(m.cqTilde.mae).toBeCloseTo((0.1 * own.vzzMean) / 0.02, 12);
    expect(m.warnings).toEqual([]);
  });

  it("a degenerate evaluation set without training statistics: no C̃Q, a warning; with them: finite", () => {
    const one = ref.subarray(0, 9);
    const same = Float64Array.from({ length: 9 * 6 }, (_, i) => one[i % 9]!);
    const pred = same.map((v, i) => v * (1 + 0.01 * Math.floor(i / 9)));
    const m = efgMetrics(same, pred, new Int32Array(6).fill(3)).Li!;
    expect(Number.isNaN(m.cqTilde.mae)).toBe(true);
    expect(JSON.parse(JSON.stringify(m, (_k, v) => (Number.isNaN(v) ? null : v))).cqTilde.mae).toBeNull();
    expect(m.warnings[0]).toMatch(/C̃Q not given: the evaluation set's \|Vzz\| has no spread \(6 site/);
    const t = efgMetrics(same, pred, new Int32Array(6).fill(3), {
      normalisation: { Li: { vzzMean: 0.05, vzzStd: 0.02 } },
    }).Li!;
    expect(Number.isFinite(t.cqTilde.mae)).toBe(true);
    expect(t.warnings).toEqual([]);
  });
});

let fitted: GprModel | null = null;
/** A small λ=2 Li EFG model fitted on the first 10 LTO cells (once). */
async function fittedLi(): Promise<GprModel> {
  if (fitted) return fitted;
  const m = new GprModel({
    species: 3,
    lambda: 2,
    target: "efg",
    zeta: 2,
    reg: 1e-6,
    descriptor: { kind: "lambda-soap", hypers },
  });
  await m.fit(train);
  fitted = m;
  return m;
}

describe("training statistics in the model file", () => {
  it("a λ=2 efg GPR stores the number of training Li atoms with their μ, σ of |Vzz|, kept through save/load", async () => {
    const m = await fittedLi();
    const st = m.trainingStatistics!.efg![0]!;
    const t = liTensors(train.structures);
    expect(st.element).toBe("Li");
    expect(st.n).toBe(t.length);
    const file = path.join(dir, "li.model");
    saveModel(m, file);
    expect(loadModel(file).trainingStatistics).toEqual(m.trainingStatistics);
  });

  it.skipIf(numpyPython() === null)(
    "the stored μ, σ equal numpy's (eigvalsh of the training Li tensors)",
    async () => {
      const st = (await fittedLi()).trainingStatistics!.efg![0]!;
      const t = liTensors(train.structures);
      const ref = runPython(
        numpyPython()!,
        `
import sys, json, numpy as np
t = np.array(json.loads(sys.argv[1])).reshape(-1, 3, 3)
v = np.abs(np.linalg.eigvalsh((t + t.transpose(0, 2, 1)) / 2)).max(axis=1)
print(json.dumps([v.mean(), v.std()]))
`,
        [JSON.stringify(t)],
      ) as number[];
      // two eigen solvers on the same symmetric tensors: agree to round-off of values ~0.05 au
      expect(st.vzzMean).toBeCloseTo(ref[0]!, 12);
      expect(st.vzzStd).toBeCloseTo(ref[1]!, 12);
    },
  );

  it("model files written before the statistics load with none", () => {
    expect(loadModel(path.join(FIXTURE_DIR, "gpr-full-l2.model")).trainingStatistics).toBeNull();
    expect(loadModel(path.join(FIXTURE_DIR, "gnn-isd-rc.model")).trainingStatistics).toBeNull();
  });

  it("evaluatePrediction on one symmetric cell: training-set C̃Q is finite; without statistics: null and a warning", async () => {
    const m = await fittedLi();
    const cell = Dataset.fromArrays([symmetricCell()], ["efg"]);
    const pred = await m.predict(cell.structures);
    const withStats = evaluatePrediction(cell, pred, "efg", undefined, m.trainingStatistics).harper as {
      normalisation: string;
      cqTilde: { mae: number };
    };
    expect(withStats.normalisation).toBe("training set");
    // C̃Q errors are in units of the training σ of |Vzz|: a fitted model is within a few σ, never 1e9
    expect(withStats.cqTilde.mae).toBeLessThan(5);
    const without = evaluatePrediction(cell, pred, "efg", undefined, null).harper as {
      cqTilde: { mae: number };
      warnings: string[];
    };
    expect(Number.isNaN(without.cqTilde.mae)).toBe(true);
    expect(without.warnings.length).toBeGreaterThan(0);
  });
});

describe("soapgpr evaluate says which statistics normalise C̃Q", () => {
  it("prints the training set's μ, σ for a model that stores them", async () => {
    const trainFile = path.join(dir, "train.extxyz");
    const lines = fs.readFileSync(LTO, "utf8").split("\n");
    fs.writeFileSync(trainFile, `${lines.slice(0, 10 * 44).join("\n")}\n`);
    const model = path.join(dir, "cli.model");
    const fit = await runCli([
      "fit",
      "--lambda",
      "2",
      "--data",
      trainFile,
      "--target",
      "efg",
      "--species",
      "Li",
      "--preset",
      "tensoap",
      "--nmax",
      "3",
      "--lmax",
      "2",
      "--reg",
      "1e-6",
      "--out",
      model,
    ]);
    expect(fit.code).toBe(0);
    const testFile = path.join(dir, "test.extxyz");
    fs.writeFileSync(testFile, `${lines.slice(150 * 44, 152 * 44).join("\n")}\n`);
    const ev = await runCli(["evaluate", "--model", model, "--data", testFile]);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(
      /C̃Q = \(\|Vzz\| − μ\)\/σ, η̃ = η\|Vzz\|\/μ with μ \d\.\d+ au, σ \d\.\d+ au of \|Vzz\| of the training set/,
    );
  });
});
