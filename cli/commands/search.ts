/**
 * `soapgpr search`: Box–Behnken hyperparameter search (rc, σ, reg; ζ ∈ {1,2,3}) with k-fold cross-validation by
 * structure, refit at the optimum, model saved, every evaluation logged as JSON. Thin layer over
 * src/search/hyperSearch.ts.
 */
import { jsonText } from "../../src/core/json.js";
import type { Command } from "commander";
import { refitAtOptimum, runHyperSearch } from "../../src/search/hyperSearch.js";
import { atomicNumber } from "../../src/core/elements.js";
import { EngineError, printable } from "../../src/core/errors.js";
import { MEMORY_HELP, MemoryBudget, peakRssLine } from "../../src/core/memory.js";
import { checkOutputFile, STDOUT_NAME } from "../../src/io/atomic.js";
import { saveModel } from "../../src/model/modelfile.js";
import { SearchLog } from "../../src/search/searchLog.js";
import { readStructures } from "../../src/io/read.js";
import { parseIsotopeOverrides } from "../../src/nmr/isotopes.js";
import { STDIN_HELP } from "../inputs.js";
import { parseSeed, summaryStream } from "../options.js";

interface SearchCliOptions {
  lambda: string;
  data: string[];
  target: string;
  species: string;
  design: string;
  folds: string;
  objective?: string;
  rounds: string;
  seed: number;
  rcut: string;
  sigma: string;
  reg: string;
  zeta: string;
  nmax: string;
  lmax: string;
  memory?: string;
  resume?: string;
  isotope: string[];
  out: string;
  log?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function range(v: string, flag: string, positive = true): [number, number] {
  const parts = v.split(",").map((s) => Number(s.trim()));
  if (
    parts.length !== 2 ||
    !parts.every(Number.isFinite) ||
    !(parts[0]! < parts[1]!) ||
    (positive && !(parts[0]! > 0))
  ) {
    throw new EngineError("InvalidParameter", `${flag} must be 'MIN,MAX' with 0 < MIN < MAX, got '${v}'`, {
      field: flag,
    });
  }
  return [parts[0]!, parts[1]!];
}

function int(v: string, flag: string, min: number): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < min)
    throw new EngineError("InvalidParameter", `${flag} must be an integer ≥ ${min}, got '${v}'`, {
      field: flag,
    });
  return x;
}

