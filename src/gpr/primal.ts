/**
 * Primal-space prediction for the polynomial λ-SOAP kernels (DESIGN.md, "Performance notes").
 *
 * The GPR mean is f(i) = Σ_j K(i,j) α_j (+ the training mean for λ=0). With normalised features and the kernels
 * of src/soap/envKernel.ts the sum over training environments j can be collapsed once, before any test environment
 * is seen:
 *   λ=0, ζ=1:  f_i = p_i · u,             u = Σ_j α_j p_j                      (F0)
 *   λ=0, ζ=2:  f_i = p_iᵀ M p_i,          M = Σ_j α_j p_j p_jᵀ                 (F0 × F0)
 *   λ>0, ζ=1:  f_i = P_i u,               u = Σ_j P_jᵀ α_j                      (F)
 *   λ>0, ζ=2:  f_i = P_i U p_i,           U = Σ_j (P_jᵀ α_j) p_jᵀ               (F × F0)
 * (p = λ=0 features, P = c × F λ-block, α_j the c-vector of environment j). The ζ=2 identity follows from
 * K_ij = (p_i·p_j) P_i P_jᵀ: Σ_j (p_i·p_j) P_i P_jᵀ α_j = P_i [Σ_j (P_jᵀα_j) p_jᵀ] p_i.
 * Building U costs M·F·F0 multiply-adds (M training environments) once; each prediction then costs
 * F·F0 + c·F, independent of M — for 11 808 Li sites against a few thousand training environments this replaces
 * a ~10¹² multiply-add kernel by ~10¹⁰. Higher ζ would need F0^(ζ−1)-sized weights: use the dual there.
 *
 * Only the mean is available in the primal; predictive variances still need the dual kernel.
 *
 * GprModel.predict (src/gpr/gpr.ts) takes this path for the mean whenever no variance is asked for and ζ ∈ {1, 2}
 * (`predict(structures, { variance: false })`, `soapgpr predict --no-variance`, the ω_Q of large cells); the weights
 * are collapsed once per fitted model and kept.
 */
import { CpuBackend } from "../backend/cpu.js";
import { EngineError } from "../core/errors.js";
import type { EnvFeatures } from "../soap/envKernel.js";
import { transpose } from "./regression.js";

/** Collapsed weights of a fitted GPR mean (see the module comment). */
export interface PrimalWeights {
  readonly lambda: number;
  /** 2λ+1 */
  readonly c: number;
  readonly zeta: 1 | 2;
  /** λ-block feature count F (= F0 for λ=0). */
  readonly f: number;
  readonly f0: number;
  /**
   * ζ=1: u (F, or F0 for λ=0); ζ=2: U (F × F0 row-major; for λ=0 the symmetric M, F0 × F0).
   */
  readonly weights: Float64Array;
  /** Constant added to every prediction (the λ=0 training mean; 0 for λ>0). */
  readonly offset: number;
}

/** True when a model with this λ and ζ can predict in the primal. */
export function supportsPrimal(zeta: number): boolean {
  return zeta === 1 || zeta === 2;
}

function backendFor(threads?: number): CpuBackend {
  return new CpuBackend(threads !== undefined ? { threads } : {});
}

/**
 * Collapse the dual weights α (train.n × c, the (environment, component) row order of the kernels) into primal
 * weights. `offset` is added to every prediction (λ=0 training mean).
 */
export async function primalWeights(
  train: EnvFeatures,
  alpha: Float64Array,
  zeta: number,
  offset = 0,
  options: { threads?: number } = {},
): Promise<PrimalWeights> {
  if (zeta !== 1 && zeta !== 2) {
    throw new EngineError("InvalidParameter", `primal prediction needs ζ = 1 or 2, got ${zeta}`, {
      field: "zeta",
    });
  }
  const { n, c, f, f0, lambda } = train;
  if (alpha.length !== n * c) {
    throw new EngineError("ShapeMismatch", `alpha has ${alpha.length} values, expected ${n * c}`);
  }
  // v_j = P_jᵀ α_j (length F) for every training environment: V is n × F.
  const v = new Float64Array(n * f);
  for (let j = 0; j < n; j++) {
    const vo = j * f;
    for (let mu = 0; mu < c; mu++) {
      const a = alpha[j * c + mu]!;
      if (a === 0) continue;
      const po = (j * c + mu) * f;
      for (let p = 0; p < f; p++) v[vo + p]! += a * train.values[po + p]!;
    }
  }
  if (zeta === 1) {
    const u = new Float64Array(f);
    for (let j = 0; j < n; j++) {
      const vo = j * f;
      for (let p = 0; p < f; p++) u[p]! += v[vo + p]!;
    }
    return { lambda, c, zeta: 1, f, f0, weights: u, offset };
  }
  // ζ=2: U = Vᵀ X0 (F × F0) = (Vᵀ)(X0ᵀ)ᵀ — one GEMM of (F × n)·(n × F0).
  const vt = transpose(v, n, f);
  const x0t = transpose(train.values0, n, f0);
  const backend = backendFor(options.threads);
  try {
    const u = await backend.abt(vt, f, x0t, f0, n);
    return { lambda, c, zeta: 2, f, f0, weights: u, offset };
  } finally {
    backend.dispose();
  }
}

/** Predicted means (feats.n × c) from primal weights. */
export async function primalPredict(
  w: PrimalWeights,
  feats: EnvFeatures,
  options: { threads?: number } = {},
): Promise<Float64Array> {
  if (feats.lambda !== w.lambda || feats.f !== w.f || feats.f0 !== w.f0) {
    throw new EngineError(
      "ShapeMismatch",
      `features (λ ${feats.lambda}, F ${feats.f}, F0 ${feats.f0}) do not match the model (λ ${w.lambda}, F ${w.f}, F0 ${w.f0})`,
    );
  }
  const { n, c, f, f0 } = feats;
  const out = new Float64Array(n * c);
  if (w.zeta === 1) {
    const u = w.weights;
    for (let i = 0; i < n; i++) {
      for (let mu = 0; mu < c; mu++) {
        const po = (i * c + mu) * f;
        let s = 0;
        for (let p = 0; p < f; p++) s += feats.values[po + p]! * u[p]!;
        out[i * c + mu] = s + w.offset;
      }
    }
    return out;
  }
  // ζ=2: W = X0 Uᵀ (n × F), then f_iμ = P_iμ · W_i. Done in chunks to bound memory (n × F doubles).
  const backend = backendFor(options.threads);
  try {
    const chunk = Math.max(1, Math.floor(4_000_000 / Math.max(f, 1)));
    for (let i0 = 0; i0 < n; i0 += chunk) {
      const m = Math.min(chunk, n - i0);
      const x0 = feats.values0.subarray(i0 * f0, (i0 + m) * f0);
      const wm = await backend.abt(x0 as Float64Array, m, w.weights, f, f0);
      for (let k = 0; k < m; k++) {
        const i = i0 + k;
        const wo = k * f;
        for (let mu = 0; mu < c; mu++) {
          const po = (i * c + mu) * f;
          let s = 0;
          for (let p = 0; p < f; p++) s += feats.values[po + p]! * wm[wo + p]!;
          out[i * c + mu] = s + w.offset;
        }
      }
    }
    return out;
  } finally {
    backend.dispose();
  }
}
