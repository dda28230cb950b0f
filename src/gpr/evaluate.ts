/**
 * Evaluate a fitted model on a labelled dataset: predictions of every atom of the model's species with a known
 * target, compared with the reference. λ=2 EFG models: Harper et al. metrics (C̃Q, η̃, q̃, θ/φ, ω_Q; src/metrics)
 * and the T2 %RMSE; other targets: MAE / RMSE / %RMSE / Pearson r of the learned components; always the
 * coverage of the ±2σ predictive interval (latent variance) per component.
 */
import type { Dataset } from "../core/dataset.js";
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import { type CalibrationPoint, calibrationCurve, coverageAt } from "../metrics/calibration.js";
import { type EfgMetricsOptions, efgMetrics } from "../metrics/efg.js";
import { harperNormalisation, type TrainingStatistics } from "../model/trainingStats.js";
import { type ErrorStats, vectorErrorStats } from "../metrics/stats.js";
import { samplePositions } from "../soap/types.js";
import type { Prediction } from "../model/types.js";
import { collectTargets, parseTarget } from "./targets.js";

export interface Evaluation {
  element: string;
  lambda: number;
  target: string;
  n: number;
  /** errors of the learned components (pooled over the 2λ+1 components) */
  components: ErrorStats;
  /** fraction of |y − μ| ≤ 2σ over all components (nominal 0.954 for a calibrated Gaussian) */
  coverage2sigma: number | null;
  /** Observed vs nominal coverage of μ ± zσ over all components (src/metrics/calibration.ts), when variances exist. */
  calibration: CalibrationPoint[] | null;
  /** Harper metrics for λ=2 EFG targets (src/metrics/efg.ts) */
  harper: unknown | null;
}

/** efgMetrics' `normalisation` option from a model's training statistics (none: the evaluation set's own). */
export function harperOption(
  training: TrainingStatistics | null | undefined,
): Pick<EfgMetricsOptions, "normalisation"> {
  const normalisation = harperNormalisation(training);
  return normalisation ? { normalisation } : {};
}

/**
 * Compare a prediction for `dataset.structures` with the dataset's targets. Harper's C̃Q and η̃ are normalised by
 * the training set's |Vzz| statistics when `training` (the model's) has them, else by the evaluation set's.
 */
export function evaluatePrediction(
  dataset: Dataset,
  pred: Prediction,
  target: string,
  isotopes?: Readonly<Record<string, string>>,
  training?: TrainingStatistics | null,
): Evaluation {
  const lambda = pred.lambda;
  const t = parseTarget(target, lambda);
  const ref = collectTargets(dataset, t, lambda, pred.species, isotopes);
  const c = pred.components;
  const n = ref.samples.length / 2;
  if (n === 0) {
    throw new EngineError(
      "InvalidParameter",
      `no ${symbolOf(pred.species)} atoms with a known '${t.array}' target in the data`,
      {
        field: "target",
      },
    );
  }
  const yp = new Float64Array(n * c);
  const vp = pred.variance ? new Float64Array(n * c) : null;
  const idx = samplePositions(pred.atoms, ref.samples, "prediction");
  for (let i = 0; i < n; i++) {
    const k = idx[i]!;
    yp.set(pred.mean.subarray(k * c, (k + 1) * c), i * c);
    if (vp) vp.set(pred.variance!.subarray(k * c, (k + 1) * c), i * c);
  }
  const coverage = vp ? coverageAt(ref.y, yp, vp, 2) : null;
  let harper: unknown = null;
  if (lambda === 2 && t.array === "efg" && t.derived === null && pred.cartesian) {
    const at = dataset.target("efg");
    const refCart = new Float64Array(n * 9);
    const predCart = new Float64Array(n * 9);
    for (let i = 0; i < n; i++) {
      const s = ref.samples[2 * i]!;
      const a = ref.samples[2 * i + 1]!;
      refCart.set(at.values[s]!.subarray(a * 9, a * 9 + 9), i * 9);
      predCart.set(pred.cartesian.subarray(idx[i]! * 9, idx[i]! * 9 + 9), i * 9);
    }
    const species = new Int32Array(n).fill(pred.species);
    harper =
      efgMetrics(refCart, predCart, species, {
        ...(isotopes ? { isotopes } : {}),
        ...harperOption(training),
      })[symbolOf(pred.species)] ?? null;
  }
  return {
    element: symbolOf(pred.species),
    lambda,
    target,
    n,
    components: vectorErrorStats(ref.y, yp, c),
    coverage2sigma: coverage,
    calibration: vp ? calibrationCurve(ref.y, yp, vp) : null,
    harper,
  };
}
