/**
 * ASE (the Atomic Simulation Environment) as an independent reader of the files we write: a Python with `ase`
 * importable, found as $SOAPGPR_PYTHON, `python3` or Debian's /usr/bin/python3 (where `apt-get install python3-ase`
 * puts it; .ci/run installs it). Tests that need it skip with the reason printed when none is found.
 */
import { spawnSync } from "node:child_process";

function hasAse(python: string): boolean {
  const r = spawnSync(python, ["-c", "import ase"], { encoding: "utf8" });
  return r.status === 0;
}

let found: string | null | undefined;

/** A Python interpreter that imports ase, or null (after printing why the dependent tests skip). */
export function asePython(): string | null {
  if (found !== undefined) return found;
  const candidates = [process.env.SOAPGPR_PYTHON, "python3", "/usr/bin/python3"].filter(
    (p): p is string => p !== undefined && p !== "",
  );
  found = candidates.find(hasAse) ?? null;
  if (found === null)
    process.stderr.write(
      `ASE read-back tests SKIPPED: no Python with ase among ${candidates.join(", ")} (apt-get install -y python3-ase)\n`,
    );
  return found;
}

/** Run a Python script with `args` (sys.argv[1:]) and parse its standard output as JSON. */
export function runPython(python: string, script: string, args: readonly string[]): unknown {
  const r = spawnSync(python, ["-c", script, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}
