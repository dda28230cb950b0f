/**
 * End-to-end gehlenite ²⁷Al λ=2 GPR (issue 13): fit on all shared cells (TENSOAP settings: nmax 8, lmax 6, rc 4 Å,
 * σ 0.3 Å, ζ 2, reg 1e-6), write the model file, load it, predict 10 cells with and without variance. Prints each
 * stage's seconds, the model size, the peak RSS and, when python3 with numpy is present, numpy's Cholesky and
 * P·Pᵀ GEMM for the same n in the same run. Then (unless --no-accuracy) T2 %RMSE on a seeded 30/10 split by cell.
 *
 * Usage: nice npx tsx bench/gehlenite-e2e.ts [--cells 40] [--predict 10] [--seed 1] [--no-accuracy] [--no-numpy]
 *                                        [--data DIR]
 * Long run (minutes on 2 cores); the machine may be shared: CPU seconds are printed beside wall seconds.
 */
import { statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitStructures } from "../src/benchmark/lto.js";
import { Dataset } from "../src/core/dataset.js";
import { loadMagresDataset } from "../src/datasets/magres.js";
import { GprModel, type GprParams } from "../src/gpr/gpr.js";
import { saveModel } from "../src/model/modelfile.js";
import { loadModel } from "../src/models.js";
import { collectTargets, parseTarget } from "../src/gpr/targets.js";
import { percentRmse } from "../src/metrics/stats.js";
import { TENSOAP_PRESET } from "../src/soap/hypers.js";
import { numpyTimes } from "./numpy.js";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : def;
}
const nCells = Number(arg("cells", "40"));
const nPredict = Number(arg("predict", "10"));
const seed = Number(arg("seed", "1"));
const data = arg("data", new URL("../../shared/data/magres/gehlenite", import.meta.url).pathname);
const AL = 13;
const params: GprParams = {
  species: AL,
  lambda: 2,
  target: "efg",
  zeta: 2,
  reg: 1e-6,
  descriptor: { kind: "lambda-soap", hypers: { ...TENSOAP_PRESET } },
};

const rows: [string, string][] = [];
function row(stage: string, value: string): void {
  rows.push([stage, value]);
  console.log(`  ${stage.padEnd(34)} ${value}`);
}
async function timed<T>(f: () => Promise<T> | T): Promise<[T, string]> {
  const c0 = process.cpuUsage();
  const t = performance.now();
  const r = await f();
  const c = process.cpuUsage(c0);
  return [
    r,
    `${((performance.now() - t) / 1000).toFixed(2)} s (CPU ${((c.user + c.system) / 1e6).toFixed(2)} s)`,
  ];
}

const all = loadMagresDataset(data, { target: "efg" });
const cells = all.structures.slice(0, nCells);
const subset = (idx: readonly number[]) =>
  new Dataset(
    idx.map((i) => all.structures[i]!),
    [...all.targets.values()].map((t) => ({
      ...t,
      values: idx.map((i) => t.values[i]!),
      masks: idx.map((i) => t.masks[i]!),
    })),
    idx.map((i) => all.sources[i]!),
  );
const load = (await import("node:os")).loadavg()[0]!;
console.log(
  `gehlenite e2e: ${cells.length} cells, Al λ=2, TENSOAP settings; load average ${load.toFixed(1)}`,
);
const model = new GprModel(params);
const [report, tFit] = await timed(() => model.fit(subset([...cells.keys()])));
const n = report.nTrain * 5;
row("fit (total)", tFit);
for (const [k, v] of Object.entries(report.timings)) row(`  fit: ${k}`, `${v.toFixed(2)} s`);
const file = join(tmpdir(), `gehlenite-e2e-${process.pid}.soapgpr`);
try {
  const [, tWrite] = await timed(() => saveModel(model, file));
  row("write model", tWrite);
  row("model size", `${(statSync(file).size / 2 ** 20).toFixed(1)} MiB`);
  const [loaded, tLoad] = await timed(() => loadModel(file));
  row("load model", tLoad);
  const test = cells.slice(0, nPredict);
  const [, tMean] = await timed(() => loaded.predict(test, { variance: false }));
  row(`predict ${test.length} cells, mean`, tMean);
  const [withVar, tVar] = await timed(() => loaded.predict(test, { variance: true }));
  row(`predict ${test.length} cells, variance`, `${tVar} (${withVar.mean.length / 5} Al)`);
} finally {
  unlinkSync(file);
}
row("peak RSS", `${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GiB`);
if (!process.argv.includes("--no-numpy")) {
  const np = numpyTimes(n, n, 8288);
  const both = (w: number, c: number) => `${w.toFixed(2)} s (CPU ${c.toFixed(2)} s)`;
  row(`numpy Cholesky n=${n}`, np ? both(np.cholesky, np.choleskyCpu) : "(no python3 with numpy)");
  if (np) row(`numpy P @ P.T ${n}x8288`, both(np.syrk, np.syrkCpu));
}
if (!process.argv.includes("--no-accuracy")) {
  const { train, test } = splitStructures(all.length, all.length, 0.75, seed);
  const m = new GprModel(params);
  await m.fit(subset(train));
  const pred = await m.predict(
    test.map((i) => all.structures[i]!),
    { variance: false },
  );
  const ref = collectTargets(subset(test), parseTarget("efg", 2), 2, AL);
  row(
    `T2 %RMSE (seed ${seed}, ${train.length}/${test.length} cells)`,
    percentRmse(ref.y, pred.mean).toFixed(4),
  );
}
