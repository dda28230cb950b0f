/**
 * Second-order response surface in coded units (Box & Draper 1987, ch. 9–10):
 *
 *   ŷ(x) = β0 + Σ_i β_i x_i + Σ_{i<j} β_ij x_i x_j + Σ_i β_ii x_i²
 *
 * fitted by linear least squares through a Householder QR of the model matrix (float64), with R², its
 * constrained minimum on the coded box [−1, 1]^k, and a shrunken box around that minimum for a second round.
 *
 * The constrained minimum is exact: the minimiser of a quadratic on a box lies in the relative interior of
 * some face (a vertex, an edge, …, or the box itself) where the gradient along the face's free coordinates
 * vanishes. All 3^k faces (each coordinate free, at −1 or at +1) are visited, the reduced stationarity system
 * is solved, and the best in-box candidate is kept. Faces whose reduced Hessian is singular are skipped: on
 * such a face the quadratic is unbounded or flat along a direction, so its minimum is on that face's boundary,
 * which is itself a visited face. Practical for k ≤ 10 (59 049 faces).
 */
import { EngineError } from "../core/errors.js";
import { solveGaussian } from "../math/linalg.js";
import { jacobiEigh } from "../math/symeig.js";
import { type Factor, decode } from "./boxBehnken.js";

/** Number of terms of the full quadratic model in k factors: 1 + 2k + k(k−1)/2. */
export function quadraticTermCount(k: number): number {
  return 1 + 2 * k + (k * (k - 1)) / 2;
}

/** Human-readable term names, in the coefficient order: "1", "x0".., "x0*x1".., "x0^2"... */
export function quadraticTermNames(k: number, names?: readonly string[]): string[] {
  const n = (i: number) => names?.[i] ?? `x${i}`;
  const out = ["1"];
  for (let i = 0; i < k; i++) out.push(n(i));
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) out.push(`${n(i)}*${n(j)}`);
  for (let i = 0; i < k; i++) out.push(`${n(i)}^2`);
  return out;
}

/** Fill one row of the model matrix for coded point x (length k) into out (length p). */
export function quadraticRow(x: ArrayLike<number>, k: number, out: Float64Array, offset = 0): void {
  let c = offset;
  out[c++] = 1;
  for (let i = 0; i < k; i++) out[c++] = x[i]!;
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) out[c++] = x[i]! * x[j]!;
  for (let i = 0; i < k; i++) out[c++] = x[i]! * x[i]!;
}

/** A fitted quadratic response surface (plain JSON-serialisable numbers). */
export interface QuadraticSurface {
  readonly k: number;
  /** Coefficients in the order of `quadraticTermNames(k)`. */
  readonly coefficients: number[];
  readonly termNames: string[];
  /** Coefficient of determination 1 − SS_res/SS_tot (1 when SS_tot = 0 and the fit is exact). */
  readonly r2: number;
  /** Adjusted R² = 1 − (1 − R²)(n − 1)/(n − p); NaN when n ≤ p. */
  readonly r2Adjusted: number;
  /** Root-mean-square residual of the fit. */
  readonly rmse: number;
  /** Number of observations used. */
  readonly n: number;
}

/**
 * Least-squares fit of the full quadratic model. `x` is row-major (n × k) coded levels, `y` the n responses.
 * Throws EngineError("InvalidParameter") when the design does not determine all p coefficients (n < p or
 * a rank-deficient model matrix).
 */
