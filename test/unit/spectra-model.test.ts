/**
 * Issue 15: spectra from predictions — `soapgpr spectrum --model MODEL FILES` (a model plus structures), and
 * `soapgpr predict … --out - | soapgpr spectrum -` through a real pipe, give the spectrum of the file that
 * `predict` writes.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { BIN, ensureBuilt } from "../helpers/built.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-spectrum-model-"));
const at = (f: string) => path.join(dir, f);
// ¹⁷O MAS central transition at 9.4 T: the point-charge O sites spread over a few tens of ppm
const SPEC = ["--species", "O", "--field", "9.4", "--mode", "mas", "--from", "60", "--to", "-60"];
const GRID = ["--points", "256", "--broadening", "2", "--json"];

async function ok(args: string[]): Promise<string> {
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe("spectra of predicted tensors", () => {
  beforeAll(async () => {
    await ok(["dataset", "lto", "--structures", "6", "--seed", "3", "--out", at("lto6.extxyz")]);
    const fit = ["fit", "--lambda", "2", "--data", at("lto6.extxyz"), "--target", "efg", "--species", "O"];
    await ok([...fit, "--nmax", "4", "--lmax", "3", "--out", at("o.model")]);
    await ok(["predict", "--model", at("o.model"), "--data", at("lto6.extxyz"), "--out", at("pred.extxyz")]);
  }, 120_000);

  it("--model on the structures equals spectrum of the file predict wrote (tensors 'prediction')", async () => {
    const fromModel = JSON.parse(
      await ok(["spectrum", at("lto6.extxyz"), "--model", at("o.model"), ...SPEC, ...GRID]),
    );
    const fromFile = JSON.parse(
      await ok(["spectrum", at("pred.extxyz"), "--tensors", "prediction", ...SPEC, ...GRID]),
    );
    const dft = JSON.parse(await ok(["spectrum", at("lto6.extxyz"), ...SPEC, ...GRID]));
    expect(fromModel.sites).toBe(6 * 24); // 24 O per Li8Ti10O24 cell
    expect(fromModel.tensors.efg).toBe("efg_pred");
    expect(dft.tensors.efg).toBe("efg");
    // same tensors through the same arithmetic; the file stores 17 significant digits, so equal to round-off
    const diff = Math.max(
      ...fromModel.intensity.map((x: number, j: number) => Math.abs(x - fromFile.intensity[j])),
    );
    expect(diff).toBeLessThan(1e-9 * Math.max(...fromModel.intensity));
    // a model and its own training data: the ML line shape lies close to the reference one
    const step = Math.abs(dft.ppm[1] - dft.ppm[0]);
    const l1 = dft.intensity.reduce(
      (s: number, x: number, j: number) => s + Math.abs(x - fromModel.intensity[j]),
      0,
    );
    expect(1 - 0.5 * l1 * step).toBeGreaterThan(0.9);
  });

  it("--samples with --model draws a band from the predictive variances (seeded: the same twice)", async () => {
    const args = [
      "spectrum",
      at("lto6.extxyz"),
      "--model",
      at("o.model"),
      ...SPEC,
      ...GRID,
      "--samples",
      "8",
    ];
    const a = JSON.parse(await ok([...args, "--seed", "4"]));
    const b = JSON.parse(await ok([...args, "--seed", "4"]));
    expect(a.band).toBeDefined();
    expect(a.band.lower).toEqual(b.band.lower);
  });

  it("predict --out - | spectrum - through a real pipe gives the same spectrum", () => {
    ensureBuilt();
    const q = (s: string) => `'${s}'`;
    const cmd =
      `node ${q(BIN)} predict --model ${q(at("o.model"))} --data ${q(at("lto6.extxyz"))} --out - --format extxyz 2>/dev/null | ` +
      `node ${q(BIN)} spectrum - --tensors prediction ${[...SPEC, ...GRID].join(" ")}`;
    const piped = JSON.parse(execFileSync("bash", ["-c", `set -o pipefail; ${cmd}`], { encoding: "utf8" }));
    const file = JSON.parse(
      execFileSync(
        "node",
        [BIN, "spectrum", at("pred.extxyz"), "--tensors", "prediction", ...SPEC, ...GRID],
        { encoding: "utf8" },
      ),
    );
    expect(piped.sites).toBe(file.sites);
    expect(piped.intensity).toEqual(file.intensity);
  }, 60_000);
});
