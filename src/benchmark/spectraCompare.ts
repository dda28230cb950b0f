/**
 * What an NMR user finally compares: the spectrum of the predicted tensors laid over the spectrum of the reference
 * (DFT) tensors of the same test sites, with their overlap 1 − ½∫|I_ML − I_ref| dδ. EFG benchmarks: for quadrupolar
 * nuclei with a central transition (²⁷Al, ¹⁷O, ⁴⁷Ti, ⁷Li …) the infinitely-fast-MAS central-transition line shape
 * to second order, from the EFG only (the isotropic chemical shift is not part of an EFG benchmark, so both spectra
 * are centred on δ_iso = 0). Shielding benchmarks: the static CSA powder pattern and the MAS isotropic spectrum of
 * δ = σ_ref − σ.
 */
import type { Isotope } from "../nmr/isotopes.js";
import { larmorFrequencyMHz } from "../nmr/isotopes.js";
import {
  hasCentralTransition,
  type SpectrumMode,
  type SpectrumOptions,
  type SpectrumSite,
  secondOrderPpmPerAu2,
  simulateSpectrum,
  spectralOverlap,
} from "../spectra/index.js";

export interface SpectraComparison {
  readonly isotope: string;
  readonly fieldT: number;
  readonly mode: SpectrumMode;
  readonly sites: number;
  /** Gaussian broadening, FWHM in ppm */
  readonly broadeningPpm: number;
  readonly ppm: number[];
  /** unit-area intensities per ppm */
  readonly reference: number[];
  readonly predicted: number[];
  /** 1 − ½∫|I_ML − I_DFT| dδ: 1 for identical line shapes, 0 for disjoint ones */
  readonly overlap: number;
}

export interface SpectraOptions {
  /** B0 in tesla (default 9.4 T, a common field for ²⁷Al MAS) */
  readonly fieldT?: number;
  readonly points?: number;
  readonly orientations?: number;
  /** Gaussian broadening FWHM in ppm (default 0.5) */
  readonly broadeningPpm?: number;
}

function maxNorm2(t: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < 9; k++) s += t[9 * i + k]! ** 2;
    m = Math.max(m, s);
  }
  return m;
}

/**
 * MAS central-transition spectra of the reference and predicted EFG tensors (n × 9, row-major, a.u.) on one grid,
 * or null for nuclei without a second-order central transition (spin ½, integer spins, or no isotope).
 */
export function compareCtSpectra(
  reference: Float64Array,
  predicted: Float64Array,
  n: number,
  isotope: Isotope | null,
  o: SpectraOptions = {},
): SpectraComparison | null {
  if (!isotope || n === 0 || !hasCentralTransition(isotope)) return null;
  const fieldT = o.fieldT ?? 9.4;
  const broadeningPpm = o.broadeningPpm ?? 0.5;
  const q = secondOrderPpmPerAu2(isotope, larmorFrequencyMHz(isotope, fieldT));
  // |second-order offset| ≤ q·(½‖V‖² + 2.25 V_zz² + 3 (V²)_zz) ≤ 5.75 q‖V‖² (src/spectra/frequencies.ts), plus the
  // broadening's tails: the grid holds every site of either set whole
  const half = 5.75 * q * Math.max(maxNorm2(reference, n), maxNorm2(predicted, n)) + 3 * broadeningPpm + 1e-3;
  const sites = (t: Float64Array) =>
    Array.from({ length: n }, (_, i) => ({ shift: null, efg: t.subarray(9 * i, 9 * i + 9) }));
  const options = {
    isotope,
    fieldT,
    mode: "mas" as const,
    from: half,
    to: -half,
    gaussianPpm: broadeningPpm,
  };
  return compareSpectra(sites(reference), sites(predicted), {
    ...options,
    points: o.points ?? 1024,
    orientations: o.orientations ?? 2000,
  });
}

/** Spectra of two site sets on one grid, and their overlap. */
function compareSpectra(
  ref: readonly SpectrumSite[],
  pred: readonly SpectrumSite[],
  options: SpectrumOptions & { readonly gaussianPpm: number },
): SpectraComparison {
  const a = simulateSpectrum(ref, options);
  const b = simulateSpectrum(pred, options);
  return {
    isotope: options.isotope.name,
    fieldT: options.fieldT,
    mode: options.mode,
    sites: ref.length,
    broadeningPpm: options.gaussianPpm,
    ppm: Array.from(a.ppm),
    reference: Array.from(a.intensity),
    predicted: Array.from(b.intensity),
    overlap: spectralOverlap(a.intensity, b.intensity, Math.abs(a.ppm[1]! - a.ppm[0]!)),
  };
}

/**
 * Chemical-shift spectra (static CSA powder pattern, or the isotropic lines under infinitely fast MAS) of the
 * reference and predicted shielding tensors (n × 9, ppm), through δ = σ_ref − σ, on one grid holding every site.
 */
export function compareShiftSpectra(
  reference: Float64Array,
  predicted: Float64Array,
  n: number,
  isotope: Isotope,
  sigmaRef: number,
  mode: SpectrumMode,
  o: SpectraOptions = {},
): SpectraComparison {
  const broadeningPpm = o.broadeningPpm ?? 0.5;
  const shift = (t: Float64Array, i: number) =>
    t.subarray(9 * i, 9 * i + 9).map((x, k) => (k % 4 === 0 ? sigmaRef : 0) - x);
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of [reference, predicted])
    for (let i = 0; i < n; i++) {
      // every principal value lies within ‖δ − δ_iso·I‖_F of δ_iso
      const d = shift(t, i);
      const iso = (d[0]! + d[4]! + d[8]!) / 3;
      let r = 0;
      for (let k = 0; k < 9; k++) r += (d[k]! - (k % 4 === 0 ? iso : 0)) ** 2;
      lo = Math.min(lo, iso - Math.sqrt(r));
      hi = Math.max(hi, iso + Math.sqrt(r));
    }
  const pad = 4 * broadeningPpm + 1e-3;
  const sites = (t: Float64Array) => Array.from({ length: n }, (_, i) => ({ shift: shift(t, i), efg: null }));
  return compareSpectra(sites(reference), sites(predicted), {
    isotope,
    fieldT: o.fieldT ?? 9.4,
    mode,
    from: hi + pad,
    to: lo - pad,
    points: o.points ?? 1024,
    orientations: o.orientations ?? 2000,
    gaussianPpm: broadeningPpm,
  });
}
