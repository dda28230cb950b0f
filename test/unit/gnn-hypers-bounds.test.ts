/** Issue 11, item 11: GNN hyperparameters without bounds ran out of memory; JSON that is not an object. */
import { describe, expect, it } from "vitest";
import { register as registerFit } from "../../cli/commands/fit.js";
import { EngineError } from "../../src/core/errors.js";
import { parseGnnHypers } from "../../src/gnn/model.js";
import { runCommand } from "../helpers/cli.js";

describe("item 11: GNN hyperparameters are bounded", () => {
  it("refuses sizes that would exhaust memory or time, naming the field and its bounds", () => {
    expect(() => parseGnnHypers({ channels: 100000 })).toThrow(
      /channels must be an integer in \[1, 256\], got 100000/,
    );
    expect(() => parseGnnHypers({ rc: 1e6 })).toThrow(/cutoff\.radius must be a number in \[0\.5, 12\]/);
    expect(() => parseGnnHypers({ cutoff: { radius: 0.1 } })).toThrow(/cutoff\.radius must be a number in/);
    expect(() => parseGnnHypers({ layers: 1e9 })).toThrow(/layers must be an integer in \[1, 8\]/);
    expect(() => parseGnnHypers({ lmax: 5 })).toThrow(/lmax/);
    expect(() => parseGnnHypers({ lr: 0 })).toThrow(/lr/);
    expect(() => parseGnnHypers({ seed: 2 ** 60 })).toThrow(/seed/);
  });

  it("refuses non-objects, unknown or inherited keys, and wrong types", () => {
    expect(() => parseGnnHypers([1, 2])).toThrow(/must be a JSON object/);
    expect(() => parseGnnHypers(3)).toThrow(/must be a JSON object/);
    expect(() => parseGnnHypers(JSON.parse('{"toString":1}'))).toThrow(
      /unknown GNN hyperparameter 'toString'/,
    );
    expect(() => parseGnnHypers({ layers: "2" })).toThrow(/layers must be an integer/);
    expect(() => parseGnnHypers({ species: [3, 500] })).toThrow(/species/);
    const h = parseGnnHypers({ layers: 3, channels: 32, rc: 6, lmax: 4, tpRank: 4 });
    expect([h.layers, h.channels, h.cutoff.radius]).toEqual([3, 32, 6]);
  });

  it("fit --gnn-hypers that is JSON but not an object gives a clear error", async () => {
    const gnnFit =
      "fit --model gnn-isd --lambda 2 --target efg --species Li --data x.xyz --out m.model --gnn-hypers".split(
        " ",
      );
    for (const bad of ["[1]", "5", "null", '"x"']) {
      const p = runCommand(registerFit, [...gnnFit, bad]);
      await expect(p).rejects.toThrow(EngineError);
      await expect(p).rejects.toThrow(/--gnn-hypers must be a JSON object/);
    }
  });
});
