/**
 * The numerical core shared by the benchmarks and the hyperparameter search: λ-SOAP features of one centre
 * species computed once, raw kernels computed once per feature set and reused for every ζ, regularisation,
 * training subset and target, and full-GPR solves with several right-hand sides.
 *
 * Why raw kernels: with normalised features the kernels of src/gpr/kernel.ts are
 *   λ=0: K(i,j) = (p_i·p_j)^ζ,     λ=2: K_μν(i,j) = (p_i·p_j)^(ζ−1) (P_i P_jᵀ)_μν,
 * so K0 = (p_i·p_j) and K2 = P_i P_jᵀ, computed once (two GEMMs), give every ζ by an elementwise power and
 * product, and every training subset (cross-validation folds, learning curves) by taking rows and columns.
 * The GPR itself is that of src/gpr (GprModel): λ=0 targets centred on the training mean, λ=2 not shifted,
 * (K + reg·I) α = y by Cholesky (R&W Alg. 2.1) with the same jitter escalation; a test checks that the
 * predictions equal GprModel's.
 */
import { CpuBackend } from "../backend/cpu.js";
import type { ComputeBackend } from "../backend/types.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import type { EnvFeatures } from "../gpr/kernel.js";
import { sharedGemmPool } from "../math/_workerPool.js";
import { gemmKernel } from "../math/gemm.js";
import { choleskySolve, choleskyWithJitter } from "../math/linalg.js";
import { LambdaSoap } from "../soap/lambdaSoap.js";
import { blockKey } from "../soap/types.js";

/** The λ-SOAP settings a benchmark or search varies (the rest are the descriptor defaults). */
export interface SoapSettings {
  /** Cutoff radius (Å). */
  readonly rcut: number;
  /** Gaussian density width (Å). */
  readonly sigma: number;
  readonly nmax: number;
  readonly lmax: number;
  /** Species channels (atomic numbers); fixed so that all feature sets share one layout. */
  readonly species: readonly number[];
}

/** Plain-JSON λ-SOAP hypers (src/soap/hypers.ts shape) for the settings. */
export function soapHypersOf(s: SoapSettings): Record<string, unknown> {
  return {
    cutoff: { radius: s.rcut },
    density: { width: s.sigma },
    basis: { maxRadial: s.nmax, maxAngular: s.lmax },
    species: [...s.species],
  };
}

/** λ=0 and λ=2 features of every atom of one species, in structure then atom order. */
export interface SpeciesFeatures {
  readonly species: number;
  /** (structure, atom) per environment, flat 2n. */
  readonly samples: Int32Array;
  /** λ=2 block with the λ=0 block as values0 (lambda 2), or λ=0 only (lambda 0). */
  readonly feats: EnvFeatures;
}

/** Compute features of `species` in `structures` (λ=0 only when lambda = 0). */
export function speciesFeatures(
  structures: readonly Structure[],
  species: number,
  settings: SoapSettings,
  lambda: 0 | 2 = 2,
): SpeciesFeatures {
  const desc = new LambdaSoap(soapHypersOf(settings));
  const lambdas = lambda === 0 ? [0] : [0, 2];
  const blocks = desc.compute(structures, { centers: [species], lambdas });
  const b0 = blocks.get(blockKey(species, 0));
  const b2 = lambda === 2 ? blocks.get(blockKey(species, 2)) : b0;
  if (!b0 || !b2) {
    throw new EngineError("InvalidParameter", `no atoms of species Z=${species} in the structures`, {
      field: "species",
    });
  }
  const feats: EnvFeatures =
    lambda === 0
      ? {
          n: b0.nSamples,
          lambda: 0,
          c: 1,
          f: b0.nProperties,
          values: b0.values,
          f0: b0.nProperties,
          values0: b0.values,
        }
      : {
          n: b2.nSamples,
          lambda: 2,
          c: 5,
          f: b2.nProperties,
          values: b2.values,
          f0: b0.nProperties,
          values0: b0.values,
        };
  return { species, samples: b0.samples, feats };
}

/** Raw kernels between two environment lists: K0 (nr × nc) and, for λ=2, K2 ((nr·5) × (nc·5)). */
export interface RawKernels {
  readonly nr: number;
  readonly nc: number;
  readonly k0: Float64Array;
  readonly k2: Float64Array | null;
}

/** The environments at `idx` of a feature set (in that order). */
function pick(x: EnvFeatures, idx: ArrayLike<number>): EnvFeatures {
  const n = idx.length;
  const w = x.c * x.f;
  const values = new Float64Array(n * w);
  const values0 = x.lambda === 0 ? values : new Float64Array(n * x.f0);
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    values.set(x.values.subarray(i * w, (i + 1) * w), k * w);
    if (x.lambda !== 0) values0.set(x.values0.subarray(i * x.f0, (i + 1) * x.f0), k * x.f0);
  }
  return { ...x, n, values, values0 };
}

/**
 * Raw kernels between environments `rows` and `cols` of `feats` (indices into feats; null = all). `tensor` =
 * false skips K2 (scalar models only). Any ComputeBackend (default: the float64 CPU backend's threaded GEMM).
 */
export async function rawKernels(
  feats: EnvFeatures,
  rows: ArrayLike<number> | null,
  cols: ArrayLike<number> | null,
  tensor: boolean,
  backend: ComputeBackend = new CpuBackend(),
): Promise<RawKernels> {
  const a = rows ? pick(feats, rows) : feats;
  const b = cols ? (cols === rows ? a : pick(feats, cols)) : feats;
  // Raw products A·Bᵀ = gramScalar with ζ=1; the λ=2 rows (i, μ) flattened give the (5r × 5c) P P'ᵀ layout.
  const k0 = await backend.gramScalar(a.values0, a.n, b.values0, b.n, a.f0, 1);
  let k2: Float64Array | null = null;
  if (tensor && feats.lambda > 0)
    k2 = await backend.gramScalar(a.values, a.n * a.c, b.values, b.n * b.c, a.f, 1);
  return { nr: a.n, nc: b.n, k0, k2 };
}

