/**
 * The numerical core shared by the benchmarks and the hyperparameter search: λ-SOAP features of one centre
 * species computed once, raw kernels computed once per feature set and reused for every ζ, regularisation,
 * training subset and target, and full-GPR solves with several right-hand sides.
 *
 * Why raw kernels: with normalised features the kernels of src/soap/envKernel.ts are
 *   λ=0: K(i,j) = (p_i·p_j)^ζ,     λ=2: K_μν(i,j) = (p_i·p_j)^(ζ−1) (P_i P_jᵀ)_μν,
 * so K0 = (p_i·p_j) and K2 = P_i P_jᵀ, computed once (two GEMMs), give every ζ by an elementwise power and
 * product, and every training subset (cross-validation folds, learning curves) by taking rows and columns.
 * The GPR itself is that of src/gpr (GprModel): λ=0 targets centred on the training mean, λ=2 not shifted,
 * (K + reg·I) α = y by Cholesky (R&W Alg. 2.1) with the same jitter escalation; a test checks that the
 * predictions equal GprModel's.
 */
import type { ComputeBackend } from "../backend/types.js";
import { EngineError } from "../core/errors.js";
import { sharedGemmPool } from "../math/_workerPool.js";
import { gemmKernel } from "../math/gemm.js";
import { choleskySolve, choleskyWithJitter } from "../math/linalg.js";
import {
  type EnvFeatures,
  foldZeta,
  type RawKernels,
  rawKernels as rawProducts,
  scalarPart,
  subsetFeatures,
  withBackend,
} from "../soap/envKernel.js";

export type { RawKernels } from "../soap/envKernel.js";
export {
  type SoapSettings,
  type SpeciesFeatures,
  soapHypersOf,
  speciesFeatures,
} from "../soap/speciesFeatures.js";

/**
 * Raw kernels between environments `rows` and `cols` of `feats` (indices into feats; null = all), by the one
 * kernel path of src/soap/envKernel.ts (`tensor` is implied by the features' λ). Any ComputeBackend (default: the
 * float64 CPU backend).
 */
export async function rawKernels(
  feats: EnvFeatures,
  rows: ArrayLike<number> | null,
  cols: ArrayLike<number> | null,
  _tensor: boolean,
  backend?: ComputeBackend,
): Promise<RawKernels> {
  const a = rows ? subsetFeatures(feats, rows) : feats;
  const b = cols ? (cols === rows ? a : subsetFeatures(feats, cols)) : feats;
  return withBackend(backend, (be) => rawProducts(be, a, b));
}

/** The GPR kernel for exponent ζ on the sub-block rows × cols of raw kernels: the shared ζ fold. */
export function assembleKernel(
  raw: RawKernels,
  lambda: 0 | 2,
  zeta: number,
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
): Float64Array {
  return foldZeta(lambda === 0 && raw.lambda !== 0 ? scalarPart(raw) : raw, zeta, rows, cols);
}

/**
 * Full GPR with r right-hand sides: α = (K + reg·I)⁻¹ Y (K n×n, Y n×r row-major), then predictions K* α
 * (K* t×n). Jitter escalates as in src/gpr when K + reg·I is not numerically positive definite.
 */
export async function gprSolvePredict(
  k: Float64Array,
  n: number,
  y: Float64Array,
  r: number,
  reg: number,
  kStar: Float64Array,
  t: number,
  context = "",
): Promise<{ alpha: Float64Array; pred: Float64Array; jitter: number }> {
  if (y.length !== n * r)
    throw new EngineError("ShapeMismatch", `${context}y has ${y.length} values, expected ${n * r}`);
  for (let i = 0; i < n; i++) k[i * n + i]! += reg;
  const { l, jitter } = await choleskyWithJitter(k, n, { context, pool: sharedGemmPool() });
  for (let i = 0; i < n; i++) k[i * n + i]! -= reg;
  const alpha = choleskySolve(l, n, y.slice(), r);
  const pred = new Float64Array(t * r);
  if (t > 0) gemmKernel(false, false, t, r, n, 1, kStar, 0, n, alpha, 0, r, 0, pred, 0, r);
  return { alpha, pred, jitter };
}

/** Column means of an n × r row-major matrix. */
export function columnMeans(y: Float64Array, n: number, r: number): Float64Array {
  const m = new Float64Array(r);
  for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) m[c]! += y[i * r + c]!;
  for (let c = 0; c < r; c++) m[c]! /= Math.max(n, 1);
  return m;
}

/**
 * Fit and predict on raw kernels: environments `train` → `test` (indices into the raw kernels' rows/cols; the
 * raw kernels must hold train×train in `kTrain` and test×train in `kCross`). Targets y (per training
 * environment: r scalars for λ=0, 5 T2 components for λ=2). λ=0 targets are centred on their training means.
 */
export async function fitPredictRaw(args: {
  lambda: 0 | 2;
  zeta: number;
  reg: number;
  kTrain: RawKernels;
  trainRows: ArrayLike<number>;
  kCross: RawKernels;
  testRows: ArrayLike<number>;
  /** Targets of the training environments: (trainRows.length × r) for λ=0, (trainRows.length × 5) for λ=2. */
  y: Float64Array;
  r: number;
  context?: string;
}): Promise<Float64Array> {
  const { lambda, zeta, reg, trainRows, testRows, r } = args;
  const n = trainRows.length;
  const t = testRows.length;
  const c = lambda === 0 ? 1 : 5;
  const k = assembleKernel(args.kTrain, lambda, zeta, trainRows, trainRows);
  const ks = assembleKernel(args.kCross, lambda, zeta, testRows, trainRows);
  if (lambda === 0) {
    const mu = columnMeans(args.y, n, r);
    const yc = args.y.slice();
    for (let i = 0; i < n; i++) for (let q = 0; q < r; q++) yc[i * r + q]! -= mu[q]!;
    const { pred } = await gprSolvePredict(k, n, yc, r, reg, ks, t, args.context);
    for (let i = 0; i < t; i++) for (let q = 0; q < r; q++) pred[i * r + q]! += mu[q]!;
    return pred;
  }
  if (r !== 1 && r !== 5) throw new EngineError("Internal", "λ=2 targets are 5 components per environment");
  const { pred } = await gprSolvePredict(k, n * c, args.y, 1, reg, ks, t * c, args.context);
  return pred;
}
