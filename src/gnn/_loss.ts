import type { Graph, Network } from "./network.js";

/** Labelled training data: per structure a graph, standardised targets (n × ncomp) and a 0/1 atom mask. */
export interface LabelledSet {
  graphs: Graph[];
  y: Float64Array[];
  w: Uint8Array[];
}

/**
 * Per-species loss weights of a batch: atom i of species t gets 1/(present · count_t · ncomp), so the loss is the
 * mean over the species present of each species' mean squared error per component.
 */
export function speciesWeights(
  data: LabelledSet,
  batch: readonly number[],
  nSpecies: number,
  ncomp: number,
): Float64Array {
  const counts = new Float64Array(nSpecies);
  for (const si of batch) {
    const g = data.graphs[si]!;
    for (let i = 0; i < g.n; i++) if (data.w[si]![i]) counts[g.types[i]!]!++;
  }
  const present = counts.reduce((a, c) => a + (c > 0 ? 1 : 0), 0);
  const out = new Float64Array(nSpecies);
  for (let t = 0; t < nSpecies; t++) if (counts[t]! > 0) out[t] = 1 / (present * counts[t]! * ncomp);
  return out;
}

/** Weighted squared error over the structures `part`; accumulates d(loss)/d(params) into grad when given. */
export function lossAndGrad(
  net: Network,
  params: Float64Array,
  data: LabelledSet,
  part: readonly number[],
  weights: Float64Array,
  grad: Float64Array | null,
): number {
  const ncomp = net.ncomp;
  let loss = 0;
  for (const si of part) {
    const g = data.graphs[si]!;
    const cache = net.forward(params, g);
    const gout = new Float64Array(cache.out.length);
    const y = data.y[si]!;
    for (let i = 0; i < g.n; i++) {
      if (!data.w[si]![i]) continue;
      const wi = weights[g.types[i]!]!;
      for (let m = 0; m < ncomp; m++) {
        const r = cache.out[i * ncomp + m]! - y[i * ncomp + m]!;
        loss += wi * r * r;
        gout[i * ncomp + m] = 2 * wi * r;
      }
    }
    if (grad) net.backward(params, cache, gout, grad);
  }
  return loss;
}
