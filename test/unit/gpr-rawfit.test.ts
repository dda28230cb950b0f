/**
 * Fold work without copies (src/gpr/rawFit.ts): each cross-validation fold folds its training block from the cached
 * raw kernels straight into one reusable workspace buffer and factorises it there, and folds the cross kernel in
 * chunks. Reference: the straightforward path of the same GPR (foldZeta of the whole sub-blocks, fitFullGpr on a
 * copy, predictMean on the whole cross kernel) — the same operations in the same order, so the predictions are
 * compared bitwise. Random features: the identity does not depend on the data.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { FoldWorkspace, fitPredictRaw, PREDICT_CHUNK } from "../../src/gpr/rawFit.js";
import { centreColumns, fitFullGpr, predictMean } from "../../src/gpr/regression.js";
import { sharedGemmPool } from "../../src/math/_workerPool.js";
import { cholesky, choleskyInPlaceWithJitter, choleskyWithJitter } from "../../src/math/linalg.js";
import { foldZeta, type RawKernels, rawKernels, withBackend } from "../../src/soap/envKernel.js";
import { randomFeatures } from "../helpers/features.js";
import { relMaxDiff } from "../helpers/compare.js";

/** The reference: whole sub-blocks folded into new arrays, fitFullGpr (copies K), predictMean. */
async function reference(
  raw: RawKernels,
  zeta: number,
  reg: number,
  tr: number[],
  te: number[],
  y: Float64Array,
  r: number,
): Promise<Float64Array> {
  const c = raw.lambda === 0 ? 1 : raw.c;
  const n = tr.length * c;
  const k = foldZeta(raw, zeta, tr, tr);
  const ks = foldZeta(raw, zeta, te, tr);
  const pool = sharedGemmPool();
  if (raw.lambda === 0) {
    const { centred, means } = centreColumns(y, tr.length, r);
    const st = await fitFullGpr(k, n, centred, reg, { pool, rhs: r });
    const pred = predictMean(ks, te.length, n, st.alpha, r);
    for (let i = 0; i < te.length; i++) for (let q = 0; q < r; q++) pred[i * r + q]! += means[q]!;
    return pred;
  }
  return predictMean(ks, te.length * c, n, (await fitFullGpr(k, n, y, reg, { pool })).alpha);
}

describe("fitPredictRaw folds into one reusable buffer", () => {
  const rng = new Rng(7);
  const n = 260;
  // two folds of different sizes; more test environments than PREDICT_CHUNK, so the cross kernel is chunked
  const folds = [
    { tr: [...Array(150).keys()], te: [...Array(110).keys()].map((i) => 150 + i) },
    { tr: [...Array(160).keys()].map((i) => 100 + i), te: [...Array(100).keys()] },
  ];
  expect(folds[0]!.te.length).toBeGreaterThan(PREDICT_CHUNK);

  for (const [lambda, zeta, r] of [
    [2, 2, 5],
    [2, 3, 5],
    [0, 2, 2],
  ] as const) {
    it(`λ=${lambda} ζ=${zeta}: bitwise equal to the copying path; the workspace holds the last fold's factor`, async () => {
      const feats = randomFeatures(rng, n, lambda, 12, 9);
      const raw = await withBackend(undefined, (be) => rawKernels(be, feats, feats));
      const c = lambda === 0 ? 1 : 2 * lambda + 1;
      const yAll = Float64Array.from({ length: n * r }, () => rng.normal());
      const ws = new FoldWorkspace();
      const reg = 1e-3;
      for (const { tr, te } of folds) {
        const y = new Float64Array(tr.length * r);
        tr.forEach((e, k) => {
          y.set(yAll.subarray(e * r, (e + 1) * r), k * r);
        });
        const args = { zeta, reg, kTrain: raw, trainRows: tr, kCross: raw, testRows: te, y, r };
        const ours = await fitPredictRaw({ ...args, workspace: ws });
        expect(Array.from(ours)).toEqual(Array.from(await reference(raw, zeta, reg, tr, te, y, r)));
        // the factor L of K + reg·I lives in the workspace: its lower triangle equals a fresh factorisation
        const m = tr.length * c;
        const k = foldZeta(raw, zeta, tr, tr);
        for (let i = 0; i < m; i++) k[i * m + i]! += reg;
        const l = cholesky(k, m);
        // the SIMD blocked Cholesky (src/math/simdLinalg.ts) sums in another order than this scalar reference:
        // equal to round-off (1e-12 of the largest entry), not bitwise
        expect(relMaxDiff(ws.get(m * m).subarray(0, m * m), l)).toBeLessThanOrEqual(1e-12);
      }
      // one buffer, sized for the largest training block (the second fold): no other n×n is kept
      expect(ws.bytes).toBe(8 * (160 * c) ** 2);
    });
  }
});

describe("choleskyInPlaceWithJitter", () => {
  it("refills the spoilt buffer before each jitter retry and equals choleskyWithJitter", async () => {
    // rank-1 PSD matrix v vᵀ (n = 40): not positive definite, factorises only with jitter
    const n = 40;
    const v = Float64Array.from({ length: n }, (_, i) => 1 + i / n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = v[i]! * v[j]!;
    const ref = await choleskyWithJitter(a, n);
    expect(ref.jitter).toBeGreaterThan(0);
    let refills = 0;
    const work = a.slice();
    const got = await choleskyInPlaceWithJitter(work, n, (buf) => {
      refills++;
      buf.set(a);
    });
    expect(got.jitter).toBe(ref.jitter);
    expect(got.l.buffer).toBe(work.buffer); // factorised in place
    expect(Array.from(got.l)).toEqual(Array.from(ref.l));
    expect(refills).toBeGreaterThan(0);
  });
});
