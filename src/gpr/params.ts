/**
 * The parameters of a GPR model (GprParams, as a caller gives them) and their validation into ResolvedParams
 * (every default filled in, every union checked). Unknown names of the backend, the sparse selection or the
 * variance approximation are InvalidParameter here, in the library, for every caller — the CLI only maps the
 * error's field to its flag. Defaults live in GPR_DEFAULTS (the CLI's help text reads them from there).
 */
import { type BackendName, parseBackendName } from "../backend/index.js";
import { EngineError, parseChoice } from "../core/errors.js";
import { type DescriptorParams, type DescriptorSpec, resolveDescriptor } from "./descriptors.js";
import type { SparseApproximation } from "./regression.js";
import { parseTarget } from "./targets.js";

export const SPARSE_SELECTIONS = ["fps", "cur"] as const;
/** How the representative environments of sparse GPR are chosen: farthest-point sampling or CUR. */
export type SparseSelection = (typeof SPARSE_SELECTIONS)[number];

export const SPARSE_APPROXIMATIONS = ["dtc", "sor"] as const satisfies readonly SparseApproximation[];

/** The one place of the GPR defaults. */
export const GPR_DEFAULTS = {
  /** Kernel exponent ζ. */
  zeta: 2,
  /** Regularisation σ² relative to the normalised kernel. */
  reg: 1e-6,
  selection: "fps",
  approximation: "dtc",
  /** Seed of the sparse selection. */
  seed: 0,
  backend: "cpu",
  noise: "ml",
} as const satisfies {
  zeta: number;
  reg: number;
  selection: SparseSelection;
  approximation: SparseApproximation;
  seed: number;
  backend: BackendName;
  noise: NoiseMode;
};

export interface SparseParams {
  /** Number of representative environments M. */
  readonly m: number;
  /** How they are chosen (default "fps"). */
  readonly selection?: SparseSelection;
  /** Predictive variance approximation (default "dtc", the projected process). */
  readonly approximation?: SparseApproximation;
  /** Seed of the selection (default 0). */
  readonly seed?: number;
}

export interface GprParams {
  /** Centre species (atomic number). */
  readonly species: number;
  /** 0, 1 or 2. */
  readonly lambda: number;
  /** Target name: "efg", "ms", a per-atom array, or a derived observable "efg:cq" (λ=0). */
  readonly target: string;
  /** Kernel exponent ζ (default GPR_DEFAULTS.zeta). */
  readonly zeta?: number;
  /** Regularisation σ² relative to the kernel (default GPR_DEFAULTS.reg). */
  readonly reg?: number;
  /** Descriptor kind and hypers (default: lambda-soap with its default hypers). */
  readonly descriptor?: DescriptorParams;
  /** Sparse GPR settings; absent/null = full GPR. */
  readonly sparse?: SparseParams | null;
  /** Compute backend for kernel assembly (default "cpu"). */
  readonly backend?: BackendName;
  /** Isotope overrides for derived observables, e.g. { Ti: "49Ti" }. */
  readonly isotopes?: Readonly<Record<string, string>>;
  /**
   * "full" (default): keep the Cholesky factor(s) for predictive variances; "none": a mean-only model (no factor
   * kept or saved: about a third of a full GPR model file at λ=2).
   */
  readonly variance?: ModelVariance;
  /**
   * O(3) parity of the λ>0 features (default +1). −1 (pseudo-tensor features) for λ=1 of a shielding tensor: its
   * antisymmetric part is a pseudovector, unchanged by inversion. The λ=0 features of the ζ fold are always +1.
   */
  readonly parity?: 1 | -1;
  /** How the noise variance (reg) is set (default GPR_DEFAULTS.noise; see NoiseMode). */
  readonly noise?: NoiseMode;
}

export const NOISE_MODES = ["ml", "fixed"] as const;
/**
 * "ml": the signal and noise variances maximise the log marginal likelihood at the fixed descriptor hypers (full
 * GPR; regression.ts maximiseMarginalLikelihood), from `reg` as the starting point; "fixed": reg as given, the
 * signal variance by the profile likelihood only.
 */
