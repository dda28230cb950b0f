/**
 * GPR benchmark: time of each stage (features, kernel, solve, predict) of a full λ-SOAP GPR fit, the solve's
 * GFLOP/s, the accuracy (%RMSE) and the coverage of the ±2σ predictive interval on held-out data.
 *
 * Data: ../shared/data/peers/lto42_rattled_200.extxyz (200 rattled 42-atom LTO cells, 1600 Li), with
 * point-charge Ewald EFG tensors (formal charges Li +1, Ti +4, O −2; src/datasets/ewald.ts) as targets.
 * Default: λ=2 on Li, first 125 cells train (1000 Li → the kernel and the Cholesky are 5000×5000), the other
 * 75 cells held out.
 *
 * Usage: npx tsx bench/gpr.ts [--lambda 2] [--species Li] [--train 125] [--nmax 4] [--lmax 3] [--zeta 2]
 *                             [--reg 1e-6] [--sparse M] [--threads 2] [--quick] [--no-simd]
 * --no-simd: kernels by the scalar JavaScript GEMM (sets SOAPGPR_NO_SIMD=1) instead of the WebAssembly SIMD Gram
 * product of src/math/simdGemm.ts, for a before/after comparison on the same machine state.
 * The closing line reports CPU time (user + system, all threads) next to wall time: the machine may be shared.
 */
import { Dataset } from "../src/core/dataset.js";
import { atomicNumber } from "../src/core/elements.js";
import { Structure } from "../src/core/structure.js";
import { ewaldEfg } from "../src/datasets/ewald.js";
import { GprModel } from "../src/gpr/gpr.js";
import { collectTargets, parseTarget } from "../src/gpr/targets.js";
import { readExtxyz } from "../src/io/extxyz.js";
import { simdGemmAvailable } from "../src/math/simdGemm.js";
import { DEFAULT_SOAP_HYPERS } from "../src/soap/hypers.js";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : def;
}
const quick = process.argv.includes("--quick");
if (process.argv.includes("--no-simd")) process.env.SOAPGPR_NO_SIMD = "1";
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const lambda = Number(arg("lambda", "2"));
const species = atomicNumber(arg("species", "Li"));
const nTrainCells = Number(arg("train", quick ? "16" : "125"));
const nTestCells = Number(arg("test", quick ? "8" : "75"));
const zeta = Number(arg("zeta", "2"));
const reg = Number(arg("reg", "1e-6"));
const sparseM = process.argv.includes("--sparse") ? Number(arg("sparse", "0")) : 0;
const target = lambda === 0 ? arg("target", "efg:vzz") : "efg";
const hypers = {
  ...DEFAULT_SOAP_HYPERS,
  basis: {
    ...DEFAULT_SOAP_HYPERS.basis,
    maxRadial: Number(arg("nmax", "4")),
    maxAngular: Number(arg("lmax", "3")),
  },
};

const CHARGES: Record<number, number> = { 3: 1, 22: 4, 8: -2 };
const load = (await import("node:os")).loadavg()[0]!;
console.log(
  `Gram products (cpu backend): ${simdGemmAvailable() ? "WebAssembly SIMD (src/math/simdGemm.ts)" : "scalar JS GEMM (src/math/gemm.ts)"}, SOAPGPR_THREADS=${process.env.SOAPGPR_THREADS ?? "2 (default)"}`,
);
console.log(
  `machine: load average ${load.toFixed(1)} on ${(await import("node:os")).cpus().length} CPUs (timings scale with contention)`,
);
const file = new URL("../../shared/data/peers/lto42_rattled_200.extxyz", import.meta.url).pathname;
let t = performance.now();
const cells = readExtxyz(file).slice(0, nTrainCells + nTestCells);
const withEfg = cells.map((s) => {
  const q = Array.from(s.numbers, (z) => CHARGES[z] ?? 0);
  const efg = ewaldEfg(s.cell!, s.positions, q);
  return new Structure({
    numbers: s.numbers,
    positions: s.positions,
    cell: s.cell,
    pbc: s.pbc,
    arrays: { efg: { ncols: 9, data: efg } },
  });
});
const ds = Dataset.fromArrays(withEfg, ["efg"]);
const train = ds.subset([...Array(nTrainCells).keys()]);
const test = ds.subset([...Array(nTestCells).keys()].map((i) => i + nTrainCells));
console.log(
  `data: ${cells.length} cells, point-charge Ewald EFG targets (${((performance.now() - t) / 1000).toFixed(1)} s)`,
);

const model = new GprModel({
  species,
  lambda,
  target,
  zeta,
  reg,
  descriptor: { kind: "lambda-soap", hypers },
  sparse: sparseM > 0 ? { m: sparseM, seed: 0 } : null,
});
const rep = await model.fit(train, { log: (l) => process.stderr.write(`  ${l}\n`) });
const c = 2 * lambda + 1;
const n = rep.nTrain * c;
t = performance.now();
const pr = await model.predict(test.structures);
const tPredict = (performance.now() - t) / 1000;
const tim = rep.timings as Record<string, number>;
console.log(
  `model: ${rep.model}, species Z=${species}, λ=${lambda}, ζ=${zeta}, reg=${reg}, target ${target}`,
);
console.log(
  `training environments: ${rep.nTrain} (kernel ${n}x${n}); test environments: ${pr.mean.length / c}`,
);
if (rep.notes.length) console.log(`notes: ${rep.notes.join("; ")}`);
for (const [k, v] of Object.entries(tim)) console.log(`  ${k.padEnd(10)} ${v.toFixed(2)} s`);
console.log(`  ${"predict".padEnd(10)} ${tPredict.toFixed(2)} s (mean + ${c}x${c} covariance blocks)`);
if (!sparseM) {
  // Cholesky n³/3 + two triangular solves 2n² (the jitter retries, if any, are in the time too)
  const flops = n ** 3 / 3 + 2 * n * n;
  console.log(
    `  solve GFLOP/s: ${(flops / tim.solve! / 1e9).toFixed(2)} (n=${n}, n³/3 flops; target ≥ 5 at n=5000)`,
  );
}
// accuracy and ±2σ coverage on the held-out cells
const ref = collectTargets(test, parseTarget(target, lambda), lambda, species);
if (ref.samples.length !== pr.atoms.length)
  throw new Error("held-out targets and predictions differ in count");
const noise = (rep.signalVariance as number) * reg;
let se = 0;
let sv = 0;
let mean = 0;
let in2 = 0;
let in2obs = 0;
const N = ref.y.length;
for (let i = 0; i < N; i++) mean += ref.y[i]!;
mean = lambda === 0 ? mean / N : 0;
for (let i = 0; i < N; i++) {
  const d = ref.y[i]! - pr.mean[i]!;
  se += d * d;
  sv += (ref.y[i]! - mean) ** 2;
  if (Math.abs(d) <= 2 * Math.sqrt(pr.variance![i]!)) in2++;
  if (Math.abs(d) <= 2 * Math.sqrt(pr.variance![i]! + noise)) in2obs++;
}
console.log(
  `accuracy: RMSE ${Math.sqrt(se / N).toExponential(3)}, %RMSE ${(100 * Math.sqrt(se / sv)).toFixed(2)} % of std`,
);
console.log(
  `coverage of ±2σ (per component, ${N} values): latent ${((100 * in2) / N).toFixed(1)} %, with noise ${((100 * in2obs) / N).toFixed(1)} % (nominal 95.4 %)`,
);
const cpu = process.cpuUsage(cpu0);
console.log(
  `total: wall ${((performance.now() - wall0) / 1000).toFixed(1)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (user + system, all threads)`,
);
process.exit(0);
