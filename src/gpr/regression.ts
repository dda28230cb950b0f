/**
 * Matrix-level Gaussian-process regression in float64 (no descriptors, no files): full GPR by Cholesky and
 * sparse GPR (subset of regressors, SoR, and the projected process / DTC) on M inducing points.
 *
 * Rows of every kernel matrix are (environment, component) pairs: an environment with c = 2λ+1 components
 * contributes c consecutive rows, so "N" below counts rows (N = n_env · c).
 *
 * Model: y ~ GP(0, s² (K + σ² I)), with K the (normalised) kernel, σ² = `reg` the noise/regulariser relative
 * to the kernel (TENSOAP's `reg`: it solves (K + reg·I) α = y), and the signal scale s² estimated by maximum
 * likelihood given σ² (the profile likelihood): ŝ² = yᵀ (K + σ²I)⁻¹ y / N. The predictive mean does not depend
 * on s²; the predictive (co)variances are s²·(posterior of the unit-scale GP).
 *
 * References: Rasmussen & Williams (2006), "Gaussian Processes for Machine Learning", Alg. 2.1 (full GPR:
 * L = chol(K + σ²I), α = Lᵀ\(L\y), f̄* = k*ᵀα, v = L\k*, V[f*] = k(x*,x*) − vᵀv, log p = −½yᵀα − Σ log L_ii −
 * N/2 log 2π) and §8.3.1/§8.3.3 (SoR, eq. 8.14; projected process / DTC, eq. 8.26); Quiñonero-Candela &
 * Rasmussen (2005) JMLR 6, 1939 for the SoR/DTC variances.
 */
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { GemmPool } from "../math/_workerPool.js";
import { gemmKernel } from "../math/gemm.js";
import {
  choleskyInPlaceWithJitter,
  choleskyWithJitter,
  choleskySolve,
  logDetFromCholesky,
  solveLowerParallel,
} from "../math/linalg.js";
import { sharedFloat64, sharedGemmPool } from "../math/_workerPool.js";

export interface SolveOptions {
  /** Worker pool for the Cholesky trailing updates (optional). */
  pool?: GemmPool;
  /** Prefix for error messages, e.g. "Li λ=2: ". */
  context?: string;
}

export interface FullGprState {
  /** Number of rows (environments × components). */
  readonly n: number;
  /** α = (K + σ²I)⁻¹ y. */
  readonly alpha: Float64Array;
  /** Cholesky factor L of K + σ²I + jitter·I (n×n, lower, row-major). */
  readonly l: Float64Array;
  /** Jitter added on top of σ² (0 when none was needed). */
  readonly jitter: number;
  /** Maximum-likelihood signal scale ŝ² = yᵀα / n. */
  readonly scale: number;
  /** Log marginal likelihood of y at s² = 1 (R&W Alg. 2.1 line 8). */
  readonly logMarginal: number;
}

function checkFinite(name: string, a: Float64Array, context: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      throw new EngineError(
        "InvalidParameter",
        `${context}${name} contains a non-finite value at index ${i}`,
      );
    }
  }
}

/**
 * Full GPR (R&W Alg. 2.1 lines 2–3): L = chol(K + σ²I), α = Lᵀ\(L\Y) for `rhs` right-hand sides at once
 * (Y n × rhs row-major, default one column). `k` (n×n) is not modified. With several columns, `scale` and
 * `logMarginal` are those of the columns as independent GPs sharing K (sums over the columns; ŝ² over n·rhs).
 */
export async function fitFullGpr(
  k: Float64Array,
  n: number,
  y: Float64Array,
  reg: number,
  options: SolveOptions & { rhs?: number } = {},
): Promise<FullGprState> {
  // one copy of K, factorised in place (in shared memory with a pool, so the workers use it without another copy)
  const work = options.pool ? sharedFloat64(n * n) : new Float64Array(n * n);
  return fitFullGprInPlace(work, (buf) => buf.set(k.subarray(0, n * n)), n, y, reg, options);
}

/**
 * fitFullGpr without a copy of K: `fill(buf)` writes K (n×n) into the first n² values of `work` (e.g. a ζ fold of
 * cached raw kernels), which is then factorised in place (L is returned in `work`; in shared memory the pool
 * works on it directly). `fill` is called again before each jitter retry.
 */
