/**
 * `soapgpr evaluate`: predict labelled structures with a model and report errors (Harper metrics for λ=2 EFG,
 * %RMSE of the learned components, ±2σ coverage), as a table or --json.
 */
import type { Command } from "commander";
import { EngineError, printable } from "../../src/core/errors.js";
import { Dataset } from "../../src/core/dataset.js";
import { jsonText } from "../../src/core/json.js";
import { evaluatePrediction } from "../../src/gpr/evaluate.js";
import { evaluateTensorPrediction, type TensorEvaluation } from "../../src/gpr/tensorEvaluate.js";
import type { EfgSpeciesMetrics } from "../../src/metrics/efg.js";
import { modelTargetName } from "../../src/model/modelfile.js";
import { loadModel } from "../../src/models.js";
import { readStructures } from "../../src/io/read.js";
import { parseIsotopeOverrides } from "../../src/nmr/isotopes.js";
import { requireCentres, STDIN_HELP } from "../inputs.js";

interface EvaluateCliOptions {
  model: string;
  data: string[];
  isotope: string[];
  json?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];
const fmt = (x: number | null | undefined, d = 4) =>
  x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d);

export function register(program: Command): void {
  program
    .command("evaluate")
    .description(
      "Evaluate a model on labelled structures: MAE, RMSE, %RMSE (100·RMSE/std of the reference) and Pearson r of the " +
        "learned components, ±2σ coverage, and for λ=2 EFG models Harper's metrics (C̃Q, η̃, q̃, θ, φ, ω_Q).",
    )
    .requiredOption("--model <file>", "model file written by `soapgpr fit`")
    .requiredOption(
      "--data <files...>",
      `labelled structures (.extxyz/.xyz, .magres, directories searched recursively)${STDIN_HELP}`,
    )
    .option("--isotope <EL=ISO>", "isotope for CQ/ω_Q, e.g. Ti=49Ti (repeatable)", collect, [])
    .option("--json", "machine-readable JSON on stdout")
    .action(async (o: EvaluateCliOptions) => {
      const model = loadModel(o.model);
      const target = modelTargetName(model.serialize().header);
      if (target === undefined) {
        throw new EngineError("CorruptModel", "the model file does not say which target it learned", {
          file: o.model,
        });
      }
      const { structures, sources } = readStructures(o.data);
      requireCentres(model, structures, sources, o.data);
      const data = Dataset.fromArrays(structures, [target.split(":")[0]!], sources);
      process.stderr.write(
        `evaluating ${model.kind} (${printable(o.model)}) on ${structures.length} structure(s)\n`,
      );
      const pred = await model.predict(structures);
      const training = model.trainingStatistics ?? null;
      if (pred.blocks) {
        const tev = evaluateTensorPrediction(data, pred, target, training);
        warnHarper(tev.harper);
        printTensorEvaluation(tev, o.json === true);
        return;
      }
      const isotopes = parseIsotopeOverrides(o.isotope);
      const ev = evaluatePrediction(data, pred, target, isotopes, training);
      warnHarper(ev.harper);
      if (o.json) {
        process.stdout.write(jsonText(ev, 1));
        return;
      }
      const c = ev.components;
      const lines = [
        `${ev.element} λ=${ev.lambda} target ${ev.target}: ${ev.n} atoms`,
        `components: MAE ${fmt(c.mae, 6)}  RMSE ${fmt(c.rmse, 6)}  %RMSE ${fmt(c.percentRmse, 2)}  r ${fmt(c.r, 4)}`,
        `±2σ coverage: ${ev.coverage2sigma === null ? "-" : `${(100 * ev.coverage2sigma).toFixed(1)} %`} (nominal 95.4 %)`,
      ];
      const h = ev.harper as Record<string, { mae?: number; r?: number; mean?: number } | null> | null;
      if (h) {
        lines.push(normalisationLine(ev.harper as EfgSpeciesMetrics));
        lines.push(
          `Harper: C̃Q MAE ${fmt(h.cqTilde?.mae)} r ${fmt(h.cqTilde?.r)}; η̃ MAE ${fmt(h.etaTilde?.mae)} r ${fmt(h.etaTilde?.r)}; ` +
            `q̃ mean ${fmt(h.q?.mean, 5)}; θ MAE ${fmt(h.theta?.mae, 2)}°, φ MAE ${fmt(h.phi?.mae, 2)}° ` +
            `(corrected ${fmt(h.thetaCorrected?.mae, 2)}°/${fmt(h.phiCorrected?.mae, 2)}°); ω_Q MAE ${fmt(h.omegaQ?.mae, 3)} kHz`,
        );
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}

/** The warnings of Harper's metrics (a degenerate |Vzz| spread: C̃Q, η̃ not given), on stderr. */
function warnHarper(harper: unknown): void {
  for (const w of (harper as EfgSpeciesMetrics | null)?.warnings ?? [])
    process.stderr.write(`warning: ${w}\n`);
}

/** Which |Vzz| statistics normalise C̃Q = (|Vzz| − μ)/σ and η̃ = η|Vzz|/μ (Harper et al. eqs. 7–8). */
function normalisationLine(h: EfgSpeciesMetrics): string {
  return (
    `C̃Q = (|Vzz| − μ)/σ, η̃ = η|Vzz|/μ with μ ${fmt(h.vzzMean, 5)} au, σ ${fmt(h.vzzStd, 5)} au of |Vzz| of the ` +
    `${h.normalisation}${h.normalisation === "evaluation set" ? " (no usable training-set statistics in the model)" : ""}`
  );
}

/** A tensor model's evaluation: σ_iso, tensor-component MAE, %RMSE per block, Δ, η, ±2σ coverage per block. */
function printTensorEvaluation(ev: TensorEvaluation, json: boolean): void {
  const { reference: _r, predicted: _p, mean: _m, variance: _v, ...summary } = ev;
  if (json) {
    process.stdout.write(jsonText(summary, 1));
    return;
  }
  const cov = ev.coverage2sigma;
  const lines = [
    `${ev.element} tensor model (λ ${ev.lambdas.join(", ")}) target ${ev.target}: ${ev.n} atoms`,
    `±2σ coverage per block: ${
      cov
        ? Object.entries(cov)
            .map(([k, v]) => `${k === "all" ? "all" : `λ=${k}`} ${(100 * v).toFixed(1)} %`)
            .join(", ")
        : "-"
    } (nominal 95.4 %)`,
  ];
  const m = ev.ms;
  if (m) {
    lines.push(
      `σ_iso MAE ${fmt(m.iso.mae, 3)} ppm, RMSE ${fmt(m.iso.rmse, 3)} ppm, r ${fmt(m.iso.r, 4)}; tensor-component MAE ${fmt(m.components.cartesianMae, 3)} ppm`,
      `%RMSE T0 ${fmt(m.components.t0.percentRmse, 1)}, T1 ${fmt(m.components.t1.percentRmse, 1)}, T2 ${fmt(m.components.t2.percentRmse, 1)}; Δ MAE ${fmt(m.delta.mae, 3)} ppm, η MAE ${fmt(m.eta.mae, 4)}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}
