/**
 * gpu.js backend: executes real gpu.js kernels in the modes that run in CI (wasm — SIMD float32 — and gpu.js's
 * JavaScript cpu kernel), on real TENSOAP λ-SOAP features from shared/data/tensoap-ref/small, against
 *  - TENSOAP's own atomic kernels (an independent code), and
 *  - a float64 naive loop and the float64 CpuBackend (differential), for odd shapes, tile edges, ζ ∈ {1,2,3}.
 *
 * Tolerance (one for all comparisons of float32 results): max |Δ| ≤ 1e-5 · max |K|. Why: the kernel rounds every
 * input to float32 (relative 2^-24 ≈ 6e-8) and, in wasm, accumulates the F ≤ 1008 products in float32; rounding
 * errors of a sum of F terms grow like √F · 2^-24 · (partial sum) ≈ 2e-6 of the largest entry (random walk; the
 * worst case F · 2^-24 ≈ 6e-5 never occurs for these well-mixed sums), and raising to ζ ≤ 3 multiplies the
 * relative error by ζ. So ~6e-6 at worst here; float64 code would sit at ~1e-15, which is why each comparison
 * also checks that the error is above 1e-10 — proving the result really went through float32 arithmetic.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CpuBackend } from "../../src/backend/cpu.js";
import { backendNames, createBackend } from "../../src/backend/index.js";
import {
  AUTO_FLOAT32_MARGIN,
  createGpuJsBackend,
  GpuJsBackend,
  type GpuJsConcreteMode,
  type SelectedBackend,
} from "../../src/backend/gpujs.js";
import { EngineError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { gramScalar, gramTensor } from "../helpers/gram.js";

const REF = new URL("../../../shared/data/tensoap-ref/small/", import.meta.url);
const readJson = (name: string): unknown => JSON.parse(readFileSync(new URL(name, REF), "utf8"));
const readTable = (name: string): number[][] =>
  readFileSync(new URL(name, REF), "utf8")
    .trim()
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.trim().split(/\s+/).map(Number));

/** Real λ=0 power spectra of frame 0 of bench.xyz (16 atoms × 576, unit norm). */
const PS0 = (readJson("PS0_struct0.json") as { PS0: number[][] }).PS0;
/** Real λ=2 features of atoms 0, 1 of frame 0 (2 × 5 × 1008, ‖P Pᵀ‖_F = 1). */
const PS2 = (readJson("PS2_struct0_atoms01.json") as { PS2: number[][][] }).PS2;
const F0 = PS0[0]!.length;
const F2 = PS2[0]![0]!.length;
/** Species of frame 0 in file order (bench.xyz): Ti O Ti O Li O Li O Ti O Ti O Li O Li O. */
const TI = [0, 2, 8, 10];
const LI = [4, 6, 12, 14];

const TOL = 1e-5; // see the header: float32 inputs + float32 accumulation of F ≤ 1008 terms, ζ ≤ 3
const FLOAT32_FLOOR = 1e-10; // float64 arithmetic would give ~1e-15: above this, float32 really was used

function rows(src: number[][], idx: readonly number[]): Float64Array {
  const f = src[0]!.length;
  const out = new Float64Array(idx.length * f);
  idx.forEach((r, i) => {
    out.set(src[r]!, i * f);
  });
  return out;
}

/** New λ=0 environments with the real spectra's statistics: unit-normalised random mixtures of them. */
function mixtures0(rng: Rng, count: number): Float64Array {
  const out = new Float64Array(count * F0);
  for (let i = 0; i < count; i++) {
    let norm = 0;
    const w = PS0.map(() => rng.uniform() ** 3);
    for (let q = 0; q < F0; q++) {
      let v = 0;
      for (let s = 0; s < PS0.length; s++) v += w[s]! * PS0[s]![q]!;
      out[i * F0 + q] = v;
      norm += v * v;
    }
    for (let q = 0; q < F0; q++) out[i * F0 + q]! /= Math.sqrt(norm);
  }
  return out;
}