export function fitQuadratic(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  k: number,
  names?: readonly string[],
): QuadraticSurface {
  const n = y.length;
  const p = quadraticTermCount(k);
  if (x.length !== n * k) {
    throw new EngineError(
      "ShapeMismatch",
      `coded points: expected ${n * k} values (n=${n}, k=${k}), got ${x.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i]!)) {
      throw new EngineError("InvalidParameter", `response ${i} is not finite (${y[i]})`, {
        field: `y[${i}]`,
      });
    }
  }
  if (n < p) {
    throw new EngineError(
      "InvalidParameter",
      `a quadratic model in ${k} factors needs ≥ ${p} runs, got ${n}`,
    );
  }
  // Model matrix A (n × p, row-major) and right-hand side b; Householder QR in place.
  const a = new Float64Array(n * p);
  const row = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < k; i++) row[i] = x[r * k + i]!;
    quadraticRow(row, k, a, r * p);
  }
  const b = Float64Array.from(y as ArrayLike<number>);
  let colMax = 0;
  for (let i = 0; i < n * p; i++) colMax = Math.max(colMax, Math.abs(a[i]!));
  const rdiag = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let norm = 0;
    for (let r = j; r < n; r++) norm += a[r * p + j]! * a[r * p + j]!;
    norm = Math.sqrt(norm);
    // Rank test: a column whose remaining norm is at round-off level relative to the matrix scale is
    // linearly dependent on the previous ones (1e-10 is far above 1e-16·√n round-off, far below design values).
    if (norm <= 1e-10 * Math.max(1, colMax)) {
      throw new EngineError(
        "InvalidParameter",
        `the design does not determine the quadratic term '${quadraticTermNames(k, names)[j]}' (rank-deficient model matrix)`,
      );
    }
    const alpha = a[j * p + j]! > 0 ? -norm : norm;
    // v = a[j:, j] − alpha e1, stored in place.
    a[j * p + j] = a[j * p + j]! - alpha;
    let vnorm2 = 0;
    for (let r = j; r < n; r++) vnorm2 += a[r * p + j]! * a[r * p + j]!;
    for (let c = j + 1; c < p; c++) {
      let s = 0;
      for (let r = j; r < n; r++) s += a[r * p + j]! * a[r * p + c]!;
      const f = (2 * s) / vnorm2;
      for (let r = j; r < n; r++) a[r * p + c] = a[r * p + c]! - f * a[r * p + j]!;
    }
    let s = 0;
    for (let r = j; r < n; r++) s += a[r * p + j]! * b[r]!;
    const f = (2 * s) / vnorm2;
    for (let r = j; r < n; r++) b[r] = b[r]! - f * a[r * p + j]!;
    rdiag[j] = alpha;
  }
  // Back-substitution R β = (Qᵀ b)[0:p]; R's strict upper triangle is in a, its diagonal in rdiag.
  const beta = new Float64Array(p);
  for (let j = p - 1; j >= 0; j--) {
    let s = b[j]!;
    for (let c = j + 1; c < p; c++) s -= a[j * p + c]! * beta[c]!;
    beta[j] = s / rdiag[j]!;
  }
  const coefficients = Array.from(beta);
  // Residuals from the original data (not from Qᵀb, to avoid relying on the in-place state).
  let mean = 0;
  for (let r = 0; r < n; r++) mean += y[r]!;
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  const xr = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < k; i++) xr[i] = x[r * k + i]!;
    const e = y[r]! - evaluateCoefficients(coefficients, k, xr);
    ssRes += e * e;
    ssTot += (y[r]! - mean) * (y[r]! - mean);
  }
  const r2 = ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : Number.NaN;
  return {
    k,
    coefficients,
    termNames: quadraticTermNames(k, names),
    r2,
    r2Adjusted: n > p ? 1 - ((1 - r2) * (n - 1)) / (n - p) : Number.NaN,
    rmse: Math.sqrt(ssRes / n),
    n,
  };
}

function evaluateCoefficients(c: readonly number[], k: number, x: ArrayLike<number>): number {
  let v = c[0]!;
  let t = 1;
  for (let i = 0; i < k; i++) v += c[t++]! * x[i]!;
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) v += c[t++]! * x[i]! * x[j]!;
  for (let i = 0; i < k; i++) v += c[t++]! * x[i]! * x[i]!;
  return v;
}

/** Value of the fitted surface at coded point x. */
export function evaluateSurface(s: QuadraticSurface, x: ArrayLike<number>): number {
  if (x.length !== s.k)
    throw new EngineError("ShapeMismatch", `point has ${x.length} coordinates, surface has ${s.k}`);
  return evaluateCoefficients(s.coefficients, s.k, x);
}

/**
 * Gradient g and Hessian H (row-major k×k) of the surface: ŷ(x) = β0 + gᵀx + ½ xᵀHx, with H_ii = 2β_ii,
 * H_ij = β_ij.
 */
export function surfaceDerivatives(s: QuadraticSurface): { linear: Float64Array; hessian: Float64Array } {
  const { k, coefficients: c } = s;
  const linear = new Float64Array(k);
  const hessian = new Float64Array(k * k);
  let t = 1;
  for (let i = 0; i < k; i++) linear[i] = c[t++]!;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      hessian[i * k + j] = c[t]!;
      hessian[j * k + i] = c[t]!;
      t++;
    }
  }
  for (let i = 0; i < k; i++) hessian[i * k + i] = 2 * c[t++]!;
  return { linear, hessian };
}

/** Eigenvalues of a small symmetric matrix (cyclic Jacobi, src/math/symeig.ts), ascending. */
export function symmetricEigenvalues(h: ArrayLike<number>, k: number): number[] {
  return Array.from(jacobiEigh(Float64Array.from(h), k).values).sort((u, v) => u - v);
}

/** The constrained minimum of a surface on the coded box. */
export interface SurfaceOptimum {
  /** Coded coordinates of the minimiser, each in [−1, 1]. */
  readonly coded: number[];
  /** Predicted response there. */
  readonly predicted: number;
  /** Indices of coordinates that sit on a bound (−1 or +1) at the minimiser. */
  readonly activeBounds: number[];
  /** Unconstrained stationary point (null when the Hessian is singular). */
  readonly stationary: number[] | null;
  /** Nature of the stationary point from the Hessian eigenvalues. */
  readonly stationaryKind: "minimum" | "maximum" | "saddle" | "degenerate";
  /** Hessian eigenvalues, ascending. */
  readonly hessianEigenvalues: number[];
}

/** Exact minimum of the fitted quadratic subject to −1 ≤ x_i ≤ 1 (enumeration of all 3^k faces). */
export function minimizeInBox(s: QuadraticSurface): SurfaceOptimum {
  const k = s.k;
  if (k > 10)
    throw new EngineError(
      "InvalidParameter",
      `box minimisation enumerates 3^k faces; k=${k} > 10 is too many`,
    );
  const { linear: g, hessian: h } = surfaceDerivatives(s);
  const eig = symmetricEigenvalues(h, k);
  const scale = Math.max(1e-300, ...eig.map(Math.abs));
  // Eigenvalues within 1e-9 of the largest magnitude are numerically zero (the surface is flat there).
  const zeroTol = 1e-9 * scale;
  const stationaryKind: SurfaceOptimum["stationaryKind"] = eig.some((e) => Math.abs(e) <= zeroTol)
    ? "degenerate"
    : eig[0]! > 0
      ? "minimum"
      : eig[k - 1]! < 0
        ? "maximum"
        : "saddle";
  let stationary: number[] | null = null;
  {
    const m = Float64Array.from(h);
    const r = Float64Array.from(g, (v) => -v);
    if (solveGaussian(m, r, k, 1e-12)) stationary = Array.from(r);
  }
  // state per coordinate: 0 free, 1 at −1, 2 at +1.
  const state = new Int8Array(k);
  const xPoint = new Float64Array(k);
  const free = new Int32Array(k);
  const m = new Float64Array(k * k);
  const rhs = new Float64Array(k);
  let best = Number.POSITIVE_INFINITY;
  let bestX: number[] = new Array(k).fill(0);
  const total = 3 ** k;
  // Candidates may overshoot the box by round-off; accept up to 1e-12 and clamp.
  const boxTol = 1e-12;
  for (let code = 0; code < total; code++) {
    let c = code;
    let nf = 0;
    for (let i = 0; i < k; i++) {
      state[i] = c % 3;
      c = Math.floor(c / 3);
      if (state[i] === 0) free[nf++] = i;
      else xPoint[i] = state[i] === 1 ? -1 : 1;
    }
    // Reduced system: H_ff x_f = −(g_f + H_fb x_b).
    for (let a = 0; a < nf; a++) {
      const i = free[a]!;
      let r = -g[i]!;
      for (let j = 0; j < k; j++) if (state[j] !== 0) r -= h[i * k + j]! * xPoint[j]!;
      rhs[a] = r;
      for (let b = 0; b < nf; b++) m[a * nf + b] = h[i * k + free[b]!]!;
    }
    if (nf > 0 && !solveGaussian(m, rhs, nf, 1e-12)) continue;
    let inside = true;
    for (let a = 0; a < nf; a++) {
      const v = rhs[a]!;
      if (v < -1 - boxTol || v > 1 + boxTol) {
        inside = false;
        break;
      }
      xPoint[free[a]!] = Math.max(-1, Math.min(1, v));
    }
    if (!inside) continue;
    const val = evaluateCoefficients(s.coefficients, k, xPoint);
    if (val < best) {
      best = val;
      bestX = Array.from(xPoint);
    }
  }
  const activeBounds: number[] = [];
  bestX.forEach((v, i) => {
    if (Math.abs(Math.abs(v) - 1) <= 1e-12) activeBounds.push(i);
  });
  return { coded: bestX, predicted: best, activeBounds, stationary, stationaryKind, hessianEigenvalues: eig };
}

/**
 * Shrunken box for a second round: each factor's coded interval becomes [c − w, c + w] with w = `shrink`
 * (fraction of the original half-width, default 0.5), centred on the optimum c and shifted to stay inside
 * [−1, 1]; returned as real-valued factors (log-scaled factors stay log-scaled). Integer factors keep at least
 * one unit of width.
 */
export function shrinkFactors(
  factors: readonly Factor[],
  optimum: readonly number[],
  shrink = 0.5,
): Factor[] {
  if (!(shrink > 0 && shrink <= 1)) {
    throw new EngineError("InvalidParameter", `shrink must be in (0, 1], got ${shrink}`, { field: "shrink" });
  }
  if (optimum.length !== factors.length) {
    throw new EngineError(
      "ShapeMismatch",
      `optimum has ${optimum.length} coordinates, ${factors.length} factors`,
    );
  }
  return factors.map((f, i) => {
    let lo = optimum[i]! - shrink;
    let hi = optimum[i]! + shrink;
    if (lo < -1) {
      hi += -1 - lo;
      lo = -1;
    }
    if (hi > 1) {
      lo -= hi - 1;
      hi = 1;
    }
    const g: Factor = { ...f, integer: false };
    let min = decode(g, Math.max(-1, lo));
    let max = decode(g, Math.min(1, hi));
    if (f.integer) {
      min = Math.round(min);
      max = Math.round(max);
      if (max <= min) {
        if (max + 1 <= f.max) max = min + 1;
        else min = max - 1;
      }
    }
    return { ...f, min, max };
  });
}