export async function fitFullGprInPlace(
  work: Float64Array,
  fill: (buf: Float64Array) => void,
  n: number,
  y: Float64Array,
  reg: number,
  options: SolveOptions & { rhs?: number } = {},
): Promise<FullGprState> {
  const r = checkFullInputs(n, y, reg, options);
  const fillReg = (buf: Float64Array) => {
    fill(buf);
    addDiagonal(buf, n, reg);
  };
  fillReg(work.subarray(0, n * n));
  const { l, jitter } = await choleskyInPlaceWithJitter(work, n, fillReg, {
    context: options.context ?? "",
    ...(options.pool ? { pool: options.pool } : {}),
  });
  return solveFactored(l, jitter, n, y, r);
}

/** Checks of fitFullGpr's inputs; returns the number of right-hand sides. */
function checkFullInputs(
  n: number,
  y: Float64Array,
  reg: number,
  options: SolveOptions & { rhs?: number },
): number {
  const ctx = options.context ?? "";
  const r = options.rhs ?? 1;
  if (!(reg >= 0)) throw new EngineError("InvalidParameter", `${ctx}regularisation must be ≥ 0, got ${reg}`);
  if (y.length !== n * r)
    throw new EngineError(
      "ShapeMismatch",
      `${ctx}y has ${y.length} values, kernel has ${n} rows${r > 1 ? ` × ${r} right-hand sides` : ""}`,
    );
  checkFinite("target", y, ctx);
  return r;
}

function addDiagonal(a: Float64Array, n: number, v: number): void {
  for (let i = 0; i < n; i++) a[i * n + i] += v;
}

/** α = Lᵀ\(L\Y), ŝ² and the log marginal likelihood from the factor L. */
function solveFactored(l: Float64Array, jitter: number, n: number, y: Float64Array, r: number): FullGprState {
  const alpha = choleskySolve(l, n, y.slice(), r);
  let yAlpha = 0;
  for (let i = 0; i < n * r; i++) yAlpha += y[i] * alpha[i];
  const logMarginal =
    -0.5 * yAlpha - 0.5 * r * logDetFromCholesky(l, n) - 0.5 * n * r * Math.log(2 * Math.PI);
  return { n, alpha, l, jitter, scale: n > 0 ? yAlpha / (n * r) : 1, logMarginal };
}

/**
 * Predictive mean f̄* = K*·α (R&W Alg. 2.1 line 4); kStar is t×n (rows: test, columns: training), α n × r (r
 * right-hand sides, default 1); the result is t × r.
 */
export function predictMean(
  kStar: Float64Array,
  t: number,
  n: number,
  alpha: Float64Array,
  r = 1,
): Float64Array {
  const out = new Float64Array(t * r);
  if (t > 0) gemmKernel(false, false, t, r, n, 1, kStar, 0, n, alpha, 0, r, 0, out, 0, r);
  return out;
}

/**
 * Centre the columns of targets y (n × r row-major) on their means (λ=0 targets; λ>0 are never shifted): returns
 * the centred copy and the means, to add back to predictions.
 */
export function centreColumns(
  y: Float64Array,
  n: number,
  r = 1,
): { centred: Float64Array; means: Float64Array } {
  const means = new Float64Array(r);
  for (let i = 0; i < n; i++) for (let q = 0; q < r; q++) means[q]! += y[i * r + q]!;
  for (let q = 0; q < r; q++) means[q]! /= Math.max(n, 1);
  const centred = y.slice();
  for (let i = 0; i < n; i++) for (let q = 0; q < r; q++) centred[i * r + q]! -= means[q]!;
  return { centred, means };
}

/** Transpose of a rows×cols row-major matrix. */
export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * rows + i] = a[i * cols + j];
    }
  }
  return out;
}

/**
 * Accumulate per-environment c×c blocks of ± VᵀV into `cov` (nEnv × c × c), where V is r×(nEnv·c)
 * (row-major): cov_e[μ,ν] += sign · Σ_p V[p, e·c+μ] V[p, e·c+ν].
 */
