/**
 * Issue 11, item 8: model files whose checksums pass but whose header is inconsistent. Each case is crafted from a
 * real saved model, edited, and re-sealed with recomputed checksums, so only the consistency checks can catch it.
 * Each must give EngineError CorruptModel naming the file — never a TypeError or NaN predictions.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { EngineError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import { gnnFromPayload } from "../../src/gnn/model.js";
import { GprModel } from "../../src/gpr/gpr.js";
import { encodeModel } from "../../src/model/modelfile.js";
import { loadModel } from "../../src/models.js";
import { sealModel, unsealModel } from "../helpers/modelBytes.js";

// biome-ignore lint/suspicious/noExplicitAny: the crafted headers are edited freely, field by field
type Json = Record<string, any>;

/** Seal with both checksums recomputed (the array one lives in the header). */
function seal(header: unknown, data: Uint8Array): Uint8Array {
  if (header && typeof header === "object")
    (header as Json).sha256 = createHash("sha256").update(data).digest("hex");
  return sealModel(header, data);
}

const unseal = (bytes: Uint8Array) => unsealModel(bytes) as { header: Json; data: Uint8Array };

/** Small clusters of Li and O with a scalar target on Li; λ-SOAP with a tiny basis so that fitting is fast. */
function clusters(seed: number, n: number): Dataset {
  const rng = new Rng(seed);
  const structures = Array.from({ length: n }, () => {
    const positions = Array.from({ length: 12 }, () => rng.uniform() * 3);
    const q = Float64Array.from({ length: 4 }, () => rng.normal());
    return new Structure({ numbers: [3, 8, 3, 8], positions, arrays: { q: { ncols: 1, data: q } } });
  });
  return Dataset.fromArrays(structures, ["q"]);
}

const hypers = { cutoff: { radius: 3 }, density: { width: 0.5 }, basis: { maxRadial: 2, maxAngular: 2 } };

