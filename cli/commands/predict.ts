/**
 * `soapgpr predict`: load a model, predict every atom of its species, write extxyz / CSV / JSON / magres.
 */
import { jsonText } from "../../src/core/json.js";
import type { Command } from "commander";
import { parseBackendName } from "../../src/backend/index.js";
import { symbolOf } from "../../src/core/elements.js";
import { EngineError, printable } from "../../src/core/errors.js";
import { MEMORY_HELP, MemoryBudget, peakRssLine } from "../../src/core/memory.js";
import { modelTargetName } from "../../src/model/modelfile.js";
import { MS_OBSERVABLE_UNITS } from "../../src/model/msObservables.js";
import { parsePropagation } from "../../src/model/propagation.js";
import {
  OUTPUT_FORMATS,
  outputFormat,
  parseObservables,
  type WriteOptions,
  writePredictions,
} from "../../src/model/outputs.js";
import { layoutText } from "../../src/model/tensorLayout.js";
import type { Prediction } from "../../src/model/types.js";
import { loadModel } from "../../src/models.js";
import { chemiscopeDataset, writeChemiscope } from "../../src/analysis/chemiscope.js";
import type { Structure } from "../../src/core/structure.js";
import type { SoapHypersInput } from "../../src/soap/hypers.js";
import { targetUnits } from "../../src/gpr/targets.js";
import { checkOutputFile } from "../../src/io/atomic.js";
import { readStructures } from "../../src/io/read.js";
import { parseIsotopeOverrides } from "../../src/nmr/isotopes.js";
import { requireCentres, STDIN_HELP } from "../inputs.js";
import { summaryStream } from "../options.js";
import { addReferenceOptions, type ReferenceCliOptions, referenceOf } from "../reference.js";

