/**
 * TENSOAP parity: the `tensoap` preset (nmax 4, lmax 3, rc 4 Å, σ 0.3 Å, ζ 2 — the "small" set of
 * ../shared/data/tensoap-ref/README.md) reproduces TENSOAP's kernels computed by TENSOAP itself (commit 7ee93d0).
 * Tolerance: relative 1e-10 of the largest |entry| — the reference text files carry 13 significant digits
 * (5e-13 relative), the JSON files full float64; both codes compute analytic integrals in float64, so the only
 * differences are round-off (~1e-14 observed).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CpuBackend } from "../../src/backend/cpu.js";
import type { Structure } from "../../src/core/structure.js";
import { readExtxyz } from "../../src/io/extxyz.js";
import { parseSoapHypers, TENSOAP_PRESET } from "../../src/soap/hypers.js";
import { atomicKernel, structureKernel } from "../../src/soap/kernels.js";
import { LambdaSoap } from "../../src/soap/lambdaSoap.js";
import type { FeatureBlocks } from "../../src/soap/types.js";

const REF = new URL("../../../shared/data/tensoap-ref/", import.meta.url);
const TOL = 1e-10;

function readTxtMatrix(name: string): number[][] {
  return readFileSync(new URL(`small/${name}`, REF), "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => l.trim().split(/\s+/).map(Number));
}
function readJson4(name: string): number[][][][] {
  return JSON.parse(readFileSync(new URL(`small/${name}`, REF), "utf8")).K2;
}
function relErr(got: (i: number, j: number, mu: number, nu: number) => number, ref: number[][][][]): number {
  let maxRef = 0;
  let maxDiff = 0;
  for (const [i, r1] of ref.entries())
    for (const [j, r2] of r1.entries())
      for (const [mu, r3] of r2.entries())
        for (const [nu, v] of r3.entries()) {
          maxRef = Math.max(maxRef, Math.abs(v));
          maxDiff = Math.max(maxDiff, Math.abs(got(i, j, mu, nu) - v));
        }
  return maxDiff / maxRef;
}

describe("TENSOAP parity (small set)", () => {
  const hypers = parseSoapHypers({ basis: { maxRadial: 4, maxAngular: 3 } }, TENSOAP_PRESET);
  const soap = new LambdaSoap(hypers);
  const backend = new CpuBackend({ threads: 1 });
  const frames = readExtxyz(new URL("structures/bench.xyz", REF).pathname);
  const snapshot = frames.slice(0, 3).map((s) => Float64Array.from(s.positions));
  // λ=0 for all 100 frames, λ=2 for frames 0-9 (what the references need)
  const all0 = soap.compute(frames, { lambdas: [0] });
  const first10 = soap.compute(frames.slice(0, 10), { lambdas: [0, 2] });

  it("has TENSOAP's feature sizes (576 for λ=0 and 1008 for λ=2 in full storage)", () => {
    // K = 3 species × 4 radial = 12 channels. Half storage keeps (A,l1) ≤ (B,l2): full = 2·half − (#diagonal
    // entries A=B, l1=l2). λ=0: 4 l values → 2·312 − 4·12 = 576. λ=2 (l1,l2) ∈ {(0,2),(1,1),(1,3),(2,2),(3,3)}:
    // 2·144 + 3·78 = 522 stored, 2·522 − 3·12 = 1008.
    expect(all0.get("22:0")!.nProperties).toBe(312);
    expect(2 * all0.get("22:0")!.nProperties - 4 * 12).toBe(576);
    expect(2 * first10.get("22:2")!.nProperties - 3 * 12).toBe(1008);
  });

  it("K0_struct_100x100", async () => {
    const ref = readTxtMatrix("K0_struct_100x100.txt");
    const K = await structureKernel(all0, all0, { lambda: 0, zeta: 2, backend });
    expect(K.n).toBe(100);
    const err = relErr(
      (i, j) => K.values[i * 100 + j]!,
      ref.map((r) => r.map((v) => [[v]])),
    );
    expect(err).toBeLessThan(TOL);
  });

  for (const [el, z] of [
    ["Ti", 22],
    ["Li", 3],
  ] as const) {
    it(`K0_atomic_${el}_first20`, async () => {
      const ref = readTxtMatrix(`K0_atomic_${el}_first20.txt`);
      const K = await atomicKernel(all0, all0, z, { lambda: 0, zeta: 2, backend });
      const err = relErr(
        (i, j) => K.values[i * K.m + j]!,
        ref.map((r) => r.map((v) => [[v]])),
      );
      expect(err).toBeLessThan(TOL);
    });
    it(`K2_atomic_${el}_first10`, async () => {
      const ref = readJson4(`K2_atomic_${el}_first10.json`);
      // chunk 16: exercises the symmetric (upper-triangle + mirror) path
      const K = await atomicKernel(first10, first10, z, { lambda: 2, zeta: 2, backend, chunk: 16 });
      const mc = K.m * 5;
      expect(relErr((i, j, mu, nu) => K.values[(i * 5 + mu) * mc + j * 5 + nu]!, ref)).toBeLessThan(TOL);
    });
  }

  it("K2_struct_first10", async () => {
    const ref = readJson4("K2_struct_first10.json");
    const K = await structureKernel(first10, first10, { lambda: 2, zeta: 2, backend, chunk: 37 });
    expect(relErr((i, j, mu, nu) => K.values[(i * 5 + mu) * 50 + j * 5 + nu]!, ref)).toBeLessThan(TOL);
  });

  it("K2_rot (frame 0 and its rigid rotation)", async () => {
    const rot: Structure[] = readExtxyz(new URL("structures/rot0.xyz", REF).pathname);
    const f: FeatureBlocks = soap.compute(rot);
    const K = await structureKernel(f, f, { lambda: 2, zeta: 2, backend });
    expect(
      relErr((i, j, mu, nu) => K.values[(i * 5 + mu) * 10 + j * 5 + nu]!, readJson4("K2_rot.json")),
    ).toBeLessThan(TOL);
  });

  it("did not mutate the input structures", () => {
    for (const [i, s] of frames.slice(0, 3).entries()) expect(s.positions).toEqual(snapshot[i]);
  });
});
