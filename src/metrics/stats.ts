/**
 * Scalar error statistics. All functions take plain numeric arrays of equal length; results are numbers
 * (NaN where undefined, e.g. Pearson r of a constant series — serialised as null in JSON).
 *
 * %RMSE = 100 · RMSE / std(reference) (Ben Mahmoud et al. 2024), std with 1/N (population), as there.
 */
import { EngineError } from "../core/errors.js";

function check(ref: ArrayLike<number>, pred: ArrayLike<number>): number {
  if (ref.length !== pred.length) {
    throw new EngineError("ShapeMismatch", `reference has ${ref.length} values, prediction ${pred.length}`);
  }
  return ref.length;
}

export function mean(x: ArrayLike<number>): number {
  if (x.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

/** Population standard deviation (1/N). */
export function std(x: ArrayLike<number>): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
  return Math.sqrt(s / x.length);
}

export function mae(ref: ArrayLike<number>, pred: ArrayLike<number>): number {
  const n = check(ref, pred);
  if (n === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(pred[i]! - ref[i]!);
  return s / n;
}

export function rmse(ref: ArrayLike<number>, pred: ArrayLike<number>): number {
  const n = check(ref, pred);
  if (n === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += (pred[i]! - ref[i]!) ** 2;
  return Math.sqrt(s / n);
}

/** 100 · RMSE / std(ref). */
export function percentRmse(ref: ArrayLike<number>, pred: ArrayLike<number>): number {
  return (100 * rmse(ref, pred)) / std(ref);
}

/** Pearson correlation coefficient (NaN if either series is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = check(a, b);
  if (n < 2) return Number.NaN;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return Number.NaN;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/** p-th percentile (0..100) with linear interpolation between order statistics (numpy's default). */
export function percentile(x: ArrayLike<number>, p: number): number {
  if (x.length === 0) return Number.NaN;
  const s = Float64Array.from(x).sort();
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (pos - lo) * (s[hi]! - s[lo]!);
}

export interface ErrorStats {
  n: number;
  mae: number;
  rmse: number;
  /** 100·RMSE/std(ref) */
  percentRmse: number;
  /** Pearson r between reference and prediction */
  r: number;
}

/** MAE, RMSE, %RMSE and Pearson r in one object. */
export function errorStats(ref: ArrayLike<number>, pred: ArrayLike<number>): ErrorStats {
  return {
    n: ref.length,
    mae: mae(ref, pred),
    rmse: rmse(ref, pred),
    percentRmse: percentRmse(ref, pred),
    r: pearson(ref, pred),
  };
}

/**
 * Metrics of packed vectors (n × ncomp, row-major) taken as one flat set of numbers: RMSE over all
 * components, std of all reference components about their global mean. This is how TENSOAP reports the
 * λ = 2 GPR error ("RMSE over the 5 L2 components; std of the test-set components").
 */
export function vectorErrorStats(ref: ArrayLike<number>, pred: ArrayLike<number>, ncomp: number): ErrorStats {
  check(ref, pred);
  if (ref.length % ncomp !== 0) {
    throw new EngineError(
      "ShapeMismatch",
      `array length ${ref.length} is not a multiple of ${ncomp} components`,
    );
  }
  const s = errorStats(ref, pred);
  return { ...s, n: ref.length / ncomp };
}
