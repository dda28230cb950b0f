/**
 * Errors of packed component vectors, and of the irreducible spherical components T0, T1, T2 of Cartesian
 * tensors (each λ pooled over its 2λ+1 components, TENSOAP/Ben Mahmoud style %RMSE = 100·RMSE/std).
 */
import { EngineError } from "../core/errors.js";
import { cartesianToSphericalBatch } from "../nmr/spherical.js";
import { type ErrorStats, mae, vectorErrorStats } from "./stats.js";

/** Pooled error statistics of n × ncomp packed vectors (e.g. λ = 2 GPR outputs, ncomp = 5). */
export function componentMetrics(ref: ArrayLike<number>, pred: ArrayLike<number>, ncomp: number): ErrorStats {
  return vectorErrorStats(ref, pred, ncomp);
}

export interface ComponentMetrics {
  t0: ErrorStats;
  t1: ErrorStats;
  t2: ErrorStats;
  /** MAE over all 9 Cartesian elements */
  cartesianMae: number;
}

/** Per-λ metrics of n Cartesian tensors (n × 9 row-major). */
export function sphericalComponentMetrics(
  ref: ArrayLike<number>,
  pred: ArrayLike<number>,
  n: number,
): ComponentMetrics {
  if (ref.length !== 9 * n || pred.length !== 9 * n) {
    throw new EngineError("ShapeMismatch", `expected ${n} tensors of 9 numbers`);
  }
  const sr = cartesianToSphericalBatch(ref, n);
  const sp = cartesianToSphericalBatch(pred, n);
  const take = (s: Float64Array, from: number, len: number): Float64Array => {
    const o = new Float64Array(n * len);
    for (let i = 0; i < n; i++) for (let c = 0; c < len; c++) o[i * len + c] = s[9 * i + from + c]!;
    return o;
  };
  return {
    t0: vectorErrorStats(take(sr, 0, 1), take(sp, 0, 1), 1),
    t1: vectorErrorStats(take(sr, 1, 3), take(sp, 1, 3), 3),
    t2: vectorErrorStats(take(sr, 4, 5), take(sp, 4, 5), 5),
    cartesianMae: mae(ref, pred),
  };
}
