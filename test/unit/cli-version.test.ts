/**
 * The version has one source, package.json (issue 12 item 7): `soapgpr --version` and the `library.version` of model
 * files read it at run time, from the sources (vitest) and from the build (dist/, what bin/soapgpr.js runs).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../cli/main.js";
import { decodeModel, encodeModel } from "../../src/model/modelfile.js";
import { ensureBuilt, ROOT } from "../helpers/built.js";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-version-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("version from package.json", () => {
  it("the CLI program and model files carry package.json's version (sources)", () => {
    expect(buildProgram().version()).toBe(pkg.version);
    const bytes = encodeModel({ kind: "test", header: {}, arrays: new Map() });
    expect(decodeModel(bytes).file.library.version).toBe(pkg.version);
  });

  it("the built CLI prints the version of the package.json it is installed with, not a literal", () => {
    ensureBuilt();
    // a copy of the built package whose package.json says another version; node_modules is shared (commander)
    const copy = path.join(dir, "pkg");
    fs.mkdirSync(copy);
    for (const d of ["bin", "dist"]) fs.cpSync(path.join(ROOT, d), path.join(copy, d), { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"));
    const version = "9.8.7-version-test";
    fs.writeFileSync(
      path.join(copy, "package.json"),
      JSON.stringify({ name: "soapgpr", version, type: "module" }),
    );
    const out = execFileSync(process.execPath, [path.join(copy, "bin", "soapgpr.js"), "--version"]);
    expect(out.toString().trim()).toBe(version);
  });
});
