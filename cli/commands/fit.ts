/**
 * `soapgpr fit`: train a GPR / sparse GPR model of one target of one centre species at one λ — or, without
 * --lambda, a tensor model of every λ block of a 3×3 tensor target — and save it.
 * Thin layer: parses options, calls src/gpr, prints a summary (or --json). Progress on stderr.
 */
import type { Command } from "commander";
import { Dataset } from "../../src/core/dataset.js";
import { atomicNumber } from "../../src/core/elements.js";
import { jsonText } from "../../src/core/json.js";
import { parseBackendName } from "../../src/backend/index.js";
import { EngineError, printable } from "../../src/core/errors.js";
import { createGnnModel } from "../../src/gnn/index.js";
import { MEMORY_HELP, MemoryBudget, peakRssLine } from "../../src/core/memory.js";
import {
  GPR_DEFAULTS,
  GprModel,
  parseModelVariance,
  parseNoiseMode,
  type GprParams,
  parseSparseApproximation,
  parseSparseSelection,
  TensorModel,
  tensorLambdas,
} from "../../src/gpr/index.js";
import { saveModel } from "../../src/model/modelfile.js";
import { parseTarget } from "../../src/gpr/targets.js";
import { checkOutputFile } from "../../src/io/atomic.js";
import { readStructures } from "../../src/io/read.js";
import { parseIsotopeOverrides } from "../../src/nmr/isotopes.js";
import { STDIN_HELP } from "../inputs.js";
import { parseSeed, type SoapCliOptions, soapHypersFromCli, summaryStream } from "../options.js";

