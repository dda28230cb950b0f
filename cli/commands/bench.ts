/**
 * `soapgpr bench lto|gehlenite|wq-large`: the scalar-vs-tensorial benchmarks of Harper et al. 2025 and the ω_Q
 * histogram of large LTO cells. Thin layer: parses options, calls src/benchmark, prints the table (stdout) or
 * JSON (--json), progress on stderr, and writes the HTML report (--report DIR).
 */
import { jsonText } from "../../src/core/json.js";
import type { Command } from "commander";
import { createBackend, parseBackendName } from "../../src/backend/index.js";
import type { GnnContestantResult } from "../../src/benchmark/gnnContestant.js";
import {
  DEFAULT_SEARCH,
  FULL_CONFIG,
  type LtoBenchConfig,
  QUICK_CONFIG,
  runLtoBenchmark,
} from "../../src/benchmark/lto.js";
import { formatTable, summaryJson } from "../../src/benchmark/present.js";
import { ltoReport, wqLargeReportSection } from "../../src/benchmark/report.js";
import { runVenetosBenchmark, VENETOS_FULL, VENETOS_QUICK } from "../../src/benchmark/venetos.js";
import { venetosReport, venetosSummary, venetosText } from "../../src/benchmark/venetosReport.js";
import { runWqLarge } from "../../src/benchmark/wqLarge.js";
import { EngineError } from "../../src/core/errors.js";
import { MEMORY_HELP, MemoryBudget, peakRssLine } from "../../src/core/memory.js";
import type { Structure } from "../../src/core/structure.js";
import { generateLto } from "../../src/datasets/lto.js";
import { checkOutputDir, checkOutputFile } from "../../src/io/atomic.js";
import { readStructures } from "../../src/io/read.js";
import { renderReport } from "../../src/report/html.js";
import { parseSeed, summaryStream } from "../options.js";
import { benchGehlenite, writeBenchChemiscope } from "./benchGehlenite.js";

interface BenchCliOptions {
  quick?: boolean;
  report?: string;
  data?: string[];
  seed: number;
  species?: string;
  json?: boolean;
  model?: string;
  cells?: string;
  out?: string;
  search?: boolean;
  backend: string;
  gnn?: string;
  gnnEpochs: string;
  memory?: string;
  protocol?: string;
  chemiscope?: string;
}

function int(v: string, flag: string): number {
  const x = Number(v);
  if (!Number.isInteger(x))
    throw new EngineError("InvalidParameter", `${flag} must be an integer, got '${v}'`, { field: flag });
  return x;
}

function speciesList(v: string | undefined): string[] | undefined {
  return v === undefined
    ? undefined
    : v
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
}

