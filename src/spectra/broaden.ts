/**
 * Line broadening by discrete convolution on the spectrum grid (|step| in ppm).
 *
 * Gaussian: FWHM w, σ = w/(2√(2 ln 2)), kernel sampled at the grid offsets within ±6σ and scaled to unit sum
 * (area kept exactly; a kernel narrower than 0.3 grid steps is a no-op). Lorentzian: FWHM w, each kernel weight
 * is the exact integral of (w/2π)/(x² + w²/4) over one grid step (arctangent), over the whole grid length, so
 * intensity carried by the long tails beyond the grid leaves it, as in a measured spectrum.
 */

function convolve(x: Float64Array, kernel: Float64Array, half: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const lo = Math.max(0, i - half);
    const hi = Math.min(n - 1, i + half);
    for (let j = lo; j <= hi; j++) out[j]! += xi * kernel[j - i + half]!;
  }
  return out;
}

/** Gaussian broadening, FWHM in ppm. */
export function gaussianBroaden(x: Float64Array, stepPpm: number, fwhmPpm: number): Float64Array {
  const sigma = fwhmPpm / (2 * Math.sqrt(2 * Math.LN2)) / Math.abs(stepPpm);
  if (!(sigma >= 0.3)) return x.slice();
  const half = Math.min(x.length - 1, Math.ceil(6 * sigma));
  const kernel = new Float64Array(2 * half + 1);
  let sum = 0;
  for (let m = -half; m <= half; m++) {
    const v = Math.exp((-0.5 * m * m) / (sigma * sigma));
    kernel[m + half] = v;
    sum += v;
  }
  for (let m = 0; m < kernel.length; m++) kernel[m]! /= sum;
  return convolve(x, kernel, half);
}

/** Lorentzian broadening, FWHM in ppm. */
export function lorentzianBroaden(x: Float64Array, stepPpm: number, fwhmPpm: number): Float64Array {
  const g = fwhmPpm / 2 / Math.abs(stepPpm); // half width in grid steps
  if (!(g > 0)) return x.slice();
  const half = x.length - 1;
  const kernel = new Float64Array(2 * half + 1);
  for (let m = -half; m <= half; m++) {
    kernel[m + half] = (Math.atan((m + 0.5) / g) - Math.atan((m - 0.5) / g)) / Math.PI;
  }
  return convolve(x, kernel, half);
}
