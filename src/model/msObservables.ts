/**
 * Magnetic-shielding observables of a tensor model's prediction, with predictive uncertainties propagated from
 * the block (co)variances: σ_iso, δ_iso (with a shift reference, src/nmr/shifts.ts), Haeberlen ζ, Δ, η, Maryland
 * Ω, κ (src/nmr/ms.ts, ppm except η and κ), and the Euler angles / quaternion of the symmetric part's principal
 * frame (Haeberlen order; values only). Uncertainty of each scalar g(μ), μ the layout [σ_iso | T1 | T2] with
 * covariance Σ: "linear" — first-order propagation √(Jᵀ Σ J), J by central differences; "sampling" — the std of
 * g over seeded draws from N(μ, Σ). They agree where g is smooth on the scale of √Σ (tested against each other).
 */
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { msParams } from "../nmr/ms.js";
import { orientation } from "../nmr/orientation.js";
import { chemicalShift, type ShiftReference } from "../nmr/shifts.js";
import { layoutToCartesian } from "./tensorLayout.js";

export const MS_SCALARS = ["iso", "shift", "zeta", "delta", "eta", "span", "skew"] as const;
export type MsScalar = (typeof MS_SCALARS)[number];
export const MS_OBSERVABLES = [...MS_SCALARS, "euler", "quat"] as const;
export type MsObservable = (typeof MS_OBSERVABLES)[number];

/** Units of the MS observables, for output headers. */
export const MS_OBSERVABLE_UNITS =
  "iso, shift, zeta, delta, span: ppm; eta, skew: 1; euler: degrees (ZYZ, Haeberlen frame of the symmetric part); quat: 1";

export interface Propagation {
  readonly method: "linear" | "sampling";
  /** Draws for "sampling" (default 2000). */
  readonly samples?: number;
  readonly seed?: number;
}

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
  return prop.method === "linear"
    ? linearStd(g, m, S)
    : samplingStd(g, m, S, prop.samples ?? 2000, prop.seed ?? 0);
}

function layoutWidth(lambdas: readonly number[]): number {
  return lambdas.reduce((a, l) => a + 2 * l + 1, 0);
}

type Scalars = (x: Float64Array) => Record<MsScalar, number>;

/** √(Jᵀ Σ J) with J by central differences, step 1e-4·√Σ_kk (the observables are smooth on that scale). */
function linearStd(g: Scalars, m: Float64Array, S: Float64Array): Record<MsScalar, number> {
  const c = m.length;
  const J = MS_SCALARS.map(() => new Float64Array(c));
  const x = m.slice();
  for (let k = 0; k < c; k++) {
    const sd = Math.sqrt(Math.max(0, S[k * c + k]!));
    if (sd === 0) continue;
    const h = 1e-4 * sd;
    x[k] = m[k]! + h;
    const up = g(x);
    x[k] = m[k]! - h;
    const down = g(x);
    x[k] = m[k]!;
    MS_SCALARS.forEach((name, q) => {
      J[q]![k] = (up[name] - down[name]) / (2 * h);
    });
  }
  const out = {} as Record<MsScalar, number>;
  MS_SCALARS.forEach((name, q) => {
    const j = J[q]!;
    let v = 0;
    for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) v += j[a]! * S[a * c + b]! * j[b]!;
    out[name] = Math.sqrt(Math.max(0, v));
  });
  return out;
}

/** Standard deviation of g over `n` seeded draws μ + L z, L L ᵀ = Σ (semi-definite Cholesky). */
function samplingStd(
  g: Scalars,
  m: Float64Array,
  S: Float64Array,
  n: number,
  seed: number,
): Record<MsScalar, number> {
  const c = m.length;
  const L = semiCholesky(S, c);
  const rng = new Rng(seed);
  const sum = new Float64Array(MS_SCALARS.length);
  const sum2 = new Float64Array(MS_SCALARS.length);
  const z = new Float64Array(c);
  const x = new Float64Array(c);
  for (let s = 0; s < n; s++) {
    for (let k = 0; k < c; k++) z[k] = rng.normal();
    for (let a = 0; a < c; a++) {
      let v = m[a]!;
      for (let b = 0; b <= a; b++) v += L[a * c + b]! * z[b]!;
      x[a] = v;
    }
    const r = g(x);
    MS_SCALARS.forEach((name, q) => {
      sum[q]! += r[name];
      sum2[q]! += r[name] * r[name];
    });
  }
  const out = {} as Record<MsScalar, number>;
  MS_SCALARS.forEach((name, q) => {
    const mean = sum[q]! / n;
    out[name] = Math.sqrt(Math.max(0, (sum2[q]! / n - mean * mean) * (n / (n - 1))));
  });
  return out;
}

/** Cholesky of a positive semi-definite matrix: columns with a non-positive pivot (zero variance) are zero. */
function semiCholesky(S: Float64Array, c: number): Float64Array {
  const L = new Float64Array(c * c);
  for (let j = 0; j < c; j++) {
    let d = S[j * c + j]!;
    for (let k = 0; k < j; k++) d -= L[j * c + k]! ** 2;
    if (!(d > 1e-14 * Math.max(1, S[j * c + j]!))) continue;
    const ljj = Math.sqrt(d);
    L[j * c + j] = ljj;
    for (let i = j + 1; i < c; i++) {
      let v = S[i * c + j]!;
      for (let k = 0; k < j; k++) v -= L[i * c + k]! * L[j * c + k]!;
      L[i * c + j] = v / ljj;
    }
  }
  return L;
}

/** The propagation method by name ("linear" or "sampling"). */
export function parsePropagation(v: string, samples?: number, seed?: number): Propagation {
  if (v !== "linear" && v !== "sampling")
    throw new EngineError("InvalidParameter", `uncertainty must be linear or sampling, got '${v}'`, {
      field: "uncertainty",
    });
  return {
    method: v,
    ...(samples !== undefined ? { samples } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}
