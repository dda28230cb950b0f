/**
 * The fast paths of λ-SOAP against their definitions:
 * - LambdaCoupling.couple (register-tiled, every output written once) against the coupled features written out
 *   from the real CG table entry by entry, in the documented symmetric-half layout, for channel counts that
 *   exercise every loop tail (K = 8, 15, 24 — multiples of 4 or not, odd) and both parities;
 * - the WebAssembly SIMD Gram product behind atomicKernel (default backend) against the scalar JavaScript GEMM
 *   of a 2-thread CpuBackend built with simd: false (a separate implementation), with row counts and feature lengths that are not
 *   multiples of the SIMD tile (4 × 2) or of its k slice (512), symmetric and rectangular, λ=0 and λ=2.
 */
import { describe, expect, it } from "vitest";
import { CpuBackend } from "../../src/backend/cpu.js";
import { Rng } from "../../src/core/rng.js";
import { realCgTable } from "../../src/math/clebsch.js";
import { atomicKernel } from "../../src/soap/kernels.js";
import { LambdaCoupling } from "../../src/soap/lambdaSoap.js";
import type { FeatureBlock, FeatureBlocks } from "../../src/soap/types.js";

/** Coupled features of one centre by the definition, in the layout documented on LambdaCoupling. */
function coupledByDefinition(
  X: Float64Array,
  lmax: number,
  K: number,
  lambda: number,
  sigma: 1 | -1,
): number[] {
  const nc = 2 * lambda + 1;
  const rows: number[][] = Array.from({ length: nc }, () => []);
  for (let l1 = 0; l1 <= lmax; l1++)
    for (let l2 = l1; l2 <= lmax; l2++) {
      if (lambda < l2 - l1 || lambda > l1 + l2) continue;
      if (((l1 + l2 + lambda) % 2 === 0) !== (sigma === 1)) continue;
      const t = realCgTable(l1, l2, lambda);
      for (let mu = 0; mu < nc; mu++)
        for (let A = 0; A < K; A++)
          for (let B = l1 === l2 ? A + (sigma === 1 ? 0 : 1) : 0; B < K; B++) {
            let v = 0;
            for (let e = 0; e < t.nnz; e++) {
              if (t.mu[e] !== mu) continue;
              v += t.value[e]! * X[(l1 * l1 + t.m1[e]!) * K + A]! * X[(l2 * l2 + t.m2[e]!) * K + B]!;
            }
            // symmetric-half storage: off-diagonal pairs carry √2, the A = B diagonal of l1 = l2 carries 1
            rows[mu]!.push(l1 === l2 && A === B ? v : Math.SQRT2 * v);
          }
    }
  return rows.flat();
}

describe("λ-SOAP coupling fast path", () => {
  const rng = new Rng(2024);
  for (const K of [8, 15, 24])
    for (const [lambda, sigma] of [
      [2, 1],
      [2, -1],
      [1, -1],
      [3, 1],
    ] as const) {
      it(`couple() equals the definition element by element (K=${K}, λ=${lambda}, σ=${sigma})`, () => {
        const lmax = 4;
        const cp = new LambdaCoupling(lambda, lmax, K, sigma);
        const X = Float64Array.from({ length: (lmax + 1) ** 2 * K }, () => rng.normal());
        const want = coupledByDefinition(X, lmax, K, lambda, sigma);
        expect(want.length).toBe((2 * lambda + 1) * cp.nProperties);
        // stale values in the output must be overwritten (couple writes every entry)
        const got = new Float64Array(2 + want.length).fill(Number.NaN);
        const scale = 0.37;
        cp.couple(X, 0, got, 2, scale);
        for (let k = 0; k < want.length; k++) {
          // O(10) products of O(1) numbers summed in a different order: round-off ~1e-15
          expect(Math.abs(got[2 + k]! - scale * want[k]!)).toBeLessThan(1e-13);
        }
      });
    }
});

function randomBlock(rng: Rng, z: number, lambda: number, n: number, f: number): FeatureBlock {
  const nc = 2 * lambda + 1;
  return {
    centerSpecies: z,
    lambda,
    sigma: 1,
    nSamples: n,
    nComponents: nc,
    nProperties: f,
    values: Float64Array.from({ length: n * nc * f }, () => rng.uniform() - 0.3),
    samples: Int32Array.from({ length: 2 * n }, (_, k) => k >> 1),
  };
}

