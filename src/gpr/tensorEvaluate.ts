/**
 * Evaluation of a tensor model's prediction (tensorModel.ts) on labelled data: for shielding, the metrics of
 * src/metrics/ms.ts (σ_iso, Haeberlen Δ, η, Maryland Ω, κ; %RMSE of T0, T1, T2; MAE over the 9 Cartesian
 * components, the quantity Venetos et al. report; q̃), for EFG Harper's (src/metrics/efg.ts); and the ±2σ
 * coverage of each block's predictive variance against the reference block values.
 */
import type { Dataset } from "../core/dataset.js";
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import { efgMetrics } from "../metrics/efg.js";
import type { TrainingStatistics } from "../model/trainingStats.js";
import { harperOption } from "./evaluate.js";
import { type MsSpeciesMetrics, msMetrics } from "../metrics/ms.js";
import { cartesianToT1, cartesianToT2 } from "../nmr/spherical.js";
import { samplePositions } from "../soap/types.js";
import { blockOffsets } from "../model/tensorLayout.js";
import type { Prediction } from "../model/types.js";
import { collectTargets, isotropicPart, parseTarget } from "./targets.js";

export interface TensorEvaluation {
  element: string;
  target: string;
  lambdas: readonly number[];
  n: number;
  /** Shielding metrics (ms targets), else null. */
  ms: MsSpeciesMetrics | null;
  /** Harper metrics (efg targets), else null. */
  harper: unknown | null;
  /** Fraction of |y − μ| ≤ 2σ per block ("0", "1", "2") and over all block components ("all"). */
  coverage2sigma: Record<string, number> | null;
  /** Reference and predicted Cartesian tensors of the evaluated atoms (n × 9), for plots. */
  reference: Float64Array;
  predicted: Float64Array;
  /** Predicted layout values and variances of the evaluated atoms (n × components), for plots and coverage. */
  mean: Float64Array;
  variance: Float64Array | null;
}

/** The layout values [tr/3 | T1 | T2] (per `lambdas`) of the Cartesian tensor t[off..off+9). */
export function tensorLayout(
  lambdas: readonly number[],
  t: Float64Array,
  off: number,
  out: Float64Array,
  o: number,
) {
  blockOffsets(lambdas).forEach((b, k) => {
    const l = lambdas[k]!;
    if (l === 0) out[o + b] = isotropicPart(t, off);
    else if (l === 1) cartesianToT1(t, off, out, o + b);
    else cartesianToT2(t, off, out, o + b);
  });
}

export function evaluateTensorPrediction(
  dataset: Dataset,
  pred: Prediction,
  target: string,
  training?: TrainingStatistics | null,
): TensorEvaluation {
  const lambdas = pred.blocks;
  if (!lambdas || !pred.cartesian)
    throw new EngineError("Internal", "evaluateTensorPrediction needs a tensor model's prediction");
  const ref = collectTargets(dataset, parseTarget(target, 2), 2, pred.species);
  const n = ref.samples.length / 2;
  if (n === 0)
    throw new EngineError(
      "InvalidParameter",
      `no ${symbolOf(pred.species)} atoms with a known '${target}' tensor`,
      {
        field: "target",
      },
    );
  const at = dataset.target(target);
  const idx = samplePositions(pred.atoms, ref.samples, "prediction");
  const C = pred.components;
  const reference = new Float64Array(9 * n);
  const predicted = new Float64Array(9 * n);
  const mean = new Float64Array(n * C);
  const variance = pred.variance ? new Float64Array(n * C) : null;
  for (let i = 0; i < n; i++) {
    const a = ref.samples[2 * i + 1]!;
    reference.set(at.values[ref.samples[2 * i]!]!.subarray(9 * a, 9 * a + 9), 9 * i);
    predicted.set(pred.cartesian.subarray(9 * idx[i]!, 9 * idx[i]! + 9), 9 * i);
    mean.set(pred.mean.subarray(C * idx[i]!, C * idx[i]! + C), C * i);
    if (variance) variance.set(pred.variance!.subarray(C * idx[i]!, C * idx[i]! + C), C * i);
  }
  const species = new Int32Array(n).fill(pred.species);
  const el = symbolOf(pred.species);
  return {
    element: el,
    target,
    lambdas,
    n,
    ms: target === "ms" ? (msMetrics(reference, predicted, species)[el] ?? null) : null,
    harper:
      target === "efg"
        ? (efgMetrics(reference, predicted, species, harperOption(training))[el] ?? null)
        : null,
    coverage2sigma: variance ? blockCoverage(lambdas, reference, mean, variance, n) : null,
    reference,
    predicted,
    mean,
    variance,
  };
}

/** ±2σ coverage per block and overall, against the reference tensors' layout values. */
function blockCoverage(
  lambdas: readonly number[],
  reference: Float64Array,
  mean: Float64Array,
  variance: Float64Array,
  n: number,
): Record<string, number> {
  const C = mean.length / n;
  const y = new Float64Array(C);
  const offsets = blockOffsets(lambdas);
  const inside = new Array<number>(lambdas.length).fill(0);
  const total = new Array<number>(lambdas.length).fill(0);
  for (let i = 0; i < n; i++) {
    tensorLayout(lambdas, reference, 9 * i, y, 0);
    lambdas.forEach((l, k) => {
      for (let c = 0; c < (l === 0 ? 1 : 2 * l + 1); c++) {
        const j = i * C + offsets[k]! + c;
        if (variance[j] === 0 && l === 1) continue; // a skipped λ=1 block has no variance to cover with
        total[k]!++;
        if (Math.abs(y[offsets[k]! + c]! - mean[j]!) <= 2 * Math.sqrt(variance[j]!)) inside[k]!++;
      }
    });
  }
  const out: Record<string, number> = {};
  lambdas.forEach((l, k) => {
    if (total[k]! > 0) out[String(l)] = inside[k]! / total[k]!;
  });
  out.all =
    inside.reduce((a, b) => a + b, 0) /
    Math.max(
      1,
      total.reduce((a, b) => a + b, 0),
    );
  return out;
}
