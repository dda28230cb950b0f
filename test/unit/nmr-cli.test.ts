import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { register } from "../../cli/commands/nmr.js";
import { EngineError } from "../../src/core/errors.js";

const shared = (p: string): string => fileURLToPath(new URL(`../../../shared/${p}`, import.meta.url));

async function runNmr(args: string[]): Promise<string> {
  const program = new Command("soapgpr").exitOverride();
  register(program);
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(["nmr", ...args], { from: "user" });
  } finally {
    spy.mockRestore();
  }
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe("soapgpr nmr", () => {
  it("--json on ethanol.magres: per-site CQ, η, Euler angles as in the Soprano/MagresView tables", async () => {
    const doc = JSON.parse(await runNmr([shared("data/magres/soprano/ethanol.magres"), "--json"])) as {
      results: {
        sites: {
          label: string;
          species: string;
          efg: { cq: number; eta: number; eulerActive: number[] };
          ms: { iso: number };
        }[];
      }[];
    };
    const sites = doc.results[0]!.sites;
    expect(sites.length).toBe(9);
    const h1 = sites.find((s) => s.label === "H_1")!;
    // ethanol_efg.dat: Chi = 193809.07262337 Hz (2H), asymm 0.01819691; eulers.dat row 1; ethanol_ms.dat s_iso
    expect(Math.abs(h1.efg.cq * 1e6 - 193809.07262337)).toBeLessThan(0.2); // constants differ by 2.8e-7 rel.
    expect(Math.abs(h1.efg.eta - 0.01819691)).toBeLessThan(1e-8);
    expect(Math.abs(h1.efg.eulerActive[2]! - 124.66006684)).toBeLessThan(1e-7);
    expect(Math.abs(h1.ms.iso - 29.59261906)).toBeLessThan(1e-7);
    const c1 = sites.find((s) => s.label === "C_1")!;
    expect(c1.efg.cq).toBe(0); // 13C has no quadrupole moment
  });

  it("--isotope and --species select isotope and sites; the table names them", async () => {
    const out = await runNmr([
      shared("data/magres/soprano/ethanol.magres"),
      "--species",
      "O",
      "--isotope",
      "H=1H",
    ]);
    expect(out).toContain("O_1");
    expect(out).toContain("17O");
    expect(out).not.toContain("H_1");
    // 17O: Chi = 11188393.11605085 Hz in ethanol_efg.dat → 11.1884 MHz printed with 4 decimals
    expect(out).toMatch(/11\.1884/);
  });

  it("bad input is an EngineError: unknown isotope, wrong element, unknown file type, missing tensors", async () => {
    const f = shared("data/magres/soprano/ethanol.magres");
    await expect(runNmr([f, "--isotope", "Ti=99Ti"])).rejects.toBeInstanceOf(EngineError);
    await expect(runNmr([f, "--isotope", "Ti=17O"])).rejects.toThrow(/not an isotope of Ti/);
    await expect(runNmr([shared("data/tensoap-ref/structures/rotation_R.txt")])).rejects.toThrow(/file type/);
    await expect(runNmr([shared("data/tensoap-ref/structures/skewcheck_cubic.xyz")])).rejects.toThrow(
      /no per-atom 'efg' or 'ms'/,
    );
  });
});
