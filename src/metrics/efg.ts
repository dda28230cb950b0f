/**
 * EFG metrics of Harper et al. 2025, per element (all plain JSON-serialisable numbers; NaN → null in JSON).
 *
 * For every element μ = mean(|Vzz|) and σ = std(|Vzz|) (1/N) — of the training set when the caller gives them
 * (`normalisation`: a model's stored statistics), else of the reference set — are used for BOTH reference and
 * prediction: C̃Q = (|Vzz| − μ)/σ (eq. 7), η̃ = η|Vzz|/μ (eq. 8 with Vzz fixed positive, as Harper et al. do). Reported: MAE, RMSE, %RMSE and Pearson r
 * of C̃Q and η̃; q̃ (mean, 10th percentile, min, and 1 − mean as an error to minimise); θ and φ errors of the
 * Vzz axis in degrees (see ./angles.ts) without and with the eigenvalue-ambiguity correction; ω_Q errors in
 * kHz (Harper eq. 5 and the exact lab-frame value); MAE(V_ij) as Harper's eq. in the text
 * (Σ over the 6 upper-triangle elements of |ΔV_ij|, averaged over tensors); T2 %RMSE (TENSOAP-style, all five
 * components pooled); CQ (MHz) and η errors.
 *
 * Eigenvalue-ambiguity correction (our reading of Harper's SI, which is not available to us): when |Vzz| and
 * |Vyy| are close (η → 1, the two are then of opposite sign) a small prediction error can swap which principal
 * axis is called Vzz, and θ, φ jump to a perpendicular axis. The corrected angles take, for the prediction, the
 * principal axis whose eigenvalue is the extreme of the same sign as the reference Vzz (the largest eigenvalue if
 * the reference Vzz > 0, else the smallest), i.e. eigenvectors are matched by signed rank instead of by |V|.
 * It changes nothing when the two tensors agree on the sign of Vzz.
 */
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import { own } from "../core/own.js";
import { principalFrame } from "../nmr/eigen.js";
import { axisAngles, type EfgParams, efgParams } from "../nmr/efg.js";
import { type Isotope, isotopeFor } from "../nmr/isotopes.js";
import { quaternionFromMatrix, quaternionSimilarity } from "../nmr/orientation.js";
import { cartesianToT2 } from "../nmr/spherical.js";
import { axisAngleErrors } from "./angles.js";
import { type ErrorStats, errorStats, mean, percentile, std, vectorErrorStats } from "./stats.js";

export interface QuaternionStats {
  mean: number;
  p10: number;
  min: number;
  /** 1 − mean q̃ (an error to minimise, as used in the Box–Behnken objective) */
  oneMinusMean: number;
}

export interface AngleStats {
  /** mean absolute error, degrees */
  mae: number;
  rmse: number;
  /** Pearson r of the raw angles */
  r: number;
}

export interface EfgSpeciesMetrics {
  element: string;
  n: number;
  isotope: string | null;
  /** μ and σ of |Vzz| (a.u.) that normalise C̃Q and η̃: the training set's when given, else the reference set's */
  vzzMean: number;
  vzzStd: number;
  /** Where vzzMean and vzzStd come from. */
  normalisation: "training set" | "evaluation set";
  /** Why C̃Q or η̃ are not given (NaN, null in JSON): a degenerate spread of the evaluation set; empty otherwise. */
  warnings: string[];
  cqTilde: ErrorStats;
  etaTilde: ErrorStats;
  vzz: ErrorStats;
  eta: ErrorStats;
  /** CQ in MHz (null without an isotope) */
  cq: ErrorStats | null;
  q: QuaternionStats;
  theta: AngleStats;
  phi: AngleStats;
  thetaCorrected: AngleStats;
  phiCorrected: AngleStats;
  /** ω_Q of Harper eq. 5, kHz (null without a quadrupolar isotope) */
  omegaQ: ErrorStats | null;
  /** exact first-order lab-frame ω_Q, kHz */
  omegaQLab: ErrorStats | null;
  /** Harper's MAE(V_ij): Σ_{i≤j} |ΔV_ij| averaged over tensors (a.u.) */
  maeVij: number;
  /** the five T2 components pooled */
  t2: ErrorStats;
}

export interface EfgMetricsOptions {
  /** element → isotope overrides, e.g. { Ti: "49Ti" } */
  isotopes?: Readonly<Record<string, string>>;
  /**
   * element → μ and σ of |Vzz| (a.u.) of the training set, to normalise C̃Q and η̃ with (a model's statistics).
   * Without them the reference set's own are used, as Harper et al. do on their test sets.
   */
  normalisation?: Readonly<Record<string, { readonly vzzMean: number; readonly vzzStd: number }>>;
}

/**
 * A spread σ of |Vzz| below this fraction of μ (or fewer than two tensors) is degenerate: every site of the set is
 * alike (one symmetric cell), and (|Vzz| − μ)/σ divides round-off by round-off (C̃Q errors of 1e9).
 */
const DEGENERATE_SPREAD = 1e-6;

