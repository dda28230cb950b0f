import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";

/**
 * One block of per-environment features: all centres of one species, one λ (and parity σ).
 * Layout: values[(sample * nComponents + μ) * nProperties + p], μ = 0..2λ (m = −λ..λ, real harmonics).
 * λ=0 blocks have nComponents = 1. Features are normalised per environment (unit norm for λ=0,
 * ‖P Pᵀ‖_F = 1 for λ>0) unless the hypers say otherwise, so kernels are plain dot products.
 */
export interface FeatureBlock {
  readonly centerSpecies: number;
  readonly lambda: number;
  /** O(3) parity, +1 or −1 (λ-SOAP of densities is always +1 for l1+l2+λ even). */
  readonly sigma: 1 | -1;
  readonly nSamples: number;
  readonly nComponents: number;
  readonly nProperties: number;
  readonly values: Float64Array;
  /** (structure index, atom index) of each sample, flat 2*nSamples. */
  readonly samples: Int32Array;
}

/** Blocks keyed by `${centerSpecies}:${lambda}`. */
export type FeatureBlocks = ReadonlyMap<string, FeatureBlock>;

export function blockKey(centerSpecies: number, lambda: number): string {
  return `${centerSpecies}:${lambda}`;
}

/**
 * The one identity of a sample (structure index, atom index) as a number key: exact for atoms < 2³² and
 * structures < 2²⁰ (the product stays below 2⁵³).
 */
export function sampleKey(structure: number, atom: number): number {
  return structure * 4294967296 + atom;
}

/**
 * Position in `have` of each sample of `want` (both flat (structure, atom) pairs). A sample of `want` that `have`
 * lacks is an internal error (e.g. features or predictions made for other atoms than the targets); `what` names
 * what `have` indexes in that message.
 */
export function samplePositions(have: Int32Array, want: Int32Array, what = "features"): Int32Array {
  const pos = new Map<number, number>();
  for (let k = 0; k < have.length / 2; k++) pos.set(sampleKey(have[2 * k]!, have[2 * k + 1]!), k);
  const idx = new Int32Array(want.length / 2);
  for (let k = 0; k < idx.length; k++) {
    const p = pos.get(sampleKey(want[2 * k]!, want[2 * k + 1]!));
    if (p === undefined)
      throw new EngineError("Internal", `no ${what} for structure ${want[2 * k]}, atom ${want[2 * k + 1]}`);
    idx[k] = p;
  }
  return idx;
}

export interface ComputeOptions {
  /** Centre species to compute (default: all present). */
  centers?: readonly number[];
  /** λ values wanted (default: the descriptor's). */
  lambdas?: readonly number[];
  /** Called after each structure with (structures done, total), for progress reports on long runs. */
  onProgress?: (done: number, total: number) => void;
  /**
   * O(3) parity of the blocks: +1 (default, l1+l2+λ even: true tensors) or −1 (l1+l2+λ odd: pseudo-tensors,
   * e.g. λ=1 for the antisymmetric part of a shielding tensor). Descriptors without parity ignore it.
   */
  parity?: 1 | -1;
}

/** A descriptor (λ-SOAP, or the GNN's features): structures in, feature blocks out; never mutates input. */
export interface Descriptor {
  readonly name: string;
  /** Plain-JSON hyperparameters, enough to rebuild the descriptor. */
  readonly hypers: Readonly<Record<string, unknown>>;
  compute(structures: readonly Structure[], options?: ComputeOptions): FeatureBlocks;
  /** A one-line estimate of the work `compute` would do (optional). */
  describeWork?(structures: readonly Structure[], options?: ComputeOptions): string;
}
