/**
 * The consolidation of issue 12 (one kernel path, one GPR solve) kept by the source text itself: the layers' import
 * direction for src/search, the Cholesky solves only in src/math and src/gpr, the SIMD / threads choice only
 * inside the backends, and the Gram products only on the one kernel path (src/soap/envKernel.ts) — outside it a
 * kernel is always built from `rawKernels` / `kernelMatrix`, never from a backend's `gram` directly. And the Model
 * contract (item 3): src/gpr and src/gnn share only src/model/, and only src/models.ts (the registry) sees both.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** src-relative paths of the files whose text matches `re`. */
function filesMatching(re: RegExp): string[] {
  return sources(SRC)
    .filter((f) => re.test(readFileSync(f, "utf8")))
    .map((f) => relative(SRC, f));
}

describe("one kernel path, one GPR solve", () => {
  it("src/search imports nothing from src/benchmark", () => {
    expect(filesMatching(/from "\.\.\/benchmark\//).filter((f) => f.startsWith("search/"))).toEqual([]);
  });

  it("Cholesky factorisations and solves are called only in src/math and src/gpr", () => {
    const users = filesMatching(/\bcholesky(WithJitter|Solve)?\(/i);
    expect(users.length).toBeGreaterThan(0);
    expect(users.filter((f) => !f.startsWith("math/") && !f.startsWith("gpr/"))).toEqual([]);
  });

  it("no `instanceof CpuBackend` outside src/backend; Gram products only on the kernel path", () => {
    expect(filesMatching(/instanceof CpuBackend/).filter((f) => !f.startsWith("backend/"))).toEqual([]);
    const gram = filesMatching(/\.gram\(|simdGram\(/);
    expect(gram.filter((f) => !f.startsWith("backend/") && !f.startsWith("math/"))).toEqual([
      "soap/envKernel.ts",
    ]);
  });
});

/** src-relative paths of the files under `dir` (e.g. "gpr/") that import from `target` (e.g. "gnn"). */
function importers(dir: string, target: string): string[] {
  return filesMatching(new RegExp(`from "(\\.\\./)+${target}[/."]`)).filter((f) => f.startsWith(dir));
}

describe("the Model contract (src/model) below gpr and gnn, the registry (src/models.ts) above them", () => {
  it("src/gpr imports nothing from src/gnn, and src/gnn nothing from src/gpr", () => {
    expect(importers("gpr/", "gnn")).toEqual([]);
    expect(importers("gnn/", "gpr")).toEqual([]);
    // the checks can see an import: both import the shared contract
    expect(importers("gpr/", "model").length).toBeGreaterThan(0);
    expect(importers("gnn/", "model").length).toBeGreaterThan(0);
  });

  it("src/model imports nothing from gpr, gnn, soap or the registry", () => {
    for (const above of ["gpr", "gnn", "soap", "models"]) expect(importers("model/", above)).toEqual([]);
    expect(importers("model/", "core").length).toBeGreaterThan(0);
  });
});
