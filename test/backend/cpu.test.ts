import { afterEach, describe, expect, it } from "vitest";
import { CpuBackend } from "../../src/backend/cpu.js";
import { type BackendName, backendNames, createBackend } from "../../src/backend/index.js";
import { Rng } from "../../src/core/rng.js";
import { simdGemmAvailable } from "../../src/math/simdGemm.js";
import { gramScalar, gramTensor } from "../helpers/gram.js";

function rand(rng: Rng, n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  return x;
}

/** Naive reference: (a_i · b_j) by a direct loop over the f features. */
function dot(a: Float64Array, i: number, b: Float64Array, j: number, f: number): number {
  let s = 0;
  for (let p = 0; p < f; p++) s += a[i * f + p]! * b[j * f + p]!;
  return s;
}

describe("CpuBackend", () => {
  const rng = new Rng(3);

  it("uses the WebAssembly SIMD kernel by default (Node 20 has WebAssembly SIMD)", () => {
    expect(simdGemmAvailable()).toBe(true);
    const be = new CpuBackend();
    expect(be.simd).toBe(true);
    expect(new CpuBackend({ simd: false }).simd).toBe(false);
  });

  for (const simd of [true, false])
    for (const threads of [1, 2]) {
      const tag = `threads=${threads}, ${simd ? "SIMD" : "scalar GEMM"}`;
      it(`gramScalar = (a_i·b_j)^zeta by direct sums, zeta 1, 2, 3 (${tag})`, async () => {
        const be = new CpuBackend({ threads, parallelThreshold: 0, simd, simdMinFma: 0 });
        // 67 / 45 rows: not multiples of the tiles (4×2 SIMD, 4×4 scalar); f = 33 odd (SIMD pads rows)
        const n = 67;
        const m = 45;
        const f = 33;
        const a = rand(rng, n * f);
        const b = rand(rng, m * f);
        for (const zeta of [1, 2, 3]) {
          const k = await gramScalar(be, a, n, b, m, f, zeta);
          expect(k.length).toBe(n * m);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < m; j++) {
              // dot of 33 normals is O(6); relative round-off of the cube ~ 1e-14
              expect(k[i * m + j]).toBeCloseTo(dot(a, i, b, j, f) ** zeta, 9);
            }
          }
        }
        be.dispose();
      });

      it(`gramScalar of a set with itself: exactly symmetric, equal to direct sums (${tag})`, async () => {
        const be = new CpuBackend({ threads, parallelThreshold: 0, simd, simdMinFma: 0 });
        const n = 53;
        const f = 1031; // > 2 slices of the SIMD k blocking (512), odd
        const a = rand(rng, n * f);
        for (const zeta of [1, 2, 3]) {
          const k = await gramScalar(be, a, n, a, n, f, zeta);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) {
              const want = dot(a, i, a, j, f) ** zeta;
              // |a_i·a_j| ≲ 1e3 (diagonal ~ f); 1031-term sums in another order, cubed: relative ≪ 1e-12
              expect(Math.abs(k[i * n + j]! - want)).toBeLessThan(1e-12 * Math.max(1, Math.abs(want)));
            }
          // the SIMD path multiplies the upper triangle and mirrors it: exact symmetry
          if (simd)
            for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(k[i * n + j]).toBe(k[j * n + i]);
        }
        be.dispose();
      });

      it(`gramTensor layout and k0^(zeta-1) weighting, zeta 1, 2, 3 (${tag})`, async () => {
        const be = new CpuBackend({ threads, parallelThreshold: 0, simd, simdMinFma: 0 });
        const n = 9;
        const m = 14;
        const c = 5;
        const f = 21;
        const a = rand(rng, n * c * f);
        const b = rand(rng, m * c * f);
        const k0 = rand(rng, n * m);
        for (const zeta of [1, 2, 3]) {
          const out = await gramTensor(be, a, n, b, m, c, f, zeta === 1 ? null : k0, zeta);
          expect(out.length).toBe(n * c * m * c);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < m; j++)
              for (let mu = 0; mu < c; mu++)
                for (let nu = 0; nu < c; nu++) {
                  const s = dot(a, i * c + mu, b, j * c + nu, f);
                  const expected = k0[i * m + j]! ** (zeta - 1) * s;
                  // O(10) values from 21-term sums: absolute round-off well below 1e-10
                  expect(Math.abs(out[(i * c + mu) * (m * c) + j * c + nu]! - expected)).toBeLessThan(1e-10);
                }
        }
        await expect(gramTensor(be, a, n, b, m, c, f, null, 2)).rejects.toThrow(/without K0/);
        be.dispose();
      });
    }

  describe("SOAPGPR_NO_SIMD=1", () => {
    const saved = process.env.SOAPGPR_NO_SIMD;
    afterEach(() => {
      if (saved === undefined) delete process.env.SOAPGPR_NO_SIMD;
      else process.env.SOAPGPR_NO_SIMD = saved;
    });
    it("falls back to the scalar GEMM with the same results", async () => {
      const n = 40;
      const f = 17;
      const a = rand(rng, n * f);
      const withSimd = await gramScalar(new CpuBackend({ threads: 1, simdMinFma: 0 }), a, n, a, n, f, 1);
      process.env.SOAPGPR_NO_SIMD = "1";
      expect(simdGemmAvailable()).toBe(false);
      const be = new CpuBackend({ threads: 1 });
      expect(be.simd).toBe(false);
      const scalar = await gramScalar(be, a, n, a, n, f, 1);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          // 17-term sums of normals, different order: round-off ~1e-15
          expect(Math.abs(scalar[i * n + j]! - dot(a, i, a, j, f))).toBeLessThan(1e-12);
          expect(Math.abs(scalar[i * n + j]! - withSimd[i * n + j]!)).toBeLessThan(1e-12);
        }
    });
  });

  it("registry: cpu by name, unknown names rejected with the list of names", async () => {
    const be = await createBackend("cpu");
    expect(be.name).toBe("cpu");
    expect(be.precision).toBe("float64");
    expect(backendNames()).toContain("cpu");
    // an unchecked name, as from untyped JavaScript or JSON
    await expect(createBackend("nope" as BackendName)).rejects.toThrow(
      /unknown backend 'nope' \(available: cpu/,
    );
  });
});
