/**
 * The public API is deliberate (issue 12, "Also"): the runtime names exported by src/index.ts, one level into its
 * namespaces (`gpr.GprModel`, `soap.…`), and the kind of each (function, class, namespace, object, constant) match
 * the committed snapshot test/fixtures/api-snapshot.json; and the package's `exports` map resolves `soapgpr` (the
 * built dist/) to the same names, from a child process that imports the package by its name.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import * as api from "../../src/index.js";
import { ensureBuilt, ROOT } from "../helpers/built.js";

const SNAPSHOT = path.join(ROOT, "test", "fixtures", "api-snapshot.json");
const REGENERATE = "UPDATE_API_SNAPSHOT=1 npx vitest run test/unit/api-snapshot.test.ts";

type Kind = "function" | "class" | "namespace" | "object" | "constant";

function kindOf(value: unknown): Kind {
  if (typeof value === "function")
    return Function.prototype.toString.call(value).startsWith("class") ? "class" : "function";
  if (Object.prototype.toString.call(value) === "[object Module]") return "namespace";
  return typeof value === "object" && value !== null ? "object" : "constant";
}

/** Dotted export name → kind, sorted by name; namespaces are listed with their members. */
function describeApi(module: Record<string, unknown>, prefix = ""): Record<string, Kind> {
  const out: Record<string, Kind> = {};
  for (const name of Object.keys(module).sort()) {
    const kind = kindOf(module[name]);
    out[prefix + name] = kind;
    if (kind === "namespace" && prefix === "")
      Object.assign(out, describeApi(module[name] as Record<string, unknown>, `${name}.`));
  }
  return out;
}

/** One line per difference: `+ name (kind)` added, `- name (kind)` removed, `~ name: old → new` kind changed. */
function apiDiff(expected: Record<string, Kind>, actual: Record<string, Kind>): string[] {
  const names = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return names.flatMap((n) => {
    const [e, a] = [expected[n], actual[n]];
    if (e === a) return [];
    if (e === undefined) return [`+ ${n} (${a})`];
    if (a === undefined) return [`- ${n} (${e})`];
    return [`~ ${n}: ${e} → ${a}`];
  });
}

describe("public API snapshot", () => {
  const actual = describeApi(api as Record<string, unknown>);

  it("src/index.ts exports the names and kinds of test/fixtures/api-snapshot.json", () => {
    if (process.env.UPDATE_API_SNAPSHOT === "1")
      fs.writeFileSync(SNAPSHOT, `${JSON.stringify(actual, null, 2)}\n`);
    const expected = JSON.parse(fs.readFileSync(SNAPSHOT, "utf8")) as Record<string, Kind>;
    const diff = apiDiff(expected, actual);
    expect(
      diff,
      `The public API (src/index.ts) differs from test/fixtures/api-snapshot.json:\n  ${diff.join("\n  ")}\n` +
        `If the change is deliberate, regenerate the snapshot with\n  ${REGENERATE}\n` +
        "and commit the updated JSON with the change (mention it in the commit message).",
    ).toEqual([]);
  });

  it("the snapshot names every kind it can tell apart (the classifier is not blind)", () => {
    expect(kindOf(class {})).toBe("class");
    expect(kindOf(() => 0)).toBe("function");
    expect(kindOf(api.gpr)).toBe("namespace");
    expect(kindOf({})).toBe("object");
    expect(kindOf(1)).toBe("constant");
    expect(new Set(Object.values(actual))).toEqual(
      new Set(["function", "class", "namespace", "object", "constant"]),
    );
  });

  it("package.json `exports` resolves 'soapgpr' to the built index with the same names, and exposes package.json", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      version: string;
      exports?: Record<string, unknown>;
    };
    expect(pkg.exports?.["."]).toEqual({ types: "./dist/src/index.d.ts", import: "./dist/src/index.js" });
    ensureBuilt();
    expect(fs.existsSync(path.join(ROOT, "dist", "src", "index.d.ts"))).toBe(true);
    // self-reference by package name goes through the `exports` map (Node resolves it only when the map exists)
    const script = [
      "const m = await import('soapgpr');",
      "const p = await import('soapgpr/package.json', { with: { type: 'json' } });",
      "process.stdout.write(JSON.stringify({ names: Object.keys(m).sort(), version: p.default.version }));",
    ].join("\n");
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT });
    const resolved = JSON.parse(out.toString()) as { names: string[]; version: string };
    expect(resolved.version).toBe(pkg.version);
    expect(resolved.names).toEqual(Object.keys(api).sort());
  });

  it("each subpath entry point (`soapgpr/io`, `soapgpr/nmr`, …) is the namespace of the same name of the index", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, unknown>;
    };
    const subpaths = Object.keys(pkg.exports).filter((k) => /^\.\/[a-z]+$/.test(k));
    expect(subpaths.length).toBeGreaterThan(0);
    ensureBuilt();
    const script = [
      `const subs = ${JSON.stringify(subpaths.map((k) => k.slice(2)))};`,
      "const out = {};",
      "for (const s of subs) out[s] = Object.keys(await import('soapgpr/' + s)).sort();",
      "process.stdout.write(JSON.stringify(out));",
    ].join("\n");
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT });
    const resolved = JSON.parse(out.toString()) as Record<string, string[]>;
    for (const [name, names] of Object.entries(resolved)) {
      expect(names, name).toEqual(Object.keys((api as Record<string, object>)[name]!).sort());
    }
    // the JSON schema of every --json output (docs/json.md) ships with the package
    expect(fs.existsSync(path.join(ROOT, pkg.exports["./schema.json"] as string))).toBe(true);
  });
});
