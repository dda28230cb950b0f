/**
 * Full GPR on cached raw kernels (src/soap/envKernel.ts), for the hyperparameter search and the benchmarks: the
 * raw products K0 = p·p' and KL = P P'ᵀ of all environments are computed once per feature set, and every ζ,
 * regularisation, training subset and target is then a ζ fold of sub-blocks (foldZeta) plus the same solve as
 * GprModel (fitFullGpr / predictMean / centreColumns of src/gpr/regression.ts, several right-hand sides at once):
 * λ=0 targets centred on their training means, λ>0 not shifted, (K + reg·I) α = y by Cholesky with jitter
 * escalation. test/unit/benchmark-engine.test.ts checks that the predictions equal GprModel's.
 */
import { EngineError } from "../core/errors.js";
import { sharedGemmPool } from "../math/_workerPool.js";
import { foldZeta, type RawKernels } from "../soap/envKernel.js";
import { centreColumns, fitFullGpr, predictMean } from "./regression.js";

/**
 * Fit and predict on raw kernels: environments `trainRows` → `testRows` (indices into the raw kernels' rows and
 * columns; `kTrain` must hold train×train and `kCross` test×train). Targets y per training environment: r scalars
 * for λ=0 (r right-hand sides), the c = 2λ+1 components for λ>0. Returns the predictions (test × r, or test × c).
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
}): Promise<Float64Array> {
  const { zeta, reg, trainRows, testRows, r } = args;
  const { lambda, c } = args.kTrain;
  const n = trainRows.length;
  const t = testRows.length;
  const k = foldZeta(args.kTrain, zeta, trainRows, trainRows);
  const ks = foldZeta(args.kCross, zeta, testRows, trainRows);
  const options = { pool: sharedGemmPool(), ...(args.context ? { context: args.context } : {}) };
  if (lambda === 0) {
    const { centred, means } = centreColumns(args.y, n, r);
    const st = await fitFullGpr(k, n, centred, reg, { ...options, rhs: r });
    const pred = predictMean(ks, t, n, st.alpha, r);
    for (let i = 0; i < t; i++) for (let q = 0; q < r; q++) pred[i * r + q]! += means[q]!;
    return pred;
  }
  if (r !== 1 && r !== c)
    throw new EngineError("Internal", `λ=${lambda} targets are ${c} components per environment`);
  const st = await fitFullGpr(k, n * c, args.y, reg, options);
  return predictMean(ks, t * c, n * c, st.alpha);
}