/**
 * Assemble the GPR kernel for exponent ζ on the sub-block rows × cols of raw kernels (indices into the raw
 * kernels' row and column environments): λ=0 → (p·p')^ζ (r × c); λ=2 → (p·p')^(ζ−1) P P'ᵀ ((5r) × (5c)).
 */
export function assembleKernel(
  raw: RawKernels,
  lambda: 0 | 2,
  zeta: number,
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
): Float64Array {
  const nr = rows.length;
  const nc = cols.length;
  if (lambda === 0) {
    const out = new Float64Array(nr * nc);
    for (let a = 0; a < nr; a++) {
      const ro = rows[a]! * raw.nc;
      const oo = a * nc;
      for (let b = 0; b < nc; b++) {
        const k = raw.k0[ro + cols[b]!]!;
        out[oo + b] = zeta === 1 ? k : zeta === 2 ? k * k : k ** zeta;
      }
    }
    return out;
  }
  if (!raw.k2) throw new EngineError("Internal", "tensor kernel requested from scalar-only raw kernels");
  const c = 5;
  const wIn = raw.nc * c;
  const wOut = nc * c;
  const out = new Float64Array(nr * c * wOut);
  for (let a = 0; a < nr; a++) {
    const i = rows[a]!;
    for (let b = 0; b < nc; b++) {
      const j = cols[b]!;
      const k0 = raw.k0[i * raw.nc + j]!;
      const s = zeta === 1 ? 1 : zeta === 2 ? k0 : k0 ** (zeta - 1);
      for (let mu = 0; mu < c; mu++) {
        const src = (i * c + mu) * wIn + j * c;
        const dst = (a * c + mu) * wOut + b * c;
        for (let nu = 0; nu < c; nu++) out[dst + nu] = s * raw.k2[src + nu]!;
      }
    }
  }
  return out;
}

/**
 * Full GPR with r right-hand sides: α = (K + reg·I)⁻¹ Y (K n×n, Y n×r row-major), then predictions K* α
 * (K* t×n). Jitter escalates as in src/gpr when K + reg·I is not numerically positive definite.
 */
export async function gprSolvePredict(
  k: Float64Array,
  n: number,
  y: Float64Array,
  r: number,
  reg: number,
  kStar: Float64Array,
  t: number,
  context = "",
): Promise<{ alpha: Float64Array; pred: Float64Array; jitter: number }> {
  if (y.length !== n * r)
    throw new EngineError("ShapeMismatch", `${context}y has ${y.length} values, expected ${n * r}`);
  for (let i = 0; i < n; i++) k[i * n + i]! += reg;
  const { l, jitter } = await choleskyWithJitter(k, n, { context, pool: sharedGemmPool() });
  for (let i = 0; i < n; i++) k[i * n + i]! -= reg;
  const alpha = choleskySolve(l, n, y.slice(), r);
  const pred = new Float64Array(t * r);
  if (t > 0) gemmKernel(false, false, t, r, n, 1, kStar, 0, n, alpha, 0, r, 0, pred, 0, r);
  return { alpha, pred, jitter };
}

/** Column means of an n × r row-major matrix. */
export function columnMeans(y: Float64Array, n: number, r: number): Float64Array {
  const m = new Float64Array(r);
  for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) m[c]! += y[i * r + c]!;
  for (let c = 0; c < r; c++) m[c]! /= Math.max(n, 1);
  return m;
}

/**
 * Fit and predict on raw kernels: environments `train` → `test` (indices into the raw kernels' rows/cols; the
 * raw kernels must hold train×train in `kTrain` and test×train in `kCross`). Targets y (per training
 * environment: r scalars for λ=0, 5 T2 components for λ=2). λ=0 targets are centred on their training means.
 */
export async function fitPredictRaw(args: {
  lambda: 0 | 2;
  zeta: number;
  reg: number;
  kTrain: RawKernels;
  trainRows: ArrayLike<number>;
  kCross: RawKernels;
  testRows: ArrayLike<number>;
  /** Targets of the training environments: (trainRows.length × r) for λ=0, (trainRows.length × 5) for λ=2. */
  y: Float64Array;
  r: number;
  context?: string;
}): Promise<Float64Array> {
  const { lambda, zeta, reg, trainRows, testRows, r } = args;
  const n = trainRows.length;
  const t = testRows.length;
  const c = lambda === 0 ? 1 : 5;
  const k = assembleKernel(args.kTrain, lambda, zeta, trainRows, trainRows);
  const ks = assembleKernel(args.kCross, lambda, zeta, testRows, trainRows);
  if (lambda === 0) {
    const mu = columnMeans(args.y, n, r);
    const yc = args.y.slice();
    for (let i = 0; i < n; i++) for (let q = 0; q < r; q++) yc[i * r + q]! -= mu[q]!;
    const { pred } = await gprSolvePredict(k, n, yc, r, reg, ks, t, args.context);
    for (let i = 0; i < t; i++) for (let q = 0; q < r; q++) pred[i * r + q]! += mu[q]!;
    return pred;
  }
  if (r !== 1 && r !== 5) throw new EngineError("Internal", "λ=2 targets are 5 components per environment");
  const { pred } = await gprSolvePredict(k, n * c, args.y, 1, reg, ks, t * c, args.context);
  return pred;
}
