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

/** Every `new EngineError(…)` of `text`, to its matching parenthesis. */
function engineErrorConstructions(text: string): string[] {
  return [...text.matchAll(/new EngineError\(/g)].map((m) => {
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < text.length && depth > 0; i++) depth += text[i] === "(" ? 1 : text[i] === ")" ? -1 : 0;
    return text.slice(m.index, i);
  });
}

/** A CLI flag such as --reg or --out (not a decrement `i--`, not `---`). */
const FLAG = /(?<![\w-])--[a-z][\w-]*/;

describe("typed parameters (issue 12 item 6)", () => {
  it("library errors name parameters, not CLI flags (the CLI maps fields to flags)", () => {
    const offenders = sources(SRC).flatMap((f) => {
      const text = readFileSync(f, "utf8");
      const fieldFlags = [...text.matchAll(/\bfield\s*[:=]\s*["'`]--[a-z][^"'`]*/g)].map((m) => m[0]);
      const inErrors = engineErrorConstructions(text).filter((e) => FLAG.test(e));
      return [...fieldFlags, ...inErrors].map((e) => `${relative(SRC, f)}: ${e.slice(0, 120)}`);
    });
    expect(offenders).toEqual([]);
  });

  it("the scan finds a flag in an EngineError construction and in a field default", () => {
    const sample = 'throw new EngineError("InvalidParameter", `x (--reg)`, { field: f(1) });';
    expect(engineErrorConstructions(sample)).toEqual([sample.slice(6, -1)]);
    expect(FLAG.test(engineErrorConstructions(sample)[0]!)).toBe(true);
    expect(FLAG.test("for (let i = n; i--; ) x(i)")).toBe(false);
  });
});
