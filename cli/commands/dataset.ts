import type { Command } from "commander";
import { jsonText } from "../../src/core/json.js";
import { EngineError, printable } from "../../src/core/errors.js";
import { generateLto } from "../../src/datasets/lto.js";
import { generateLtoLarge } from "../../src/datasets/ltoLarge.js";
import { checkOutputFile, writeFileAtomic } from "../../src/io/atomic.js";
import { formatExtxyz } from "../../src/io/extxyz.js";
import { parseSeed, summaryStream } from "../options.js";

function num(field: string, integer = false): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (v.trim() === "" || !Number.isFinite(x) || (integer && !Number.isInteger(x))) {
      throw new EngineError(
        "InvalidParameter",
        `expected ${integer ? "an integer" : "a number"}, got '${v}'`,
        {
          field,
        },
      );
    }
    return x;
  };
}

/** "Li=0.74,Ti=13,O=1" → record. */
function speciesFactors(v: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of v.split(",")) {
    const m = /^\s*(Li|Ti|O)\s*=\s*(\S+)\s*$/.exec(part);
    const x = m ? Number(m[2]) : Number.NaN;
    if (!m || !Number.isFinite(x)) {
      throw new EngineError("InvalidParameter", `expected Li=..,Ti=..,O=.., got '${v}'`, {
        field: "sternheimer",
      });
    }
    out[m[1]!] = x;
  }
  return out;
}

const OUT_HELP = "output extxyz file (.extxyz or .xyz, + .gz for gzip; - for standard output)";
const EXTXYZ = [".extxyz", ".xyz"] as const;

function progress(label: string, done: number, total: number, extra = ""): void {
  const step = Math.max(1, Math.floor(total / 10));
  if (done === total || done % step === 0) process.stderr.write(`${label}: ${done}/${total}${extra}\n`);
}