function checkShapes(ref: ArrayLike<number>, pred: ArrayLike<number>, species: ArrayLike<number>): number {
  const n = species.length;
  if (ref.length !== 9 * n || pred.length !== 9 * n) {
    throw new EngineError(
      "ShapeMismatch",
      `expected ${n} tensors (9 numbers each) for ${n} species entries, got ${ref.length / 9} reference and ${pred.length / 9} predicted`,
    );
  }
  return n;
}

/** Indices of the tensors per atomic number, in first-seen order. */
export function groupBySpecies(species: ArrayLike<number>): Map<number, number[]> {
  const g = new Map<number, number[]>();
  for (let i = 0; i < species.length; i++) {
    const z = species[i]!;
    let a = g.get(z);
    if (!a) {
      a = [];
      g.set(z, a);
    }
    a.push(i);
  }
  return g;
}

function angleStats(ref: number[], pred: number[], err: number[]): AngleStats {
  const zero = new Float64Array(err.length);
  return { mae: mean(err), rmse: errorStats(zero, err).rmse, r: errorStats(ref, pred).r };
}

function quaternionOf(t: ArrayLike<number>, off: number, q: Float64Array, qOff: number): void {
  const vals = new Float64Array(3);
  const vecs = new Float64Array(9);
  principalFrame(t, off, "nqr", vals, vecs);
  quaternionFromMatrix(vecs, 0, q, qOff);
}

/** Per-element EFG metrics; ref and pred are n × 9 row-major Cartesian tensors (a.u.), species atomic numbers. */
export function efgMetrics(
  ref: ArrayLike<number>,
  pred: ArrayLike<number>,
  species: ArrayLike<number>,
  options: EfgMetricsOptions = {},
): Record<string, EfgSpeciesMetrics> {
  checkShapes(ref, pred, species);
  const out: Record<string, EfgSpeciesMetrics> = {};
  for (const [z, idx] of groupBySpecies(species)) {
    const el = symbolOf(z);
    const norm = options.normalisation ? own(options.normalisation, el) : undefined;
    out[el] = speciesMetrics(ref, pred, idx, el, isotopeFor(el, options.isotopes), norm);
  }
  return out;
}

/** The metrics of one element's tensors (rows idx of ref and pred). */
function speciesMetrics(
  ref: ArrayLike<number>,
  pred: ArrayLike<number>,
  idx: number[],
  el: string,
  iso: Isotope | null,
  norm: { readonly vzzMean: number; readonly vzzStd: number } | undefined,
): EfgSpeciesMetrics {
  const m = idx.length;
  const pr = idx.map((i) => efgParams(ref, 9 * i, iso));
  const pp = idx.map((i) => efgParams(pred, 9 * i, iso));
  const vzzR = pr.map((p) => p.vzz);
  const vzzP = pp.map((p) => p.vzz);
  // Harper et al. "fix V_ZZ to be positive" (methods): each tensor's eigenvalues are multiplied by sign(Vzz)
  // before eqs. 7–8, so μ is the mean of |Vzz| and Vxx − Vyy becomes η·|Vzz| ≥ 0. With signed Vzz, μ ≈ 0 for
  // sites whose Vzz takes both signs (point-charge Li, O) and η̃ would be dominated by 1/μ.
  const absR = vzzR.map(Math.abs);
  const absP = vzzP.map(Math.abs);
  const { mu, sigma, warnings } = harperScale(absR, el, norm);
  const cqtR = absR.map((v) => (v - mu) / sigma);
  const cqtP = absP.map((v) => (v - mu) / sigma);
  const etR = pr.map((p) => (p.eta * Math.abs(p.vzz)) / mu);
  const etP = pp.map((p) => (p.eta * Math.abs(p.vzz)) / mu);
  const o = orientationErrors(ref, pred, idx, pr, pp);
  const { sumVij, t2R, t2P } = componentErrors(ref, pred, idx);
  const hasCq = iso !== null && iso.qMb !== 0;
  const hasOmega = hasCq && iso.spin > 0.5;
  const thR = pr.map((p) => p.theta);
  const phR = pr.map((p) => p.phi);
  const qs = o.qs;
  return {
    element: el,
    n: m,
    isotope: iso ? iso.name : null,
    vzzMean: mu,
    vzzStd: sigma,
    normalisation: norm && norm.vzzStd > DEGENERATE_SPREAD * norm.vzzMean ? "training set" : "evaluation set",
    warnings,
    cqTilde: errorStats(cqtR, cqtP),
    etaTilde: errorStats(etR, etP),
    vzz: errorStats(vzzR, vzzP),
    eta: errorStats(
      pr.map((p) => p.eta),
      pp.map((p) => p.eta),
    ),
    cq: hasCq
      ? errorStats(
          pr.map((p) => p.cq),
          pp.map((p) => p.cq),
        )
      : null,
    q: { mean: mean(qs), p10: percentile(qs, 10), min: percentile(qs, 0), oneMinusMean: 1 - mean(qs) },
    theta: angleStats(
      thR,
      pp.map((p) => p.theta),
      o.dTheta,
    ),
    phi: angleStats(
      phR,
      pp.map((p) => p.phi),
      o.dPhi,
    ),
    thetaCorrected: angleStats(thR, o.thC, o.dThetaC),
    phiCorrected: angleStats(phR, o.phC, o.dPhiC),
    omegaQ: hasOmega
      ? errorStats(
          pr.map((p) => p.omegaQ),
          pp.map((p) => p.omegaQ),
        )
      : null,
    omegaQLab: hasOmega
      ? errorStats(
          pr.map((p) => p.omegaQLab),
          pp.map((p) => p.omegaQLab),
        )
      : null,
    maeVij: sumVij / m,
    t2: vectorErrorStats(t2R, t2P, 5),
  };
}