function addBlockGram(
  v: Float64Array,
  r: number,
  nEnv: number,
  c: number,
  sign: number,
  cov: Float64Array,
): void {
  const w = nEnv * c;
  for (let p = 0; p < r; p++) {
    const row = p * w;
    for (let e = 0; e < nEnv; e++) {
      const o = row + e * c;
      const co = e * c * c;
      for (let mu = 0; mu < c; mu++) {
        const x = sign * v[o + mu];
        if (x === 0) continue;
        for (let nu = 0; nu < c; nu++) cov[co + mu * c + nu] += x * v[o + nu];
      }
    }
  }
}

/**
 * Full-GPR predictive covariance blocks (R&W Alg. 2.1 lines 5–6, per environment block):
 * Cov_e = s² (K_ee − V_eᵀV_e), V = L \ K_{N*}. `kStar` is (nEnv·c)×n, `kss` holds the prior blocks K_ee
 * (nEnv × c × c). Returns nEnv × c × c.
 */
export async function fullGprCovariance(
  state: FullGprState,
  kStar: Float64Array,
  nEnv: number,
  c: number,
  kss: Float64Array,
  pool: GemmPool = sharedGemmPool(),
): Promise<Float64Array> {
  const t = nEnv * c;
  const v = transpose(kStar, t, state.n); // n × t
  await solveLowerParallel(state.l, state.n, v, t, pool);
  const cov = kss.slice(0, nEnv * c * c);
  addBlockGram(v, state.n, nEnv, c, -1, cov);
  for (let i = 0; i < cov.length; i++) cov[i] *= state.scale;
  return cov;
}

export type SparseApproximation = "dtc" | "sor";

export interface SparseGprState {
  /** Number of inducing rows (M environments × c). */
  readonly m: number;
  /** Weights: f̄* = K_{*M} α with α = (σ²K_MM + K_MN K_NM)⁻¹ K_MN y. */
  readonly alpha: Float64Array;
  /** chol(K_MM + jitter) (m×m) — for the DTC variance term K** − Q**. */
  readonly lMM: Float64Array;
  /** chol(σ²K_MM + K_MN K_NM + jitter) (m×m). */
  readonly lSigma: Float64Array;
  readonly reg: number;
  readonly jitterMM: number;
  readonly jitterSigma: number;
  /** Maximum-likelihood signal scale under the SoR/DTC marginal likelihood, ŝ² = yᵀ(Q_NN + σ²I)⁻¹y / N. */
  readonly scale: number;
}

/**
 * Sparse GPR on m inducing rows: kMM (m×m), kNM (n×m), targets y (n). The mean is shared by SoR and DTC
 * (R&W eq. 8.14/8.26): f̄* = K_{*M}(σ²K_MM + K_MN K_NM)⁻¹K_MN y; with m = n inducing points it equals full GPR.
 */
export async function fitSparseGpr(
  kMM: Float64Array,
  m: number,
  kNM: Float64Array,
  n: number,
  y: Float64Array,
  reg: number,
  options: SolveOptions = {},
): Promise<SparseGprState> {
  const ctx = options.context ?? "";
  if (!(reg > 0))
    throw new EngineError("InvalidParameter", `${ctx}sparse GPR needs a regularisation > 0, got ${reg}`);
  if (y.length !== n)
    throw new EngineError("ShapeMismatch", `${ctx}y has ${y.length} values, K_NM has ${n} rows`);
  checkFinite("target", y, ctx);
  // Σ⁻¹ = σ² K_MM + K_MN K_NM
  const sInv = new Float64Array(m * m);
  if (options.pool && m * m * n >= 5e7)
    await options.pool.gemm(true, false, m, m, n, 1, kNM, 0, m, kNM, 0, m, 0, sInv, 0, m);
  else gemmKernel(true, false, m, m, n, 1, kNM, 0, m, kNM, 0, m, 0, sInv, 0, m);
  for (let i = 0; i < m * m; i++) sInv[i] += reg * kMM[i];
  for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) sInv[j * m + i] = sInv[i * m + j]; // exact symmetry
  const pool = options.pool ? { pool: options.pool } : {};
  const sig = await choleskyWithJitter(sInv, m, { context: `${ctx}sparse system: `, ...pool });
  const mm = await choleskyWithJitter(kMM, m, { context: `${ctx}K_MM: `, ...pool });
  const b = new Float64Array(m);
  gemmKernel(true, false, m, 1, n, 1, kNM, 0, m, y, 0, 1, 0, b, 0, 1); // K_MN y
  const alpha = choleskySolve(sig.l, m, b, 1);
  // Profile-likelihood scale via Woodbury: (Q + σ²I)⁻¹y = (y − K_NM α)/σ².
  const fit = predictMean(kNM, n, m, alpha);
  let q = 0;
  for (let i = 0; i < n; i++) q += y[i] * (y[i] - fit[i]);
  const scale = n > 0 ? Math.max(q / reg / n, 0) : 1;
  return {
    m,
    alpha,
    lMM: mm.l,
    lSigma: sig.l,
    reg,
    jitterMM: mm.jitter,
    jitterSigma: sig.jitter,
    scale,
  };
}