// long: the declarative commander option list of the search command; the action calls the library
export function register(program: Command): void {
  program
    .command("search")
    .description(
      "Box–Behnken search of λ-SOAP/GPR hyperparameters (rc, σ, log reg; ζ ∈ {1,2,3} as an outer loop) with k-fold " +
        "cross-validation by structure, a quadratic response surface and its optimum in the box (checked by one more " +
        "CV run), optional second round on a shrunken box; refits at the optimum and saves the model. Objectives: λ=2 " +
        "efg: mean of MAE(C̃Q), MAE(η̃), 1 − mean q̃ (Harper et al. 2025); λ=0: MAE of the learned quantity.",
    )
    .requiredOption("--lambda <0|2>", "λ of the learned quantity")
    .requiredOption(
      "--data <files...>",
      `training structures with targets (.extxyz/.xyz, .magres, directories searched recursively)${STDIN_HELP}`,
    )
    .requiredOption(
      "--target <name>",
      "efg | ms (λ=2) | efg:cq | efg:eta | efg:theta | efg:phi | efg:wq | <array> (λ=0)",
    )
    .requiredOption("--species <EL>", "centre species, e.g. Li")
    .option("--design <name>", "experimental design (box-behnken)", "box-behnken")
    .option("--folds <k>", "cross-validation folds (by structure)", "5")
    .option("--objective <terms>", "comma list of cq, eta, q (λ=2 efg) or mae")
    .option("--rounds <1|2>", "second round on a box shrunk around the first optimum", "1")
    .option("--seed <n>", "seed of the fold split (0 … 2^53−1)", parseSeed, 0)
    .option("--rcut <min,max>", "cutoff radius range (Å)", "3,6")
    .option("--sigma <min,max>", "Gaussian width range (Å)", "0.3,0.8")
    .option("--reg <min,max>", "regularisation range (log scale)", "1e-8,1e-2")
    .option("--zeta <list>", "ζ levels (categorical)", "1,2,3")
    .option("--nmax <n>", "radial functions (fixed)", "4")
    .option("--lmax <l>", "angular channels (fixed)", "3")
    .option("--memory <GB>", `${MEMORY_HELP}; raw-kernel sets cached within it`)
    .option(
      "--resume <log>",
      "resume an interrupted search from its JSON log (same data, options and --seed)",
    )
    .option("--isotope <EL=ISO>", "isotope for derived observables (repeatable)", collect, [])
    .requiredOption(
      "--out <file>",
      "model file written at the optimum (- for standard output; the summary then goes to stderr)",
    )
    .option(
      "--log <file>",
      "JSON log, rewritten after every evaluation (default: OUT.search.json; none with --out -; --resume LOG: LOG)",
    )
    .option("--json", "print the result summary as JSON on stdout")
    .action(async (o: SearchCliOptions) => {
      const t0 = performance.now();
      const log = (l: string) =>
        process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${l}\n`);
      if (o.design !== "box-behnken") {
        throw new EngineError("InvalidParameter", `--design ${o.design}: only box-behnken is available`, {
          field: "--design",
        });
      }
      const lambda = Number(o.lambda);
      if (lambda !== 0 && lambda !== 2)
        throw new EngineError("InvalidParameter", "--lambda must be 0 or 2", { field: "--lambda" });
      const rounds = Number(o.rounds);
      if (rounds !== 1 && rounds !== 2)
        throw new EngineError("InvalidParameter", "--rounds must be 1 or 2", { field: "--rounds" });
      const zetas = o.zeta.split(",").map((s) => int(s.trim(), "--zeta", 1));
      checkOutputFile(o.out, { gzip: false });
      const logFile = o.resume ?? o.log ?? (o.out === STDOUT_NAME ? undefined : `${o.out}.search.json`);
      if (logFile !== undefined) checkOutputFile(logFile, { field: o.resume ? "--resume" : "--log" });
      const memory = MemoryBudget.fromCli(o.memory);
      log(memory.describe());
      const journal = logFile !== undefined ? new SearchLog(logFile, o.resume !== undefined) : undefined;
      const { structures } = readStructures(o.data);
      const isotopes = parseIsotopeOverrides(o.isotope);
      const common = {
        structures,
        species: atomicNumber(o.species),
        lambda: lambda as 0 | 2,
        target: o.target,
        nmax: int(o.nmax, "--nmax", 1),
        lmax: int(o.lmax, "--lmax", 1),
        isotopes,
        log,
      };
      const res = await runHyperSearch({
        ...common,
        rcut: range(o.rcut, "--rcut"),
        sigma: range(o.sigma, "--sigma"),
        reg: range(o.reg, "--reg"),
        zetas,
        folds: int(o.folds, "--folds", 2),
        seed: o.seed,
        rounds: rounds as 1 | 2,
        ...(o.objective !== undefined ? { objective: o.objective } : {}),
        memory,
        ...(journal ? { journal } : {}),
      });
      const b = res.best;
      log(
        `optimum: rc ${b.rcut.toFixed(3)} Å, σ ${b.sigma.toFixed(3)} Å, reg ${b.reg.toExponential(2)}, ζ ${b.zeta} (CV ${b.score.toFixed(4)}, ${b.source}); refitting on all ${structures.length} structures`,
      );
      const model = await refitAtOptimum(common, b);
      saveModel(model, o.out);
      journal?.finish({
        command: "soapgpr search",
        options: { ...o, json: undefined },
        objective: res.objective,
        environments: res.environments,
        structures: res.structures,
        kernelSets: res.kernelSets,
        cache: res.cache,
        memory: res.memory,
        seconds: res.seconds,
        best: res.best,
        model: o.out,
        folds: res.search.folds,
        rounds: res.search.rounds,
      });
      log(`model written to ${printable(o.out)}; log to ${printable(logFile ?? "(none)")}`);
      log(peakRssLine());
      const summary = summaryStream(o.out);
      if (o.json) {
        summary.write(
          jsonText({
            best: res.best,
            objective: res.objective,
            evaluations: res.search.evaluations.length,
            kernelSets: res.kernelSets,
            seconds: res.seconds,
            model: o.out,
            log: logFile,
          }),
        );
      } else {
        summary.write(
          `search ${o.species} λ=${lambda} target ${o.target}: ${res.search.evaluations.length} evaluations ` +
            `(${res.kernelSets} feature/kernel sets) in ${res.seconds.toFixed(1)} s\n` +
            `optimum: rc ${b.rcut.toFixed(3)} Å, σ ${b.sigma.toFixed(3)} Å, reg ${b.reg.toExponential(2)}, ζ ${b.zeta}; ` +
            `CV objective (${res.objective.join(",")}) ${b.score.toFixed(4)} (${b.source})\nmodel: ${printable(o.out)}\nlog: ${printable(logFile ?? "(none)")}\n`,
        );
      }
    });
}
