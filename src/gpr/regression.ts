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
