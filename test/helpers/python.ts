/**
 * Python references for tests: ASE (the Atomic Simulation Environment) as an independent reader of the files we
 * write, numpy as an independent linear-algebra reference. The interpreter is $SOAPGPR_PYTHON, `python3` or Debian's
 * /usr/bin/python3 (where `apt-get install python3-ase` puts ase; .ci/run installs it), the first that imports the
 * module. Tests that need it skip with the reason printed when none does.
 */
import { spawnSync } from "node:child_process";

const found = new Map<string, string | null>();

/** A Python interpreter that imports `module`, or null (after printing why the dependent tests skip). */
function pythonWith(module: string, install: string): string | null {
  const known = found.get(module);
  if (known !== undefined) return known;
  const candidates = [process.env.SOAPGPR_PYTHON, "python3", "/usr/bin/python3"].filter(
    (p): p is string => p !== undefined && p !== "",
  );
  const python = candidates.find((p) => spawnSync(p, ["-c", `import ${module}`]).status === 0) ?? null;
  if (python === null)
    process.stderr.write(
      `tests that need Python's ${module} SKIPPED: none of ${candidates.join(", ")} imports it (${install})\n`,
    );
  found.set(module, python);
  return python;
}

/** A Python interpreter that imports ase, or null. */
export const asePython = (): string | null => pythonWith("ase", "apt-get install -y python3-ase");

/** A Python interpreter that imports numpy, or null. */
export const numpyPython = (): string | null => pythonWith("numpy", "apt-get install -y python3-numpy");

/** Run a Python script with `args` (sys.argv[1:]) and parse its standard output as JSON. */
export function runPython(python: string, script: string, args: readonly string[]): unknown {
  const r = spawnSync(python, ["-c", script, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}