describe("SIMD Gram product", () => {
  const rng = new Rng(7);
  // 7 and 5 samples: 35 / 25 rows (not multiples of 4 or 2); 1031 / 1201 features: odd, > 2 slices of 512
  const a: FeatureBlocks = new Map([
    ["8:0", randomBlock(rng, 8, 0, 7, 1201)],
    ["8:2", randomBlock(rng, 8, 2, 7, 1031)],
  ]);
  const b: FeatureBlocks = new Map([
    ["8:0", randomBlock(rng, 8, 0, 5, 1201)],
    ["8:2", randomBlock(rng, 8, 2, 5, 1031)],
  ]);
  const scalar = new CpuBackend({ threads: 2, parallelThreshold: 0, simd: false });

  for (const [lambda, zeta] of [
    [0, 3],
    [2, 2],
    [2, 1],
    [2, 3],
  ] as const) {
    for (const [name, x, y] of [
      ["symmetric", a, a],
      ["rectangular", a, b],
    ] as const) {
      it(`equals the scalar GEMM path (${name}, λ=${lambda}, ζ=${zeta})`, async () => {
        const fast = await atomicKernel(x, y, 8, { lambda, zeta });
        const ref = await atomicKernel(x, y, 8, { lambda, zeta, backend: scalar, chunk: 3 });
        expect(fast.values.length).toBe(ref.values.length);
        let maxRef = 0;
        for (const v of ref.values) maxRef = Math.max(maxRef, Math.abs(v));
        expect(maxRef).toBeGreaterThan(1);
        for (let k = 0; k < ref.values.length; k++) {
          // sums of ~1000 products in a different order, raised to ζ ≤ 3: relative round-off ≪ 1e-12
          expect(Math.abs(fast.values[k]! - ref.values[k]!)).toBeLessThan(1e-12 * maxRef);
        }
      });
    }
  }

  it("a SIMD CpuBackend passed explicitly (every product size on SIMD) equals the scalar path", async () => {
    const simdBe = new CpuBackend({ threads: 2, parallelThreshold: 0, simdMinFma: 0 });
    try {
      for (const [x, y] of [
        [a, a],
        [a, b],
      ] as const) {
        const fast = await atomicKernel(x, y, 8, { lambda: 2, zeta: 3, backend: simdBe });
        const ref = await atomicKernel(x, y, 8, { lambda: 2, zeta: 3, backend: scalar });
        let maxRef = 0;
        for (const v of ref.values) maxRef = Math.max(maxRef, Math.abs(v));
        for (let k = 0; k < ref.values.length; k++) {
          // as above: different summation order only
          expect(Math.abs(fast.values[k]! - ref.values[k]!)).toBeLessThan(1e-12 * maxRef);
        }
      }
    } finally {
      simdBe.dispose();
    }
  });

  it("splits large products over two threads with the same result (symmetric and rectangular)", async () => {
    // 64 samples × 5 components × 1031 features: 1e8 multiply-adds, above the two-thread threshold
    const big: FeatureBlocks = new Map([
      ["8:0", randomBlock(rng, 8, 0, 64, 301)],
      ["8:2", randomBlock(rng, 8, 2, 64, 1031)],
    ]);
    const two = new CpuBackend({ threads: 2 });
    const one = new CpuBackend({ threads: 1, simd: false });
    try {
      const rect: FeatureBlocks = new Map([
        ["8:0", randomBlock(rng, 8, 0, 50, 301)],
        ["8:2", randomBlock(rng, 8, 2, 50, 1031)],
      ]);
      for (const y of [big, rect]) {
        const fast = await atomicKernel(big, y, 8, { lambda: 2, zeta: 2, backend: two });
        const ref = await atomicKernel(big, y, 8, { lambda: 2, zeta: 2, backend: one });
        let maxRef = 0;
        for (const v of ref.values) maxRef = Math.max(maxRef, Math.abs(v));
        for (let k = 0; k < ref.values.length; k++) {
          // as above: different summation order only
          expect(Math.abs(fast.values[k]! - ref.values[k]!)).toBeLessThan(1e-12 * maxRef);
        }
      }
    } finally {
      two.dispose();
      one.dispose();
    }
  });
});
