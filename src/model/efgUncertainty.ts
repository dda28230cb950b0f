/**
 * Predictive uncertainties of the EFG observables CQ (MHz), η_Q and ω_Q (kHz) of a λ=2 EFG prediction, propagated
 * from the predictive covariance of its T2 components (5×5 per atom) by src/model/propagation.ts (linearisation or
 * sampling; issue 17 item 5). The observables are those of src/nmr/efg.ts efgParams (NQR order, CQ signed).
 */
import type { Isotope } from "../nmr/isotopes.js";
import { efgParams } from "../nmr/efg.js";
import { t2ToCartesian } from "../nmr/spherical.js";
import { type Propagation, propagateStd } from "./propagation.js";

/** EFG observables that get a `<o>_std` column. */
export const EFG_STD_OBSERVABLES = ["cq", "eta", "wq"] as const;
export type EfgStdObservable = (typeof EFG_STD_OBSERVABLES)[number];

/** CQ, η_Q, ω_Q of the EFG whose T2 components are x[0..5) (NaN without a quadrupolar isotope, except η). */
export function efgScalars(
  x: ArrayLike<number>,
  off: number,
  iso: Isotope | null,
): Record<EfgStdObservable, number> {
  const cart = new Float64Array(9);
  t2ToCartesian(x, off, cart, 0);
  const p = efgParams(cart, 0, iso);
  return { cq: p.cq, eta: p.eta, wq: p.omegaQ };
}

/**
 * Standard deviations of CQ, η_Q, ω_Q of one atom: T2 mean mu[off..off+5), covariance cov[covOff..covOff+25)
 * (row-major).
 */
export function efgScalarStd(
  mu: ArrayLike<number>,
  off: number,
  cov: ArrayLike<number>,
  covOff: number,
  iso: Isotope | null,
  prop: Propagation,
): Record<EfgStdObservable, number> {
  const m = Float64Array.from({ length: 5 }, (_, k) => mu[off + k]!);
  const S = Float64Array.from({ length: 25 }, (_, k) => cov[covOff + k]!);
  return propagateStd(EFG_STD_OBSERVABLES, (x) => efgScalars(x, 0, iso), m, S, prop);
}
