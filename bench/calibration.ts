/**
 * Calibration of the GPR predictive intervals before and after the maximum-likelihood noise estimate (issue 13
 * item 5): held-out ±2σ coverage (nominal 95.4 %) and the calibration ladder (observed vs nominal coverage of
 * μ ± zσ), with the noise fixed at the given reg ("fixed", before) and estimated by maximum marginal likelihood
 * from that reg ("ml", after, the default). Also the accuracy (%RMSE of the learned components), which the noise
 * estimate changes through the reg of the solve.
 *
 * Cases (each optional, --only lto,gehlenite,venetos):
 * - lto: the `bench lto --quick` protocol: generated point-charge LTO (120 structures, seed 0), per species
 *   Li/Ti/O the quick preset's split, λ-SOAP and λ=2 reg;
 * - gehlenite: ²⁷Al of ../shared/data/magres/gehlenite, seeded 4:1 split by cell, TENSOAP settings of
 *   `bench gehlenite` (rc 4 Å, σ 0.3 Å, nmax 6, lmax 4, ζ 2, reg 1e-6), λ=2;
 * - venetos: `bench venetos --quick` (²⁹Si shielding tensor model, search included), coverage per block.
 *
 * Usage: npx tsx bench/calibration.ts [--only lto,gehlenite,venetos] [--max-train N]
 */
import { existsSync } from "node:fs";
import { Dataset } from "../src/core/dataset.js";
import { atomicNumber } from "../src/core/elements.js";
import type { Structure } from "../src/core/structure.js";
import { QUICK_CONFIG, splitStructures } from "../src/benchmark/lto.js";
import { GEHLENITE_CONFIG } from "../src/benchmark/gehlenite.js";
import { runVenetosBenchmark, VENETOS_QUICK } from "../src/benchmark/venetos.js";
import { generateLto } from "../src/datasets/lto.js";
import { loadMagresDataset } from "../src/datasets/magres.js";
import { evaluatePrediction } from "../src/gpr/evaluate.js";
import { GprModel } from "../src/gpr/gpr.js";
import type { NoiseMode } from "../src/gpr/params.js";
import { readVenetos } from "../src/io/venetos.js";
import { soapSettings } from "../src/soap/speciesFeatures.js";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : def;
}
const only = arg("only", "lto,gehlenite,venetos").split(",");
const maxTrain = Number(arg("max-train", "0"));
const shared = new URL("../../shared/data/", import.meta.url).pathname;
const pct = (x: number | null | undefined) => (x == null ? "-" : `${(100 * x).toFixed(1)} %`);

async function caseRun(
  label: string,
  structures: readonly Structure[],
  train: number[],
  test: number[],
  species: string,
  soap: ReturnType<typeof soapSettings>,
  reg: number,
): Promise<void> {
  const tr = (maxTrain > 0 ? train.slice(0, maxTrain) : train).map((i) => structures[i]!);
  const te = test.map((i) => structures[i]!);
  const dTrain = Dataset.fromArrays(tr, ["efg"]);
  const dTest = Dataset.fromArrays(te, ["efg"]);
  for (const noise of ["fixed", "ml"] as NoiseMode[]) {
    const t0 = performance.now();
    const m = new GprModel({
      species: atomicNumber(species),
      lambda: 2,
      target: "efg",
      zeta: 2,
      reg,
      noise,
      descriptor: { kind: "lambda-soap", hypers: soap },
    });
    const rep = await m.fit(dTrain);
    const pred = await m.predict(te);
    const ev = evaluatePrediction(dTest, pred, "efg");
    const ladder = (ev.calibration ?? [])
      .map((p) => `${p.z}σ ${pct(p.nominal)}→${pct(p.observed)}`)
      .join(", ");
    console.log(
      `${label} ${species} noise ${noise.padEnd(5)} reg ${Number(rep.reg).toExponential(2)} ` +
        `n ${rep.nTrain}/${ev.n}: ±2σ coverage ${pct(ev.coverage2sigma)} (nominal 95.4 %), T2 %RMSE ` +
        `${ev.components.percentRmse.toFixed(2)} %, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    console.log(`    calibration (nominal→observed): ${ladder}`);
  }
}

if (only.includes("lto")) {
  const cfg = QUICK_CONFIG;
  const { structures } = generateLto({ structures: cfg.generate, seed: 0 });
  const channels = [...new Set(structures.flatMap((s) => [...s.numbers]))].sort((a, b) => a - b);
  const soap = soapSettings(cfg.soap.cutoff.radius, cfg.soap.density.width, cfg.soap.basis, channels);
  for (const plan of cfg.species) {
    const { train, test } = splitStructures(structures.length, plan.structures, cfg.trainFraction, 0);
    await caseRun("lto-quick", structures, train, test, plan.element, soap, cfg.tensorial.reg);
  }
}

const gehl = `${shared}magres/gehlenite`;
if (only.includes("gehlenite") && existsSync(gehl)) {
  const cfg = GEHLENITE_CONFIG;
  const { structures } = loadMagresDataset(gehl, { target: "efg" });
  const channels = [...new Set(structures.flatMap((s) => [...s.numbers]))].sort((a, b) => a - b);
  const soap = soapSettings(cfg.soap.cutoff.radius, cfg.soap.density.width, cfg.soap.basis, channels);
  const { train, test } = splitStructures(structures.length, structures.length, 0.8, 0);
  await caseRun("gehlenite", structures, train, test, "Al", soap, cfg.tensorial.reg);
}

const ven = `${shared}magres/venetos_si_ms/si_nmr_data.json.gz`;
if (only.includes("venetos") && existsSync(ven)) {
  const structures = readVenetos(ven);
  for (const noise of ["fixed", "ml"] as NoiseMode[]) {
    const t0 = performance.now();
    const r = await runVenetosBenchmark({ structures, config: VENETOS_QUICK, seed: 0, noise });
    const c = r.evaluation.coverage2sigma ?? {};
    console.log(
      `venetos-quick Si noise ${noise.padEnd(5)} ${r.split.trainTensors}/${r.split.testTensors} tensors: ±2σ coverage ` +
        `λ=0 ${pct(c["0"])}, λ=1 ${pct(c["1"])}, λ=2 ${pct(c["2"])}, all ${pct(c.all)}; σ_iso MAE ` +
        `${r.evaluation.ms?.iso.mae.toFixed(3)} ppm, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
}
process.exit(0);
