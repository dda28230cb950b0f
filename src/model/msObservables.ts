/**
 * Magnetic-shielding observables of a tensor model's prediction, with predictive uncertainties propagated from
 * the block (co)variances: σ_iso, δ_iso (with a shift reference, src/nmr/shifts.ts), Haeberlen ζ, Δ, η, Maryland
 * Ω, κ (src/nmr/ms.ts, ppm except η and κ), and the Euler angles / quaternion of the symmetric part's principal
 * frame (Haeberlen order; values only). Uncertainty of each scalar g(μ), μ the layout [σ_iso | T1 | T2] with
 * covariance Σ, by src/model/propagation.ts (linearisation or sampling, tested against each other).
 */
import { msParams } from "../nmr/ms.js";
import { orientation } from "../nmr/orientation.js";
import { chemicalShift, type ShiftReference } from "../nmr/shifts.js";
import { type Propagation, propagateStd } from "./propagation.js";
import { layoutToCartesian } from "./tensorLayout.js";

export const MS_SCALARS = ["iso", "shift", "zeta", "delta", "eta", "span", "skew"] as const;
export type MsScalar = (typeof MS_SCALARS)[number];
export const MS_OBSERVABLES = [...MS_SCALARS, "euler", "quat"] as const;
export type MsObservable = (typeof MS_OBSERVABLES)[number];

/** Units of the MS observables, for output headers. */
export const MS_OBSERVABLE_UNITS =
  "iso, shift, zeta, delta, span: ppm; eta, skew: 1; euler: degrees (ZYZ, Haeberlen frame of the symmetric part); quat: 1";

/** The scalar observables of the Cartesian tensor t[off..off+9) (shift: NaN without a reference). */
export function msScalars(
  t: ArrayLike<number>,
  off: number,
  ref: ShiftReference | null,
): Record<MsScalar, number> {
  const p = msParams(t, off);
  return {
    iso: p.iso,
    shift: ref ? chemicalShift(ref, p.iso) : Number.NaN,
    zeta: p.zeta,
    delta: p.delta,
    eta: p.eta,
    span: p.span,
    skew: p.skew,
  };
}

/** Euler angles (active, degrees) and quaternion of the symmetric part's Haeberlen principal frame. */
export function msOrientation(t: ArrayLike<number>, off: number): { euler: number[]; quat: number[] } {
  const s = new Float64Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) s[3 * i + j] = 0.5 * (t[off + 3 * i + j]! + t[off + 3 * j + i]!);
  const o = orientation(s, 0, "haeberlen");
  return { euler: [...o.eulerActive], quat: [...o.quaternion] };
}

/**
 * Standard deviations of the scalar observables of one atom: layout mean mu[off..off+C), covariance
 * cov[covOff..covOff+C²) (row-major), blocks `lambdas`.
 */
export function msScalarStd(
  lambdas: readonly number[],
  mu: ArrayLike<number>,
  off: number,
  cov: ArrayLike<number>,
  covOff: number,
  ref: ShiftReference | null,
  prop: Propagation,
): Record<MsScalar, number> {
  const c = layoutWidth(lambdas);
  const m = Float64Array.from({ length: c }, (_, k) => mu[off + k]!);
  const S = Float64Array.from({ length: c * c }, (_, k) => cov[covOff + k]!);
  const cart = new Float64Array(9);
  const g = (x: Float64Array): Record<MsScalar, number> => {
    layoutToCartesian(lambdas, x, 0, cart, 0);
    return msScalars(cart, 0, ref);
  };
  return propagateStd(MS_SCALARS, g, m, S, prop);
}

function layoutWidth(lambdas: readonly number[]): number {
  return lambdas.reduce((a, l) => a + 2 * l + 1, 0);
}
