/**
 * The one kernel path: feature blocks → EnvFeatures → raw Gram products on a ComputeBackend → one ζ fold → kernel.
 * Used by `soapgpr kernel` (src/soap/kernels.ts), GPR fit/predict (src/gpr/gpr.ts), the hyperparameter search and
 * the benchmarks (src/gpr/rawFit.ts).
 *
 * With normalised features the λ-SOAP kernels are (Grisafi 2018; TENSOAP; Harper eq. 12)
 *   λ=0: k(i,j) = (p_i·p_j)^ζ,     λ>0: K_μν(i,j) = (p⁰_i·p⁰_j)^(ζ−1) (P_i P_jᵀ)_μν,
 * so the raw products K0 = p⁰·p⁰' and KL = P P'ᵀ (two GEMMs; the λ rows (i, μ) flattened give the (n·c)×(m·c)
 * layout) give every ζ by an elementwise fold, and every subset of rows/columns (cross-validation folds, learning
 * curves) by taking indices — the search and the benchmarks cache the raw products and fold them per ζ and subset.
 * Rows of a kernel are (environment, component) pairs: values[(i*c+μ)*(m*c) + j*c+ν], c = 2λ+1.
 */
import { CpuBackend } from "../backend/cpu.js";
import type { ComputeBackend } from "../backend/types.js";
import { EngineError } from "../core/errors.js";
import type { FeatureBlock } from "./types.js";

/** Features of a list of environments: the λ block (n × c × f) and the λ=0 block (n × f0, for ζ weighting). */
export interface EnvFeatures {
  readonly n: number;
  readonly lambda: number;
  /** 2λ+1 */
  readonly c: number;
  readonly f: number;
  readonly values: Float64Array;
  /**
   * λ=0 features (n × f0) for λ>0 models (f0 = 0 and empty when only ζ = 1 kernels are wanted); for λ=0 models the
   * same array as `values`.
   */
  readonly f0: number;
  readonly values0: Float64Array;
}

/**
 * The one FeatureBlock → EnvFeatures conversion: the λ block `bl` and, for λ>0, its λ=0 block `b0` of the same
 * samples (null: only ζ = 1 kernels can be built).
 */
export function envFeatures(bl: FeatureBlock, b0: FeatureBlock | null = null): EnvFeatures {
  const scalar = bl.lambda === 0 ? bl : b0;
  if (scalar && scalar.nSamples !== bl.nSamples)
    throw new EngineError("Internal", "λ=0 and λ blocks have different samples");
  return {
    n: bl.nSamples,
    lambda: bl.lambda,
    c: bl.nComponents,
    f: bl.nProperties,
    values: bl.values,
    f0: scalar?.nProperties ?? 0,
    values0: scalar?.values ?? new Float64Array(0),
  };
}