// long: the declarative commander option list of the bench commands; the actions call the library
export function register(program: Command): void {
  program
    .command("bench")
    .description(
      "Benchmarks of Harper et al. 2025. 'lto': scalar λ=0 vs tensorial λ=2 GPR on the point-charge LTO-EFG " +
        "database (7Li, 47Ti, 17O; 4:1 split by structure; table with the paper's DFT numbers beside ours, learning " +
        "curves). 'gehlenite': the same on real DFT EFGs (--data DIR of .magres). 'wq-large': ω_Q histogram with " +
        "its 5 most prominent peak regions for large LTO cells (--model LI_MODEL --data CELLS.extxyz). 'venetos': " +
        "full ²⁹Si shielding tensors (--data si_nmr_data.json.gz): per-block search by CV on the training part, " +
        "one tensor model, σ_iso / tensor-component / %RMSE / coverage on the test part.",
    )
    .argument("<which>", "lto | gehlenite | venetos | wq-large")
    .option("--quick", "reduced run (the README's default job; < 5 min on 2 cores)")
    .option("--report <dir>", "write report.html and report.json into DIR")
    .option(
      "--data <files...>",
      "lto: structures with per-atom 'efg' (default: generated); gehlenite: magres directory; wq-large: cells",
    )
    .option("--species <list>", "comma list of elements to run (default: all of the preset)")
    .option("--model <file>", "wq-large: Li λ=2 efg model (ζ 1 or 2)")
    .option(
      "--out <file>",
      "wq-large: extxyz with per-atom wq and wq_region (- for standard output; the summary then goes to stderr)",
    )
    .option(
      "--search",
      "lto: Box–Behnken search of the hyperparameters per species first (default for the full run)",
    )
    .option("--no-search", "lto: use the preset's fixed hyperparameters (default with --quick)")
    .option("--seed <n>", "seed of the data generation and of the split (0 … 2^53−1)", parseSeed, 0)
    .option("--gnn <kind>", "lto: also train the equivariant GNN (gnn-isd | gnn-tp) on the same split")
    .option("--gnn-epochs <n>", "lto: GNN training epochs", "60")
    .option(
      "--backend <name>",
      "lto: kernel assembly of the benchmark fits: cpu (float64) | gpu | auto (gpu.js, float32)",
      "cpu",
    )
    .option(
      "--protocol <name>",
      "gehlenite: tuned (default: hypers by CV on the training cells at full size vs TENSOAP's defaults) | harper (scalar λ=0 vs tensorial λ=2 at fixed settings)",
    )
    .option(
      "--chemiscope <file>",
      "lto, gehlenite: write the test sets' predictions as a chemiscope map (.chemiscope.json[.gz]: CQ, η, errors " +
        "vs reference, PCA of the λ=0 features)",
    )
    .option("--json", "print JSON on stdout instead of the table")
    .option("--memory <GB>", `${MEMORY_HELP}; lto: the searches' raw-kernel caches are sized within it`)
    .action(async (which: string, o: BenchCliOptions) => {
      const t0 = performance.now();
      const log = (l: string) =>
        process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${l}\n`);
      const memory = MemoryBudget.fromCli(o.memory);
      log(memory.describe());
      const seed = o.seed;
      if (o.report !== undefined) checkOutputDir(o.report);
      if (o.out !== undefined) checkOutputFile(o.out, { extensions: [".extxyz", ".xyz"] });
      if (o.chemiscope !== undefined) {
        if (which !== "lto" && which !== "gehlenite")
          throw new EngineError(
            "InvalidParameter",
            "--chemiscope maps the test sets of bench lto and gehlenite",
            {
              field: "--chemiscope",
            },
          );
        checkOutputFile(o.chemiscope, { extensions: [".json"], field: "--chemiscope" });
      }
      const only = speciesList(o.species);
      if (which === "lto") {
        const config: LtoBenchConfig = o.quick ? QUICK_CONFIG : FULL_CONFIG;
        let structures: readonly Structure[];
        let source: string;
        if (o.data && o.data.length > 0) {
          structures = readStructures(o.data).structures;
          source = o.data.join(", ");
        } else {
          log(`generating ${config.generate} point-charge LTO structures (seed ${seed})`);
          structures = generateLto({ structures: config.generate, seed }).structures;
          source = `generateLto({ structures: ${config.generate}, seed: ${seed} })`;
        }
        const search = o.search ?? !o.quick;
        const backend = await createBackend(parseBackendName(o.backend));
        if (backend.precision !== "float64")
          log(`kernels assembled in ${backend.precision} (${backend.name})`);
        if (o.gnn !== undefined && o.gnn !== "gnn-isd" && o.gnn !== "gnn-tp") {
          throw new EngineError("InvalidParameter", `--gnn must be gnn-isd or gnn-tp, got '${o.gnn}'`, {
            field: "--gnn",
          });
        }
        const res = await runLtoBenchmark({
          backend,
          memory,
          ...(o.gnn ? { gnn: { kind: o.gnn, epochs: int(o.gnnEpochs, "--gnn-epochs") } } : {}),
          structures,
          config,
          seed,
          ...(only ? { only } : {}),
          ...(search ? { search: DEFAULT_SEARCH } : {}),
          log,
        });
        backend.dispose();
        log(`done in ${res.seconds.toFixed(1)} s`);
        if (o.chemiscope)
          writeBenchChemiscope(
            o.chemiscope,
            structures,
            res.species,
            `LTO benchmark (${config.name})`,
            source,
            log,
          );
        if (o.report) {
          const files = await renderReport(
            ltoReport(res, {
              source,
              command: `soapgpr bench lto${o.quick ? " --quick" : ""} --seed ${seed}`,
            }),
            o.report,
          );
          log(`report: ${files.html}`);
        }
        if (o.json) {
          process.stdout.write(
            jsonText(
              {
                benchmark: "lto",
                preset: config.name,
                seed,
                source,
                seconds: res.seconds,
                searches: res.searches,
                results: res.species.map(summaryJson),
              },
              1,
            ),
          );
        } else {
          process.stdout.write(
            `${formatTable(res.species, `soapgpr bench lto (${config.name}, seed ${seed}): scalar λ=0 vs tensorial λ=2 GPR, test-set metrics; data: ${source}`)}\n` +
              formatGnn(res.gnn) +
              `\ntotal ${res.seconds.toFixed(1)} s. Paper numbers: Harper et al. 2025 (⁷Li, DFT); ours: Ewald point-charge EFGs, not DFT.\n`,
          );
        }
        log(peakRssLine());
        return;
      }
      if (which === "gehlenite") {
        await benchGehlenite(o, seed, only, memory, log);
        log(peakRssLine());
        return;
      }
      if (which === "wq-large") {
        if (!o.model || !o.data || o.data.length === 0) {
          throw new EngineError(
            "InvalidParameter",
            "bench wq-large needs --model LI_MODEL and --data CELLS.extxyz",
            { field: "--model" },
          );
        }
        const { structures } = readStructures(o.data);
        const res = await runWqLarge({ model: o.model, structures, ...(o.out ? { out: o.out } : {}), log });
        if (o.report) {
          const files = await renderReport(
            {
              title: "ω_Q of large LTO cells (cf. Harper Fig. 6)",
              meta: { model: o.model, data: o.data.join(", ") },
              sections: [wqLargeReportSection(res)],
            },
            o.report,
          );
          log(`report: ${files.html}`);
        }
        const { labels: _labels, values: _values, ...summary } = res;
        const stream = summaryStream(o.out);
        if (o.json) stream.write(jsonText(summary, 1));
        else stream.write(`${res.text}\n`);
        log(peakRssLine());
        return;
      }
      if (which === "venetos") {
        await benchVenetos(o, seed, log);
        return;
      }
      throw new EngineError(
        "InvalidParameter",
        `unknown benchmark '${which}' (use lto, gehlenite, venetos or wq-large)`,
        { field: "which" },
      );
    });
}

/** The GNN contestant's metrics, in the table's terms (same test atoms, same metric code). */
function formatGnn(gnn: Record<string, GnnContestantResult>): string {
  const rows = Object.entries(gnn).map(([el, g]) => {
    const m = g.metrics;
    return (
      `${el.padEnd(3)} ${g.kind} (${g.epochs} epochs, fit ${g.fitSeconds.toFixed(0)} s, ${g.nTest} test atoms): ` +
      `C̃Q MAE ${m.cqTilde.mae.toFixed(3)} (r ${m.cqTilde.r.toFixed(3)}), η̃ MAE ${m.etaTilde.mae.toFixed(3)}, ` +
      `θ ${m.theta.mae.toFixed(1)}° φ ${m.phi.mae.toFixed(1)}°, ω_Q MAE ${m.omegaQ ? m.omegaQ.mae.toFixed(2) : "—"} kHz, ` +
      `q̃ mean ${m.q.mean.toFixed(3)}, T2 %RMSE ${m.t2.percentRmse.toFixed(1)}`
    );
  });
  return rows.length ? `\nGNN contestant (same split):\n${rows.join("\n")}\n` : "";
}

/** `bench venetos`: the ²⁹Si shielding-tensor benchmark (src/benchmark/venetos.ts). */
async function benchVenetos(o: BenchCliOptions, seed: number, log: (l: string) => void): Promise<void> {
  if (!o.data || o.data.length === 0) {
    throw new EngineError(
      "InvalidParameter",
      "bench venetos needs --data (e.g. ../shared/data/magres/venetos_si_ms/si_nmr_data.json.gz)",
      { field: "--data" },
    );
  }
  const { structures } = readStructures(o.data);
  const config = o.quick ? VENETOS_QUICK : VENETOS_FULL;
  const res = await runVenetosBenchmark({ structures, config, seed, log });
  log(`done in ${res.seconds.total.toFixed(1)} s`);
  if (o.report) {
    const command = `soapgpr bench venetos${o.quick ? " --quick" : ""} --seed ${seed}`;
    const files = await renderReport(venetosReport(res, { source: o.data.join(", "), command }), o.report);
    log(`report: ${files.html}`);
  }
  process.stdout.write(o.json ? jsonText(venetosSummary(res), 1) : `${venetosText(res)}\n`);
}