/**
 * Sparse predictive covariance blocks (per environment, c×c), kStar = K_{*M} ((nEnv·c)×m), kss = K_ee blocks:
 *   SoR: s² σ² K_{*M} Σ K_{M*}                         (R&W eq. 8.15; can be over-confident far from data)
 *   DTC: s² (K_** − Q_** + σ² K_{*M} Σ K_{M*})          (R&W eq. 8.27, projected process)
 * with Σ = (σ²K_MM + K_MN K_NM)⁻¹ and Q_** = K_{*M} K_MM⁻¹ K_{M*}.
 */
export async function sparseGprCovariance(
  state: SparseGprState,
  kStar: Float64Array,
  nEnv: number,
  c: number,
  kss: Float64Array,
  approximation: SparseApproximation,
  pool: GemmPool = sharedGemmPool(),
): Promise<Float64Array> {
  const t = nEnv * c;
  const u = transpose(kStar, t, state.m);
  const w = approximation === "dtc" ? u.slice() : null;
  await solveLowerParallel(state.lSigma, state.m, u, t, pool);
  const cov = new Float64Array(nEnv * c * c);
  addBlockGram(u, state.m, nEnv, c, state.reg, cov);
  if (w) {
    await solveLowerParallel(state.lMM, state.m, w, t, pool);
    for (let i = 0; i < cov.length; i++) cov[i] += kss[i];
    addBlockGram(w, state.m, nEnv, c, -1, cov);
  }
  for (let i = 0; i < cov.length; i++) cov[i] *= state.scale;
  return cov;
}

/** Log marginal likelihood of y ~ N(0, s²K + σn²I) and its gradient with respect to (log s², log σn²). */
export interface MarginalLikelihood {
  readonly value: number;
  /** ∂ log p / ∂ log s² (signal variance). */
  readonly gradLogSignal: number;
  /** ∂ log p / ∂ log σn² (noise variance). */
  readonly gradLogNoise: number;
}

/** Identity columns solved at once by traceInverse. */
const TRACE_BLOCK = 256;

/**
 * tr((L Lᵀ)⁻¹) = ‖L⁻¹‖²_F by triangular solves of the identity, TRACE_BLOCK columns [j0, j1) at a time: L⁻¹ is lower
 * triangular, so those columns need only the trailing factor L[j0:, j0:] (n³/3 flops in all, on the SIMD TRSM).
 */
async function traceInverse(l: Float64Array, n: number, pool: GemmPool, scratch: Scratch): Promise<number> {
  let s = 0;
  const { sub, x } = scratch;
  for (let j0 = 0; j0 < n; j0 += TRACE_BLOCK) {
    const m = n - j0;
    const b = Math.min(TRACE_BLOCK, m);
    for (let i = 0; i < m; i++) sub.set(l.subarray((j0 + i) * n + j0, (j0 + i) * n + j0 + i + 1), i * m);
    const xs = x.subarray(0, m * b).fill(0);
    for (let i = 0; i < b; i++) xs[i * b + i] = 1;
    await solveLowerParallel(sub.subarray(0, m * m), m, xs, b, pool);
    for (let i = 0; i < m * b; i++) s += xs[i]! * xs[i]!;
  }
  return s;
}

/** Buffers of one search, allocated once (shared memory is released lazily: a search reuses its own). */
interface Scratch {
  /** n×n: the factor. */
  readonly work: Float64Array;
  /** n×n: trailing blocks of the factor. */
  readonly sub: Float64Array;
  /** n × TRACE_BLOCK: identity columns. */
  readonly x: Float64Array;
}

function scratchFor(n: number): Scratch {
  return { work: sharedFloat64(n * n), sub: sharedFloat64(n * n), x: sharedFloat64(n * TRACE_BLOCK) };
}

