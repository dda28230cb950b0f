import { describe, expect, it } from "vitest";
import { CpuBackend } from "../../src/backend/cpu.js";
import { backendNames, createBackend } from "../../src/backend/index.js";
import { Rng } from "../../src/core/rng.js";

function rand(rng: Rng, n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  return x;
}

describe("CpuBackend", () => {
  const rng = new Rng(3);

  for (const threads of [1, 2]) {
    it(`gramScalar = (a_i·b_j)^zeta by direct sums (threads=${threads})`, async () => {
      const be = new CpuBackend({ threads, parallelThreshold: 0 });
      const n = 67;
      const m = 45;
      const f = 33;
      const a = rand(rng, n * f);
      const b = rand(rng, m * f);
      for (const zeta of [1, 2, 3]) {
        const k = await be.gramScalar(a, n, b, m, f, zeta);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            let s = 0;
            for (let p = 0; p < f; p++) s += a[i * f + p]! * b[j * f + p]!;
            // dot of 33 normals is O(6); relative round-off of the cube ~ 1e-14
            expect(k[i * m + j]).toBeCloseTo(s ** zeta, 9);
          }
        }
      }
      be.dispose();
    });

    it(`gramTensor layout and k0^(zeta-1) weighting (threads=${threads})`, async () => {
      const be = new CpuBackend({ threads, parallelThreshold: 0 });
      const n = 9;
      const m = 14;
      const c = 5;
      const f = 21;
      const a = rand(rng, n * c * f);
      const b = rand(rng, m * c * f);
      const k0 = rand(rng, n * m);
      const zeta = 3;
      const out = await be.gramTensor(a, n, b, m, c, f, k0, zeta);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++)
          for (let mu = 0; mu < c; mu++)
            for (let nu = 0; nu < c; nu++) {
              let s = 0;
              for (let p = 0; p < f; p++) s += a[(i * c + mu) * f + p]! * b[(j * c + nu) * f + p]!;
              const expected = k0[i * m + j]! ** (zeta - 1) * s;
              // O(10) values from 21-term sums: absolute round-off well below 1e-10
              expect(Math.abs(out[(i * c + mu) * (m * c) + j * c + nu]! - expected)).toBeLessThan(1e-10);
            }
      await expect(be.gramTensor(a, n, b, m, c, f, null, 2)).rejects.toThrow(/k0 is required/);
      be.dispose();
    });
  }

  it("registry: cpu by name, unknown names rejected with the list of names", async () => {
    const be = await createBackend("cpu");
    expect(be.name).toBe("cpu");
    expect(be.precision).toBe("float64");
    expect(backendNames()).toContain("cpu");
    await expect(createBackend("nope")).rejects.toThrow(/unknown backend 'nope' \(available: cpu/);
  });
});