/** New λ=2 environments: α P_0 + β P_1 (a linear mixture stays equivariant), Frobenius-normalised. */
function mixtures2(rng: Rng, count: number): Float64Array {
  const out = new Float64Array(count * 5 * F2);
  for (let i = 0; i < count; i++) {
    const al = rng.normal();
    const be = rng.normal();
    let norm = 0;
    for (let mu = 0; mu < 5; mu++)
      for (let q = 0; q < F2; q++) {
        const v = al * PS2[0]![mu]![q]! + be * PS2[1]![mu]![q]!;
        out[(i * 5 + mu) * F2 + q] = v;
        norm += v * v;
      }
    for (let k = 0; k < 5 * F2; k++) out[i * 5 * F2 + k]! /= Math.sqrt(norm);
  }
  return out;
}

/** Float64 naive references of the documented layouts (ComputeBackend in src/backend/types.ts). */
function naiveScalar(a: Float64Array, n: number, b: Float64Array, m: number, f: number, zeta: number) {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let q = 0; q < f; q++) s += a[i * f + q]! * b[j * f + q]!;
      out[i * m + j] = s ** zeta;
    }
  return out;
}
function naiveTensor(
  a: Float64Array,
  n: number,
  b: Float64Array,
  m: number,
  c: number,
  f: number,
  k0: Float64Array,
  zeta: number,
) {
  const cols = m * c;
  const out = new Float64Array(n * c * cols);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++)
      for (let mu = 0; mu < c; mu++)
        for (let nu = 0; nu < c; nu++) {
          let s = 0;
          for (let q = 0; q < f; q++) s += a[(i * c + mu) * f + q]! * b[(j * c + nu) * f + q]!;
          out[(i * c + mu) * cols + j * c + nu] = k0[i * m + j]! ** (zeta - 1) * s;
        }
  return out;
}

/** max |got − want| / max |want|. */
function relErr(got: Float64Array, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let mx = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    mx = Math.max(mx, Math.abs(want[i]!));
    const d = Math.abs(got[i]! - want[i]!);
    err = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(err, d);
  }
  return err / mx;
}

function expectFloat32Close(got: Float64Array, want: ArrayLike<number>): void {
  const e = relErr(got, want);
  expect(e).toBeLessThanOrEqual(TOL);
  expect(e).toBeGreaterThan(FLOAT32_FLOOR);
}

const cpu = new CpuBackend({ threads: 1 });

