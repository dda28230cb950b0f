/** Issue 11, item 9: `predict` dropped the integer (I) and logical (L) per-atom columns of its input. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { Structure } from "../../src/core/structure.js";
import type { Prediction } from "../../src/model/types.js";
import { writePredictions } from "../../src/model/outputs.js";
import { readExtxyz } from "../../src/io/extxyz.js";

describe("item 9: predict passes every per-atom column through", () => {
  it("integer, logical and string columns survive in the extxyz output", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-cols-"));
    const s = new Structure({
      numbers: [3, 8, 3],
      positions: [0, 0, 0, 0, 0, 2, 0, 2, 0],
      arrays: {
        count: { ncols: 2, data: Int32Array.of(1, -2, 3, 4, 5, 6) },
        fixed: { ncols: 1, data: ["T", "F", "T"] },
        site: { ncols: 1, data: ["8a", "32e", "16d"] },
        charge: { ncols: 1, data: Float64Array.of(0.5, -1, 0.5) },
      },
    });
    const pred: Prediction = {
      species: 3,
      lambda: 0,
      atoms: Int32Array.of(0, 0, 0, 2),
      components: 1,
      mean: Float64Array.of(1.5, 2.5),
      notes: [],
    };
    const file = path.join(dir, "out.extxyz");
    writePredictions(file, [s], pred, { target: "q", header: { model: "gpr" } });
    const [back] = readExtxyz(file, { allowNonFinite: true });
    expect(back!.arrays.get("count")!.data).toEqual(Int32Array.of(1, -2, 3, 4, 5, 6));
    expect(back!.arrays.get("count")!.ncols).toBe(2);
    expect(back!.arrays.get("fixed")!.data).toEqual(["T", "F", "T"]);
    expect(back!.arrays.get("site")!.data).toEqual(["8a", "32e", "16d"]);
    expect(back!.arrays.get("charge")!.data).toEqual(Float64Array.of(0.5, -1, 0.5));
    expect(Array.from(back!.arrays.get("q_pred")!.data as Float64Array)).toEqual([1.5, Number.NaN, 2.5]);
    expect(fs.readFileSync(file, "utf8")).toMatch(/count:I:2:fixed:L:1:site:S:1:charge:R:1/);
    fs.rmSync(dir, { recursive: true });
  });
});
