import { jsonText } from "../../src/core/json.js";
import type { Command } from "commander";
import { atomicNumber, symbolOf } from "../../src/core/elements.js";
import { EngineError } from "../../src/core/errors.js";
import { GPR_DEFAULTS } from "../../src/gpr/params.js";
import { readStructures } from "../../src/io/read.js";
import { kernelReport } from "../../src/soap/kernels.js";
import { LambdaSoap } from "../../src/soap/lambdaSoap.js";
import { STDIN_HELP } from "../inputs.js";
import { type SoapCliOptions, soapHypersFromCli } from "../options.js";

interface KernelCliOptions extends SoapCliOptions {
  lambda: string;
  a: string;
  b?: string;
  centers?: string;
  zeta: string;
  structure?: boolean;
  json?: boolean;
}

function parseCenters(s: string | undefined): number[] | undefined {
  if (s === undefined) return undefined;
  return s
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t)
    .map((t) => {
      try {
        return /^\d+$/.test(t) ? Number(t) : atomicNumber(t);
      } catch {
        throw new EngineError("InvalidParameter", `unknown element '${t}'`, { field: "--centers" });
      }
    });
}

const fmt = (v: number): string => v.toExponential(6).padStart(14);

export function register(program: Command): void {
  program
    .command("kernel")
    .description(
      "λ-SOAP kernels between the atoms (or, with --structure, the structures) of two files: K^λ = (k0)^(ζ−1)·P_i P_jᵀ, features normalised",
    )
    .requiredOption(
      "--lambda <0|2>",
      "λ of the kernel (0: scalar SOAP; 2: rank-2 tensors; any λ ≤ 2·lmax works)",
    )
    .requiredOption("--a <file>", `first structure file (.xyz/.extxyz, .magres, .cif)${STDIN_HELP}`)
    .option("--b <file>", "second structure file (default: same as --a)")
    .option("--centers <EL,...>", "centre species, e.g. Ti or Li,Ti (default: all species present in both)")
    .option("--rcut <Å>", "cutoff radius (default 4; tensoap preset 4)")
    .option("--sigma <Å>", "Gaussian density width (default 0.3)")
    .option("--nmax <n>", "number of radial GTOs (default 8)")
    .option("--lmax <l>", "largest angular channel (default 6)")
    .option("--zeta <ζ>", "kernel exponent: K^λ·(K^0)^(ζ−1)", String(GPR_DEFAULTS.zeta))
    .option("--smooth <Å>", "shifted-cosine cutoff smoothing width (default 0 = hard cutoff)")
    .option("--center-weight <w>", "weight of the centre atom's own Gaussian (default 1)")
    .option("--preset <name>", "hyperparameter preset: default | tensoap (TENSOAP-compatible features)")
    .option("--structure", "structure kernels averaged over the centre atoms (TENSOAP's definition)")
    .option("--json", "machine-readable JSON on stdout")
    .action(async (o: KernelCliOptions) => {
      const lambda = Number(o.lambda);
      if (!Number.isInteger(lambda) || lambda < 0)
        throw new EngineError(
          "InvalidParameter",
          `--lambda must be a non-negative integer, got '${o.lambda}'`,
          { field: "--lambda" },
        );
      const zeta = Number(o.zeta);
      if (!(zeta >= 1))
        throw new EngineError("InvalidParameter", `--zeta must be a number ≥ 1, got '${o.zeta}'`, {
          field: "--zeta",
        });
      const hypers = soapHypersFromCli(o);
      const a = readStructures([o.a]).structures;
      const b = o.b !== undefined ? readStructures([o.b]).structures : a;
      const centers = parseCenters(o.centers);
      const report = await kernelReport(new LambdaSoap(hypers), a, b, {
        lambda,
        zeta,
        structure: o.structure === true,
        ...(centers ? { centers } : {}),
      });
      if (o.json) {
        process.stdout.write(jsonText(report));
        return;
      }
      const out: string[] = [
        `λ=${lambda} ζ=${zeta} ${o.structure ? "structure" : "atomic"} kernels; species channels ${report.species.map(symbolOf).join(",")}`,
      ];
      for (const blk of report.blocks) {
        out.push(
          `${blk.centerSpecies === null ? "structures" : `centre ${symbolOf(blk.centerSpecies)}`}: ${blk.n} x ${blk.m}${blk.nComponents > 1 ? ` x ${blk.nComponents} x ${blk.nComponents}` : ""}`,
        );
        const K = blk.kernel;
        for (let i = 0; i < blk.n; i++) {
          for (let j = 0; j < blk.m; j++) {
            const v = (K as unknown[][])[i]![j]!;
            if (typeof v === "number") out.push(`  [${i},${j}] ${fmt(v)}`);
            else {
              for (const [mu, row] of (v as number[][]).entries()) {
                out.push(`  [${i},${j},${mu - lambda}] ${row.map(fmt).join("")}`);
              }
            }
          }
        }
      }
      process.stdout.write(`${out.join("\n")}\n`);
    });
}