export type NoiseMode = (typeof NOISE_MODES)[number];

/** `v` as a NoiseMode (InvalidParameter, field "noise", otherwise). */
export function parseNoiseMode(v: unknown): NoiseMode {
  return parseChoice(v, NOISE_MODES, "noise", "noise setting");
}

export const MODEL_VARIANCES = ["full", "none"] as const;
export type ModelVariance = (typeof MODEL_VARIANCES)[number];

export interface ResolvedParams {
  readonly species: number;
  readonly lambda: number;
  readonly target: string;
  readonly zeta: number;
  readonly reg: number;
  readonly descriptor: DescriptorSpec;
  readonly sparse: Required<SparseParams> | null;
  readonly backend: BackendName;
  readonly isotopes: Readonly<Record<string, string>>;
  readonly parity: 1 | -1;
  readonly variance: ModelVariance;
  readonly noise: NoiseMode;
}

/** `v` as a ModelVariance (InvalidParameter, field "variance", otherwise). */
export function parseModelVariance(v: unknown): ModelVariance {
  return parseChoice(v, MODEL_VARIANCES, "variance", "variance setting");
}

/** `v` as a SparseSelection (InvalidParameter, field "sparse.selection", otherwise). */
export function parseSparseSelection(v: unknown): SparseSelection {
  return parseChoice(v, SPARSE_SELECTIONS, "sparse.selection", "selection");
}

/** `v` as a SparseApproximation (InvalidParameter, field "sparse.approximation", otherwise). */
export function parseSparseApproximation(v: unknown): SparseApproximation {
  return parseChoice(v, SPARSE_APPROXIMATIONS, "sparse.approximation", "approximation");
}

function check(ok: boolean, field: string, message: string): void {
  if (!ok) throw new EngineError("InvalidParameter", message, { field });
}

function resolveSparse(sp: SparseParams, reg: number): Required<SparseParams> {
  check(Number.isInteger(sp.m) && sp.m >= 1, "sparse.m", `M must be a positive integer, got ${sp.m}`);
  const seed = sp.seed ?? GPR_DEFAULTS.seed;
  check(Number.isSafeInteger(seed) && seed >= 0, "sparse.seed", `seed must be an integer ≥ 0, got ${seed}`);
  check(reg > 0, "reg", "sparse GPR needs reg > 0");
  return {
    m: sp.m,
    selection: parseSparseSelection(sp.selection ?? GPR_DEFAULTS.selection),
    approximation: parseSparseApproximation(sp.approximation ?? GPR_DEFAULTS.approximation),
    seed,
  };
}

/** Validate `p` and fill in the defaults. */
export function resolveParams(p: GprParams): ResolvedParams {
  const zeta = p.zeta ?? GPR_DEFAULTS.zeta;
  const reg = p.reg ?? GPR_DEFAULTS.reg;
  check(
    Number.isInteger(p.species) && p.species >= 1 && p.species <= 118,
    "species",
    `species must be an atomic number, got ${p.species}`,
  );
  check(zeta >= 1 && Number.isFinite(zeta), "zeta", `zeta must be ≥ 1, got ${zeta}`);
  check(reg >= 0 && Number.isFinite(reg), "reg", `reg must be ≥ 0, got ${reg}`);
  parseTarget(p.target, p.lambda);
  check(
    p.parity === undefined || p.parity === 1 || (p.parity === -1 && p.lambda > 0),
    "parity",
    `parity must be 1, or −1 for λ > 0; got ${p.parity}`,
  );
  return {
    species: p.species,
    lambda: p.lambda,
    target: p.target,
    zeta,
    reg,
    descriptor: resolveDescriptor(p.descriptor),
    sparse: p.sparse ? resolveSparse(p.sparse, reg) : null,
    backend: parseBackendName(p.backend ?? GPR_DEFAULTS.backend),
    isotopes: p.isotopes ?? {},
    variance: parseModelVariance(p.variance ?? "full"),
    parity: p.parity ?? 1,
    noise: parseNoiseMode(p.noise ?? GPR_DEFAULTS.noise),
  };
}
