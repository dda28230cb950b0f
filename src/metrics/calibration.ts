/**
 * Calibration of Gaussian predictive intervals (issue 17 item 5): the fraction of reference values inside μ ± zσ
 * (observed coverage) against the probability a calibrated Gaussian gives that interval, erf(z/√2) (nominal
 * coverage: 68.3 % at z = 1, 95.4 % at z = 2), for a ladder of z; and per-point |error| against predicted σ.
 */
import { erfc } from "../datasets/ewald.js";

/** Interval half-widths in units of σ of the calibration curve. */
export const CALIBRATION_Z: readonly number[] = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3];

export interface CalibrationPoint {
  /** Half-width of the interval in σ. */
  readonly z: number;
  /** erf(z/√2), the coverage of μ ± zσ for a calibrated Gaussian (fraction). */
  readonly nominal: number;
  /** Fraction of the reference values inside μ ± zσ. */
  readonly observed: number;
}

/** erf(z/√2): the probability mass of a Gaussian within ±z standard deviations. */
export function nominalCoverage(z: number): number {
  return 1 - erfc(z / Math.SQRT2);
}

/** Fraction of |ref − mean| ≤ z·√variance (element-wise arrays of one length; none → NaN). */
export function coverageAt(
  ref: ArrayLike<number>,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  z: number,
): number {
  let inside = 0;
  for (let i = 0; i < ref.length; i++)
    if (Math.abs(ref[i]! - mean[i]!) <= z * Math.sqrt(Math.max(0, variance[i]!))) inside++;
  return ref.length > 0 ? inside / ref.length : Number.NaN;
}

/** Observed vs nominal coverage for each z of CALIBRATION_Z (or `zs`). */
export function calibrationCurve(
  ref: ArrayLike<number>,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  zs: readonly number[] = CALIBRATION_Z,
): CalibrationPoint[] {
  return zs.map((z) => ({ z, nominal: nominalCoverage(z), observed: coverageAt(ref, mean, variance, z) }));
}
