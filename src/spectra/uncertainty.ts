/**
 * Uncertainty bands of a spectrum from predictive variances: each site's tensors are redrawn `samples` times as
 * mean + N(0, std²) on their spherical components (T2 only when 5 standard deviations are given, T0, T1, T2
 * when 9; conventions of src/nmr/spherical.ts), a spectrum is simulated per draw, and the band is the pointwise
 * 2.5 % and 97.5 % quantiles (linear interpolation between order statistics) of the drawn spectra. The same
 * seed gives the same band. δ = σ_ref − σ has the same component variances as σ, so shift tensors are drawn
 * on the δ scale directly.
 */
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { cartesianToSpherical, sphericalToCartesian } from "../nmr/spherical.js";
import { type SpectrumOptions, type SpectrumSite, simulateSpectrum } from "./simulate.js";

export interface UncertainSite extends SpectrumSite {
  /** standard deviations of the shift tensor's spherical components (5: T2; 9: T0, T1, T2), ppm */
  readonly shiftStd?: Float64Array | null;
  /** the same for the EFG, a.u. */
  readonly efgStd?: Float64Array | null;
}

export interface SpectrumBand {
  readonly samples: number;
  readonly seed: number;
  /** central probability mass between lower and upper */
  readonly level: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** One draw of the tensor mean + N(0, std²) on its spherical components. */
export function sampleTensor(mean: ArrayLike<number>, std: Float64Array, rng: Rng): Float64Array {
  if (std.length !== 5 && std.length !== 9) {
    throw new EngineError(
      "ShapeMismatch",
      `expected 5 or 9 standard deviations per tensor, got ${std.length}`,
      {
        field: "std",
      },
    );
  }
  const sph = new Float64Array(9);
  cartesianToSpherical(mean, 0, sph);
  const off = 9 - std.length;
  for (let c = 0; c < std.length; c++) sph[off + c]! += std[c]! * rng.normal();
  const out = new Float64Array(9);
  sphericalToCartesian(sph, 0, out);
  return out;
}

function drawSite(s: UncertainSite, rng: Rng): SpectrumSite {
  const shift = s.shift && s.shiftStd ? sampleTensor(s.shift, s.shiftStd, rng) : s.shift;
  const efg = s.efg && s.efgStd ? sampleTensor(s.efg, s.efgStd, rng) : s.efg;
  return {
    shift,
    efg,
    ...(s.weight !== undefined ? { weight: s.weight } : {}),
    ...(s.group ? { group: s.group } : {}),
  };
}

function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Pointwise 95 % band of the spectra of `samples` seeded tensor draws. */
export function spectrumBand(
  sites: readonly UncertainSite[],
  options: SpectrumOptions,
  draw: { samples: number; seed: number },
): SpectrumBand {
  if (!Number.isInteger(draw.samples) || draw.samples < 2) {
    throw new EngineError("InvalidParameter", `samples must be an integer ≥ 2, got ${draw.samples}`, {
      field: "samples",
    });
  }
  const rng = new Rng(draw.seed);
  const n = options.points;
  const all = new Float64Array(draw.samples * n);
  for (let k = 0; k < draw.samples; k++) {
    const spec = simulateSpectrum(
      sites.map((s) => drawSite(s, rng)),
      options,
    );
    all.set(spec.intensity, k * n);
  }
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  const column = new Float64Array(draw.samples);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < draw.samples; k++) column[k] = all[k * n + j]!;
    column.sort();
    lower[j] = quantile(column, 0.025);
    upper[j] = quantile(column, 0.975);
  }
  return { samples: draw.samples, seed: draw.seed, level: 0.95, lower, upper };
}
