import { readFileSync } from "node:fs";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { register } from "../../cli/commands/kernel.js";
import { EngineError } from "../../src/core/errors.js";

const REF = new URL("../../../shared/data/tensoap-ref/", import.meta.url);

async function runKernel(args: string[]): Promise<string> {
  const program = new Command("soapgpr").exitOverride();
  register(program);
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(["kernel", ...args], { from: "user" });
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe("soapgpr kernel", () => {
  afterEach(() => vi.restoreAllMocks());
  it("--structure --json with the tensoap preset reproduces TENSOAP's K2_rot", async () => {
    const rot = new URL("structures/rot0.xyz", REF).pathname;
    const out = await runKernel([
      "--lambda",
      "2",
      "--a",
      rot,
      "--preset",
      "tensoap",
      "--nmax",
      "4",
      "--lmax",
      "3",
      "--structure",
      "--json",
    ]);
    const rep = JSON.parse(out);
    const ref = JSON.parse(readFileSync(new URL("small/K2_rot.json", REF), "utf8")).K2 as number[][][][];
    const K = rep.blocks[0].kernel as number[][][][];
    let maxDiff = 0;
    let maxRef = 0;
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let m = 0; m < 5; m++)
          for (let n = 0; n < 5; n++) {
            maxDiff = Math.max(maxDiff, Math.abs(K[i]![j]![m]![n]! - ref[i]![j]![m]![n]!));
            maxRef = Math.max(maxRef, Math.abs(ref[i]![j]![m]![n]!));
          }
    // same tolerance as the library parity test (round-off only)
    expect(maxDiff / maxRef).toBeLessThan(1e-10);
    expect(rep.species).toEqual(["Li", "O", "Ti"]); // docs/json.md: species by symbol, ordered by Z
  });

  it("prints atomic blocks per centre species and validates its options", async () => {
    const prim = new URL("structures/skewcheck_prim.xyz", REF).pathname;
    const cubic = new URL("structures/skewcheck_cubic.xyz", REF).pathname;
    const text = await runKernel([
      "--lambda",
      "0",
      "--a",
      prim,
      "--b",
      cubic,
      "--centers",
      "Li",
      "--nmax",
      "3",
      "--lmax",
      "2",
    ]);
    expect(text).toContain("centre Li: 1 x 4");
    // every Li site of the cubic cell is the same environment as the primitive cell's Li
    const vals = text
      .split("\n")
      .filter((l) => l.startsWith("  ["))
      .map((l) => Number(l.split("]")[1]));
    expect(vals).toHaveLength(4);
    for (const v of vals) expect(v).toBeCloseTo(1, 12);
    await expect(runKernel(["--lambda", "0", "--a", prim, "--centers", "Xx"])).rejects.toThrow(EngineError);
    await expect(runKernel(["--lambda", "two", "--a", prim])).rejects.toThrow(/--lambda/);
  });
});