describe("inconsistent model files give CorruptModel", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-corrupt-"));
  const data = clusters(7, 6);
  let good: Uint8Array;
  let goodMean: Float64Array;

  beforeAll(async () => {
    const model = new GprModel({
      species: 3,
      lambda: 0,
      target: "q",
      descriptor: { kind: "lambda-soap", hypers },
    });
    await model.fit(data);
    good = encodeModel(model.serialize());
    goodMean = (await model.predict(data.structures)).mean;
  });

  const load = (bytes: Uint8Array, name: string) => {
    const file = path.join(dir, `${name}.model`);
    fs.writeFileSync(file, bytes);
    return file;
  };

  /** The CorruptModel error of loading (and predicting with) a crafted file; fails the test if there is none. */
  async function corruptError(name: string, edit: (h: Json, d: Uint8Array) => unknown): Promise<EngineError> {
    const { header, data: arrays } = unseal(good);
    const edited = edit(header, arrays);
    const file = load(seal(edited === undefined ? header : edited, arrays), name);
    try {
      const model = loadModel(file);
      const pr = await model.predict(data.structures);
      throw new Error(`no error; predictions ${Array.from(pr.mean).slice(0, 3)}`);
    } catch (e) {
      expect(e, String(e)).toBeInstanceOf(EngineError);
      expect((e as EngineError).code, (e as EngineError).message).toBe("CorruptModel");
      expect((e as EngineError).message).toContain(file);
      return e as EngineError;
    }
  }

  it("the unedited file loads and predicts the same numbers (control)", async () => {
    const { header, data: arrays } = unseal(good);
    const model = loadModel(load(seal(header, arrays), "control"));
    expect((await model.predict(data.structures)).mean).toEqual(goodMean);
  });

  const cases: [string, (h: Json, d: Uint8Array) => unknown, RegExp][] = [
    ["negative length", (h) => void (h.arrays[0].length = -1), /invalid length -1/],
    ["fractional length", (h) => void (h.arrays[0].length = 2.5), /invalid length 2\.5/],
    ["negative offset", (h) => void (h.arrays[1].offset = -8), /invalid offset -8/],
    ["misaligned offset", (h) => void (h.arrays[1].offset += 4), /multiple of 8/],
    ["arrays: null", (h) => void (h.arrays = null), /no 'arrays' list/],
    ["array entry null", (h) => void (h.arrays[0] = null), /array entry 0 has no name/],
    ["header: null", (h) => void (h.header = null), /no 'header' object/],
    ["whole header null", () => null, /not a JSON object/],
    ["params: null", (h) => void (h.header.params = null), /no 'params'/],
    ["descriptor: null", (h) => void (h.header.params.descriptor = null), /descriptor/],
    ["fitted: null", (h) => void (h.header.fitted = null), /no 'fitted'/],
    ["nEnvironments a string", (h) => void (h.header.fitted.nEnvironments = "12"), /nEnvironments/],
    [
      "signalVariance null (NaN written by JSON)",
      (h) => void (h.header.fitted.signalVariance = null),
      /signalVariance/,
    ],
    ["trainingMean a string", (h) => void (h.header.fitted.trainingMean = "0"), /trainingMean/],
    ["λ mismatching the shapes", (h) => void (h.header.params.lambda = 2), /lambda|λ/],
    [
      "components mismatching λ",
      (h) => void (h.header.fitted.components = 5),
      /components 5 does not match λ=0/,
    ],
    [
      "λ mismatching its copy",
      (h) => void (h.header.lambda = 2),
      /header lambda 2 does not match params.lambda 0/,
    ],
    ["species mismatching its copy", (h) => void (h.header.species = "Na"), /species "Na" does not match/],
    ["unknown species", (h) => void (h.header.params.species = 999), /params are invalid/],
    ["nFeatures mismatching the array", (h) => void (h.header.fitted.nFeatures += 1), /trainFeatures/],
    [
      "descriptor species mismatching the features",
      (h) => void (h.header.params.descriptor.hypers.species = [1, 3, 8]),
      /properties but its descriptor/,
    ],
    [
      "descriptor species not an atomic number (found by the fuzz suite)",
      (h) => void (h.header.params.descriptor.hypers.species[1] = 1e308),
      /model params are invalid.*species.*atomic number/,
    ],
    [
      "descriptor basis mismatching the features",
      (h) => void (h.header.params.descriptor.hypers.basis.maxRadial = 3),
      /properties but its descriptor/,
    ],
  ];
  for (const [name, edit, msg] of cases) {
    it(name, async () => {
      expect((await corruptError(name.replace(/\W+/g, "_"), edit)).message).toMatch(msg);
    });
  }

  it("NaN or Inf inside an array (array checksum recomputed)", async () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const { header, data: arrays } = unseal(good);
      const alpha = header.arrays.find((e: Json) => e.name === "alpha");
      new DataView(arrays.buffer).setFloat64(alpha.offset + 8, bad, true);
      const file = load(seal(header, arrays), `nan-${bad}`);
      expect(() => loadModel(file)).toThrow(
        new RegExp(`array 'alpha' holds a non-finite value \\(${bad}\\) at index 1`),
      );
      try {
        loadModel(file);
      } catch (e) {
        expect((e as EngineError).code).toBe("CorruptModel");
      }
    }
  });

  it("finite but overflowing array values (1e308; found by the fuzz suite) give CorruptModel, not NaN", async () => {
    const e = await corruptError("overflow", (h, d) => {
      // a training feature of 1e308: its dot products with the new environments overflow to ±Inf
      const feats = h.arrays.find((a: Json) => a.name === "trainFeatures");
      new DataView(d.buffer).setFloat64(feats.offset, 1e308, true);
    });
    expect(e.message).toMatch(/non-finite prediction for structure \d+, atom \d+/);
  });

  it("GNN payloads: hypers out of bounds and bad species lists are CorruptModel too", () => {
    const payload = (header: Json) => ({ kind: "gnn-isd", header, arrays: new Map() });
    const base = {
      formatVersion: 1,
      target: { name: "efg", lambda: 2 },
      speciesZ: [3],
      centreSpecies: [3],
      avgNeighbors: 10,
    };
    const cases: [Json, RegExp][] = [
      [{ ...base, hypers: { channels: 100000 } }, /invalid hypers.*channels/],
      [{ ...base, hypers: [1] }, /invalid hypers.*JSON object/],
      [{ ...base, hypers: {}, speciesZ: [3, "x"] }, /atomic numbers/],
      [{ ...base, hypers: {}, avgNeighbors: null }, /avgNeighbors/],
    ];
    for (const [h, msg] of cases) {
      expect(() => gnnFromPayload(payload(h), "g.model")).toThrow(msg);
      try {
        gnnFromPayload(payload(h), "g.model");
      } catch (e) {
        expect((e as EngineError).code).toBe("CorruptModel");
      }
    }
  });
});
