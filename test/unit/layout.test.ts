/**
 * The consolidation of issue 12 (one kernel path, one GPR solve) kept by the source text itself: the layers' import
 * direction for src/search, the Cholesky solves only in src/math and src/gpr, the SIMD / threads choice only
 * inside the backends, and the Gram products only on the one kernel path (src/soap/envKernel.ts) — outside it a
 * kernel is always built from `rawKernels` / `kernelMatrix`, never from a backend's `gram` directly. And the Model
 * contract (item 3): src/gpr and src/gnn share only src/model/, and only src/models.ts (the registry) sees both.
 * And no dead code (item 7): the package's runtime dependencies are exactly what the shipped code (src/, cli/) uses,
 * and every export of src/ is used somewhere (src, cli, test, bench) or is public API. And no large rooms
 * (item 8): a function of src/ or cli/ longer than 100 lines says why in a `// long:` comment above it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { longFunctions } from "../helpers/longFunctions.js";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

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

describe("runtime dependencies are what src/ and cli/ use", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const shipped = [...sources(SRC), ...sources(join(ROOT, "cli"))].map((f) => readFileSync(f, "utf8"));

  it("every bare import of src/ and cli/ is a runtime dependency", () => {
    const bare = new Set<string>();
    for (const text of shipped)
      for (const m of text.matchAll(/from "([^./"][^"]*)"/g))
        if (!m[1]!.startsWith("node:")) bare.add(m[1]!.split("/")[0]!);
    expect(bare.size).toBeGreaterThan(0);
    expect([...bare].filter((name) => !(name in pkg.dependencies))).toEqual([]);
  });

  it("every runtime dependency is named by src/ or cli/ (bench- and test-only packages are devDependencies)", () => {
    // gpu.js is loaded by a dynamic import of a string constant, so look for the quoted name, not `from`
    const named = (dep: string) =>
      shipped.some((text) => text.includes(`"${dep}"`) || text.includes(`"${dep}/`));
    expect(Object.keys(pkg.dependencies).filter((dep) => !named(dep))).toEqual([]);
  });
});

describe("no dead exports", () => {
  it("every exported declaration of src/ is named again somewhere (src, cli, test, bench) or is public API", () => {
    const files = ["src", "cli", "test", "bench"].flatMap((d) => sources(join(ROOT, d)));
    const uses = new Map<string, number>();
    for (const f of files)
      for (const w of readFileSync(f, "utf8").match(/\w+/g) ?? []) uses.set(w, (uses.get(w) ?? 0) + 1);
    // runtime public names: the last part of the snapshot's dotted names (test/unit/api-snapshot.test.ts)
    const snapshot = JSON.parse(
      readFileSync(join(ROOT, "test/fixtures/api-snapshot.json"), "utf8"),
    ) as object;
    const publicNames = new Set(Object.keys(snapshot).map((k) => k.split(".").at(-1)!));
    const decl =
      /^export (?:async )?(?:abstract )?(?:function\*?|const|let|class|interface|type|enum) (\w+)/gm;
    const exported = sources(SRC).flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(decl)].map((m) => `${relative(SRC, f)}: ${m[1]}`),
    );
    expect(exported.length).toBeGreaterThan(100);
    const dead = exported.filter((e) => {
      const name = e.split(": ")[1]!;
      return uses.get(name)! < 2 && !publicNames.has(name);
    });
    expect(dead).toEqual([]);
  });
});

describe("no function above 100 lines without a reason", () => {
  /** A function declaration of `n` lines (its first and last line included), then a blank line. */
  const fn = (name: string, n: number) => `function ${name}() {\n${"  x++;\n".repeat(n - 2)}}\n`;

  it("the scan counts lines from the name to the closing brace, and reads the `// long:` comment above", () => {
    const text = [
      "let x = 0;",
      "/** doc */",
      fn("fits", 100),
      "// long: a hot loop kept in one piece",
      fn("explained", 101),
      "// long:",
      fn("emptyReason", 101),
      fn("bare", 101),
      `class C {\n  m() {\n${"    x++;\n".repeat(100)}  }\n}`,
      `const arrow = () => {\n${"  x++;\n".repeat(100)}};`,
      `[1].map(() => {\n${"  x++;\n".repeat(100)}});`,
    ].join("\n");
    const found = longFunctions(text, "t.ts", 100).map((f) => `${f.where} ${f.lines} ${f.explained}`);
    // lines: 1 let, 2 doc, 3-102 fits, 104 the reason, 105-205 explained, 207 "// long:" without a reason,
    // 208-308 emptyReason, 310-410 bare, 412 class, 413-514 m, 516-617 arrow.
    // the anonymous callback is counted in the function that holds it, not by itself
    expect(found).toEqual([
      "explained (line 105) 101 true",
      "emptyReason (line 208) 101 false",
      "bare (line 310) 101 false",
      "m (line 413) 102 false",
      "arrow (line 516) 102 false",
    ]);
  });

  it("every function of src/ and cli/ longer than 100 lines has a `// long: reason` comment", () => {
    const files = [...sources(SRC), ...sources(join(ROOT, "cli"))];
    const long = files.flatMap((f) =>
      longFunctions(readFileSync(f, "utf8"), f, 100).map((l) => ({ ...l, file: relative(ROOT, f) })),
    );
    expect(long.length).toBeGreaterThan(0); // the scan sees the long functions that have a reason
    expect(long.filter((l) => !l.explained).map((l) => `${l.file}: ${l.where}, ${l.lines} lines`)).toEqual(
      [],
    );
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