interface FitCliOptions extends SoapCliOptions {
  lambda?: string;
  data: string[];
  target: string;
  species: string;
  model?: string;
  zeta: string;
  reg: string;
  sparse?: string;
  selection: string;
  approximation: string;
  variance: string;
  noise: string;
  backend: string;
  seed: number;
  isotope: string[];
  out: string;
  json?: boolean;
  memory?: string;
  epochs?: string;
  gnnHypers?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function num(v: string, flag: string, check: (x: number) => boolean = Number.isFinite): number {
  const x = Number(v);
  if (!Number.isFinite(x) || !check(x))
    throw new EngineError("InvalidParameter", `${flag}: bad value '${v}'`, { field: flag });
  return x;
}

/** `--reg 1e-6` or per λ: `--reg 0=1e-4,2=1e-6` (the value for the model's λ is used). */
export function regFor(spec: string, lambda: number): number {
  if (!spec.includes("=")) return num(spec, "--reg", (x) => x >= 0);
  for (const part of spec.split(",")) {
    const [l, v] = part.split("=");
    if (Number(l) === lambda) return num(v ?? "", "--reg", (x) => x >= 0);
  }
  throw new EngineError("InvalidParameter", `--reg '${spec}' gives no value for λ=${lambda}`, {
    field: "--reg",
  });
}

// long: the declarative commander option list of the fit command; the action calls the library
export function register(program: Command): void {
  program
    .command("fit")
    .description(
      "Train a GPR model (per centre species, per λ) on λ-SOAP kernels and save it. λ=2 learns the 5 T2 components " +
        "of a tensor target (efg, ms); λ=0 a scalar (any per-atom array, the isotropic part tr/3 of a tensor — σ_iso " +
        "in ppm for ms —, or a derived observable efg:cq, efg:eta, efg:theta, efg:phi, efg:wq, efg:vzz, ms:iso, " +
        "ms:aniso, ms:eta, ms:span, ms:skew). λ=0 targets are centred on the training mean.",
    )
    .option(
      "--lambda <0|1|2>",
      "λ of the learned quantity (one block). Default: a tensor target (efg, ms, any 3x3 per-atom array) fits " +
        "all its blocks in one model — ms: λ=0 σ_iso, λ=1 antisymmetric (odd parity), λ=2; efg: λ=2 — and " +
        "predicts the full tensor; a scalar target: λ=0",
    )
    .requiredOption(
      "--data <files...>",
      `training structures with targets (.extxyz/.xyz, .magres, directories searched recursively)${STDIN_HELP}`,
    )
    .requiredOption(
      "--target <name>",
      "efg | ms | <per-atom array> | efg:cq | efg:eta | efg:theta | efg:phi | efg:wq | ms:iso | ms:aniso | " +
        "ms:eta | ms:span | ms:skew",
    )
    .requiredOption("--species <EL>", "centre species, e.g. Li")
    .option(
      "--model <kind>",
      "gpr | sparse-gpr | gnn-isd | gnn-tp (default: sparse-gpr when --sparse is given, else gpr)",
    )
    .option("--epochs <n>", "GNN: training epochs (default 200)")
    .option(
      "--gnn-hypers <json>",
      'GNN: hyperparameters as a JSON object, e.g. \'{"layers":2,"channels":8,"rc":4}\' ' +
        "(bounded: layers 1–8, channels 1–256, rc = cutoff.radius 0.5–12 Å, lmax ≤ 4; see GNN_HYPER_BOUNDS in " +
        "src/gnn/model.ts); --rcut sets rc",
    )
    .option("--preset <name>", "descriptor preset: default | tensoap")
    .option("--rcut <Å>", "cutoff radius")
    .option("--sigma <Å>", "Gaussian density width")
    .option("--nmax <n>", "radial functions")
    .option("--lmax <l>", "angular channels")
    .option("--zeta <ζ>", "kernel exponent: K = K^λ·(K^0)^(ζ−1)", String(GPR_DEFAULTS.zeta))
    .option(
      "--reg <σ²>",
      "regularisation added to the normalised kernel (K + reg·I); per λ as 0=1e-4,2=1e-6",
      GPR_DEFAULTS.reg.toExponential(),
    )
    .option("--sparse <M>", "sparse GPR on M representative environments")
    .option("--selection <how>", "sparse: fps | cur", GPR_DEFAULTS.selection)
    .option(
      "--approximation <a>",
      "sparse predictive variance: dtc (projected process) | sor",
      GPR_DEFAULTS.approximation,
    )
    .option(
      "--variance <what>",
      "full: keep the Cholesky factor for predictive variances | none: mean-only model (smaller file)",
      "full",
    )
    .option(
      "--noise <how>",
      "ml: signal and noise variances by maximum marginal likelihood from --reg (full GPR; calibrated ±σ) | " +
        "fixed: --reg as given",
      GPR_DEFAULTS.noise,
    )
    .option("--backend <name>", "kernel assembly: cpu | gpu | auto", GPR_DEFAULTS.backend)
    .option("--seed <n>", "seed of the sparse selection (0 … 2^53−1)", parseSeed, 0)
    .option("--isotope <EL=ISO>", "isotope for derived observables, e.g. Ti=49Ti (repeatable)", collect, [])
    .requiredOption(
      "--out <file>",
      "model file to write (- for standard output; the summary then goes to stderr)",
    )
    .option("--json", "print the fit report as JSON on stdout")
    .option("--memory <GB>", MEMORY_HELP)
    .action(async (o: FitCliOptions) => {
      const lambda =
        o.lambda === undefined ? null : num(o.lambda, "--lambda", (x) => x === 0 || x === 1 || x === 2);
      parseTarget(o.target, lambda ?? (o.target.includes(":") ? 0 : 2));
      checkOutputFile(o.out, { gzip: false });
      const kind = o.model ?? (o.sparse !== undefined ? "sparse-gpr" : "gpr");
      if (kind === "gnn-isd" || kind === "gnn-tp") {
        if (lambda === null)
          throw new EngineError("InvalidParameter", `--model ${kind} needs --lambda`, { field: "--lambda" });
        await fitGnn(kind, o, lambda);
        return;
      }
      const common = gprCommonParams(o, kind);
      const t0 = performance.now();
      const log = (l: string) =>
        process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${l}\n`);
      const memory = MemoryBudget.fromCli(o.memory);
      log(memory.describe());
      log(`reading ${o.data.length} input path(s)`);
      const { structures, sources } = readStructures(o.data);
      const arrayName = o.target.split(":")[0]!;
      const data = Dataset.fromArrays(structures, [arrayName], sources);
      const tensor = lambda === null && !o.target.includes(":") && data.target(arrayName).components === 9;
      const model = tensor
        ? new TensorModel({
            ...common,
            blocks: Object.fromEntries(tensorLambdas(o.target).map((l) => [l, { reg: regFor(o.reg, l) }])),
          })
        : new GprModel({ ...common, lambda: lambda ?? 0, reg: regFor(o.reg, lambda ?? 0) });
      const report = await model.fit(data, { log, memory });
      saveModel(model, o.out);
      log(`model written to ${printable(o.out)}`);
      log(peakRssLine());
      const summary = summaryStream(o.out);
      if (o.json) {
        summary.write(jsonText({ ...report, out: o.out }, 1));
        return;
      }
      const tm = report.timings;
      summary.write(
        `fitted ${report.model} for ${o.species} λ=${tensor ? (report.lambdas as number[]).join(",") : (lambda ?? 0)} on ${report.nTrain} environments (target ${o.target})\n` +
          `timings (s): ${Object.entries(tm)
            .map(([k, v]) => `${k} ${v.toFixed(2)}`)
            .join(", ")}\n` +
          (report.notes.length ? `notes: ${report.notes.join("; ")}\n` : "") +
          `model: ${o.out}\n`,
      );
    });
}

/**
 * The GPR params of the command line that every λ block shares (all but λ and reg), parsed into the typed
 * GprParams by the library's parsers (sparse selection / approximation, backend name, λ-SOAP hypers).
 */
function gprCommonParams(o: FitCliOptions, kind: string): Omit<GprParams, "lambda"> {
  if (kind !== "gpr" && kind !== "sparse-gpr") {
    throw new EngineError(
      "InvalidParameter",
      `--model ${kind}: expected gpr, sparse-gpr, gnn-isd or gnn-tp`,
      { field: "--model" },
    );
  }
  if (kind === "sparse-gpr" && o.sparse === undefined) {
    throw new EngineError("InvalidParameter", "--model sparse-gpr needs --sparse M", {
      field: "--sparse",
    });
  }
  return {
    species: atomicNumber(o.species),
    target: o.target,
    zeta: num(o.zeta, "--zeta", (x) => x >= 1),
    descriptor: { kind: "lambda-soap", hypers: soapHypersFromCli(o) },
    sparse:
      kind === "sparse-gpr"
        ? {
            m: num(o.sparse!, "--sparse", (x) => Number.isInteger(x) && x > 0),
            selection: parseSparseSelection(o.selection),
            approximation: parseSparseApproximation(o.approximation),
            seed: o.seed,
          }
        : null,
    backend: parseBackendName(o.backend),
    isotopes: parseIsotopeOverrides(o.isotope),
    variance: parseModelVariance(o.variance),
    noise: parseNoiseMode(o.noise),
  };
}

/** Train the equivariant GNN behind the same Model interface (src/gnn). */
async function fitGnn(kind: "gnn-isd" | "gnn-tp", o: FitCliOptions, lambda: number): Promise<void> {
  const base = o.target.split(":")[0]!;
  if (o.target.includes(":") || (base !== "efg" && base !== "ms")) {
    throw new EngineError("InvalidParameter", `--model ${kind} learns full tensors: --target efg or ms`, {
      field: "--target",
    });
  }
  const extra = o.gnnHypers !== undefined ? gnnHypersJson(o.gnnHypers) : {};
  const hypers = {
    ...extra,
    species: [atomicNumber(o.species)],
    ...(o.rcut !== undefined ? { rc: num(o.rcut, "--rcut", (x) => x > 0) } : {}),
    ...(o.epochs !== undefined
      ? { epochs: num(o.epochs, "--epochs", (x) => Number.isInteger(x) && x > 0) }
      : {}),
    seed: o.seed,
  };
  const t0 = performance.now();
  const log = (l: string) =>
    process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${l}\n`);
  const { structures, sources } = readStructures(o.data);
  const data = Dataset.fromArrays(structures, [base], sources);
  const model = createGnnModel(kind, hypers, { name: base, lambda });
  const report = await model.fit(data, { log });
  saveModel(model, o.out);
  log(`model written to ${printable(o.out)}`);
  summaryStream(o.out).write(
    o.json
      ? jsonText({ ...report, out: o.out }, 1)
      : `fitted ${kind} on ${report.nTrain} environments (target ${base}); model: ${o.out}\n`,
  );
}

/** `--gnn-hypers`: a JSON object (its keys and bounds are checked by parseGnnHypers). */
function gnnHypersJson(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new EngineError("InvalidParameter", "--gnn-hypers is not valid JSON", { field: "--gnn-hypers" });
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new EngineError(
      "InvalidParameter",
      `--gnn-hypers must be a JSON object such as '{"layers":2,"channels":8}', got ${Array.isArray(v) ? "an array" : JSON.stringify(v)}`,
      { field: "--gnn-hypers" },
    );
  }
  return v as Record<string, unknown>;
}
