/**
 * Issue 17 item 10: the estimator API (src/api.ts) — species by symbol, hypers from plain options with the
 * documented defaults, `predict` per structure and per atom with units, `score` as scikit-learn's R², save/load —
 * as a thin layer over the Model contract. Data: 16-atom TiO2-like frames of the TENSOAP reference set (Ti EFGs).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { soapHypersFromCli } from "../../cli/options.js";
import { NmrRegressor, soapHypers } from "../../src/api.js";
import { EngineError } from "../../src/core/errors.js";
import type { Structure } from "../../src/core/structure.js";
import { readStructures } from "../../src/io/read.js";
import { DEFAULT_SOAP_HYPERS, TENSOAP_PRESET } from "../../src/soap/hypers.js";
import { ROOT } from "../helpers/built.js";

const BENCH = path.join(ROOT, "..", "shared", "data", "tensoap-ref", "structures", "bench.xyz");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-api-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let train: Structure[];
let test: Structure[];
const testFile = path.join(dir, "test.xyz");
const SMALL = { nmax: 4, lmax: 3 } as const;

beforeAll(() => {
  const all = readStructures([BENCH]).structures;
  train = all.slice(0, 10);
  test = all.slice(10, 15);
  // frames 10..14 (18 lines each) as a file, to predict from a path
  const lines = fs.readFileSync(BENCH, "utf8").split("\n");
  fs.writeFileSync(testFile, `${lines.slice(10 * 18, 15 * 18).join("\n")}\n`);
});

/** Reference EFG (9 per atom) of every Ti atom, in structure then atom order. */
function referenceTi(structures: readonly Structure[]): number[][] {
  return structures.flatMap((s) => {
    const efg = s.arrays.get("efg")!.data as Float64Array;
    return [...s.numbers.keys()]
      .filter((i) => s.numbers[i] === 22)
      .map((i) => Array.from(efg.subarray(9 * i, 9 * i + 9)));
  });
}

describe("soapHypers: λ-SOAP hypers from plain options", () => {
  it("no options: the documented defaults; a preset: that preset", () => {
    expect(soapHypers()).toEqual(DEFAULT_SOAP_HYPERS);
    expect(soapHypers({ preset: "tensoap" })).toEqual(TENSOAP_PRESET);
  });

  it("each option sets its field and leaves the others at their defaults", () => {
    const h = soapHypers({ rcut: 5, smooth: 0.5, sigma: 0.4, nmax: 4, lmax: 3, centerWeight: 0.5 });
    expect(h.cutoff).toEqual({ radius: 5, smoothing: { type: "ShiftedCosine", width: 0.5 } });
    expect(h.density.width).toBe(0.4);
    expect([h.basis.maxRadial, h.basis.maxAngular]).toEqual([4, 3]);
    expect(h.centerWeight).toBe(0.5);
    expect(h.basis.radialIntegral).toBe(DEFAULT_SOAP_HYPERS.basis.radialIntegral);
    expect(soapHypers({ smooth: 0 }).cutoff.smoothing).toEqual({ type: "Step" });
  });

  it("is what the CLI flags build (one mapping of options to hypers)", () => {
    expect(soapHypersFromCli({ rcut: "5", sigma: "0.4", nmax: "4", smooth: "0.5" })).toEqual(
      soapHypers({ rcut: 5, sigma: 0.4, nmax: 4, smooth: 0.5 }),
    );
  });

  it("bad values are errors naming the field", () => {
    expect(() => soapHypers({ rcut: -1 })).toThrow(/cutoff\.radius/);
    expect(() => soapHypers({ preset: "nope" as "default" })).toThrow(EngineError);
  });
});