// wasm and cpu run everywhere (CI). Where a GPU mode works (e.g. under xvfb-run with the `gl` addon), add it:
// SOAPGPR_GPUJS_TEST_MODES=headlessgl xvfb-run -a npx vitest run test/backend/gpujs.test.ts
const extraModes = (process.env.SOAPGPR_GPUJS_TEST_MODES ?? "").split(",").filter((m) => m !== "");
const cases = ["wasm", "cpu", ...extraModes].flatMap((mode) =>
  (["vec4", "scalar"] as const).map((kernel) => [mode as GpuJsConcreteMode, kernel] as const),
);
for (const [mode, kernel] of cases) {
  describe(`gpu.js backend, mode ${mode}, ${kernel} kernel`, () => {
    // Tiny tiles (not multiples of c = 5 nor of 4) force many tiles, ragged and padded edges and the mirror.
    let tiny: SelectedBackend;
    let big: SelectedBackend;
    beforeAll(async () => {
      const common = { mode, kernel, probeRows: 24, probeFeatures: 64 };
      tiny = await createGpuJsBackend({ ...common, tileRows: 7, tileCols: 6 });
      big = await createGpuJsBackend(common);
    });
    afterAll(async () => {
      await tiny.disposeAsync();
      await big.disposeAsync();
    });

    it("says it computes in float32 and in which gpu.js mode", () => {
      expect(tiny.precision).toBe("float32");
      expect(tiny.notes).toBe(`kernel assembled in float32 (gpu.js ${mode})`);
      expect(tiny.name).toBe(`gpujs-${mode}`);
      expect(tiny.selection.chosen).toBe(mode);
      expect((tiny as unknown as GpuJsBackend).variant).toBe(kernel);
    });

    it("λ=0, ζ=2 on real TENSOAP spectra reproduces TENSOAP's atomic kernels (Ti and Li of frame 0)", async () => {
      for (const [idx, file] of [
        [TI, "K0_atomic_Ti_first20.txt"],
        [LI, "K0_atomic_Li_first20.txt"],
      ] as const) {
        const p = rows(PS0, idx);
        const want = readTable(file)
          .slice(0, 4)
          .flatMap((r) => r.slice(0, 4));
        // b is a copy: the general (non-symmetric) path; then a === b: the mirrored symmetric path.
        expectFloat32Close(await gramScalar(tiny, p, 4, Float64Array.from(p), 4, F0, 2), want);
        expectFloat32Close(await gramScalar(tiny, p, 4, p, 4, F0, 2), want);
      }
    });

    it("λ=2, ζ=2 on real TENSOAP features reproduces TENSOAP's K2 block of Ti atom 0 with itself", async () => {
      const p2 = Float64Array.from(PS2[0]!.flat());
      const p0 = rows(PS0, [0]);
      const k0 = await gramScalar(cpu, p0, 1, p0, 1, F0, 1);
      const want = (readJson("K2_atomic_Ti_first10.json") as { K2: number[][][][] }).K2[0]![0]!.flat();
      expectFloat32Close(await gramTensor(tiny, p2, 1, p2, 1, 5, F2, k0, 2), want);
    });

    it("λ=0: odd shapes, tile edges, ζ ∈ {1,2,3} agree with float64 (naive loop and CpuBackend)", async () => {
      const rng = new Rng(8);
      const n = 37;
      const m = 23;
      const a = mixtures0(rng, n);
      const b = mixtures0(rng, m);
      for (const zeta of [1, 2, 3]) {
        const want = naiveScalar(a, n, b, m, F0, zeta);
        // The float64 references agree to round-off: the naive loop checks the layout independently.
        expect(relErr(await gramScalar(cpu, a, n, b, m, F0, zeta), want)).toBeLessThan(1e-13);
        expectFloat32Close(await gramScalar(tiny, a, n, b, m, F0, zeta), want);
        expectFloat32Close(await gramScalar(big, a, n, b, m, F0, zeta), want);
        const sym = naiveScalar(a, n, a, n, F0, zeta);
        expectFloat32Close(await gramScalar(tiny, a, n, a, n, F0, zeta), sym);
      }
      // A single environment against many, and a 1×1 result.
      expectFloat32Close(await gramScalar(tiny, a, 1, b, m, F0, 2), naiveScalar(a, 1, b, m, F0, 2));
      expectFloat32Close(await gramScalar(tiny, a, 1, b, 1, F0, 3), naiveScalar(a, 1, b, 1, F0, 3));
    });

    it("λ=2: (k0)^(ζ−1) ⊙ (P Pᵀ) blocks, tiles cutting through 5×5 blocks, ζ ∈ {1,2,3}", async () => {
      const rng = new Rng(9);
      const n = 6;
      const m = 5;
      const a = mixtures2(rng, n);
      const b = mixtures2(rng, m);
      const a0 = mixtures0(rng, n);
      const b0 = mixtures0(rng, m);
      const k0 = naiveScalar(a0, n, b0, m, F0, 1);
      const k0s = naiveScalar(a0, n, a0, n, F0, 1);
      for (const zeta of [1, 2, 3]) {
        const want = naiveTensor(a, n, b, m, 5, F2, k0, zeta);
        expect(relErr(await gramTensor(cpu, a, n, b, m, 5, F2, k0, zeta), want)).toBeLessThan(1e-13);
        expectFloat32Close(await gramTensor(tiny, a, n, b, m, 5, F2, k0, zeta), want);
        expectFloat32Close(await gramTensor(big, a, n, b, m, 5, F2, k0, zeta), want);
        const sym = naiveTensor(a, n, a, n, 5, F2, k0s, zeta);
        expectFloat32Close(await gramTensor(tiny, a, n, a, n, 5, F2, k0s, zeta), sym);
      }
      // ζ = 1 ignores k0 (may be null), as documented in types.ts.
      expectFloat32Close(
        await gramTensor(tiny, a, n, b, m, 5, F2, null, 1),
        naiveTensor(a, n, b, m, 5, F2, k0, 1),
      );
    });

    it("really ran in gpu.js's own mode (no silent fallback to its JS kernel)", () => {
      expect(tiny).toBeInstanceOf(GpuJsBackend);
      expect((tiny as unknown as GpuJsBackend).fallbacks()).toEqual([]);
    });

    it("rejects bad shapes and a missing k0 with EngineError", async () => {
      const a = new Float64Array(10);
      await expect(gramScalar(tiny, a, 3, a, 2, 5, 1)).rejects.toMatchObject({
        code: "ShapeMismatch",
        field: "a",
      });
      await expect(gramTensor(tiny, a, 1, a, 1, 2, 5, null, 2)).rejects.toMatchObject({
        code: "InvalidParameter",
        field: "k0",
      });
      await expect(gramScalar(tiny, a, 0, a, 2, 5, 1)).rejects.toMatchObject({ code: "InvalidParameter" });
    });
  });
}