/**
 * μ and σ of |Vzz| for C̃Q and η̃: the training set's (`norm`) when given, else those of the reference values
 * `absR`; a degenerate spread (see DEGENERATE_SPREAD) gives NaN (no C̃Q; no η̃ when μ = 0 too) and a warning.
 */
function harperScale(
  absR: readonly number[],
  el: string,
  norm: { readonly vzzMean: number; readonly vzzStd: number } | undefined,
): { mu: number; sigma: number; warnings: string[] } {
  if (norm && norm.vzzStd > DEGENERATE_SPREAD * norm.vzzMean)
    return { mu: norm.vzzMean, sigma: norm.vzzStd, warnings: [] };
  const mu = mean(absR);
  const sigma = std(absR);
  const warnings: string[] = norm
    ? [`${el}: the training set's |Vzz| has no spread; normalised by the evaluation set's`]
    : [];
  if (absR.length < 2 || !(sigma > DEGENERATE_SPREAD * mu)) {
    warnings.push(
      `${el}: C̃Q not given: the evaluation set's |Vzz| has no spread (${absR.length} site(s), μ ${mu.toPrecision(4)} au, ` +
        `σ ${sigma.toPrecision(2)} au) and there are no training-set statistics to normalise with`,
    );
    if (!(mu > 0)) warnings.push(`${el}: η̃ not given: mean |Vzz| is 0`);
    return { mu: mu > 0 ? mu : Number.NaN, sigma: Number.NaN, warnings };
  }
  return { mu, sigma, warnings };
}

/**
 * Orientation errors per tensor: quaternion similarity of the principal frames, errors of the Vzz axis angles,
 * and the same for the ambiguity-corrected axis of the prediction (signed-rank match with the reference Vzz).
 */
function orientationErrors(
  ref: ArrayLike<number>,
  pred: ArrayLike<number>,
  idx: number[],
  pr: EfgParams[],
  pp: EfgParams[],
) {
  const vals = new Float64Array(3);
  const vecs = new Float64Array(9);
  const qs = new Float64Array(idx.length);
  const qa = new Float64Array(4);
  const qb = new Float64Array(4);
  const e = {
    qs,
    dTheta: [] as number[],
    dPhi: [] as number[],
    dThetaC: [] as number[],
    dPhiC: [] as number[],
  };
  const thC: number[] = [];
  const phC: number[] = [];
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    quaternionOf(ref, 9 * i, qa, 0);
    quaternionOf(pred, 9 * i, qb, 0);
    qs[k] = quaternionSimilarity(qa, 0, qb, 0);
    const a = pr[k]!;
    const b = pp[k]!;
    const [et, ep] = axisAngleErrors(a.theta, a.phi, b.theta, b.phi);
    e.dTheta.push(et);
    e.dPhi.push(ep);
    principalFrame(pred, 9 * i, "increasing", vals, vecs);
    const col = a.vzz >= 0 ? 2 : 0;
    const axis: [number, number, number] = [vecs[col]!, vecs[3 + col]!, vecs[6 + col]!];
    const [tc, pc] = axisAngles(axis);
    thC.push(tc);
    phC.push(pc);
    const [ct, cp] = axisAngleErrors(a.theta, a.phi, tc, pc);
    e.dThetaC.push(ct);
    e.dPhiC.push(cp);
  }
  return { ...e, thC, phC };
}

/** Σ_{i≤j} |ΔV_ij| over the tensors, and their T2 components (5 per tensor). */
function componentErrors(ref: ArrayLike<number>, pred: ArrayLike<number>, idx: number[]) {
  let sumVij = 0;
  const t2R = new Float64Array(5 * idx.length);
  const t2P = new Float64Array(5 * idx.length);
  for (let k = 0; k < idx.length; k++) {
    const o = 9 * idx[k]!;
    for (let a = 0; a < 3; a++)
      for (let b = a; b < 3; b++) sumVij += Math.abs(pred[o + 3 * a + b]! - ref[o + 3 * a + b]!);
    cartesianToT2(ref, o, t2R, 5 * k);
    cartesianToT2(pred, o, t2P, 5 * k);
  }
  return { sumVij, t2R, t2P };
}
