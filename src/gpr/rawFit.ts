/**
 * Full GPR on cached raw kernels (src/soap/envKernel.ts), for the hyperparameter search and the benchmarks: the
 * raw products K0 = p·p' and KL = P P'ᵀ of all environments are computed once per feature set, and every ζ,
 * regularisation, training subset and target is then a ζ fold of sub-blocks (foldZeta) plus the same solve as
 * GprModel (fitFullGprInPlace / predictMean / centreColumns of src/gpr/regression.ts, several right-hand sides at
 * once): λ=0 targets centred on their training means, λ>0 not shifted, (K + reg·I) α = y by Cholesky with jitter
 * escalation. test/unit/benchmark-engine.test.ts checks that the predictions equal GprModel's.
 *
 * Memory: the training block is folded straight into one reusable n×n buffer (a FoldWorkspace, in shared memory)
 * and factorised there — the only n×n matrix a fold allocates besides the cached raw kernels; the cross kernel is
 * folded PREDICT_CHUNK test environments at a time into a small buffer.
 */
import { EngineError } from "../core/errors.js";
import { sharedFloat64, sharedGemmPool } from "../math/_workerPool.js";
import { foldZeta, type RawKernels } from "../soap/envKernel.js";
import type { NoiseMode } from "./params.js";
import {
  centreColumns,
  fitFullGprInPlace,
  fullGprCovariance,
  marginalLikelihoodSubset,
  maximiseMarginalLikelihood,
  predictMean,
} from "./regression.js";

/** Test environments whose cross-kernel rows are folded at once (a multiple of 4: GEMM row tiles line up). */
export const PREDICT_CHUNK = 96;

/** One reusable factorisation buffer (shared memory), grown on demand: one per thread of fold work. */
export class FoldWorkspace {
  private buf: Float64Array | null = null;

  /** A buffer of at least `length` values (contents undefined). */
  get(length: number): Float64Array {
    if (!this.buf || this.buf.length < length) {
      this.buf = null; // let the old one go before the new one is made
      this.buf = sharedFloat64(length);
    }
    return this.buf;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.buf ? this.buf.byteLength : 0;
  }
}

/**
 * Fit and predict on raw kernels: environments `trainRows` → `testRows` (indices into the raw kernels' rows and
 * columns; `kTrain` must hold train×train and `kCross` test×train). Targets y per training environment: r scalars
 * for λ=0 (r right-hand sides), the c = 2λ+1 components for λ>0. Returns the predictions (test × r, or test × c).
 * The factorisation uses `workspace` (default: a buffer for this call only).
 */
export async function fitPredictRaw(args: {
  zeta: number;
  reg: number;
  kTrain: RawKernels;
  trainRows: ArrayLike<number>;
  kCross: RawKernels;
  testRows: ArrayLike<number>;
  /** Targets of the training environments: (trainRows.length × r) for λ=0, (trainRows.length × c) for λ>0. */
  y: Float64Array;
  r: number;
  context?: string;
  workspace?: FoldWorkspace;
}): Promise<Float64Array> {
  const { zeta, reg, trainRows, r } = args;
  const { lambda, c } = args.kTrain;
  const n = trainRows.length;
  if (lambda !== 0 && r !== 1 && r !== c)
    throw new EngineError("Internal", `λ=${lambda} targets are ${c} components per environment`);
  const rows = lambda === 0 ? n : n * c;
  const work = (args.workspace ?? new FoldWorkspace()).get(rows * rows);
  const fill = (buf: Float64Array) => foldZeta(args.kTrain, zeta, trainRows, trainRows, buf);
  const options = { pool: sharedGemmPool(), ...(args.context ? { context: args.context } : {}) };
  if (lambda === 0) {
    const { centred, means } = centreColumns(args.y, n, r);
    const st = await fitFullGprInPlace(work, fill, n, centred, reg, { ...options, rhs: r });
    const pred = predictChunked(args.kCross, zeta, args.testRows, trainRows, st.alpha, r);
    for (let i = 0; i < pred.length / r; i++) for (let q = 0; q < r; q++) pred[i * r + q]! += means[q]!;
    return pred;
  }
  const st = await fitFullGprInPlace(work, fill, n * c, args.y, reg, options);
  return predictChunked(args.kCross, zeta, args.testRows, trainRows, st.alpha, 1);
}

