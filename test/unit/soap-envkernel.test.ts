/**
 * The one kernel path (src/soap/envKernel.ts): the ζ fold of a sub-block of cached raw products equals the kernel
 * of those environments computed from scratch — what the search and the benchmarks rely on — and the definition
 * (p⁰·p⁰')^(ζ−1) P P'ᵀ written as plain loops; the λ=0 part of a λ=2 raw set is the λ=0 kernel; sample
 * identities resolve to positions.
 */
import { describe, expect, it } from "vitest";
import { CpuBackend } from "../../src/backend/cpu.js";
import { Rng } from "../../src/core/rng.js";
import {
  type EnvFeatures,
  foldZeta,
  kernelMatrix,
  rawKernels,
  scalarPart,
  subsetFeatures,
} from "../../src/soap/envKernel.js";
import { samplePositions } from "../../src/soap/types.js";
import { randomFeatures } from "../helpers/features.js";

function dot(a: Float64Array, i: number, b: Float64Array, j: number, f: number): number {
  let s = 0;
  for (let p = 0; p < f; p++) s += a[i * f + p]! * b[j * f + p]!;
  return s;
}

describe("one kernel path", () => {
  const be = new CpuBackend({ threads: 1 });
  const rows = [5, 0, 7, 3];
  const cols = [2, 9, 4, 4, 1, 8];
  for (const lambda of [0, 2])
    for (const zeta of [1, 2, 3]) {
      it(`a folded sub-block of cached raw kernels is the kernel of those environments (λ=${lambda}, ζ=${zeta})`, async () => {
        const rng = new Rng(10 * lambda + zeta);
        const x = randomFeatures(rng, 10, lambda, 13, 7);
        const raw = await rawKernels(be, x, x);
        const sub = foldZeta(raw, zeta, rows, cols);
        const a = subsetFeatures(x, rows);
        const b = subsetFeatures(x, cols);
        // the same products and the same fold arithmetic: bitwise equal
        expect(Array.from(sub)).toEqual(Array.from(await kernelMatrix(be, a, b, zeta)));
        const c = x.c;
        const w = cols.length * c;
        for (const [ia, i] of rows.entries())
          for (const [jb, j] of cols.entries()) {
            const k0 = dot(x.values0, i, x.values0, j, x.f0);
            for (let mu = 0; mu < c; mu++)
              for (let nu = 0; nu < c; nu++) {
                const want =
                  lambda === 0
                    ? k0 ** zeta
                    : k0 ** (zeta - 1) * dot(x.values, i * c + mu, x.values, j * c + nu, x.f);
                // 13-term sums in another order, cubed: round-off ≪ 1e-12 of O(10) values
                expect(Math.abs(sub[(ia * c + mu) * w + jb * c + nu]! - want)).toBeLessThan(1e-12);
              }
          }
      });
    }

  it("the λ=0 part of λ=2 raw kernels folds to the λ=0 kernel of the λ=0 features", async () => {
    const rng = new Rng(4);
    const x = randomFeatures(rng, 8, 2, 11, 6);
    const x0: EnvFeatures = { ...x, lambda: 0, c: 1, f: x.f0, values: x.values0 };
    const k = foldZeta(scalarPart(await rawKernels(be, x, x)), 2, rows, [1, 6]);
    expect(Array.from(k)).toEqual(Array.from(foldZeta(await rawKernels(be, x0, x0), 2, rows, [1, 6])));
  });

  it("ζ > 1 needs K0: raw kernels built without it are refused", async () => {
    const x = randomFeatures(new Rng(5), 4, 2, 5, 3);
    const raw = await rawKernels(be, x, x, false);
    expect(raw.k0).toBeNull();
    expect(foldZeta(raw, 1, [0], [1]).length).toBe(25);
    expect(() => foldZeta(raw, 2, [0], [1])).toThrow(/needs K0/);
  });

  it("samplePositions finds (structure, atom) pairs and names a missing one", () => {
    const have = Int32Array.from([0, 1, 0, 4, 2, 0, 1_000_000, 3]);
    expect(Array.from(samplePositions(have, Int32Array.from([2, 0, 1_000_000, 3, 0, 1])))).toEqual([2, 3, 0]);
    expect(() => samplePositions(have, Int32Array.from([0, 2]))).toThrow(
      /no features for structure 0, atom 2/,
    );
    expect(() => samplePositions(have, Int32Array.from([3, 0]), "prediction")).toThrow(
      /no prediction for structure 3, atom 0/,
    );
  });
});