describe("gpu.js mode selection", () => {
  it("'gpu' either finds a GPU mode or fails with BackendUnavailable naming every mode it tried", async () => {
    const r = await createGpuJsBackend({ mode: "gpu", probeRows: 16, probeFeatures: 32 }).then(
      (b) => b,
      (e: unknown) => e,
    );
    if (r instanceof EngineError) {
      expect(r.code).toBe("BackendUnavailable");
      for (const m of ["headlessgl", "webgl2", "webgl", "webgpu"]) expect(r.message).toContain(`${m}:`);
      expect(r.message).toContain("backend 'cpu' always works");
    } else {
      const b = r as SelectedBackend;
      expect(["headlessgl", "webgl2", "webgl", "webgpu"]).toContain(b.selection.chosen);
      await b.disposeAsync();
    }
  });

  it("'auto' measures the modes that start and keeps the fastest, the CPU backend included", async () => {
    const b = await createGpuJsBackend({ mode: "auto", probeRows: 48, probeFeatures: 128, remeasure: true });
    const timed = b.selection.trials.filter((t) => t.gflops !== undefined);
    // wasm and gpu.js's cpu kernel start everywhere; the float64 CPU backend is always measured.
    expect(timed.map((t) => t.mode)).toEqual(expect.arrayContaining(["wasm", "cpu", "cpu-float64"]));
    // The fastest gpu.js mode wins only if it beats float64 by AUTO_FLOAT32_MARGIN.
    const gpujs = timed.filter((t) => t.mode !== "cpu-float64");
    const fastest = gpujs.reduce((x, y) => (y.gflops! > x.gflops! ? y : x));
    const cpuRate = timed.find((t) => t.mode === "cpu-float64")!.gflops!;
    const expected = fastest.gflops! > AUTO_FLOAT32_MARGIN * cpuRate ? fastest.mode : "cpu-float64";
    expect(b.selection.chosen).toBe(expected);
    expect(b.precision).toBe(expected === "cpu-float64" ? "float64" : "float32");
    const p = rows(PS0, TI);
    const want = naiveScalar(p, 4, p, 4, F0, 2);
    expect(relErr(await gramScalar(b, p, 4, p, 4, F0, 2), want)).toBeLessThanOrEqual(TOL);
    await b.disposeAsync();
  });

  it("is selectable through the backend registry ('auto', 'gpu', 'gpujs')", async () => {
    expect(backendNames()).toEqual(expect.arrayContaining(["cpu", "auto", "gpu", "gpujs"]));
    const b = (await createBackend("auto", { probeRows: 32, probeFeatures: 64 })) as SelectedBackend;
    expect(b.selection.requested).toBe("auto");
    expect(b.precision).toBe(b.selection.chosen === "cpu-float64" ? "float64" : "float32");
    const p = rows(PS0, LI);
    expect(
      relErr(await gramScalar(b, p, 4, p, 4, F0, 1), naiveScalar(p, 4, p, 4, F0, 1)),
    ).toBeLessThanOrEqual(TOL);
    await b.disposeAsync();
    const g = await createBackend("gpu").then(
      (x) => x as SelectedBackend,
      (e: unknown) => e as EngineError,
    );
    if (g instanceof EngineError) expect(g.code).toBe("BackendUnavailable");
    else {
      expect(["headlessgl", "webgl2", "webgl", "webgpu"]).toContain(g.selection.chosen);
      await g.disposeAsync();
    }
  });

  it("unknown modes are rejected", async () => {
    await expect(createGpuJsBackend({ mode: "cuda" as never })).rejects.toMatchObject({
      code: "InvalidParameter",
      field: "mode",
    });
  });
});
