import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { GemmPool, sharedFloat64 } from "../../src/math/_workerPool.js";
import { gemm, gemmAB, gemmABt, gemmKernel, gemmNaive } from "../../src/math/gemm.js";
import { simdGemmAvailable, simdGram } from "../../src/math/simdGemm.js";

function rand(rng: Rng, n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  return x;
}

function maxAbsDiff(x: Float64Array, y: Float64Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i]! - y[i]!));
  return e;
}

describe("gemmKernel vs naive triple loop", () => {
  // Odd shapes cross every edge case of the 4x4 micro-kernel and of the MC=96 / KC=256 blocks.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 4, 4],
    [97, 13, 259],
    [130, 101, 300],
    [5, 203, 2],
  ];
  const rng = new Rng(42);
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`m=${m} n=${n} k=${k} transA=${transA} transB=${transB}, strided, alpha/beta`, () => {
          // Padded leading dimensions and offsets exercise the stride arithmetic.
          const lda = (transA ? m : k) + 3;
          const ldb = (transB ? k : n) + 2;
          const ldc = n + 5;
          const aRows = transA ? k : m;
          const bRows = transB ? n : k;
          const a = rand(rng, 7 + aRows * lda);
          const b = rand(rng, 11 + bRows * ldb);
          const c0 = rand(rng, 2 + m * ldc);
          const c1 = c0.slice();
          const c2 = c0.slice();
          gemmKernel(transA, transB, m, n, k, 0.7, a, 7, lda, b, 11, ldb, -1.3, c1, 2, ldc);
          gemmNaive(transA, transB, m, n, k, 0.7, a, 7, lda, b, 11, ldb, -1.3, c2, 2, ldc);
          // Both sum k products of O(1) normals in different orders: round-off ~ k·eps·O(√k).
          expect(maxAbsDiff(c1, c2)).toBeLessThan(1e-12 * k + 1e-13);
        });
      }
    }
  }

  it("beta = 0 ignores NaN already in C; convenience wrappers agree", () => {
    const a = rand(rng, 9 * 6);
    const b = rand(rng, 11 * 6);
    const c = new Float64Array(9 * 11).fill(Number.NaN);
    gemm(9, 11, 6, a, b, c, { transB: true });
    const ref = new Float64Array(9 * 11);
    gemmNaive(false, true, 9, 11, 6, 1, a, 0, 6, b, 0, 6, 0, ref, 0, 11);
    expect(maxAbsDiff(c, ref)).toBeLessThan(1e-13); // k=6 products: round-off only
    expect(maxAbsDiff(gemmABt(a, 9, b, 11, 6), ref)).toBeLessThan(1e-13);
    // A (9x6) · B' where B' = Bᵀ stored 6x11
    const bt = new Float64Array(6 * 11);
    for (let j = 0; j < 11; j++) for (let p = 0; p < 6; p++) bt[p * 11 + j] = b[j * 6 + p]!;
    expect(maxAbsDiff(gemmAB(a, 9, bt, 6, 11), ref)).toBeLessThan(1e-13);
  });
});

describe("GemmPool (2 worker threads)", () => {
  it("matches the single-thread kernel exactly, for shared and non-shared operands", async () => {
    const rng = new Rng(7);
    const m = 203;
    const n = 77;
    const k = 61;
    const a = rand(rng, m * k);
    const b = rand(rng, n * k);
    const ref = new Float64Array(m * n);
    gemmKernel(false, true, m, n, k, 1, a, 0, k, b, 0, k, 0, ref, 0, n);
    const pool = new GemmPool(2);
    try {
      const c = new Float64Array(m * n);
      await pool.gemm(false, true, m, n, k, 1, a, 0, k, b, 0, k, 0, c, 0, n);
      // Each row of C is computed by the same kernel with the same blocking over k: bitwise equal.
      expect(maxAbsDiff(c, ref)).toBe(0);
      const cs = sharedFloat64(m * n);
      await pool.gemm(
        false,
        true,
        m,
        n,
        k,
        1,
        sharedFloat64(m * k, a),
        0,
        k,
        sharedFloat64(n * k, b),
        0,
        k,
        0,
        cs,
        0,
        n,
      );
      expect(maxAbsDiff(cs, ref)).toBe(0);
      // Aᵀ·B with A stored k×m (the K_MNᵀK_NM product of sparse GPR): row split uses column offsets of A
      const at = rand(rng, k * m);
      const bb = rand(rng, k * n);
      const ref2 = new Float64Array(m * n);
      gemmKernel(true, false, m, n, k, 0.5, at, 0, m, bb, 0, n, 0, ref2, 0, n);
      const c2 = new Float64Array(m * n);
      await pool.gemm(true, false, m, n, k, 0.5, at, 0, m, bb, 0, n, 0, c2, 0, n);
      expect(maxAbsDiff(c2, ref2)).toBe(0);
    } finally {
      pool.dispose();
    }
  });
});

describe("simdGram (WebAssembly SIMD A·Bᵀ) vs naive triple loop", () => {
  const rng = new Rng(11);
  it("WebAssembly SIMD is available in Node 20", () => {
    expect(simdGemmAvailable()).toBe(true);
  });
  // Row counts not multiples of the 4×2 tile, odd feature lengths (row padding), f > 512 (k slices), f = 1
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 2, 16],
    [37, 19, 1],
    [97, 13, 259],
    [21, 130, 1031],
  ];
  for (const [m, n, k] of shapes)
    for (const threads of [1, 3]) {
      it(`m=${m} n=${n} k=${k}, offsets, threads=${threads}`, async () => {
        const a = rand(rng, 5 + m * k);
        const b = rand(rng, 3 + n * k);
        // parallelFma 0: split whenever there are ≥ 8 rows per thread
        const c = await simdGram(a, 5, m, b, 3, n, k, false, threads, 0);
        expect(c).not.toBeNull();
        const ref = new Float64Array(m * n);
        gemmNaive(false, true, m, n, k, 1, a, 5, k, b, 3, k, 0, ref, 0, n);
        // k products of O(1) normals summed in another order: round-off ~ k·eps·O(√k)
        expect(maxAbsDiff(c!, ref)).toBeLessThan(1e-12 * k + 1e-13);
      });
    }
  for (const [m, k] of [
    [1, 3],
    [45, 77],
    [131, 1100],
  ] as const)
    for (const threads of [1, 2]) {
      it(`symmetric A·Aᵀ (m=${m}, k=${k}, threads=${threads}): exact mirror, equals the naive loop`, async () => {
        const a = rand(rng, 2 + m * k);
        const c = (await simdGram(a, 2, m, a, 2, m, k, true, threads, 0))!;
        const ref = new Float64Array(m * m);
        gemmNaive(false, true, m, m, k, 1, a, 2, k, a, 2, k, 0, ref, 0, m);
        // as above
        expect(maxAbsDiff(c, ref)).toBeLessThan(1e-12 * k + 1e-13);
        for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) expect(c[i * m + j]).toBe(c[j * m + i]);
      });
    }
  it("returns null for f = 0 and rejects symmetric with rows ≠ cols", async () => {
    const a = rand(rng, 12);
    expect(await simdGram(a, 0, 3, a, 0, 3, 0, false)).toBeNull();
    await expect(simdGram(a, 0, 3, a, 0, 2, 4, true)).rejects.toThrow(/symmetric/);
  });
});
