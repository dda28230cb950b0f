/**
 * What an NMR user finally compares: the spectrum of the predicted tensors laid over the spectrum of the reference
 * (DFT) tensors of the same test sites. For quadrupolar nuclei with a central transition (²⁷Al, ¹⁷O, ⁴⁷Ti, ⁷Li …)
 * the infinitely-fast-MAS central-transition line shape to second order (src/spectra), from the EFG only (the
 * isotropic chemical shift is not part of an EFG benchmark, so both spectra are centred on δ_iso = 0), with
 * their overlap 1 − ½∫|I_ML − I_DFT| dδ.
 */
import type { Isotope } from "../nmr/isotopes.js";
import { larmorFrequencyMHz } from "../nmr/isotopes.js";
import {
  hasCentralTransition,
  type SpectrumOptions,
  secondOrderPpmPerAu2,
  simulateSpectrum,
  spectralOverlap,
} from "../spectra/index.js";

export interface CtSpectraComparison {
  readonly isotope: string;
  readonly fieldT: number;
  readonly mode: "mas";
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

export interface CtSpectraOptions {
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
  o: CtSpectraOptions = {},
): CtSpectraComparison | null {
  if (!isotope || n === 0 || !hasCentralTransition(isotope)) return null;
  const fieldT = o.fieldT ?? 9.4;
  const broadeningPpm = o.broadeningPpm ?? 0.5;
  const q = secondOrderPpmPerAu2(isotope, larmorFrequencyMHz(isotope, fieldT));
  // |second-order offset| ≤ q·(½‖V‖² + 2.25 V_zz² + 3 (V²)_zz) ≤ 5.75 q‖V‖² (src/spectra/frequencies.ts), plus the
  // broadening's tails: the grid holds every site of either set whole
  const half = 5.75 * q * Math.max(maxNorm2(reference, n), maxNorm2(predicted, n)) + 3 * broadeningPpm + 1e-3;
  const options: SpectrumOptions = {
    isotope,
    fieldT,
    mode: "mas",
    from: half,
    to: -half,
    points: o.points ?? 1024,
    orientations: o.orientations ?? 2000,
    gaussianPpm: broadeningPpm,
  };
  const sites = (t: Float64Array) =>
    Array.from({ length: n }, (_, i) => ({ shift: null, efg: t.subarray(9 * i, 9 * i + 9) }));
  const ref = simulateSpectrum(sites(reference), options);
  const pred = simulateSpectrum(sites(predicted), options);
  return {
    isotope: isotope.name,
    fieldT,
    mode: "mas",
    sites: n,
    broadeningPpm,
    ppm: Array.from(ref.ppm),
    reference: Array.from(ref.intensity),
    predicted: Array.from(pred.intensity),
    overlap: spectralOverlap(ref.intensity, pred.intensity, Math.abs(ref.ppm[1]! - ref.ppm[0]!)),
  };
}
