import type { Structure } from "./structure.js";

/**
 * Periodic neighbour list in CSR form: the neighbours of centre i are entries offsets[i]..offsets[i+1]-1.
 * vectors hold r_j + shift − r_i (Å); every periodic image within the cutoff is listed (cutoffs larger than
 * the cell included), the centre itself (zero shift) never is.
 */
export interface NeighborList {
  readonly cutoff: number;
  readonly offsets: Int32Array;
  readonly neighbors: Int32Array;
  readonly vectors: Float64Array;
  readonly distances: Float64Array;
}

export interface NeighborOptions {
  /** Only build lists for these centre atoms (indices); default all. offsets still has length n+1. */
  centers?: readonly number[];
}

/** Linear-scaling cell-list neighbour search (implemented in the λ-SOAP issue). */
export function neighborList(
  _structure: Structure,
  _cutoff: number,
  _options: NeighborOptions = {},
): NeighborList {
  throw new Error("neighborList: not implemented yet");
}