/** K*·α with K* folded from `raw` PREDICT_CHUNK test environments at a time (same GEMM as predictMean). */
function predictChunked(
  raw: RawKernels,
  zeta: number,
  testRows: ArrayLike<number>,
  trainRows: ArrayLike<number>,
  alpha: Float64Array,
  r: number,
): Float64Array {
  const c = raw.lambda === 0 ? 1 : raw.c;
  const t = testRows.length;
  const cols = trainRows.length * c;
  const out = new Float64Array(t * c * r);
  const chunk = new Float64Array(Math.min(PREDICT_CHUNK, t) * c * cols);
  for (let i0 = 0; i0 < t; i0 += PREDICT_CHUNK) {
    const i1 = Math.min(t, i0 + PREDICT_CHUNK);
    const idx = Array.prototype.slice.call(testRows, i0, i1) as number[];
    const ks = foldZeta(raw, zeta, idx, trainRows, chunk);
    out.set(predictMean(ks, (i1 - i0) * c, cols, alpha, r), i0 * c * r);
  }
  return out;
}

/** Predictions with their variances (fitPredictRawWithVariance). */
export interface RawPrediction {
  /** test × c predictive means. */
  readonly mean: Float64Array;
  /** test × c predictive variances of an observation (latent + noise), as GprModel's. */
  readonly variance: Float64Array;
  /** test × c × c predictive covariance blocks of an observation. */
  readonly covariance: Float64Array;
  /** The reg of the solve: the maximum-likelihood ratio σ̂n²/ŝ² with noise "ml", else the given one. */
  readonly reg: number;
}

/**
 * fitPredictRaw of a λ>0 target (c components per environment, one right-hand side) with predictive variances and
 * GprModel's noise setting: with noise "ml" the reg maximises the marginal likelihood (from `reg`, on the kernel rows
 * of marginalLikelihoodSubset, seed 0) before the fit. `kss` holds the test environments' prior blocks K_ee
 * (test × c × c, kernelDiagBlocks), in `testRows` order. Same numbers as GprModel with the same settings.
 */
export async function fitPredictRawWithVariance(args: {
  zeta: number;
  reg: number;
  noise: NoiseMode;
  kTrain: RawKernels;
  trainRows: ArrayLike<number>;
  kCross: RawKernels;
  testRows: ArrayLike<number>;
  y: Float64Array;
  kss: Float64Array;
  context?: string;
}): Promise<RawPrediction> {
  const { zeta, trainRows } = args;
  const { c } = args.kTrain;
  const n = trainRows.length;
  const options = { pool: sharedGemmPool(), ...(args.context ? { context: args.context } : {}) };
  let reg = args.reg;
  if (args.noise === "ml" && args.y.some((v) => v !== 0)) {
    const envs = marginalLikelihoodSubset(n, c, 0);
    const sub = envs.map((e) => trainRows[e]!);
    const k = foldZeta(args.kTrain, zeta, sub, sub, sharedFloat64(sub.length * c * sub.length * c));
    const y = Float64Array.from(
      { length: envs.length * c },
      (_, i) => args.y[envs[Math.floor(i / c)]! * c + (i % c)]!,
    );
    reg = (await maximiseMarginalLikelihood(k, envs.length * c, y, args.reg, options)).reg;
  }
  const work = sharedFloat64(n * c * n * c);
  const fill = (buf: Float64Array) => foldZeta(args.kTrain, zeta, trainRows, trainRows, buf);
  const st = await fitFullGprInPlace(work, fill, n * c, args.y, reg, options);
  const t = args.testRows.length;
  const mean = new Float64Array(t * c);
  const variance = new Float64Array(t * c);
  const covariance = new Float64Array(t * c * c);
  const chunk = new Float64Array(Math.min(PREDICT_CHUNK, t) * c * n * c);
  const noise = st.scale * reg;
  for (let i0 = 0; i0 < t; i0 += PREDICT_CHUNK) {
    const i1 = Math.min(t, i0 + PREDICT_CHUNK);
    const idx = Array.prototype.slice.call(args.testRows, i0, i1) as number[];
    const ks = foldZeta(args.kCross, zeta, idx, trainRows, chunk);
    mean.set(predictMean(ks, (i1 - i0) * c, n * c, st.alpha), i0 * c);
    const cov = await fullGprCovariance(st, ks, i1 - i0, c, args.kss.subarray(i0 * c * c, i1 * c * c));
    for (let i = 0; i < (i1 - i0) * c; i++) cov[i * c + (i % c)]! += noise; // diagonal of each c×c block
    covariance.set(cov, i0 * c * c);
    for (let i = 0; i < i1 - i0; i++)
      for (let mu = 0; mu < c; mu++) variance[(i0 + i) * c + mu] = Math.max(0, cov[i * c * c + mu * c + mu]!);
  }
  return { mean, variance, covariance, reg };
}
