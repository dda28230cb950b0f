import { Command, CommanderError } from "commander";
import { EngineError } from "../src/core/errors.js";
import { register as registerBench } from "./commands/bench.js";
import { register as registerDataset } from "./commands/dataset.js";
import { register as registerEvaluate } from "./commands/evaluate.js";
import { register as registerFit } from "./commands/fit.js";
import { register as registerKernel } from "./commands/kernel.js";
import { register as registerNmr } from "./commands/nmr.js";
import { register as registerPredict } from "./commands/predict.js";
import { register as registerSearch } from "./commands/search.js";
import { register as registerSpectrum } from "./commands/spectrum.js";

/** Thrown by command actions to end with a given exit code after printing nothing more. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function buildProgram(): Command {
  const program = new Command("soapgpr")
    .description("Gaussian-process regression of NMR tensors (EFG, shielding) with SOAP / λ-SOAP kernels")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  registerFit(program);
  registerPredict(program);
  registerEvaluate(program);
  registerNmr(program);
  registerKernel(program);
  registerSearch(program);
  registerBench(program);
  registerDataset(program);
  registerSpectrum(program);
  return program;
}

/** Run the CLI; returns the exit code (never calls process.exit). */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof ExitCode) return e.code;
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof EngineError) {
      process.stderr.write(`soapgpr: error [${e.code}]: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
