/**
 * Overlap of two spectra on the same grid: 1 − ½∫|I_a − I_b| dδ, the complement of the total-variation distance
 * between two unit-area line shapes (1 for identical spectra, 0 for spectra with disjoint support).
 */
import { EngineError } from "../core/errors.js";

/** 1 − ½ Σ_j |a_j − b_j| · |step|, for intensities per ppm sampled on one grid of spacing `stepPpm`. */
export function spectralOverlap(a: ArrayLike<number>, b: ArrayLike<number>, stepPpm: number): number {
  if (a.length !== b.length) {
    throw new EngineError("ShapeMismatch", `spectra have ${a.length} and ${b.length} points: use one grid`, {
      field: "intensity",
    });
  }
  if (!Number.isFinite(stepPpm) || stepPpm === 0) {
    throw new EngineError("InvalidParameter", `grid step must be a non-zero number, got ${stepPpm}`, {
      field: "step",
    });
  }
  let d = 0;
  for (let j = 0; j < a.length; j++) {
    const x = a[j]! - b[j]!;
    if (Number.isNaN(x)) {
      throw new EngineError("InvalidParameter", `intensity ${j} is not a number`, { field: "intensity" });
    }
    d += Math.abs(x);
  }
  return 1 - 0.5 * d * Math.abs(stepPpm);
}
