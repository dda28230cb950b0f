import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCommand } from "../helpers/cli.js";
import { register } from "../../cli/commands/dataset.js";
import { readExtxyz } from "../../src/io/extxyz.js";

const dir = mkdtempSync(join(tmpdir(), "soapgpr-dataset-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runCli = (args: string[]) => runCommand(register, args);

describe("soapgpr dataset lto", () => {
  it("writes the extxyz file, progress on stderr and a JSON summary; same seed gives the same bytes", async () => {
    const out = join(dir, "a.extxyz");
    const r = await runCli(["dataset", "lto", "--structures", "6", "--seed", "3", "--out", out, "--json"]);
    const summary = JSON.parse(r.stdout);
    expect(summary.tensors).toBe(252);
    expect(summary.params.seed).toBe(3);
    expect(r.stderr).toMatch(/dataset lto: 6\/6/);
    const s = readExtxyz(out);
    expect(s.length).toBe(6);
    expect(s[0]!.info.model).toBe("point-charge (formal charges, Ewald), not DFT");
    expect(s[0]!.numericArray("efg")!.ncols).toBe(9);
    const out2 = join(dir, "b.extxyz");
    await runCli(["dataset", "lto", "--structures", "6", "--seed", "3", "--out", out2]);
    expect(readFileSync(out2).equals(readFileSync(out))).toBe(true);
  });

  it("rejects a malformed number with the option name", async () => {
    await expect(
      runCli(["dataset", "lto", "--structures", "x", "--out", join(dir, "c.extxyz")]),
    ).rejects.toThrow(/structures/);
    await expect(
      runCli(["dataset", "lto", "--sternheimer", "Li=abc", "--out", join(dir, "c.extxyz")]),
    ).rejects.toThrow(/sternheimer/);
  });
});
