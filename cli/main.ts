import { Command, CommanderError, type Option } from "commander";
import { EngineError } from "../src/core/errors.js";
import { libraryVersion } from "../src/core/version.js";
import { removePendingTempFiles, whenFirstTempFile } from "../src/io/atomic.js";
import { register as registerBench } from "./commands/bench.js";
import { register as registerDataset } from "./commands/dataset.js";
import { register as registerEvaluate } from "./commands/evaluate.js";
import { register as registerFit } from "./commands/fit.js";
import { register as registerKernel } from "./commands/kernel.js";
import { register as registerNmr } from "./commands/nmr.js";
import { register as registerPredict } from "./commands/predict.js";
import { register as registerSearch } from "./commands/search.js";
import { register as registerSpectrum } from "./commands/spectrum.js";
import { cliErrorMessage } from "./flags.js";

/** Thrown by command actions to end with a given exit code after printing nothing more. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function buildProgram(): Command {
  const program = new Command("soapgpr")
    .description("Gaussian-process regression of NMR tensors (EFG, shielding) with SOAP / λ-SOAP kernels")
    .version(libraryVersion())
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
  program.addHelpText("after", EXIT_CODES_HELP);
  checkRequiredOptionsAfterUnknown(program);
  return program;
}

export const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    engine error: bad input, numerical failure, unwritable output (message on stderr)
  2    usage error: unknown option, missing or malformed option value
  70   internal error (a bug: please report it with the message)
  130  interrupted by SIGINT (Ctrl-C); 143 for SIGTERM. Temporary files are removed first.
'-' as an output file name means standard output.`;

/**
 * Commander checks required options before unknown ones, so `fit --bogus` would complain about a missing
 * `--lambda`. Make required options plain ones and check them in a preAction hook, which commander runs after
 * its unknown-option check.
 */
function checkRequiredOptionsAfterUnknown(program: Command): void {
  const required = new Map<Command, Option[]>();
  const walk = (cmd: Command): void => {
    const opts = cmd.options.filter((o) => o.mandatory);
    for (const o of opts) o.makeOptionMandatory(false);
    if (opts.length > 0) required.set(cmd, opts);
    cmd.commands.forEach(walk);
  };
  walk(program);
  program.hook("preAction", (_top, cmd) => {
    const missing = (required.get(cmd) ?? []).find(
      (o) => cmd.getOptionValue(o.attributeName()) === undefined,
    );
    if (missing)
      cmd.error(`error: required option '${missing.flags}' not specified`, {
        code: "commander.missingMandatoryOptionValue",
        exitCode: 2,
      });
  });
}

/**
 * From the first temporary file of an atomic write on, SIGINT and SIGTERM remove the temporary files and end
 * the process through `exit` with 128 + the signal number (130, 143). Before that, the signals keep their
 * default action (immediate end, same exit status as seen by the shell), so Ctrl-C is not delayed by a long
 * synchronous computation.
 */
export function installInterruptCleanup(exit: (code: number) => void): void {
  whenFirstTempFile(() => {
    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      process.on(signal, () => {
        removePendingTempFiles();
        exit(code);
      });
    }
  });
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
      process.stderr.write(`soapgpr: error [${e.code}]: ${cliErrorMessage(e)}\n`);
      return 1;
    }
    throw e;
  }
}