/** What one factorisation of A = K + rI gives: yᵀa, aᵀa, log det A and tr A⁻¹ (a = A⁻¹y). */
interface Factored {
  readonly yA: number;
  readonly aA: number;
  readonly logDet: number;
  readonly trInv: number;
  /** r plus any jitter the factorisation needed. */
  readonly r: number;
}

async function factorAt(
  k: Float64Array,
  n: number,
  y: Float64Array,
  r: number,
  scratch: Scratch,
  options: SolveOptions,
): Promise<Factored> {
  const pool = options.pool ?? sharedGemmPool();
  const st = await fitFullGprInPlace(scratch.work, (buf) => buf.set(k.subarray(0, n * n)), n, y, r, {
    ...options,
    pool,
  });
  let yA = 0;
  let aA = 0;
  for (let i = 0; i < n; i++) {
    yA += y[i]! * st.alpha[i]!;
    aA += st.alpha[i]! * st.alpha[i]!;
  }
  return {
    yA,
    aA,
    logDet: logDetFromCholesky(st.l, n),
    trInv: await traceInverse(st.l, n, pool, scratch),
    r: r + st.jitter,
  };
}

/**
 * Log marginal likelihood (R&W eq. 2.30) of y under y ~ N(0, C), C = s²K + σn²I, and its gradient by R&W eq. 5.9,
 * ∂ log p/∂θ = ½ tr((ααᵀ − C⁻¹) ∂C/∂θ), α = C⁻¹y, for θ = log s² (∂C/∂θ = s²K) and θ = log σn² (∂C/∂θ = σn²I).
 * Both come from one Cholesky of A = K + rI (r = σn²/s²; C = s²A) and a = A⁻¹y:
 *   log p = −½ yᵀa/s² − ½ (N log s² + log det A) − N/2 log 2π,
 *   ∂/∂ log σn² = ½ r (aᵀa/s² − tr A⁻¹),   ∂/∂ log s² = ½ ((yᵀa − r aᵀa)/s² − N + r tr A⁻¹),
 * tr A⁻¹ = ‖L⁻¹‖²_F (a triangular solve of the identity: n³ flops, so for n up to a few thousand).
 */
export async function marginalLikelihood(
  k: Float64Array,
  n: number,
  y: Float64Array,
  signal: number,
  noise: number,
  options: SolveOptions = {},
): Promise<MarginalLikelihood> {
  const ctx = options.context ?? "";
  if (!(signal > 0) || !(noise > 0))
    throw new EngineError("InvalidParameter", `${ctx}signal and noise variances must be > 0`);
  const f = await factorAt(k, n, y, noise / signal, scratchFor(n), options);
  const { yA, aA, logDet, trInv, r } = f;
  return {
    value: (-0.5 * yA) / signal - 0.5 * (n * Math.log(signal) + logDet) - 0.5 * n * Math.log(2 * Math.PI),
    gradLogSignal: 0.5 * ((yA - r * aA) / signal - n + r * trInv),
    gradLogNoise: 0.5 * r * (aA / signal - trInv),
  };
}

/** Result of maximiseMarginalLikelihood. */
export interface NoiseFit {
  /** r̂ = σ̂n²/ŝ², the regularisation of the maximum. */
  readonly reg: number;
  /** ŝ² and σ̂n² = r̂·ŝ² at the maximum. */
  readonly signal: number;
  readonly noise: number;
  /** Log marginal likelihood at the maximum and at the starting reg (with its profile ŝ²). */
  readonly logMarginal: number;
  readonly startLogMarginal: number;
  /** Factorisations used. */
  readonly evaluations: number;
  /** True when the maximum lies on a bound of [ML_REG_MIN, ML_REG_MAX]. */
  readonly atBound: boolean;
}

/** Bounds of the maximum-likelihood reg (relative to a normalised kernel: from 1e-10 to 10× the signal). */
export const ML_REG_MIN = 1e-10;
export const ML_REG_MAX = 10;
/** Width (decades) of the final bracket of the maximum-likelihood reg. */
export const ML_REG_TOLERANCE = 0.05;

