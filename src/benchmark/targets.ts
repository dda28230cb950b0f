/**
 * Reference EFG quantities per environment for the benchmarks: the Cartesian tensor, its T2 components (what the
 * tensorial λ=2 model learns) and the scalars the λ=0 models learn (Harper et al. 2025, §3.4 and Fig. 4a).
 *
 * C̃Q and η̃ follow the paper's convention "we fix V_ZZ to be positive": with v = |Vzz| and μ, σ the mean and
 * standard deviation of v over the reference set, C̃Q = (v − μ)/σ and η̃ = (Vxx − Vyy)·sign(Vzz)/μ = η·v/μ.
 * (With the signed Vzz, μ(Vzz) of the point-charge Li and O sets is ~0.1 σ — both signs occur about equally —
 * and η̃ = (Vxx − Vyy)/μ would be dominated by that near-zero denominator.) The λ=0 models learn v and η·v
 * directly (affine maps of C̃Q and η̃, which GPR with a centred target reproduces exactly).
 */
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { efgParams, nuQFromCq, omegaQEq5 } from "../nmr/efg.js";
import { cqMHz, type Isotope, isotopeFor } from "../nmr/isotopes.js";
import { cartesianToT2 } from "../nmr/spherical.js";

/**
 * Scalar targets learnt by the λ=0 models, in this column order: |Vzz| (→ C̃Q), η|Vzz| = |Vxx − Vyy| (→ η̃),
 * θ, φ (degrees), ω_Q (kHz), and the signed Vzz (only for ω_Q derived from the scalar models, which needs the
 * sign of CQ).
 */
export const SCALAR_TARGETS = ["absVzz", "etaAbsVzz", "theta", "phi", "wq", "vzz"] as const;
export const N_SCALARS = SCALAR_TARGETS.length;

export interface EnvTargets {
  readonly n: number;
  readonly isotope: Isotope | null;
  /** n × 9 Cartesian tensors (a.u.). */
  readonly tensor: Float64Array;
  /** n × 5 T2 components. */
  readonly t2: Float64Array;
  /** n × N_SCALARS scalars in SCALAR_TARGETS order. */
  readonly scalars: Float64Array;
}

/** Targets of the environments `samples` ((structure, atom) pairs) from the per-atom array `name` (9 columns). */
export function environmentTargets(
  structures: readonly Structure[],
  samples: Int32Array,
  name = "efg",
  isotopes?: Readonly<Record<string, string>>,
): EnvTargets {
  const n = samples.length / 2;
  const tensor = new Float64Array(n * 9);
  const t2 = new Float64Array(n * 5);
  const scalars = new Float64Array(n * N_SCALARS);
  let iso: Isotope | null = null;
  for (let k = 0; k < n; k++) {
    const s = structures[samples[2 * k]!]!;
    const a = samples[2 * k + 1]!;
    const arr = s.numericArray(name);
    if (arr?.ncols !== 9) {
      throw new EngineError(
        "InvalidParameter",
        `structure ${samples[2 * k]} has no 9-column '${name}' array`,
        {
          field: name,
        },
      );
    }
    for (let c = 0; c < 9; c++) tensor[9 * k + c] = arr.data[9 * a + c] as number;
    if (k === 0) iso = isotopeFor(symbolOf(s.numbers[a]!), isotopes);
    cartesianToT2(tensor, 9 * k, t2, 5 * k);
    const p = efgParams(tensor, 9 * k, iso);
    const o = N_SCALARS * k;
    scalars[o] = Math.abs(p.vzz);
    scalars[o + 1] = p.eta * Math.abs(p.vzz);
    scalars[o + 2] = p.theta;
    scalars[o + 3] = p.phi;
    scalars[o + 4] = p.omegaQ;
    scalars[o + 5] = p.vzz;
  }
  return { n, isotope: iso, tensor, t2, scalars };
}

/**
 * ω_Q (kHz, Harper eq. 5) from separately predicted scalars (Fig. 4b): CQ from the signed Vzz, η = η|Vzz| / |Vzz|
 * clamped to [0, 1], and the predicted θ, φ.
 */
export function omegaQFromScalars(
  iso: Isotope | null,
  vzz: number,
  etaAbsVzz: number,
  theta: number,
  phi: number,
): number {
  if (!iso || iso.spin <= 0.5) return Number.NaN;
  const eta = vzz === 0 ? 0 : Math.max(0, Math.min(1, etaAbsVzz / Math.abs(vzz)));
  const nuQ = nuQFromCq(cqMHz(vzz, iso.qMb), iso.spin);
  return 1000 * omegaQEq5(nuQ, eta, theta, phi);
}