/** The environments at `idx` (in that order). */
export function subsetFeatures(x: EnvFeatures, idx: ArrayLike<number>): EnvFeatures {
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

/** The environments [i0, i1) as views (no copy). */
export function sliceFeatures(x: EnvFeatures, i0: number, i1: number): EnvFeatures {
  const w = x.c * x.f;
  const values = x.values.subarray(i0 * w, i1 * w);
  const values0 = x.lambda === 0 ? values : x.values0.subarray(i0 * x.f0, i1 * x.f0);
  return { ...x, n: i1 - i0, values, values0 };
}

function checkCompatible(a: EnvFeatures, b: EnvFeatures): void {
  if (a.lambda !== b.lambda || a.f !== b.f || a.f0 !== b.f0) {
    throw new EngineError(
      "ShapeMismatch",
      `feature blocks do not match (λ ${a.lambda}/${b.lambda}, F ${a.f}/${b.f}, F0 ${a.f0}/${b.f0}): ` +
        "were they computed with the same hypers and species channels?",
    );
  }
}

/** Raw products between nr row and nc column environments: K0 (nr × nc) and, for λ>0, KL ((nr·c) × (nc·c)). */
export interface RawKernels {
  readonly lambda: number;
  readonly c: number;
  readonly nr: number;
  readonly nc: number;
  /** p⁰·p⁰' (null for λ>0 when built without it: ζ = 1 only). */
  readonly k0: Float64Array | null;
  /** P P'ᵀ (null for λ=0). */
  readonly kl: Float64Array | null;
}

/**
 * Raw products of a (rows) and b (columns) on `backend`; `withK0` = false skips K0 for λ>0 (ζ = 1 only). When a and
 * b are the same object the backend is told the product is symmetric (upper triangle only, mirrored exactly).
 */
export async function rawKernels(
  backend: ComputeBackend,
  a: EnvFeatures,
  b: EnvFeatures,
  withK0 = true,
): Promise<RawKernels> {
  checkCompatible(a, b);
  const sym = a === b;
  const { lambda, c } = a;
  let k0: Float64Array | null = null;
  if (lambda === 0 || withK0) {
    if (lambda > 0 && a.f0 === 0)
      throw new EngineError("InvalidParameter", "λ>0 kernels with ζ>1 need the λ=0 blocks as well");
    k0 = await backend.gram(a.values0, a.n, b.values0, b.n, a.f0, sym);
  }
  const kl = lambda > 0 ? await backend.gram(a.values, a.n * c, b.values, b.n * c, a.f, sym) : null;
  return { lambda, c, nr: a.n, nc: b.n, k0, kl };
}

/** The λ=0 raw kernels (K0 alone) of a raw set: scalar models on the λ=0 part of λ>0 features. */
export function scalarPart(raw: RawKernels): RawKernels {
  if (!raw.k0) throw new EngineError("Internal", "raw kernels built without K0");
  return { lambda: 0, c: 1, nr: raw.nr, nc: raw.nc, k0: raw.k0, kl: null };
}

function identity(n: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return idx;
}

/**
 * The one ζ fold: λ=0 K = K0^ζ, λ>0 K_μν(i,j) = K0(i,j)^(ζ−1) KL_μν(i,j), on the sub-block rows × cols (indices
 * into the raw rows / columns). Without rows and cols the whole block is folded in place into the raw arrays
 * (which are then spent); with them the result goes to `out` (its first rows·cols·c² values; e.g. a reusable
 * buffer, so that a cross-validation fold allocates nothing) or a new array, and the raw kernels are left as they are.
 */
export function foldZeta(
  raw: RawKernels,
  zeta: number,
  rows?: ArrayLike<number>,
  cols?: ArrayLike<number>,
  out?: Float64Array,
): Float64Array {
  const inPlace = !rows && !cols;
  const r = rows ?? identity(raw.nr);
  const q = cols ?? identity(raw.nc);
  const nr = r.length;
  const nc = q.length;
  const size = nr * nc * raw.c * raw.c;
  if (out && (inPlace || out.length < size))
    throw new EngineError("Internal", `foldZeta: output buffer of ${out?.length} values for ${size}`);
  const target = (fresh: Float64Array) =>
    inPlace ? fresh : (out?.subarray(0, size) ?? new Float64Array(size));
  if (raw.lambda === 0) {
    const k = raw.k0!;
    if (inPlace && zeta === 1) return k;
    const res = target(k);
    for (let a = 0; a < nr; a++) {
      const ro = r[a]! * raw.nc;
      const oo = a * nc;
      for (let b = 0; b < nc; b++) {
        const v = k[ro + q[b]!]!;
        res[oo + b] = zeta === 1 ? v : zeta === 2 ? v * v : v ** zeta;
      }
    }
    return res;
  }
  const kl = raw.kl!;
  if (inPlace && zeta === 1) return kl;
  const k0 = raw.k0;
  if (zeta !== 1 && !k0)
    throw new EngineError("InvalidParameter", "ζ > 1 needs K0: raw kernels built without K0", {
      field: "k0",
    });
  const c = raw.c;
  const wIn = raw.nc * c;
  const wOut = nc * c;
  const res = target(kl);
  for (let a = 0; a < nr; a++) {
    const i = r[a]!;
    for (let b = 0; b < nc; b++) {
      const j = q[b]!;
      const kk = zeta === 1 ? 1 : k0![i * raw.nc + j]!;
      const w = zeta === 1 || zeta === 2 ? kk : kk ** (zeta - 1);
      for (let mu = 0; mu < c; mu++) {
        const src = (i * c + mu) * wIn + j * c;
        const dst = (a * c + mu) * wOut + b * c;
        for (let nu = 0; nu < c; nu++) res[dst + nu] = w * kl[src + nu]!;
      }
    }
  }
  return res;
}

/** (a.n·c) × (b.n·c) kernel matrix, row-major: raw products then the ζ fold. */
export async function kernelMatrix(
  backend: ComputeBackend,
  a: EnvFeatures,
  b: EnvFeatures,
  zeta: number,
): Promise<Float64Array> {
  return foldZeta(await rawKernels(backend, a, b, zeta !== 1), zeta);
}

/**
 * Run `f` on `backend`, or on the documented default — a float64 CpuBackend (WebAssembly SIMD Gram product,
 * SOAPGPR_THREADS threads) created for this call and disposed after it.
 */
export async function withBackend<T>(
  backend: ComputeBackend | undefined,
  f: (be: ComputeBackend) => Promise<T>,
): Promise<T> {
  if (backend) return f(backend);
  const be = new CpuBackend();
  try {
    return await f(be);
  } finally {
    be.dispose();
  }
}

/** Prior blocks K(i,i) (n × c × c), computed directly in float64. */
export function kernelDiagBlocks(a: EnvFeatures, zeta: number): Float64Array {
  const { n, c, f, f0 } = a;
  const out = new Float64Array(n * c * c);
  for (let i = 0; i < n; i++) {
    let s0 = 0;
    const o0 = i * f0;
    for (let p = 0; p < f0; p++) s0 += a.values0[o0 + p]! * a.values0[o0 + p]!;
    const base = i * c * f;
    if (a.lambda === 0) {
      out[i] = s0 ** zeta;
      continue;
    }
    const w = zeta === 1 ? 1 : s0 ** (zeta - 1);
    for (let mu = 0; mu < c; mu++) {
      for (let nu = 0; nu <= mu; nu++) {
        let s = 0;
        const om = base + mu * f;
        const on = base + nu * f;
        for (let p = 0; p < f; p++) s += a.values[om + p]! * a.values[on + p]!;
        out[i * c * c + mu * c + nu] = w * s;
        out[i * c * c + nu * c + mu] = w * s;
      }
    }
  }
  return out;
}