/**
 * Maximum-likelihood signal and noise variances of y ~ N(0, s²K + σn²I) at a fixed kernel K (descriptor hypers
 * fixed). For each r = σn²/s², the maximum over s² is closed-form, ŝ²(r) = yᵀ(K + rI)⁻¹y / N (the profile used by
 * fitFullGpr), so the search is one-dimensional in u = log r, on the profile
 *   ℓ(u) = −N/2 (1 + log 2π + log ŝ²) − ½ log det(K + rI),   dℓ/du = ½ r (N aᵀa / yᵀa − tr A⁻¹)
 * (the envelope theorem: dℓ/du is ∂ log p/∂ log σn² of marginalLikelihood at ŝ²). From `reg0` (the reg of the
 * search or the CLI) it steps by decades up or down the slope until dℓ/du changes sign, then narrows the bracket by
 * safeguarded secant steps to 0.05 decade (r̂ within 12 %; at most 24 factorisations in all).
 */
export async function maximiseMarginalLikelihood(
  k: Float64Array,
  n: number,
  y: Float64Array,
  reg0: number,
  options: SolveOptions = {},
): Promise<NoiseFit> {
  const scratch = scratchFor(n);
  const uMin = Math.log(ML_REG_MIN);
  const uMax = Math.log(ML_REG_MAX);
  let evaluations = 0;
  const at = async (u: number) => {
    evaluations++;
    const f = await factorAt(k, n, y, Math.exp(u), scratch, options);
    const s2 = f.yA / n;
    const value = -0.5 * n * (1 + Math.log(2 * Math.PI) + Math.log(s2)) - 0.5 * f.logDet;
    return { u, value, slope: 0.5 * f.r * ((n * f.aA) / f.yA - f.trInv), s2, r: f.r };
  };
  type Point = Awaited<ReturnType<typeof at>>;
  const start = await at(Math.min(uMax, Math.max(uMin, Math.log(Math.max(reg0, ML_REG_MIN)))));
  let best: Point = start;
  const keep = (p: Point) => {
    if (p.value > best.value) best = p;
    return p;
  };
  // bracket: step a decade along the slope until it changes sign or a bound is reached
  const dir = start.slope > 0 ? 1 : -1;
  let a = start;
  let b = start;
  while (b.slope * dir > 0 && evaluations < 12) {
    const u = b.u + dir * Math.LN10;
    if ((dir > 0 && b.u >= uMax) || (dir < 0 && b.u <= uMin)) break;
    a = b;
    b = keep(await at(Math.min(uMax, Math.max(uMin, u))));
  }
  if (b.slope * dir <= 0 && a !== b) {
    let [lo, hi] = a.u < b.u ? [a, b] : [b, a]; // slope(lo) > 0 ≥ slope(hi)
    while (hi.u - lo.u > ML_REG_TOLERANCE * Math.LN10 && evaluations < 24) {
      const secant = lo.u + (lo.slope * (hi.u - lo.u)) / (lo.slope - hi.slope);
      const w = hi.u - lo.u;
      // safeguard: stay inside the middle 80 % of the bracket so that it shrinks geometrically
      const u = Math.min(hi.u - 0.1 * w, Math.max(lo.u + 0.1 * w, secant));
      const p = keep(await at(u));
      if (p.slope > 0) lo = p;
      else hi = p;
    }
  }
  const atBound = best.u <= uMin + 1e-9 || best.u >= uMax - 1e-9;
  return {
    reg: best.r,
    signal: best.s2,
    noise: best.r * best.s2,
    logMarginal: best.value,
    startLogMarginal: start.value,
    evaluations,
    atBound,
  };
}

/** Kernel rows on which the noise is estimated: above this, a seeded subset of whole environments (tr A⁻¹ is n³/3). */
export const ML_MAX_ROWS = 2000;

/**
 * The environments (indices into 0..nEnv) whose kernel rows the noise is estimated on: all when nEnv·c ≤
 * ML_MAX_ROWS, else a seeded random subset of ⌊ML_MAX_ROWS / c⌋ in increasing order (the subset's likelihood has
 * the same maximiser in expectation: R&W §8.3.1, subset of data).
 */
export function marginalLikelihoodSubset(nEnv: number, c: number, seed: number): number[] {
  const all = [...Array(nEnv).keys()];
  if (nEnv * c <= ML_MAX_ROWS) return all;
  return new Rng(seed)
    .shuffle(all)
    .slice(0, Math.floor(ML_MAX_ROWS / c))
    .sort((a, b) => a - b);
}
