/**
 * Work estimate of a λ-SOAP computation, made before it starts, so that absurd settings (a cutoff of 1e6 Å)
 * are refused in milliseconds with the estimate in the message instead of running for hours.
 *
 * Neighbours per centre: periodic structures ρ·(4/3)π r_c³ with ρ = atoms / cell volume (the neighbour list
 * enumerates every periodic image within r_c); clusters at most n − 1. Multiply-adds per centre: the expansion
 * costs nmax·(lmax+1)² per neighbour (radial spline × Y_lm), the λ coupling about (K·nmax)²·(lmax+1)²·(2λ+1)²
 * with K species channels and λ the largest λ computed (pairs (l1, l2) × Clebsch–Gordan sums × components).
 * Seconds = multiply-adds / OPS_PER_SECOND, calibrated on one core of the reference machine (bench.xyz, 1600
 * centres, default spline preset, λ = 0, 2: 1.1e9 multiply-adds in 1.9–3.7 s; the analytic radial integrals of
 * the TENSOAP preset are slower per neighbour), so the figure is an order of magnitude.
 */
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import type { SoapHypers } from "./hypers.js";

export interface SoapWorkEstimate {
  /** Centre environments to compute. */
  readonly centres: number;
  /** Mean and largest estimated neighbours within the cutoff, per centre. */
  readonly neighboursPerCentre: number;
  readonly maxNeighboursPerCentre: number;
  /** Estimated multiply-adds. */
  readonly operations: number;
  /** operations / OPS_PER_SECOND. */
  readonly seconds: number;
}

/** Multiply-adds per second of the λ-SOAP code on one core (see the module comment). */
export const OPS_PER_SECOND = 5e8;
/** Refused above this many neighbours per centre (r_c ≈ 36 Å in a solid of 0.1 atoms/Å³). */
export const MAX_NEIGHBOURS_PER_CENTRE = 20_000;
/** Refused above this estimated run time (12 hours on one core). */
export const MAX_SECONDS = 12 * 3600;

/** Estimated neighbours within `rc` of an atom of `s`. */
function neighbours(s: Structure, rc: number): number {
  if (!s.isPeriodic || s.cell === null) return Math.max(0, s.length - 1);
  return (s.length / s.volume()) * ((4 / 3) * Math.PI * rc ** 3);
}

/** Estimate the work of computing λ-SOAP features of the atoms of `centers` (all when null) in `structures`. */
export function estimateSoapWork(
  structures: readonly Structure[],
  hypers: SoapHypers,
  centers: ReadonlySet<number> | null,
  nSpecies: number,
  lambdaMax: number,
): SoapWorkEstimate {
  const { maxRadial: nmax, maxAngular: lmax } = hypers.basis;
  const perNeighbour = nmax * (lmax + 1) ** 2;
  const perCentre = (nSpecies * nmax) ** 2 * (lmax + 1) ** 2 * (2 * lambdaMax + 1) ** 2;
  let centres = 0;
  let nbSum = 0;
  let nbMax = 0;
  let operations = 0;
  for (const s of structures) {
    let c = 0;
    for (const z of s.numbers) if (!centers || centers.has(z)) c++;
    if (c === 0) continue;
    const nb = neighbours(s, hypers.cutoff.radius);
    centres += c;
    nbSum += c * nb;
    nbMax = Math.max(nbMax, nb);
    operations += c * (nb * perNeighbour + perCentre);
  }
  return {
    centres,
    neighboursPerCentre: centres > 0 ? nbSum / centres : 0,
    maxNeighboursPerCentre: nbMax,
    operations,
    seconds: operations / OPS_PER_SECOND,
  };
}

/** One line: "1200 centres, ~85 neighbours per centre (max 90), ~3.1e10 multiply-adds, ~24 s on one core". */
export function describeWork(w: SoapWorkEstimate): string {
  return (
    `${w.centres} centres, ~${w.neighboursPerCentre.toPrecision(3)} neighbours per centre ` +
    `(max ${w.maxNeighboursPerCentre.toPrecision(3)}), ~${w.operations.toExponential(1)} multiply-adds, ` +
    `~${w.seconds.toPrecision(2)} s on one core`
  );
}

/** Refuse a computation whose estimate is beyond MAX_NEIGHBOURS_PER_CENTRE or MAX_SECONDS. */
export function checkSoapWork(w: SoapWorkEstimate, hypers: SoapHypers): void {
  const tooDense = w.maxNeighboursPerCentre > MAX_NEIGHBOURS_PER_CENTRE;
  if (!tooDense && w.seconds <= MAX_SECONDS) return;
  const why = tooDense
    ? `more than ${MAX_NEIGHBOURS_PER_CENTRE} neighbours per centre`
    : `more than ${MAX_SECONDS / 3600} hours of work`;
  throw new EngineError(
    "InvalidParameter",
    `λ-SOAP settings need ${why} (${describeWork(w)}): lower cutoff.radius ${hypers.cutoff.radius} Å, ` +
      `basis.maxRadial ${hypers.basis.maxRadial} or basis.maxAngular ${hypers.basis.maxAngular}, or use fewer structures`,
    { field: "cutoff.radius" },
  );
}