interface PredictCliOptions extends ReferenceCliOptions {
  uncertainty: string;
  samples: string;
  model: string;
  data: string[];
  out: string;
  format?: string;
  observables?: string;
  variance: boolean;
  backend?: string;
  isotope: string[];
  json?: boolean;
  memory?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** What the mean/std columns hold, for the output header. */
function componentsText(pred: Prediction): string {
  if (pred.blocks)
    return `${layoutText(pred.blocks)}; _pred columns: the full Cartesian tensor, row-major, not symmetrised`;
  if (pred.lambda === 0) return "scalar";
  return `T${pred.lambda} (m=-${pred.lambda}..${pred.lambda}, docs/conventions.md)${pred.cartesian ? "; _pred columns: Cartesian row-major" : ""}`;
}

export function register(program: Command): void {
  const cmd = program
    .command("predict")
    .description(
      "Predict per-atom tensors or scalars (with predictive standard deviations) for the model's species and " +
        "write them as .extxyz/.xyz, .csv, .json or .magres; optional NMR observables of predicted EFG tensors.",
    )
    .requiredOption("--model <file>", "model file written by `soapgpr fit`")
    .requiredOption(
      "--data <files...>",
      `structures (.extxyz/.xyz, .magres, .cif, directories searched recursively)${STDIN_HELP}`,
    )
    .requiredOption(
      "--out <file>",
      "output file (.extxyz | .xyz | .csv | .json | .magres | .chemiscope.json for chemiscope's map, + .gz for " +
        "gzip); - for standard output " +
        "(needs --format; the summary then goes to stderr). .magres holds one structure: several get one file " +
        "each, _<k> (input order from 0) before the extension",
    )
    .option("--format <fmt>", `output format instead of the extension: ${OUTPUT_FORMATS.join(" | ")}`)
    .option(
      "--observables <list>",
      "comma list: EFG models cq, eta, wq, theta, phi, euler, quat; shielding tensor models iso, shift, zeta, delta, " +
        "eta, span, skew, euler, quat (cq, eta, wq and the shielding scalars with a <name>_std column when " +
        "variances are predicted)",
    )
    .option(
      "--uncertainty <how>",
      "observable uncertainties from the tensor's predictive covariance: linear (linearisation) | sampling",
      "linear",
    )
    .option("--samples <n>", "draws for --uncertainty sampling", "2000")
    .option("--no-variance", "skip the predictive variances (faster; mean in the primal for ζ ≤ 2)")
    .option(
      "--backend <name>",
      "kernel assembly for this prediction: cpu | gpu | auto (default: the model's)",
    )
    .option("--isotope <EL=ISO>", "isotope for CQ/ω_Q, e.g. Ti=49Ti (repeatable)", collect, [])
    .option("--json", "print a JSON summary on stdout")
    .option("--memory <GB>", `${MEMORY_HELP}; structures are predicted in chunks that fit`);
  addReferenceOptions(cmd).action(runPredict);
}

/** The predict command's action: read, predict, write, summarise. */
async function runPredict(o: PredictCliOptions): Promise<void> {
  const t0 = performance.now();
  const log = (l: string) =>
    process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${l}\n`);
  const obs = parseObservables(o.observables);
  const { reference, text: referenceText } = referenceOf(o);
  if (referenceText) log(referenceText);
  if (obs.includes("shift") && !reference)
    throw new EngineError(
      "InvalidParameter",
      "the 'shift' observable needs --reference σ_ref or --reference-fit FILE",
      { field: "--observables" },
    );
  const samples = Number(o.samples);
  if (!Number.isInteger(samples) || samples < 2)
    throw new EngineError("InvalidParameter", `--samples must be an integer ≥ 2, got '${o.samples}'`, {
      field: "--samples",
    });
  const propagation = parsePropagation(o.uncertainty, samples, 0);
  const format = outputFormat(o.out, o.format);
  checkOutputFile(o.out);
  const memory = MemoryBudget.fromCli(o.memory);
  log(memory.describe());
  const model = loadModel(o.model);
  const { structures, sources } = readStructures(o.data);
  requireCentres(model, structures, sources, o.data);
  log(`predicting ${structures.length} structure(s) with ${model.kind} from ${printable(o.model)}`);
  const tp = performance.now();
  const pred = await model.predict(structures, {
    variance: o.variance,
    memory,
    ...(o.backend !== undefined ? { backend: parseBackendName(o.backend) } : {}),
  });
  const tPredict = (performance.now() - tp) / 1000;
  const header = model.serialize().header as Record<string, unknown>;
  const target = modelTargetName(header) ?? "prediction";
  const write = format === "chemiscope" ? chemiscopeWriter(header, o.model) : writePredictions;
  const files = write(o.out, structures, pred, {
    format,
    target,
    observables: obs,
    reference,
    propagation,
    isotopes: parseIsotopeOverrides(o.isotope),
    sources,
    header: {
      model: model.kind,
      species: symbolOf(pred.species),
      lambda: pred.lambda,
      target,
      units: targetUnits(target),
      components: componentsText(pred),
      ...(obs.length > 0 && target === "ms"
        ? { observable_units: MS_OBSERVABLE_UNITS, uncertainty: propagation.method }
        : {}),
      ...(obs.some((x) => x === "cq" || x === "eta" || x === "wq") && pred.covariance && target === "efg"
        ? {
            observable_units: "cq: MHz; eta: 1; wq: kHz",
            uncertainty: `${propagation.method} (cq_std, eta_std, wq_std from the T2 predictive covariance)`,
          }
        : {}),
      ...(referenceText ? { reference: referenceText } : {}),
    },
  });
  const n = pred.atoms.length / 2;
  log(`wrote ${files.map((f) => printable(f)).join(", ")} (${n} atoms; predict ${tPredict.toFixed(2)} s)`);
  log(peakRssLine());
  const summary = summaryStream(o.out);
  if (o.json) {
    summary.write(
      jsonText({
        files,
        atoms: n,
        species: pred.species,
        lambda: pred.lambda,
        seconds: tPredict,
        notes: pred.notes,
      }),
    );
  } else {
    summary.write(`predicted ${n} ${symbolOf(pred.species)} atoms → ${files.join(", ")}\n`);
  }
}

/**
 * The writer of `--out X.chemiscope.json[.gz]`: chemiscope's input format (src/analysis/chemiscope.ts); the map's
 * λ=0 features use the model's λ-SOAP hypers (a GPR model's descriptor), otherwise the default hypers.
 */
function chemiscopeWriter(modelHeader: Record<string, unknown>, modelFile: string) {
  const d = (modelHeader.params as { descriptor?: { name?: unknown; hypers?: unknown } } | undefined)
    ?.descriptor;
  const hypers = d?.name === "lambda-soap" ? (d.hypers as SoapHypersInput) : undefined;
  return (
    file: string,
    structures: readonly Structure[],
    pred: Prediction,
    options: WriteOptions,
  ): string[] => {
    const data = chemiscopeDataset(structures, pred, {
      name: `${symbolOf(pred.species)} ${options.target} predictions`,
      target: options.target,
      ...(hypers ? { hypers } : {}),
      ...(options.isotopes ? { isotopes: options.isotopes } : {}),
      ...(options.sources ? { sources: options.sources } : {}),
      provenance: [
        `model: ${printable(modelFile)} (${options.header.model}, target ${options.target}); EFG in atomic units ` +
          "(1 au = 97.1736 V/Å²), shielding in ppm, CQ in MHz; conventions: docs/conventions.md",
        ...pred.notes,
      ],
    });
    writeChemiscope(file, data);
    return [file];
  };
}