describe("NmrRegressor", () => {
  let model: NmrRegressor;
  beforeAll(async () => {
    model = new NmrRegressor({ target: "efg", species: "Ti", lambda: 2, ...SMALL });
    await model.fit(train);
  }, 120_000);

  it("fit names the species by symbol", async () => {
    const m = new NmrRegressor({ target: "efg", species: "Ti", lambda: 2, ...SMALL });
    const r = await m.fit(train);
    expect(r.species).toBe("Ti");
    expect(r.nTrain).toBe(referenceTi(train).length);
    expect(() => new NmrRegressor({ target: "efg", species: "Xx" })).toThrow(EngineError);
  });

  it("predict: one entry per structure, every Ti atom with its index, species, 3×3 tensor and unit", async () => {
    const pred = await model.predict(test);
    expect(pred.length).toBe(test.length);
    const flat = await model.model.predict(test);
    let k = 0;
    for (const [s, entry] of pred.entries()) {
      expect(entry.index).toBe(s);
      expect(entry.unit).toBe("a.u. (Eh/(e a0^2))");
      const ti = [...test[s]!.numbers.keys()].filter((i) => test[s]!.numbers[i] === 22);
      expect(entry.atoms.map((a) => a.index)).toEqual(ti);
      for (const a of entry.atoms) {
        expect(a.species).toBe("Ti");
        // the layer only reshapes: the model's own flat Cartesian tensor, row by row
        expect(a.tensor!.flat()).toEqual(Array.from(flat.cartesian!.subarray(9 * k, 9 * k + 9)));
        expect(a.componentStd!.length).toBe(5);
        // a λ=2 prediction is symmetric and traceless (to round-off of the spherical → Cartesian map)
        const t = a.tensor!;
        const scale = Math.max(...t.flat().map(Math.abs));
        expect(Math.abs(t[0]![1]! - t[1]![0]!)).toBeLessThan(1e-12 * scale);
        expect(Math.abs(t[0]![0]! + t[1]![1]! + t[2]![2]!)).toBeLessThan(1e-12 * scale);
        k++;
      }
    }
    expect(k).toBe(flat.atoms.length / 2);
  });

  it("predict from a file path: the same numbers, with the source of each structure", async () => {
    const fromFile = await model.predict(testFile);
    const fromStructures = await model.predict(test);
    expect(fromFile.map((p) => p.atoms)).toEqual(fromStructures.map((p) => p.atoms));
    expect(fromFile[0]!.source).toContain("test.xyz");
  });

  it("score is R² = 1 − Σ(y−ŷ)²/Σ(y−ȳ)² over the 9 components (computed here from predict and the file's tensors)", async () => {
    const ref = referenceTi(test);
    const est = (await model.predict(test)).flatMap((p) => p.atoms.map((a) => a.tensor!.flat()));
    let res = 0;
    let tot = 0;
    for (let c = 0; c < 9; c++) {
      const mean = ref.reduce((m, r) => m + r[c]!, 0) / ref.length;
      for (let i = 0; i < ref.length; i++) {
        res += (ref[i]![c]! - est[i]![c]!) ** 2;
        tot += (ref[i]![c]! - mean) ** 2;
      }
    }
    // same sums in another order: equal to round-off
    expect(await model.score(test)).toBeCloseTo(1 - res / tot, 12);
  });

  it("score: near 1 on the training set of an interpolating model, far lower for an over-regularised one", async () => {
    const tight = new NmrRegressor({
      target: "efg",
      species: "Ti",
      lambda: 2,
      reg: 1e-9,
      noise: "fixed",
      ...SMALL,
    });
    await tight.fit(train);
    // GPR with reg 1e-9 reproduces its training targets to ~reg relative
    expect(await tight.score(train)).toBeGreaterThan(0.999);
    const loose = new NmrRegressor({
      target: "efg",
      species: "Ti",
      lambda: 2,
      reg: 1e3,
      noise: "fixed",
      ...SMALL,
    });
    await loose.fit(train);
    // reg 1e3 shrinks every prediction towards 0 by ~1/(1+reg): R² ≈ 1 − Σy²/Σ(y−ȳ)² ≤ 0
    expect(await loose.score(test)).toBeLessThan(0.1);
    expect(await model.score(test)).toBeGreaterThan(0.5);
  }, 120_000);

  it("a scalar target: one value and its std per atom, in the target's unit", async () => {
    const cq = new NmrRegressor({ target: "efg:cq", species: "Ti", ...SMALL });
    const r = await cq.fit(train);
    expect(r.lambda).toBe(0);
    const [first] = await cq.predict(test);
    expect(first!.unit).toBe("MHz");
    for (const a of first!.atoms) {
      expect(Number.isFinite(a.value)).toBe(true);
      expect(a.std).toBeGreaterThan(0);
      expect(a.tensor).toBeUndefined();
    }
    expect(await cq.score(test)).toBeLessThanOrEqual(1);
  }, 120_000);

  it("save and load: the same predictions", async () => {
    const file = path.join(dir, "ti.model");
    model.save(file);
    const loaded = NmrRegressor.load(file);
    expect(loaded.target).toBe("efg");
    expect(await loaded.predict(test)).toEqual(await model.predict(test));
  });

  it("without lambda a tensor target fits every block in one model (efg: λ=2)", async () => {
    const m = new NmrRegressor({ target: "efg", species: "Ti", ...SMALL });
    const r = await m.fit(train);
    expect(r.model).toBe("tensor-gpr");
    expect(r.lambdas).toEqual([2]);
    const [first] = await m.predict(test);
    expect(first!.atoms[0]!.tensor!.length).toBe(3);
  }, 120_000);
});
