/**
 * The consolidation of issue 12 (one kernel path, one GPR solve) kept by the source text itself: the layers' import
 * direction for src/search, the Cholesky solves only in src/math and src/gpr, the SIMD / threads choice only
 * inside the backends, and the Gram products only on the one kernel path (src/soap/envKernel.ts) — outside it a
 * kernel is always built from `rawKernels` / `kernelMatrix`, never from a backend's `gram` directly.
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