// long: the declarative commander option list of the dataset commands; the actions call the library
export function register(program: Command): void {
  const dataset = program
    .command("dataset")
    .description("generate built-in datasets (point-charge EFG model, not DFT)");

  dataset
    .command("lto")
    .description(
      "point-charge LTO-EFG database: 42-atom R-3m Li8Ti10O24 cells, 6 Li/Ti orderings, rattled and rescaled (Harper protocol); Ewald EFG of formal charges × Sternheimer-like factors",
    )
    .requiredOption("--out <file>", OUT_HELP)
    .option("--structures <n>", "number of structures", num("structures", true), 1640)
    .option("--seed <s>", "random seed (0 … 2^53−1)", parseSeed, 0)
    .option("--rattle-min <A>", "smallest Gaussian rattle sigma per coordinate (Å)", num("rattle-min"), 0.02)
    .option("--rattle-max <A>", "largest Gaussian rattle sigma per coordinate (Å)", num("rattle-max"), 0.2)
    .option("--scale-min <f>", "smallest isotropic lattice scale factor", num("scale-min"), 0.95)
    .option("--scale-max <f>", "largest isotropic lattice scale factor", num("scale-max"), 1.05)
    .option("--strain <f>", "extra independent scaling of each lattice vector, ±f", num("strain"), 0.02)
    .option("--sternheimer <list>", "per-species EFG factors 1-γ∞, e.g. Li=0.74,Ti=13,O=1", speciesFactors)
    .option("--precision <digits>", "significant digits written", num("precision", true), 10)
    .option("--json", "print a machine-readable summary on stdout")
    .action((o) => {
      checkOutputFile(o.out, { extensions: EXTXYZ });
      const t0 = performance.now();
      const { structures, summary } = generateLto({
        structures: o.structures,
        seed: o.seed,
        rattleMin: o.rattleMin,
        rattleMax: o.rattleMax,
        scaleMin: o.scaleMin,
        scaleMax: o.scaleMax,
        strain: o.strain,
        ...(o.sternheimer ? { sternheimer: o.sternheimer } : {}),
        onProgress: (d, t) => progress("dataset lto", d, t),
      });
      const t1 = performance.now();
      writeFileAtomic(o.out, formatExtxyz(structures, { precision: o.precision }));
      const seconds = (performance.now() - t0) / 1000;
      const stream = summaryStream(o.out);
      if (o.json) {
        stream.write(jsonText({ out: o.out, seconds, generateSeconds: (t1 - t0) / 1000, ...summary }, 2));
      } else {
        stream.write(
          `wrote ${structures.length} structures (${summary.tensors} EFG tensors, point-charge model, not DFT) to ${printable(o.out)} in ${seconds.toFixed(1)} s\n`,
        );
        for (const [sp, s] of Object.entries(summary.efg)) {
          stream.write(
            `  ${sp}: n=${s.count} |Vzz| mean ${s.vzz.mean.toFixed(4)} std ${s.vzz.std.toFixed(4)} [${s.vzz.min.toFixed(4)}, ${s.vzz.max.toFixed(4)}] a.u.; eta mean ${s.eta.mean.toFixed(3)} std ${s.eta.std.toFixed(3)}\n`,
          );
        }
      }
    });

  dataset
    .command("lto-large")
    .description(
      "1512-atom LTO cells (3x3x3 conventional spinel), Li/Ti orderings on 16d from seeded Metropolis Monte Carlo (simulated annealing) on the Ewald energy of formal charges",
    )
    .requiredOption("--out <file>", OUT_HELP)
    .option("--cells <n>", "number of cells", num("cells", true), 20)
    .option("--seed <s>", "random seed (0 … 2^53−1)", parseSeed, 0)
    .option("--t-start <K>", "annealing start temperature (K)", num("t-start"), 10000)
    .option("--t-end <K>", "annealing end temperature (K)", num("t-end"), 300)
    .option(
      "--sweeps <n>",
      "Monte Carlo sweeps per cell (432 attempted swaps each)",
      num("sweeps", true),
      200,
    )
    .option("--rattle <A>", "Gaussian rattle sigma per coordinate after the MC (Å)", num("rattle"), 0)
    .option("--no-efg", "do not compute point-charge EFG tensors")
    .option("--sternheimer <list>", "per-species EFG factors 1-γ∞, e.g. Li=0.74,Ti=13,O=1", speciesFactors)
    .option("--precision <digits>", "significant digits written", num("precision", true), 10)
    .option("--json", "print a machine-readable summary on stdout")
    .action((o) => {
      checkOutputFile(o.out, { extensions: EXTXYZ });
      const t0 = performance.now();
      const { structures, summary } = generateLtoLarge({
        cells: o.cells,
        seed: o.seed,
        tStart: o.tStart,
        tEnd: o.tEnd,
        sweeps: o.sweeps,
        rattle: o.rattle,
        efg: o.efg,
        ...(o.sternheimer ? { sternheimer: o.sternheimer } : {}),
        onProgress: (d, t, c) =>
          process.stderr.write(
            `dataset lto-large: cell ${d}/${t} E=${c.energy.toFixed(3)} eV (MC ΔE ${c.deltaE.toFixed(2)} eV, acceptance ${(100 * c.acceptance).toFixed(2)}%)\n`,
          ),
      });
      writeFileAtomic(o.out, formatExtxyz(structures, { precision: o.precision }));
      const seconds = (performance.now() - t0) / 1000;
      const stream = summaryStream(o.out);
      if (o.json) {
        stream.write(jsonText({ out: o.out, seconds, ...summary }, 2));
      } else {
        stream.write(
          `wrote ${structures.length} cells of ${summary.atoms} atoms (${Object.entries(summary.composition)
            .map(([s, k]) => `${s}${k}`)
            .join(" ")}) to ${printable(o.out)} in ${seconds.toFixed(1)} s\n`,
        );
      }
    });
}
