/**
 * The model registry (src/models.ts, issue 12 item 3): the one place that knows every kind creates GPR, sparse-GPR
 * and GNN models and opens their files; src/model's registry is closed (a kind nobody registered is refused).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Dataset } from "../../src/core/dataset.js";
import { EngineError } from "../../src/core/errors.js";
import { readExtxyz } from "../../src/io/extxyz.js";
import { ModelRegistry, saveModel } from "../../src/model/modelfile.js";
import { createModel, loadModel, MODEL_KINDS, type ModelSpec } from "../../src/models.js";

const BENCH = fileURLToPath(
  new URL("../../../shared/data/tensoap-ref/structures/bench.xyz", import.meta.url),
);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-models-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const efg = { species: 3, lambda: 2, target: "efg" } as const;
const specs: Record<(typeof MODEL_KINDS)[number], ModelSpec> = {
  gpr: { kind: "gpr", params: efg },
  "sparse-gpr": { kind: "sparse-gpr", params: { ...efg, sparse: { m: 4 } } },
  "tensor-gpr": { kind: "tensor-gpr", params: { species: 14, target: "ms" } },
  "gnn-isd": { kind: "gnn-isd", hypers: { layers: 1, channels: 4 }, target: { name: "efg", lambda: 2 } },
  "gnn-tp": { kind: "gnn-tp", hypers: { layers: 1, channels: 4 }, target: { name: "efg", lambda: 2 } },
};

describe("model registry (src/models.ts)", () => {
  it.each(MODEL_KINDS)("createModel builds a '%s' model", (kind) => {
    expect(createModel(specs[kind]).kind).toBe(kind);
  });

  it("createModel refuses a GPR kind that contradicts its sparse parameters, and unknown kinds", () => {
    const err = (spec: unknown) => {
      try {
        createModel(spec as ModelSpec);
      } catch (e) {
        return e;
      }
      return null;
    };
    const sparseless = err({ kind: "sparse-gpr", params: efg });
    expect(sparseless).toBeInstanceOf(EngineError);
    expect((sparseless as EngineError).message).toMatch(/'sparse-gpr' needs sparse parameters/);
    expect((err({ kind: "gpr", params: { ...efg, sparse: { m: 4 } } }) as Error).message).toMatch(
      /'gpr' takes no sparse parameters/,
    );
    const unknown = err({ kind: "krr", params: efg }) as EngineError;
    expect(unknown.code).toBe("InvalidParameter");
    expect(unknown.message).toMatch(
      /unknown model kind 'krr' \(known: gpr, sparse-gpr, tensor-gpr, gnn-isd, gnn-tp\)/,
    );
  });

  it("loadModel opens a GNN file (the loader that src/gpr/index.ts used to register) and predicts the same numbers", async () => {
    const ds = Dataset.fromArrays(readExtxyz(BENCH).slice(0, 4), ["efg"]);
    const model = createModel({
      kind: "gnn-isd",
      target: { name: "efg", lambda: 2 },
      hypers: { layers: 1, channels: 4, epochs: 2, seed: 1 },
    });
    await model.fit(ds);
    const file = path.join(dir, "isd.model");
    saveModel(model, file);
    const back = loadModel(file);
    expect(back.kind).toBe("gnn-isd");
    // same weights, same arithmetic: bit-for-bit equal predictions
    expect((await back.predict(ds.structures)).mean).toEqual((await model.predict(ds.structures)).mean);
    // a registry without that kind refuses the same file
    const gprOnly = new ModelRegistry().register("gpr", 1, () => back);
    expect(() => gprOnly.load(file)).toThrow(/unknown model kind 'gnn-isd' \(known: gpr@1\)/);
  });
});
