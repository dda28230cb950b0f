/**
 * The model contract that GPR, sparse GPR and the GNN share (src/gpr and src/gnn import it; neither imports the
 * other). Model files are in ./modelfile.ts, output writers in ./outputs.ts, the registry of kinds in src/models.ts.
 */
import type { BackendName } from "../backend/index.js";
import type { MemoryBudget } from "../core/memory.js";
import type { Dataset } from "../core/dataset.js";
import type { Structure } from "../core/structure.js";
import type { TrainingStatistics } from "./trainingStats.js";

/**
 * What the model learns per atom of its centre species.
 * - "efg" / "ms" with lambda 2: the 5 T2 spherical components (DESIGN.md order) of the Cartesian tensor;
 *   λ=0 of "ms": σ_iso-related T0. The model converts back to Cartesian in `predict`.
 * - a derived scalar "efg:cq", "efg:eta", "efg:theta", "efg:phi", "efg:wq", or any scalar per-atom array.
 */
export interface TargetSpec {
  /** Name of the dataset target / per-atom array, possibly with a derived observable suffix (e.g. "efg:cq"). */
  readonly name: string;
  readonly lambda: number;
}

export interface FitReport {
  readonly model: string;
  readonly species: number;
  readonly lambda: number;
  readonly nTrain: number;
  /** Wall seconds of each stage: features, kernel, solve, ... */
  readonly timings: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
  readonly [extra: string]: unknown;
}

/** Per-atom predictions for the atoms of the model's centre species, in structure then atom order. */
export interface Prediction {
  readonly species: number;
  readonly lambda: number;
  /** (structure index, atom index) per predicted atom, flat 2*n. */
  readonly atoms: Int32Array;
  /** Number of predicted components per atom (1 for scalars, 2λ+1 for λ>0). */
  readonly components: number;
  /** n x components, in the learned representation (spherical components for λ>0). */
  readonly mean: Float64Array;
  /** n x components marginal predictive variances (same units squared), when the model provides them. */
  readonly variance?: Float64Array;
  /** For λ>0: n x c x c predictive covariance block of each atom's components (c = 2λ+1). */
  readonly covariance?: Float64Array;
  /**
   * Tensor models (tensorModel.ts): the λ of each block laid out in `mean` (λ=0: the isotropic value tr/3, 1
   * column; λ>0: T_λ, 2λ+1 columns), e.g. [0, 1, 2] for ms. Absent for one-block models (see `lambda`).
   */
  readonly blocks?: readonly number[];
  /** For tensor targets: n x 9 Cartesian tensors (row-major) rebuilt from the prediction. */
  readonly cartesian?: Float64Array;
  /** Free-form provenance, e.g. "kernel assembled in float32 (gpu.js)". */
  readonly notes: readonly string[];
  /** Wall seconds of each stage (features, weights, predict, ...), when the model measures them. */
  readonly timings?: Readonly<Record<string, number>>;
}

export interface FitOptions {
  /** Progress sink (per-stage lines), e.g. stderr. */
  readonly log?: (line: string) => void;
  /** Memory budget: steps whose estimated peak does not fit are refused before they run (src/core/memory.ts). */
  readonly memory?: MemoryBudget;
}

export interface PredictOptions {
  /** Compute predictive variances (default true where the model provides them). */
  readonly variance?: boolean;
  /** Kernel-assembly backend for this prediction (default: the one the model was fitted with). */
  readonly backend?: BackendName;
  /** Memory budget: structures predicted in chunks that fit, or refused when one structure alone does not. */
  readonly memory?: MemoryBudget;
}

/** The unit that GPR, sparse GPR and the GNN share; the CLI and benchmarks talk only to this. */
export interface Model {
  readonly kind: string;
  fit(dataset: Dataset, options?: FitOptions): Promise<FitReport>;
  predict(structures: readonly Structure[], options?: PredictOptions): Promise<Prediction>;
  /** Serialise: JSON header + named binary arrays (see src/model/modelfile.ts). */
  serialize(): ModelPayload;
  /**
   * Statistics of the training set that evaluation normalises with (|Vzz| of EFG tensor models, see
   * ./trainingStats.ts); null or absent for other models and for files written before they were stored.
   */
  readonly trainingStatistics?: TrainingStatistics | null;
}

export interface ModelPayload {
  readonly kind: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly arrays: ReadonlyMap<string, Float64Array | Int32Array>;
}
